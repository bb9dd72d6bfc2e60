"""Renders the content model into Markdown pages (with Jinja2) for MkDocs.

Nothing here imports MkDocs: it returns {site path: Markdown text} and the
navigation, so tests can render pages without a build, and a move to another
static-site generator only replaces mkdocs_hook.py.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import json
from html import escape

import jinja2
from markupsafe import Markup

from calculators import fields_for
from calculators.vocabulary import Citation, citations_in
from calculators.messages import speaking
from calculators.fields import BOOLEAN, CHOICE, DATE, MULTICHOICE, ROWS, YESNO, Field

from .content import CITATION, Content, GlossaryEntry
from .routes import path_of

TEMPLATES = Path(__file__).resolve().parent / "templates"
BIBLIOGRAPHY = path_of("bibliography")
GLOSSARY = path_of("glossary")
HOSTING = path_of("hosting")
HAZARD_LOG = path_of("hazard-log")
PROGRAMME_MARKER = "<!-- programme -->"
# Hand-written (docs/checking-sources.md); routes.FIXED does not list it yet.
CHECKING_SOURCES = path_of("checking-sources")

# What docs/assets/calculator.js says (status lines, notices), in English; each calculator form carries them in
# the page's language (data-words), so one script speaks every language. {names} are filled in by the script.
CALCULATOR_SCRIPT_WORDS = (
    "Preparing the calculator…",
    "Loading the calculator is taking longer than usual…",
    "Calculator ready.",
    "Calculating…",
    "Result ready below.",
    "One input needs correcting; no result is shown.",
    "Inputs to correct: {count}. No result is shown.",
    "Out of date: the inputs changed. Calculate again.",
    "The result below is out of date: the inputs changed. Calculate again to print or download it.",
    "The calculator could not start: {reason}. Reload the page to try again; the handbook pages still work.",
    "Use at most {limit} rows: group them, for example patients into dose bands.",
    "Use at most {limit} rows (this link asks for {asked}): group them, for example patients into dose bands.",
    "Form cleared; no result is shown.",
)


@dataclass(frozen=True)
class BuildInfo:
    version: str
    built: dt.date
    pyodide_version: str
    runtime_dir: str = "assets/pyodide/"
    runtime_scripts: tuple[str, ...] = ()


def _text(value: str) -> str:
    """Content text for the theme's templates, which write what they are given as HTML: escaped here."""
    return escape(value, quote=True)


def rel_link(from_page: str, to_path: str) -> str:
    """Relative link from one generated .md page to another site path."""
    return posixpath.relpath(to_path, posixpath.dirname(from_page) or ".")


def md_to_html_url(path: str) -> str:
    return re.sub(r"\.md$", ".html", path)


SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'


def name_search_dialog(html: str) -> str:
    """mkdocs-material's search dialog has no accessible name (Lighthouse: aria-dialog-name): give it one."""
    return html.replace(SEARCH_DIALOG, SEARCH_DIALOG[:-1] + ' aria-label="Search the handbook">')


def plain_text(markdown: str) -> str:
    """Markdown → one line of plain text for printed sheets: citations dropped, links as 'text (address)'."""
    text = CITATION.sub("", markdown)
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r"\1 (\2)", text)
    text = re.sub(r"[*_`]+", "", text)
    return re.sub(r"\s+", " ", text).strip().replace(" .", ".")


# ---------------------------------------------------------------- Markdown helpers


def _replace_citations(text: str, content: Content, replace: Any, between: Any = str) -> str:
    """Each citation in `text` replaced by `replace(citation, label)`; the text between by `between(text)`."""
    parts, last = [], 0
    for match, citation in citations_in(text):
        parts.append(between(text[last:match.start()]))
        parts.append(replace(citation, citation.text(content.short_names)))
        last = match.end()
    parts.append(between(text[last:]))
    return "".join(parts)


def _anchor_ids(page: str, text: str):
    """Ids for the anchor phrases of one piece of text on one page: stable from build to build, and
    distinct between pieces (a page renders many)."""
    import hashlib
    import itertools

    stem = hashlib.sha1(f"{page}\n{text}".encode("utf-8")).hexdigest()[:8]
    return (f"cite-{stem}-{n}" for n in itertools.count(1))


