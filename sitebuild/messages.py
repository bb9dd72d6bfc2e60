"""The calculators' messages in every language: find them in the code, keep the .po files up to date,
check them and compile them for the calculators (calculators/messages.py says how they are used).

- The messages are found by reading the calculators' code: every `tr`/`marked` call with a literal
  text, and every `tr_n`/`marked_n` call with a literal singular and plural.
- The translations are gettext .po files, one per calculator module and language:
  content/translations/<lang>/messages/<module>.po, next to <lang>/locale.yml (how the language writes
  numbers and dates, and its plural rule). `python -m sitebuild.messages update [--module M]` adds new
  messages (empty) and marks the ones whose English changed as fuzzy, keeping every translation.
- `compile_all` (the build) checks every file and returns {lang: {"locale", "catalog"}}: a translation must
  keep exactly the {placeholders} of its English; a fuzzy or empty one is left out, so the reader sees the
  English sentence. The field labels and choices of <lang>/calculators.yml join the catalog, so a result
  names the inputs as the translated form does.
- `python -m sitebuild.messages report` lists, per language, the messages still in English.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import hashlib
import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from calculators.messages import PLURAL_RULES, placeholders

REPO = Path(__file__).resolve().parent.parent
CALCULATORS_DIR = REPO / "calculators"
ONE = {"tr", "marked"}
PAIR = {"tr_n", "marked_n"}
LOCALE_FIELDS = {"decimal": str, "group": str, "weekdays": list, "months": list, "date": str, "plural": str}


@dataclass
class Message:
    text: str
    plural: str | None = None
    places: list[tuple[str, int]] = field(default_factory=list)  # (module, line); ("content", 0) for content data
    sets: set[str] = field(default_factory=set)  # for content data: the data sets it is in

    @property
    def module(self) -> str:
        return self.places[0][0]


_EXTRACTED: dict[tuple, dict[str, Message]] = {}


def extract(package: Path = CALCULATORS_DIR) -> dict[str, Message]:
    """Every message of the calculators' code, by its English text, in the order first met (remembered while the
    code is unchanged: every calculator page of every language asks)."""
    key = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(package.glob("*.py")))
    if key not in _EXTRACTED:
        _EXTRACTED.clear()
        _EXTRACTED[key] = _extract(package)
    return dict(_EXTRACTED[key])


def _extract(package: Path) -> dict[str, Message]:
    found: dict[str, Message] = {}
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            name, args = node.func.id, node.args
            literal = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in args[:2]]
            if name in ONE and literal and literal[0] is not None:
                text, plural = literal[0], None
            elif name in PAIR and len(literal) == 2 and None not in literal:
                text, plural = literal[0], literal[1]
            else:
                continue
            message = found.setdefault(text, Message(text, plural))
            message.places.append((path.stem, node.lineno))
    return dict(sorted(found.items(), key=lambda kv: (kv[1].module, kv[1].places[0][1])))


# Reader-facing texts of the content data the calculators show (a formulation's note and unit names, a take-home
# profile's jurisdiction, notes and safeguards): translated through the same catalogs, as messages of "content".
CONTENT_KEYS = {"jurisdiction", "note", "notes", "text", "name"}
CITATION = re.compile(r"\[@[^\]]+\]")


def content_messages(data: dict[str, Any]) -> dict[str, Message]:
    """Every reader-facing text of the calculators' content data sets, by its English, as the calculators read
    it (their parse may tidy a text, or take its citation out: the message is the text they pass to `tr`)."""
    import dataclasses

    import calculators

    found: dict[str, Message] = {}

    def walk(value: Any, key: str, data_set: str) -> None:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name), f.name, data_set)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, key, data_set)
        elif isinstance(value, str) and key in CONTENT_KEYS and value.strip():
            found.setdefault(value, Message(value, None, [("content", 0)])).sets.add(data_set)

    for name, data_set in calculators.data_sets().items():
        if data.get(name):
            walk(data_set.typed(data), "", name)
    return found


def all_messages(data: dict[str, Any]) -> dict[str, Message]:
    """The calculators' messages: their code's, then their content data's (the code's win a tie)."""
    return {**content_messages(data), **extract()}


def languages(content_dir: Path) -> list[str]:
    """The languages that have calculator messages (a folder with locale.yml)."""
    return sorted(p.parent.name for p in (content_dir / "translations").glob("*/locale.yml"))


def _po_files(content_dir: Path, lang: str) -> list[Path]:
    return sorted((content_dir / "translations" / lang / "messages").glob("*.po"))


def _read(path: Path, lang: str) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def _rel(path: Path, content_dir: Path) -> str:
    try:
        return path.relative_to(content_dir.parent).as_posix()
    except ValueError:
        return str(path)


def read_locale(content_dir: Path, lang: str, problems: list) -> dict[str, Any] | None:
    from sitebuild.content import Problem

    path = content_dir / "translations" / lang / "locale.yml"
    where = _rel(path, content_dir)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        problems.append(Problem(where, "", "is not a mapping.", "see content/translations/README.md."))
        return None
    out: dict[str, Any] = {"lang": lang}
    for name, kind in LOCALE_FIELDS.items():
        value = raw.get(name)
        if not isinstance(value, kind):
            problems.append(Problem(where, name, f"must be a {kind.__name__}.", "see content/translations/README.md."))
            return None
        out[name] = value
    for name, count in (("weekdays", 7), ("months", 12)):
        if len(out[name]) != count or not all(isinstance(v, str) and v for v in out[name]):
            problems.append(Problem(where, name, f"must list {count} names.", "Monday first; January first."))
            return None
    if out["plural"] not in PLURAL_RULES:
        problems.append(Problem(where, "plural", f"'{out['plural']}' is not a plural rule the calculators know.",
                                f"use one of {', '.join(PLURAL_RULES)}."))
        return None
    if placeholders(out["date"]) != {"weekday", "day", "month", "year"}:
        problems.append(Problem(where, "date", "must use {weekday}, {day}, {month} and {year} once each.",
                                "for example '{weekday} {day} {month} {year}'."))
        return None
    return out


def _field_labels(content_dir: Path, lang: str, data: dict[str, Any]) -> dict[str, str]:
    """English label → translated label, for the fields and choices <lang>/calculators.yml translates (the
    results name the inputs as the translated form does). `data`: the calculators' content data."""
    import calculators

    table = yaml.safe_load((content_dir / "translations" / lang / "calculators.yml").read_text(encoding="utf-8")) \
        if (content_dir / "translations" / lang / "calculators.yml").is_file() else {}
    out: dict[str, str] = {}
    for name in calculators.CALCULATORS:
        entries = (table or {}).get(name) or {}
        for f in calculators.fields_for(name, data):
            columns = getattr(f, "columns", ()) or ()
            for each in (f, *columns):
                entry = entries.get(each.name) or {}
                if isinstance(entry, list):
                    entry = next((e for e in entry if isinstance(e, dict) and e.get("en") == each.label), {})
                if not isinstance(entry, dict) or (entry.get("en") and entry["en"] != each.label):
                    continue
                if entry.get("label"):
                    out.setdefault(each.label, str(entry["label"]))
                for choice in getattr(each, "choices", ()) or ():
                    translated = (entry.get("choices") or {}).get(choice.value)
                    if translated:
                        out.setdefault(choice.label, str(translated))
                # Choices drawn from content data (formulations, profiles): the item's label or title, by id.
                for item in data.get(getattr(each, "choices_from", "") or "", []) or []:
                    english = isinstance(item, dict) and (item.get("label") or item.get("title"))
                    translated = (entry.get("choices") or {}).get(item.get("id")) if english else None
                    if translated:
                        out.setdefault(str(english), str(translated))
    return out


