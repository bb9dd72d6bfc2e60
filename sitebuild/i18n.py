"""Languages: the translations of content/translations/<lang>/ (README there is the contract).

Nothing here imports MkDocs. `localize(content, lang)` gives the content model in one language: every
chapter, job aid, calculator page and the glossary from its translation when the translation is current
(its `translates:` is the first 12 hex digits of the SHA-256 of the English file), else the English item,
with the reason recorded, so the page says in the reader's language that it is shown in English.
`interface(lang)` gives the words of the site's own pages and forms (content/translations/<lang>/interface.yml),
`translate_fields` the calculators' labels and help (<lang>/calculators.yml). The MkDocs side (language
folders, the switcher, per-language search) is in sitebuild/mkdocs_hook.py with the mkdocs-static-i18n plugin.

    python -m sitebuild.i18n hash FILE        the hash a translation of FILE records
    python -m sitebuild.i18n report           which pages are translated, missing or behind, per language
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .content import Content, default_content_dir, split_front_matter
from .routes import path_of

DEFAULT = "en"
# Code → (name in that language, text direction). English first: the reference, at the site's root.
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("English", "ltr"),
    "fr": ("Français", "ltr"),
    "ru": ("Русский", "ltr"),
    "uk": ("Українська", "ltr"),
    "ar": ("العربية", "rtl"),
}
# Search (lunr, in the browser): the stemmers Material ships, for French, Russian and Arabic (English added where
# pages mix in Latin words: drug names, OAMT). Ukrainian has no stemmer: no stemming, words split at spaces
# and punctuation.
SEARCH = {
    "en": {"lang": ["en"]},
    "fr": {"lang": ["fr"]},
    "ru": {"lang": ["ru", "en"]},
    "uk": {"lang": ["en"], "pipeline": [], "separator": r"[\s\-.,:;!?()\[\]«»\"'„“”/]+"},
    "ar": {"lang": ["ar", "en"]},
}
STATUS = ("translated", "missing", "behind")
NOTICES = {
    "missing": "This page has not been translated yet; it is shown in English.",
    "behind": "The translation of this page is older than the English page; the English page is shown.",
}
# The statement WHO's licence (CC BY-NC-SA 3.0 IGO) asks every translation to carry, in the translation's
# language. It is looked up by this name, not by WHO's English words, which no translated page shows.
WHO_STATEMENT = "WHO's statement for translations"


def translations_dir(content_dir: Path | None = None) -> Path:
    return (content_dir or default_content_dir()) / "translations"


def file_hash(path: Path) -> str:
    """What a translation's `translates:` records: the first 12 hex digits of the English file's SHA-256."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def read_markdown(path: Path) -> tuple[dict, str] | None:
    """A translated Markdown file: (front matter, body), or None if absent or unreadable."""
    if not path.is_file():
        return None
    parts = split_front_matter(path.read_text(encoding="utf-8"))
    if parts is None:
        return None
    meta = yaml.safe_load(parts[0]) or {}
    return (meta if isinstance(meta, dict) else {}), parts[1]


# ---------------------------------------------------------------- interface words


_INTERFACE_CACHE: dict[tuple[str, str], dict[str, str]] = {}


def interface(lang: str, content_dir: Path | None = None) -> dict[str, str]:
    """English phrase → its translation (content/translations/<lang>/interface.yml); {} for English."""
    if lang == DEFAULT:
        return {}
    key = (lang, str(content_dir))
    if key not in _INTERFACE_CACHE:
        data = _yaml(translations_dir(content_dir) / lang / "interface.yml") or {}
        words = data.get("words", data) if isinstance(data, dict) else {}
        _INTERFACE_CACHE[key] = {str(k): str(v) for k, v in words.items() if isinstance(v, str) and k != "translates"}
    return _INTERFACE_CACHE[key]


def translator(lang: str, content_dir: Path | None = None):
    """t(english) → the phrase in `lang`, English when the interface file does not have it."""
    words = interface(lang, content_dir)

    def t(text: str) -> str:
        return words.get(text, text)
    return t


# ---------------------------------------------------------------- the content model in one language