def anchor_popup(description: str, popup_id: str) -> str:
    """The words shown when a citation is hovered or focused (CSS only, hidden on paper): the link's
    accessible description (aria-describedby), kept out of its name (aria-hidden)."""
    safe = escape(description, quote=False).replace("*", "&#42;").replace("_", "&#95;").replace("`", "&#96;")
    return f'<span class="cite-anchor" id="{popup_id}" aria-hidden="true">{safe}</span>'


def anchor_words(citation: Citation) -> str:
    return f"Cited passage: \u201c{' '.join(citation.anchor.split())}\u201d" if citation.anchor else ""


def render_citations(text: str, page: str, content: Content) -> str:
    """[@who-2025 §Section] → a Markdown link to the bibliography entry; an anchor phrase
    (`^"..."`) shows on hover and keyboard focus and is the link's description."""
    href = rel_link(page, BIBLIOGRAPHY)
    ids = _anchor_ids(page, text)

    def replace(c: Citation, label: str) -> str:
        if not c.anchor:
            return f"[({label})]({href}#{c.source_id}){{: .cite }}"
        pid = next(ids)
        return (f"[({label}){anchor_popup(anchor_words(c), pid)}]({href}#{c.source_id})"
                f"{{: .cite .cite--anchored aria-describedby=\"{pid}\" }}")
    return _replace_citations(text, content, replace)


def citation_html(text: str, page: str, content: Content) -> str:
    """The same, for text that ends up inside raw HTML (form help): escaped, with an <a> to a .html URL."""
    href = md_to_html_url(rel_link(page, BIBLIOGRAPHY))
    ids = _anchor_ids(page, text)

    def replace(c: Citation, label: str) -> str:
        link = f'{escape(href)}#{escape(c.source_id)}'
        if not c.anchor:
            return f'<a class="cite" href="{link}">{escape(label)}</a>'
        pid = next(ids)
        return (f'<a class="cite cite--anchored" href="{link}" aria-describedby="{pid}">{escape(label)}'
                f'{anchor_popup(anchor_words(c), pid)}</a>')
    return _replace_citations(text, content, replace, escape)


_PROTECTED = re.compile(
    r"(\[[^\]]*\]\([^)]*\)(\{[^}]*\})?|\[@[^\]]*\]|`[^`]*`|<[^>]+>|https?://\S+|\{[^}]*\})")


def link_glossary_terms(body: str, page: str, glossary: tuple[GlossaryEntry, ...]) -> str:
    """Links the first use of each glossary term in a page to its definition.

    Only running text is touched: headings, admonition titles, tables, code,
    existing links, citations and HTML are left alone.
    """
    remaining = {}
    for entry in glossary:
        for name in (entry.term, *entry.aliases):
            remaining.setdefault(name, entry)
    names = sorted(remaining, key=len, reverse=True)
    if not names:
        return body
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
    linked: set[str] = set()
    href = rel_link(page, GLOSSARY)
    out_lines = []
    in_code = False
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
        if in_code or stripped.startswith(("#", "!!!", "???", "|", "<")) or not stripped:
            out_lines.append(line)
            continue
        rebuilt, pos = [], 0
        for m in _PROTECTED.finditer(line):
            rebuilt.append(_link_in(line[pos:m.start()], pattern, remaining, linked, href))
            rebuilt.append(m.group(0))
            pos = m.end()
        rebuilt.append(_link_in(line[pos:], pattern, remaining, linked, href))
        out_lines.append("".join(rebuilt))
    return "\n".join(out_lines)


def _link_in(text: str, pattern: re.Pattern[str], remaining: dict[str, GlossaryEntry],
             linked: set[str], href: str) -> str:
    def replace(match: re.Match[str]) -> str:
        entry = remaining.get(match.group(1))
        if entry is None or entry.slug in linked:
            return match.group(0)
        linked.add(entry.slug)
        return f"[{match.group(1)}]({href}#{entry.slug}){{: .glossary-term title=\"See the glossary\" }}"
    return pattern.sub(replace, text)