def compile_language(content_dir: Path, lang: str, data: dict[str, Any], problems: list) -> dict[str, Any]:
    """{"locale", "catalog"} for `lang`; every problem of its files is added to `problems`."""
    from sitebuild.content import Problem

    locale = read_locale(content_dir, lang, problems)
    forms = PLURAL_RULES[locale["plural"]][1] if locale else 0
    catalog: dict[str, Any] = dict(_field_labels(content_dir, lang, data))
    for path in _po_files(content_dir, lang):
        where = _rel(path, content_dir)
        try:
            po = _read(path, lang)
        except Exception as e:  # a .po file that cannot be read names itself, never a traceback
            problems.append(Problem(where, "", f"cannot be read as a .po file ({e}).", "compare it with messages.pot."))
            continue
        for entry in po:
            if not entry.id or entry.fuzzy:
                continue
            english = entry.id if isinstance(entry.id, str) else entry.id[0]
            field_name = f"msgid {english[:60]!r} (line {entry.lineno})"
            if isinstance(entry.id, tuple):
                strings = list(entry.string) if isinstance(entry.string, tuple) else [entry.string]
                if not any(strings):
                    continue
                if forms and len(strings) != forms:
                    problems.append(Problem(where, field_name, f"has {len(strings)} plural forms; {lang} has {forms}.",
                                            "give one msgstr[n] per plural form of the language."))
                    continue
                # Every form keeps every placeholder, the number too: a dose or a count is always written in
                # figures, even where the language could say "two days" in one word.
                wanted = placeholders(entry.id[1]) | placeholders(entry.id[0])
                bad = [s for s in strings if not s or placeholders(s) != wanted]
                if bad:
                    problems.append(Problem(where, field_name, f"a plural form is empty or does not keep the "
                                            f"placeholders {sorted(wanted)}.",
                                            "keep every {name} of the English in every form, {n} included."))
                    continue
                catalog[english] = strings
            else:
                if not entry.string:
                    continue
                if CITATION.findall(entry.string) != CITATION.findall(english):
                    problems.append(Problem(where, field_name, "the translation does not keep the citations of the "
                                            "English, in order.", "copy each [@source §Section …] as it is."))
                    continue
                if placeholders(entry.string) != placeholders(english):
                    problems.append(Problem(where, field_name,
                                            f"the translation has the placeholders {sorted(placeholders(entry.string))}"
                                            f", the English {sorted(placeholders(english))}.",
                                            "keep exactly the {names} of the English (they are filled in by the "
                                            "calculator), translating the words around them."))
                    continue
                try:
                    entry.string.format(**{p: "" for p in placeholders(english)})
                except (ValueError, IndexError, KeyError):
                    problems.append(Problem(where, field_name, "has a stray { or }.",
                                            "write a literal brace as {{ or }}."))
                    continue
                catalog[english] = entry.string
    return {"locale": locale, "catalog": catalog}