@dataclass
class Report:
    """Per language: page (site path) → translated, missing or behind; and the English file each rests on."""
    pages: dict[str, dict[str, str]] = field(default_factory=dict)      # lang → {page: status}
    files: dict[str, dict[str, str]] = field(default_factory=dict)      # lang → {page: translation file}

    def set(self, lang: str, page: str, status: str, file: str = "") -> None:
        self.pages.setdefault(lang, {})[page] = status
        if file:
            self.files.setdefault(lang, {})[page] = file

    def status(self, lang: str, page: str) -> str | None:
        return self.pages.get(lang, {}).get(page)

    def as_json(self) -> dict:
        out = {}
        for lang, pages in sorted(self.pages.items()):
            out[lang] = {s: sorted(p for p, v in pages.items() if v == s) for s in STATUS}
            out[lang]["counts"] = {s: len(out[lang][s]) for s in STATUS}
        return out

    def summary(self) -> str:
        data = self.as_json()
        return "Translations: " + "; ".join(
            f"{lang}: {d['counts']['translated']} translated, {d['counts']['missing']} missing, "
            f"{d['counts']['behind']} behind" + (f" ({', '.join(d['behind'])})" if d["behind"] else "")
            for lang, d in data.items())


def _current(meta: dict, english: Path) -> bool:
    return str(meta.get("translates", "")).strip() == file_hash(english)


def _translated_blocks(aid, raw: Any):
    """The job aid's blocks with the translated headings and items; None if they do not match in kind and number."""
    if not isinstance(raw, list) or len(raw) != len(aid.blocks):
        return None
    out = []
    for block, tr in zip(aid.blocks, raw):
        if not isinstance(tr, dict) or not tr.get("heading"):
            return None
        if block.kind == "taper_table":          # the numbers come from the calculator: only the heading
            out.append(replace(block, heading=str(tr["heading"])))
        elif block.kind == "table":
            cols, rows = tr.get("columns") or [], tr.get("rows") or []
            if len(cols) != len(block.columns) or len(rows) != len(block.rows):
                return None
            out.append(replace(block, heading=str(tr["heading"]), columns=tuple(map(str, cols)),
                               rows=tuple(tuple(map(str, r)) for r in rows)))
        else:
            items = tr.get("items") or []
            if len(items) != len(block.items):
                return None
            out.append(replace(block, heading=str(tr["heading"]), items=tuple(map(str, items))))
    return tuple(out)


def localize(content: Content, lang: str, report: Report | None = None,
             content_dir: Path | None = None) -> Content:
    """The content model in `lang`: each item from its current translation, else English (recorded in `report`)."""
    if lang == DEFAULT:
        return content
    report = report if report is not None else Report()
    root = content_dir or default_content_dir()
    tdir = translations_dir(root) / lang

    def status(page: str, english: Path, meta: dict | None, tfile: Path) -> bool:
        rel = tfile.relative_to(root).as_posix()
        if meta is None:
            report.set(lang, page, "missing")
            return False
        ok = _current(meta, english)
        report.set(lang, page, "translated" if ok else "behind", rel)
        return ok

    chapters = []
    for ch in content.chapters:
        english = root / ch.file if (root / ch.file).is_file() else root / "chapters" / Path(ch.file).name
        tfile = tdir / "chapters" / english.name
        found = read_markdown(tfile)
        if status(path_of("chapter", ch), english, found[0] if found else None, tfile):
            meta, body = found
            ch = replace(ch, title=str(meta.get("title", ch.title)), summary=str(meta.get("summary", ch.summary)),
                         body=body)
        chapters.append(ch)

    aids = []
    for aid in content.job_aids:
        english = root / "job-aids" / f"{aid.slug}.yml"
        tfile = tdir / "job-aids" / f"{aid.slug}.yml"
        data = _yaml(tfile)
        blocks = _translated_blocks(aid, data.get("blocks")) if isinstance(data, dict) else None
        meta = data if isinstance(data, dict) else None
        if meta is not None and blocks is None:
            meta = {}    # present but not matching the English blocks: behind
        if status(path_of("job-aid", aid), english, meta, tfile):
            aid = replace(aid, title=str(data.get("title", aid.title)), summary=str(data.get("summary", aid.summary)),
                          intro=str(data.get("intro", aid.intro)), footer=str(data.get("footer", aid.footer) or ""),
                          blocks=blocks)
        aids.append(aid)

    calcs = []
    for calc in content.calculator_pages:
        english = root / "calculators" / f"{calc.slug}.md"
        tfile = tdir / "calculators" / f"{calc.slug}.md"
        found = read_markdown(tfile)
        if status(path_of("calculator", calc), english, found[0] if found else None, tfile):
            meta, body = found
            calc = replace(calc, title=str(meta.get("title", calc.title)),
                           summary=str(meta.get("summary", calc.summary)), body=body)
        calcs.append(calc)

    glossary = content.glossary
    data = _yaml(tdir / "glossary.yml")
    meta = data if isinstance(data, dict) else None
    if status(path_of("glossary"), root / "glossary.yml", meta, tdir / "glossary.yml"):
        by_en = {str(e.get("en")): e for e in data.get("entries") or () if isinstance(e, dict)}
        glossary = tuple(
            replace(g, term=str(by_en[g.term].get("term", g.term)),
                    definition=str(by_en[g.term].get("definition", g.definition)),
                    aliases=tuple(map(str, by_en[g.term].get("aliases") or ())))
            if g.term in by_en else g for g in content.glossary)

    return replace(content, chapters=tuple(chapters), job_aids=tuple(aids), calculator_pages=tuple(calcs),
                   glossary=glossary)