class NumberedCitations:
    """Citations as numbered notes: one number per source and section, however often it is cited.

    For one-page sheets (job aids) the numbers link to the bibliography and the sources line
    resolves them (`listing`). For chapters (`notes="note"`) they link to a Notes list at the end
    of the page (`notes_html`), which gives each number's source, section and the anchored
    passages cited, and links back to the text. Each number is a link named "Note 3"; its source,
    and the anchored passage, show on hover and keyboard focus and are its description.
    """

    def __init__(self, content: Content, page: str, notes: str = ""):
        self.content, self.page, self.notes = content, page, notes
        self.order: list[tuple[str, str]] = []
        self.anchors: dict[tuple[str, str], list[str]] = {}
        self.uses: dict[tuple[str, str], int] = {}

    def render(self, text: str) -> str:
        ids = _anchor_ids(self.page, text)

        def replace(citation: Citation, label: str) -> str:
            key = (citation.source_id, citation.section)
            if key not in self.order:
                self.order.append(key)
            number = self.order.index(key) + 1
            phrase = " ".join(citation.anchor.split())
            if phrase and phrase not in self.anchors.setdefault(key, []):
                self.anchors[key].append(phrase)
            self.uses[key] = self.uses.get(key, 0) + 1
            pid = next(ids)
            words = f"{label}: \u201c{phrase}\u201d" if phrase else label
            if self.notes:
                href, own = f"#{self.notes}-{number}", f' id="{self.notes}-{number}-ref-{self.uses[key]}"'
            else:
                href, own = f"{rel_link(self.page, BIBLIOGRAPHY)}#{key[0]}", ""
            return (f"<sup class=\"cite-note\">[{number}{anchor_popup(words, pid)}]({href})"
                    f"{{: .cite{own} aria-label=\"Note {number}\" aria-describedby=\"{pid}\" }}</sup>")
        # A note number sits against the word before it: "dependence¹", not "dependence ¹".
        return re.sub(r"[ \t]+(<sup class=\"cite-note\">)", r"\1", _replace_citations(text, self.content, replace))

    def listing(self) -> list[tuple[str, str]]:
        href = rel_link(self.page, BIBLIOGRAPHY)
        names = self.content.short_names
        return [(Citation(i, s).text(names), f"{href}#{i}") for i, s in self.order]

    def notes_html(self) -> Markup:
        """The Notes list: number → source and section (linked to the bibliography), the anchored
        passages cited, and a link back to where the note is first used."""
        href = md_to_html_url(rel_link(self.page, BIBLIOGRAPHY))
        names = self.content.short_names
        items = []
        for number, key in enumerate(self.order, 1):
            label = Citation(*key).text(names)
            phrases = "; ".join(f"\u201c{escape(p)}\u201d" for p in self.anchors.get(key, ()))
            passages = f' <span class="chapter-notes__passages">Passages cited: {phrases}</span>' if phrases else ""
            back = (f' <a class="chapter-notes__back" href="#{self.notes}-{number}-ref-1" '
                    f'aria-label="Back to the first use of note {number}">\u21a9</a>')
            items.append(f'<li id="{self.notes}-{number}"><a href="{escape(href)}#{escape(key[0])}">'
                         f'{escape(label)}</a>.{passages}{back}</li>')
        return Markup('<ol class="chapter-notes">\n' + "\n".join(items) + "\n</ol>") if items else Markup("")


def demote_headings(body: str, levels: int = 1) -> str:
    return re.sub(r"^(#{2,5}) ", lambda m: "#" * (len(m.group(1)) + levels) + " ", body, flags=re.M)


# ---------------------------------------------------------------- forms


@dataclass(frozen=True)
class FormField:
    """A field as the form template needs it: the declaration plus rendered help and choices."""

    field: Field
    id: str
    help_html: str
    choices: tuple[tuple[str, str, str], ...]  # (value, label, shown_when attribute)
    shown_when: str
    columns: tuple["FormField", ...] = ()

    @property
    def default(self) -> str:
        return self.field.default or ""