_COMPILED: dict[tuple, tuple[dict, list]] = {}


def _inputs_key(content_dir: Path, data: dict[str, Any]) -> tuple:
    """What a compilation depends on: the translation files as they are on disk, the content data and the
    calculators' code (the messages it uses)."""
    files = [*sorted((content_dir / "translations").glob("*/messages/*.po")),
             *sorted((content_dir / "translations").glob("*/locale.yml")),
             *sorted((content_dir / "translations").glob("*/calculators.yml")),
             *sorted(CALCULATORS_DIR.glob("*.py"))]
    digest = hashlib.sha256()
    for f in files:  # by content, so that a copy of the content folder (tests) finds the same compilation
        digest.update(f.name.encode() + b"\0" + f.parent.parent.name.encode() + b"\0" + f.read_bytes())
    # The data without its compiled messages: the build asks again with the data that already carries them.
    return digest.hexdigest(), json.dumps({k: v for k, v in data.items() if k != "messages"}, sort_keys=True,
                                          default=str)


def compile_all(content_dir: Path, data: dict[str, Any], problems: list) -> dict[str, dict[str, Any]]:
    """{lang: {"locale", "catalog"}} for every language with a locale.yml (what the calculators get).
    `data`: the calculators' content data (the choices of some fields come from it). Remembered while its inputs
    are unchanged: content is loaded many times in one run (tests), and reading the .po files is slow."""
    key = _inputs_key(content_dir, data)
    if key not in _COMPILED:
        found: list = []
        out = {}
        for lang in languages(content_dir):
            compiled = compile_language(content_dir, lang, data, found)
            if compiled["locale"]:
                out[lang] = {"locale": compiled["locale"], "catalog": compiled["catalog"]}
        if len(_COMPILED) > 8:
            _COMPILED.clear()
        _COMPILED[key] = (out, found)
    out, found = _COMPILED[key]
    problems.extend(found)
    return out