def localize_situations(situations, lang: str, content_dir: Path | None = None, report: Report | None = None):
    """The home page's situations in `lang` (<lang>/situations.yml), English where not translated or behind."""
    if lang == DEFAULT or situations is None:
        return situations
    root = content_dir or default_content_dir()
    data = _yaml(translations_dir(root) / lang / "situations.yml")
    current = isinstance(data, dict) and _current(data, root / "situations.yml")
    if report is not None:
        report.set(lang, "situations.yml", "missing" if data is None else "translated" if current else "behind")
    if not current:
        return situations
    by_id = data.get("situations") or {}
    items = []
    for s in situations.items:
        tr = by_id.get(s.id)
        if not isinstance(tr, dict):
            items.append(s)
            continue
        labels = list(tr.get("labels") or [])
        links = tuple(replace(link, label=str(labels[i]) if i < len(labels) and labels[i] else link.label)
                      for i, link in enumerate(s.links))
        items.append(replace(s, title=str(tr.get("title", s.title)), first_step=str(tr.get("first_step", s.first_step)),
                             links=links, keywords=tuple(map(str, tr.get("keywords") or s.keywords))))
    emergency = situations.emergency
    if emergency is not None and data.get("emergency_label"):
        emergency = replace(emergency, label=str(data["emergency_label"]))
    return replace(situations, items=tuple(items), emergency=emergency)


def docs_page(lang: str, name: str, docs_dir: Path, content_dir: Path | None = None,
              report: Report | None = None) -> str | None:
    """A hand-written page (docs/<name>) in `lang`: the Markdown to serve, or None (the English page, with
    the notice added by the caller). Translations: content/translations/<lang>/docs/<name> with front matter
    title, description, translates."""
    root = content_dir or default_content_dir()
    tfile = translations_dir(root) / lang / "docs" / name
    found = read_markdown(tfile)
    english = docs_dir / name
    if found is None:
        if report is not None:
            report.set(lang, name, "missing")
        return None
    meta, body = found
    ok = english.is_file() and _current(meta, english)
    if report is not None:
        report.set(lang, name, "translated" if ok else "behind", tfile.relative_to(root).as_posix())
    if not ok:
        return None
    front = {k: meta[k] for k in ("title", "description") if k in meta}
    return "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n" + body


# ---------------------------------------------------------------- notices and the licence statement


def notice_html(kind: str, t) -> str:
    return (f'<p class="translation-notice translation-notice--{kind}" data-translation="{kind}">'
            f'{_esc(t(NOTICES[kind]))}</p>')


def statement_html(t) -> str:
    return f'<p class="translation-statement">{_esc(t(WHO_STATEMENT))}</p>'


def _esc(text: str) -> str:
    from html import escape
    return escape(text, quote=False)


_H1 = re.compile(r"^# .*$", re.M)