def _shown_when_attr(rules: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    return ";".join(f"{name}={'|'.join(values)}" for name, values in rules)


def _data_choices(f: Field, data: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    items = data.get(f.choices_from) or []
    choices = []
    for item in items:
        if isinstance(item, dict) and "id" in item:
            shown = f"medicine={item['medicine']}" if "medicine" in item else ""
            choices.append((str(item["id"]), str(item.get("label") or item.get("title") or item["id"]), shown))
    return tuple(choices)


def form_fields(calculator: str, data: dict[str, Any], page: str, content: Content) -> tuple[FormField, ...]:
    declared = fields_for(calculator, data)
    merged: dict[tuple[str, str], Field] = {}
    for f in declared:
        # The same question under several profiles is one control, so switching keeps the answer.
        # The same name with a different question stays separate: only the shown one is sent.
        key = (f.name, f.label)
        if key in merged and merged[key].shown_when and f.shown_when:
            old = merged[key]
            rules = dict((k, set(v)) for k, v in old.shown_when)
            for k, v in f.shown_when:
                rules.setdefault(k, set()).update(v)
            merged[key] = _replace(old, shown_when=tuple((k, tuple(sorted(v))) for k, v in rules.items()))
        else:
            merged.setdefault(key, f)

    local_defaults = content.settings.form_defaults(calculator)   # e.g. the programme's take-home profile
    merged = {key: _replace(f, default=local_defaults[f.name]) if f.name in local_defaults else f
              for key, f in merged.items()}
    # Formulations: each medicine's usual one is listed first (the form selects the first it shows), and the help
    # says which it is and that the local settings choose it (content/settings.yml, formulations_in_use).
    usual = {str(i["id"]): i for i in data.get("formulations") or () if isinstance(i, dict) and i.get("default")}
    merged = {key: _replace(f, help=f"{f.help.split(' Empty:')[0]} {_usual_formulations_text(usual, content)}")
              if f.choices_from == "formulations" and usual else f for key, f in merged.items()}

    def build(f: Field, prefix: str) -> FormField:
        choices = tuple((c.value, c.label, "") for c in f.choices)
        if f.choices_from:
            choices = _data_choices(f, data)
        if f.choices_from == "formulations":
            choices = _usual_first(choices, usual)
        help_text = f.help
        bounds = f.bounds_text()
        if bounds and f.kind not in (CHOICE, MULTICHOICE, YESNO, BOOLEAN, DATE, ROWS):
            help_text = f"{help_text} Allowed: {bounds}."
        if f.source:
            help_text = f"{help_text} Basis: {f.source}"
        fid = f"{prefix}-{re.sub(r'[^a-zA-Z0-9]+', '-', f.name)}"
        return FormField(f, fid, Markup(citation_html(help_text.strip(), page, content)), choices,
                         _shown_when_attr(f.shown_when),
                         tuple(build(c, fid) for c in f.columns) if f.kind == ROWS else ())

    built, seen_ids = [], set()
    for f in merged.values():
        ff = build(f, f"f-{calculator}")
        n = 2
        while ff.id in seen_ids:  # ids stay unique when a name appears under several questions
            ff = build(f, f"f-{calculator}{n}")
            n += 1
        seen_ids.add(ff.id)
        built.append(ff)
    return tuple(built)


def _replace(f: Field, **changes: Any) -> Field:
    from dataclasses import replace
    return replace(f, **changes)


def _usual_first(choices: tuple[tuple[str, str, str], ...], usual: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """Each medicine's usual formulation moved to the place of that medicine's first one; the rest keep their order."""
    out = list(choices)
    for choice in choices:
        if choice[0] in usual:
            first = next(j for j, c in enumerate(out) if c[2] == choice[2])
            out.remove(choice)
            out.insert(first, choice)
    return tuple(out)


def _usual_formulations_text(usual: dict[str, Any], content: Content) -> str:
    """Which formulation is used when none is chosen (the form shows it first), and where that is set."""
    names = "; ".join(f"{i.get('medicine', '')}: {i.get('label', i['id'])}" for i in usual.values())
    where = ("chosen by this programme's local settings (formulations_in_use)" if content.settings.formulations_in_use
             else "this handbook's defaults; a programme chooses its own in its local settings (formulations_in_use)")
    return f"In use unless you choose another: {names}; {where}."


# ---------------------------------------------------------------- pages


class Renderer:
    def __init__(self, content: Content, info: BuildInfo, lang: str = "en"):
        from . import i18n

        self.content = content
        self.info = info
        # The language of the pages (sitebuild.i18n): interface words through t(), calculators' labels from its catalog.
        self.lang = lang
        self.t = i18n.translator(lang)
        # Pages in another language are one folder down (fr/...): shared files (the runtime) are one level up.
        self.up = "" if lang == i18n.DEFAULT else "../"
        self.situations = None  # sitebuild.situations.Situations, set by the build: the home page's entries
        self.env = jinja2.Environment(
            # Every value is escaped unless it is already Markup: rendered Markdown from content/, rendered
            # templates and form help built here. Anything else (settings, profile questions) is text.
            loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(kinds={"CHOICE": CHOICE, "MULTICHOICE": MULTICHOICE, "YESNO": YESNO,
                                       "BOOLEAN": BOOLEAN, "DATE": DATE, "ROWS": ROWS},
                                info=info, content=content, t=self.t, lang=lang)
        self.env.filters["t"] = self.t
        self.env.filters["calculator_text"] = self.calculator_text
        self.env.filters["taper_heading"] = self.taper_heading
        self.env.filters["off_target_text"] = lambda pair: self.t("{start} mg ({days} days)").format(
            start=pair[0], days=pair[1])
        self.env.filters["date"] = lambda d: d.isoformat() if hasattr(d, "isoformat") else str(d)
        # Front matter: a YAML string (JSON's quoting is valid YAML) holding HTML-escaped text, because the
        # theme writes page titles and descriptions into its pages as they are (MkDocs' templates do not
        # escape).
        self.env.filters["yaml_text"] = lambda text: Markup(json.dumps(_text(str(text)), ensure_ascii=False))

    def calculator_text(self, english: str) -> str:
        """A text the calculators give (a formulation's label), in the page's language: their message catalog."""
        catalog = ((self.content.calculator_data.get("messages") or {}).get(self.lang) or {}).get("catalog") or {}
        translated = catalog.get(english)
        return translated if isinstance(translated, str) and translated else english

    def taper_heading(self, column: str) -> str:
        """A column of a printed taper table (reference_tables.TaperTable.columns) in the page's language."""
        day = re.fullmatch(r"Day (\d+)", column)
        return self.t("Day {n}").format(n=day.group(1)) if day else self.t(column)

    def _md(self, text: str, page: str, glossary: bool = False) -> Markup:
        """Content Markdown, with glossary links and citations, as Markup: it is written to be rendered."""
        if glossary:
            text = link_glossary_terms(text, page, self.content.glossary)
        return Markup(render_citations(text, page, self.content))

    def _sources_line(self, refs, page: str) -> str:
        parts = []
        for ref in refs:
            source = self.content.source(ref.id)
            label = Citation(source.id, "; ".join(ref.sections)).text(self.content.short_names)
            parts.append(f"[{escape(label)}]({rel_link(page, BIBLIOGRAPHY)}#{source.id})")
        return Markup("; ".join(parts))

    def render(self, name: str, **values: Any) -> Markup:
        return Markup(self.env.get_template(name).render(**values))

    # ------------------------------------------------------------ local settings

    def programme_facts(self) -> dict[str, str]:
        """The local settings as plain text, for the footer, printed pages and calculator sheets."""
        s = self.content.settings
        return {"name": s.programme_name, "contacts": s.contacts_line, "newer_copy": s.newer_copy,
                "naloxone": plain_text(s.naloxone),
                "line": " · ".join(part for part in (s.programme_name, s.contacts_line) if part)}

    def programme_box(self, page: str) -> str:
        settings = self.content.settings
        return self.render("programme.md.j2", settings=settings, hosting=rel_link(page, HOSTING),
                           naloxone=self._md(settings.naloxone, page),
                           protocols=[(link.title, link.url if link.url.startswith("https://")
                                       else rel_link(page, link.url)) for link in settings.local_protocols])

    def runtime_scripts(self) -> list[str]:
        """The runtime files a calculator page names: all of them but the other languages' messages (English pages
        need none: the calculators' own text is English)."""
        own = f"messages-{self.lang}.js"
        return [n for n in self.info.runtime_scripts if not n.startswith("messages-") or n.split("?")[0] == own]

    def results_partly_english(self) -> bool:
        """Whether some message of the calculators has no translation in this page's language (the reader then
        sees that sentence in English, and the calculator page says so)."""
        if self.lang == "en":
            return False
        from .messages import all_messages
        catalog = ((self.content.calculator_data.get("messages") or {}).get(self.lang) or {}).get("catalog") or {}
        return any(text not in catalog for text in all_messages(self.content.calculator_data))

    def signoff_notice(self, page: str) -> Markup:
        """Whether a local clinical lead reviewed this copy (content/settings.yml `clinical_signoff`), as one
        short line for calculator pages (on screen and on paper) and every printed sheet. A review of another
        version does not count: the notice then says this version has not been reviewed."""
        signoff = self.content.settings.clinical_signoff
        version = self.info.version
        about = md_to_html_url(rel_link(page, HOSTING)) + "#clinical-review"
        more = f' <a class="no-print" href="{escape(about)}">{escape(self.t("What this means"))}</a>'
        if signoff is not None and signoff.covers(version):
            state = "reviewed"
            text = self.t("Reviewed for local use by {name} ({role}) on {date}, for handbook version {version}.").format(
                name=escape(signoff.name), role=escape(signoff.role), date=signoff.date.isoformat(), version=escape(version))
            more = ""
        elif signoff is not None:
            state = "stale"
            text = self.t("This version ({version}) has not been reviewed by a local clinical lead. The last review, by "
                          "{name} ({role}) on {date}, was for an older version ({old}).").format(
                version=escape(version), name=escape(signoff.name), role=escape(signoff.role),
                date=signoff.date.isoformat(), old=escape(signoff.handbook_version))
        else:
            state = "absent"
            text = escape(self.t("This copy has not been reviewed by a local clinical lead. Use it with your local protocols."))
        return Markup(f'<p class="signoff-notice signoff-notice--{state}" data-signoff="{state}">'
                      f'{text}{more}</p>')

    def fill_markers(self, markdown: str, page: str) -> str:
        """`<!-- programme -->` in a hand-written page → the programme's local settings;
        `<!-- situations -->` → the situations of content/situations.yml (sitebuild.situations)."""
        if PROGRAMME_MARKER in markdown:
            markdown = markdown.replace(PROGRAMME_MARKER, str(self.programme_box(page)))
        from . import situations
        if situations.MARKER in markdown and self.situations is not None:
            markdown = markdown.replace(situations.MARKER, situations.render(self.situations, page, self.t))
        return markdown

    def pages(self) -> dict[str, str]:
        c = self.content
        out: dict[str, str] = {}
        for ch in c.chapters:
            page = path_of("chapter", ch)
            # Numbered notes, not the same inline citation again and again (issue #15).
            notes = NumberedCitations(c, page, notes="note")
            body = Markup(notes.render(link_glossary_terms(ch.body, page, c.glossary)))
            out[page] = self.render("chapter.md.j2", chapter=ch, body=body, notes=notes.notes_html(),
                                    sources=self._sources_line(ch.sources, page))
        out[path_of("handbook")] = self.render("handbook_index.md.j2", chapters=c.chapters)
        whole = path_of("handbook-print")
        out[whole] = self.render(
            "print.md.j2", chapters=c.chapters,
            bodies={ch.slug: self._md(demote_headings(ch.body), whole) for ch in c.chapters},
            sources={ch.slug: self._sources_line(ch.sources, whole) for ch in c.chapters},
            signoff=self.signoff_notice(whole))
        for aid in c.job_aids:
            page = path_of("job-aid", aid)
            notes = NumberedCitations(c, page)
            out[page] = self.render("job_aid.md.j2", aid=aid, md=lambda text: Markup(notes.render(str(text))),
                                    notes=notes.listing,
                                    sources=self._sources_line(aid.sources, page),
                                    signoff=self.signoff_notice(page))
        out[path_of("job-aids")] = self.render("job_aids_index.md.j2", aids=c.job_aids)
        for calc in c.calculator_pages:
            page = path_of("calculator", calc)
            # In the page's language: the allowed range in the help ("de 0,1 à 100 %") is the calculators' text.
            with speaking((c.calculator_data.get("messages") or {}).get(self.lang)):
                fields = form_fields(calc.calculator, c.site_data, page, c)
            if self.lang != "en":   # labels and help in the page's language; names, ids and values unchanged
                from . import i18n
                fields = i18n.translate_fields(fields, calc.calculator, i18n.calculator_catalog(self.lang), self.t)
            runtime = self.up + rel_link(page, self.info.runtime_dir) + "/"
            runtime_scripts = " ".join(self.runtime_scripts())
            form = self.render("form.html.j2", calc=calc, fields=fields,
                               bibliography=md_to_html_url(rel_link(page, BIBLIOGRAPHY)),
                               runtime=runtime, runtime_scripts=runtime_scripts,
                               programme=self.programme_facts(),
                               script_words={w: self.t(w) for w in CALCULATOR_SCRIPT_WORDS})
            body = Markup(str(self._md(calc.body, page)).replace("<!-- calculator -->", str(form)))
            out[page] = self.render("calculator.md.j2", calc=calc, body=body,
                                    runtime=runtime, runtime_scripts=runtime_scripts,
                                    sources=self._sources_line(calc.sources, page),
                                    signoff=self.signoff_notice(page),
                                    results_partly_english=self.results_partly_english())
        out[path_of("calculators")] = self.render("calculators_index.md.j2", pages=c.calculator_pages)
        from .citation_report import anchored_passages
        out[BIBLIOGRAPHY] = self.render("bibliography.md.j2", sources=c.sources, passages=anchored_passages(c))
        out[GLOSSARY] = self.render("glossary.md.j2",
                                    entries=[(g, self._md(g.definition, GLOSSARY)) for g in c.glossary])
        out[path_of("about")] = self.render("about.md.j2", who=c.source("who-2025"))
        out[HAZARD_LOG] = self.render(
            "hazard_log.md.j2", hazards=[(h, {name: self._md(getattr(h, name), HAZARD_LOG) for name in
                                              ("title", "cause", "effect", "residual", "source")},
                                          [self._md(ctl.text, HAZARD_LOG) for ctl in h.controls]) for h in c.hazards])
        return {path: str(text) for path, text in out.items()}

    def nav(self) -> list[Any]:
        c = self.content
        t = lambda words: _text(self.t(words))   # noqa: E731  the page's language
        parts: dict[str, list[Any]] = {}
        for ch in c.chapters:
            parts.setdefault(ch.part, []).append({_text(ch.title): path_of("chapter", ch)})
        handbook: list[Any] = [{t("Contents"): path_of("handbook")}]
        for part, items in parts.items():
            handbook.append({t(part): items})
        handbook.append({t("Whole handbook (print)"): path_of("handbook-print")})
        return [
            {t("Home"): path_of("home")},
            {t("Handbook"): handbook},
            {t("Calculators"): [{t("All calculators"): path_of("calculators")}]
             + [{_text(p.title): path_of("calculator", p)} for p in c.calculator_pages]
             + [{t("Writing a take-home profile"): path_of("writing-a-profile")}]},
            {t("Job aids"): [{t("All job aids"): path_of("job-aids")}]
             + [{_text(a.title): path_of("job-aid", a)} for a in c.job_aids]},
            {t("About this handbook"): path_of("about-this-handbook")},
            {t("Using this handbook offline"): path_of("using-offline")},
            {t("Hosting your own copy"): path_of("hosting")},
            {t("Glossary"): path_of("glossary")},
            {t("Bibliography"): path_of("bibliography")},
            {t("How we check our sources"): CHECKING_SOURCES},
            {t("Clinical hazard log"): path_of("hazard-log")},
            {t("About and licence"): path_of("about")},
        ]