def report(content_dir: Path, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per language: how many messages are translated, and the English of those that are not (from the build's
    own compilation, not a second reading of the files)."""
    messages = all_messages(data)
    compiled = compile_all(content_dir, data, [])
    out = {}
    for lang in languages(content_dir):
        catalog = (compiled.get(lang) or {}).get("catalog") or {}
        missing = [text for text in messages if text not in catalog]
        out[lang] = {"messages": len(messages), "translated": len(messages) - len(missing), "missing": missing}
    return out


# The .po headers carry no dates, so that `update` changes a file only when its messages change.
FIXED_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def template(messages: dict[str, Message], module: str | None = None) -> Catalog:
    pot = Catalog(project="OAMT handbook calculators", fuzzy=False, creation_date=FIXED_DATE,
                  revision_date=FIXED_DATE)
    for m in messages.values():
        if module and m.module != module:
            continue
        where = ([(f"content ({', '.join(sorted(m.sets))})", 0)] if m.module == "content"
                 else [(f"calculators/{mod}.py", line) for mod, line in m.places])
        pot.add((m.text, m.plural) if m.plural else m.text, locations=where)
    return pot


def _write(path: Path, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, include_previous=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


# The gettext Plural-Forms expression of each rule (calculators/messages.py), for the .po headers.
PLURAL_EXPRESSIONS = {
    "one_other": "(n != 1)",
    "zero_one_other": "(n > 1)",
    "east_slavic": "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)",
    "arabic": "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5)",
}


def update(content_dir: Path, data: dict[str, Any], module: str | None = None) -> list[Path]:
    """Rewrite <lang>/messages/<module>.po for every language (or one module): every message of the module,
    with the translation any of the language's files has for it; a message whose English changed keeps its
    old translation marked fuzzy. Also rewrites translations/messages.pot."""
    messages = all_messages(data)
    _write(content_dir / "translations" / "messages.pot", template(messages))
    written = []
    modules = sorted({m.module for m in messages.values()} if module is None else {module})
    for lang in languages(content_dir):
        entries = [entry for path in _po_files(content_dir, lang) for entry in _read(path, lang) if entry.id]
        for mod in modules:
            # Every translation the language has (a message may have moved between modules), made to match
            # this module's messages: new ones empty, changed ones fuzzy, the rest dropped.
            po = Catalog(locale=lang, project="OAMT handbook calculators", fuzzy=False, creation_date=FIXED_DATE,
                         revision_date=FIXED_DATE)
            rule = (read_locale(content_dir, lang, []) or {}).get("plural", "one_other")
            # The language's plural rule as locale.yml names it (babel's own data may count other forms).
            po._num_plurals, po._plural_expr = PLURAL_RULES[rule][1], PLURAL_EXPRESSIONS[rule]
            for entry in entries:
                po[entry.id] = entry
            po.update(template(messages, mod), no_fuzzy_matching=False, update_header_comment=False)
            po.obsolete.clear()
            target = content_dir / "translations" / lang / "messages" / f"{mod}.po"
            if len(po) or target.exists():
                _write(target, po)
                written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    from sitebuild.content import calculator_data, default_content_dir

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("update", "report", "check"))
    parser.add_argument("--module", help="update only this calculator module's .po files")
    args = parser.parse_args(argv)
    content_dir = default_content_dir()
    if args.action == "update":
        for path in update(content_dir, calculator_data(content_dir), args.module):
            print(f"wrote {_rel(path, content_dir)}")
        return 0
    if args.action == "check":
        problems: list = []
        compile_all(content_dir, calculator_data(content_dir), problems)
        for p in problems:
            print(f"{p.file}: {p.field}: {p.message} {p.fix}")
        return 1 if problems else 0
    for lang, r in report(content_dir, calculator_data(content_dir)).items():
        print(f"{lang}: {r['translated']} of {r['messages']} messages translated")
        for text in r["missing"]:
            print(f"  still English: {text[:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