def insert_after_title(markdown: str, html: str) -> str:
    """`html` after the page's first `# ` heading (or at the top of the body)."""
    m = _H1.search(markdown)
    if m:
        return markdown[:m.end()] + "\n\n" + html + "\n" + markdown[m.end():]
    parts = split_front_matter(markdown)
    if parts is not None:
        return f"---\n{parts[0]}\n---\n{html}\n\n{parts[1]}"
    return html + "\n\n" + markdown


def mark_pages(pages: dict[str, str], lang: str, report: Report, t) -> dict[str, str]:
    """Each rendered page in `lang` with its notice (shown in English, or translation behind); the About page
    with WHO's statement for translations."""
    if lang == DEFAULT:
        return pages
    out = {}
    for path, text in pages.items():
        state = report.status(lang, path)
        if state in NOTICES:
            text = insert_after_title(text, notice_html(state, t))
        if path == path_of("about"):
            text = insert_after_title(text, statement_html(t))
        out[path] = text
    return out


# ---------------------------------------------------------------- calculators' labels and help


def calculator_catalog(lang: str, content_dir: Path | None = None) -> dict:
    """<lang>/calculators.yml: {calculator: {field name: {label, help, unit, choices: {value: label}}}}."""
    if lang == DEFAULT:
        return {}
    data = _yaml(translations_dir(content_dir) / lang / "calculators.yml")
    return data if isinstance(data, dict) else {}


def translate_fields(fields: tuple, calculator: str, catalog: dict, t=None) -> tuple:
    """FormFields (sitebuild.pages.form_fields) with labels, help and choice labels from the catalog.
    Names, ids and values are left alone: the JSON contract stays the same in every language."""
    from markupsafe import Markup

    entries = catalog.get(calculator) or {}
    out = []
    for ff in fields:
        entry = entries.get(ff.field.name) or {}
        if isinstance(entry, list):     # one name asked as several questions: the entry whose `en` is this label
            entry = next((e for e in entry if isinstance(e, dict) and e.get("en") == ff.field.label), {})
        elif entry.get("en") and entry["en"] != ff.field.label:
            entry = {}                  # the English label changed: keep the English until the catalog follows
        f = ff.field
        changes = {}
        if entry.get("label"):
            changes["label"] = str(entry["label"])
        if entry.get("unit") and getattr(f, "unit", None):
            changes["unit"] = str(entry["unit"])
        if t and f.placeholder.startswith("e.g. "):   # an example value: the words translated, the number kept
            changes["placeholder"] = f"{t('e.g.')} {f.placeholder[len('e.g. '):]}"
        if changes:
            f = replace(f, **changes)
        help_html = ff.help_html
        if entry.get("help"):
            # The citations stay as they are, after " Basis: " (the form shows the help up to there).
            # The allowed range (numbers) is kept, its word translated.
            basis = str(ff.help_html).split(" Basis: ", 1)
            allowed = re.search(r" Allowed: ([^<]*?\.)(?= Basis: |$)", str(ff.help_html))
            text = _esc(str(entry["help"]))
            if allowed:
                text += f" {_esc((t or str)('Allowed:'))} {allowed.group(1)}"
            help_html = Markup(text + (" Basis: " + basis[1] if len(basis) == 2 else ""))
        choice_labels = entry.get("choices") or {}
        choices = tuple((v, str(choice_labels.get(v, label)), shown) for v, label, shown in ff.choices)
        columns = translate_fields(ff.columns, calculator, {calculator: entry.get("columns") or {}}, t) \
            if ff.columns else ff.columns
        out.append(replace(ff, field=f, help_html=help_html, choices=choices, columns=columns))
    return tuple(out)


# ---------------------------------------------------------------- the report


def build_report(content: Content, docs_dir: Path, content_dir: Path | None = None) -> Report:
    report = Report()
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        localize(content, lang, report, content_dir)
        for name in sorted(p.name for p in docs_dir.glob("*.md")):
            docs_page(lang, name, docs_dir, content_dir, report)
    return report


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "hash":
        print(file_hash(Path(argv[1])))
        return 0
    if argv and argv[0] == "report":
        from . import content as content_model
        loaded = content_model.load(default_content_dir())
        report = build_report(loaded, Path(__file__).resolve().parent.parent / "docs")
        print(json.dumps(report.as_json(), indent=1, ensure_ascii=False))
        print(report.summary())
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
