"""The content model: loads content/, validates every file, and returns typed values.

Validation happens once, here, at the edge. Every problem of every file is
gathered into one `ContentError`, each naming the file, the field, what is
wrong and how to fix it, so a bad content file fails the build with a message
an editor can act on without reading code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from calculators.vocabulary import CITATION_MARKUP

from sitebuild import reference_tables, routes
from sitebuild import hazards as hazard_log
from sitebuild import settings as local_settings
from sitebuild.hazards import Hazard
from sitebuild.reference_tables import TaperTable
from sitebuild.routes import path_of
from sitebuild.settings import INVALID_DATA_SETS as INVALID
from sitebuild.settings import Settings, as_date

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"

AUDIENCES = ("clinicians", "programme managers", "trainers", "pharmacists", "peer workers")
PARTS = ("WHO 2025 guidance", "Clinical topics", "Supporting evidence")
JOB_AID_KINDS = ("checklist", "steps", "bullets", "table", "taper_table")

# [@who-2025 §Consideration of take-home doses]  or  [@who-2025]: the calculators' one pattern.
CITATION = CITATION_MARKUP
_SLUG_OK = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


# ---------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    reason: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}: field '{self.field}'" if self.field else self.file
        return f"{where}: {self.reason} Fix: {self.fix}"


class ContentError(Exception):
    """One or more content files are invalid; `problems` lists them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("Invalid content:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass
class Checker:
    """Collects problems for one file while its fields are read."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, field_name: str, reason: str, fix: str) -> None:
        self.problems.append(Problem(self.file, field_name, reason, fix))

    def fields(self, data: Any, required: Iterable[str], optional: Iterable[str] = (), where: str = "") -> bool:
        """Checks that `data` is a mapping with the required fields and no unknown ones."""
        required, optional = tuple(required), tuple(optional)
        prefix = f"{where}." if where else ""
        if not isinstance(data, dict):
            self.add(where or "(top level)", f"expected a mapping of fields, but found {type(data).__name__}.",
                     f"write it as 'field: value' lines with the fields {', '.join(required)}.")
            return False
        for name in required:
            if name not in data or data[name] in (None, "", []):
                self.add(prefix + name, "is missing or empty.", f"add '{name}:' (see content/README.md).")
        for name in data:
            if name not in required and name not in optional:
                known = ", ".join(required + optional)
                self.add(prefix + str(name), "is not a known field.",
                         f"remove it or correct its spelling; the known fields are: {known}.")
        return True

    def text(self, data: dict, name: str, where: str = "") -> str:
        value = data.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.add(f"{where}.{name}" if where else name, f"expected text, but found {type(value).__name__}.",
                     "write it as text (quote it if it starts with a special character).")
            return ""
        return value.strip()


def text_list(check: Checker, value: Any, where: str, what: str = "text", allow_numbers: bool = False,
              one_is_a_list: bool = False) -> tuple[str, ...]:
    """A list of text items (a missing value is empty); anything else is a problem of `check`."""
    if value is None:
        return ()
    if one_is_a_list and isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        check.add(where, f"expected a list of {what}, but found {_kind(value)}.",
                  "write it as a list: one '- ...' line for each, or [a, b].")
        return ()
    found = []
    for i, item in enumerate(value):
        number = allow_numbers and isinstance(item, (int, float)) and not isinstance(item, bool)
        if not (isinstance(item, str) and item.strip()) and not number:
            check.add(f"{where}[{i}]", f"expected {what}, but found {_kind(item)}.",
                      "write it as text (quote it if it starts with a special character), or remove it.")
            continue
        found.append(str(item).strip())
    return tuple(found)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return "empty text" if not value.strip() else f"the text {value[:40]!r}"
    if isinstance(value, bool):
        return f"{str(value).lower()} (yes/no)"
    names = {dict: "a mapping", list: "a list", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.parent).as_posix()
    except ValueError:
        return path.as_posix()


# ---------------------------------------------------------------- model


@dataclass(frozen=True)
class Source:
    id: str
    short: str
    title: str
    published: str
    licence: str
    authors: str = ""
    subtitle: str = ""
    doi: str = ""
    url: str = ""
    note: str = ""
    sections: tuple[str, ...] = ()
    # The file of ../shared/sources/ that holds the source's text ("" when it is not stored):
    # citations of a stored source can be checked word for word (tests/test_anchors.py).
    stored: str = ""
    # For a section whose heading is not a line of its own in the stored text: the words it starts with.
    section_starts: tuple[tuple[str, str], ...] = ()
    # For a source that is not stored: the day we last re-read the cited sections in the source itself
    # (None: not re-checked; the bibliography says so). See docs/checking-sources.md.
    checked: dt.date | None = None

    @property
    def citation(self) -> str:
        """The full reference: authors. Title: subtitle. Published."""
        title = f"{self.title}: {self.subtitle}" if self.subtitle else self.title
        parts = [p.rstrip(".") for p in (self.authors, title, self.published) if p]
        return ". ".join(parts) + "."

    @property
    def link(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else self.url


@dataclass(frozen=True)
class SourceRef:
    id: str
    sections: tuple[str, ...]


@dataclass(frozen=True)
class Chapter:
    slug: str
    order: int
    file: str
    title: str
    summary: str
    part: str
    who_section: str
    sources: tuple[SourceRef, ...]
    last_reviewed: dt.date
    audience: tuple[str, ...]
    body: str


@dataclass(frozen=True)
class JobAidBlock:
    heading: str
    kind: str
    items: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    taper: TaperTable | None = None     # kind taper_table: computed by the taper calculator


@dataclass(frozen=True)
class JobAid:
    slug: str
    file: str
    title: str
    summary: str
    sources: tuple[SourceRef, ...]
    last_reviewed: dt.date
    audience: tuple[str, ...]
    intro: str
    blocks: tuple[JobAidBlock, ...]
    footer: str = ""


@dataclass(frozen=True)
class CalculatorPage:
    slug: str
    file: str
    title: str
    summary: str
    calculator: str
    sources: tuple[SourceRef, ...]
    last_reviewed: dt.date
    audience: tuple[str, ...]
    body: str


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    slug: str
    definition: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Content:
    sources: tuple[Source, ...]
    chapters: tuple[Chapter, ...]
    job_aids: tuple[JobAid, ...]
    calculator_pages: tuple[CalculatorPage, ...]
    glossary: tuple[GlossaryEntry, ...]
    calculator_data: dict[str, Any]                 # as validated: every formulation and profile
    settings: Settings = field(default_factory=Settings)
    hazards: tuple[Hazard, ...] = ()

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    @property
    def short_names(self) -> dict[str, str]:
        return {s.id: s.short for s in self.sources}

    @property
    def site_data(self) -> dict[str, Any]:
        """What the site's calculators get: the data with the local settings applied."""
        return self.settings.apply_to(self.calculator_data)


# ---------------------------------------------------------------- readers


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but a date that does not exist is a YAML problem (not a ValueError)."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as e:
        raise yaml.constructor.ConstructorError(None, None, f"'{node.value}' is not a real date ({e})",
                                                node.start_mark) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _key_of(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """A mapping key as YAML reads it (so 'yes' and 'true' are the same key); None for keys that are not scalars."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    try:
        key = loader.construct_object(node)
        hash(key)
        return (type(key).__name__, key)
    except Exception:  # the constructor reports its own problem when the document is read
        return None


def _duplicate_keys(loader: yaml.SafeLoader, root: yaml.Node) -> list[tuple[str, str, int, int]]:
    """(field path, key, first line, second line) for every key given twice in one mapping."""
    found: list[tuple[str, str, int, int]] = []
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    seen_nodes: set[int] = set()
    while stack:
        node, where = stack.pop()
        if id(node) in seen_nodes:   # an alias: the same node again (maybe a cycle)
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, yaml.Node] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = _key_of(loader, key_node)
                name = str(key[1]) if key is not None else str(getattr(key_node, "value", "?"))
                path = f"{where}.{name}" if where else name
                if key is not None and key in first:
                    found.append((path, name, first[key].start_mark.line, key_node.start_mark.line))
                elif key is not None:
                    first[key] = key_node
                stack.append((value_node, path))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                stack.append((item, f"{where}[{i}]"))
    return sorted(found, key=lambda f: f[2])


def parse_yaml(text: str, check: Checker, line_offset: int = 0, what: str = "is not valid YAML") -> tuple[bool, Any]:
    """(ok, data) of a YAML text. Syntax errors, dates that do not exist, structures nested too deeply and
    keys given twice (which PyYAML would silently resolve by keeping the last) are problems of `check`."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return True, None
        for path, key, a, b in _duplicate_keys(loader, node):
            check.add(path, f"'{key}' is given twice, on lines {a + 1 + line_offset} and {b + 1 + line_offset} "
                      "(YAML would silently keep only the second).",
                      f"keep one '{key}:' and delete or rename the other.")
        return True, loader.construct_document(node)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        where = f" at line {mark.line + 1 + line_offset}" if mark else ""
        problem = getattr(e, "problem", None) or e
        check.add("", f"{what}{where}: {problem}.",
                  "correct the YAML syntax (indentation, quotes around text with ':' or '#', dates as YYYY-MM-DD).")
    except RecursionError:
        check.add("", f"{what}: it is nested too deeply to read.", "flatten the structure (see content/README.md).")
    finally:
        loader.dispose()
    return False, None


def read_text(path: Path, check: Checker) -> str | None:
    """The file's text as UTF-8 (a byte-order mark is allowed); None, with a problem naming the byte and line,
    when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        check.add("", f"cannot be read: {e.strerror or e}.", "make it a readable file (not a folder).")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        check.add("", f"is not UTF-8 text: byte {e.start} (0x{raw[e.start]:02x}, line {line}, column {column}) "
                  "is not valid UTF-8.",
                  "save the file as UTF-8 (in most editors: Save as, Encoding: UTF-8) and check the characters "
                  "on that line.")
        return None


def _load_yaml(path: Path, check: Checker) -> Any:
    text = read_text(path, check)
    if text is None:
        return None
    return parse_yaml(text, check)[1]


def split_front_matter(text: str) -> tuple[str, str] | None:
    if not text.startswith("---"):
        return None
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?(.*)$", text, re.S)
    if not match:
        return None
    return match.group(1), match.group(2)


def read_front_matter(path: Path, check: Checker) -> tuple[Any, str]:
    """A Markdown file's front matter (parsed YAML, or None after a problem) and its body."""
    text = read_text(path, check)
    if text is None:
        return None, ""
    parts = split_front_matter(text)
    if parts is None:
        check.add("", "has no front matter.", "start the file with '---', the fields of content/README.md, and '---'.")
        return None, ""
    ok, data = parse_yaml(parts[0], check, line_offset=1, what="has front matter that is not valid YAML")
    if not ok:
        return None, parts[1]
    return ({} if data is None else data), parts[1]


def slug_of(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _date(check: Checker, data: dict, name: str, today: dt.date) -> dt.date:
    shown = data.get(name)
    if shown is None:
        return dt.date.min
    value = as_date(shown)
    if value is None:
        check.add(name, f"'{shown}' is not a date.", "write the date as YYYY-MM-DD, for example 2026-11-23.")
        return dt.date.min
    if value > today:
        check.add(name, f"{value.isoformat()} is in the future.", "use the date the content was last reviewed.")
    return value


def _audience(check: Checker, data: dict) -> tuple[str, ...]:
    value = data.get("audience")
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        check.add("audience", "expected a list.",
                  f"write a list such as [clinicians]; allowed: {', '.join(AUDIENCES)}.")
        return ()
    for item in value:
        if item not in AUDIENCES:
            check.add("audience", f"'{item}' is not a known audience.", f"use any of: {', '.join(AUDIENCES)}.")
    return tuple(str(v) for v in value)


def _summary(check: Checker, data: dict) -> str:
    summary = check.text(data, "summary")
    if summary and not summary.endswith((".", "?", "!")):
        check.add("summary", "should be one sentence ending with a full stop.", "end the summary with a full stop.")
    if summary.count(". ") > 0:
        check.add("summary", "has more than one sentence.", "shorten the summary to one sentence.")
    return summary


def _citation_problem(match: re.Match[str] | None, shown: str) -> str:
    """What is wrong with the markup of one citation, or "" when it is well formed."""
    if match is None or match.end() != match.start() + len(shown):
        inner = shown[2:-1]
        head = inner.split("§")[0].strip()
        if "§" not in inner and " " in head and _SLUG_OK.match(head.split()[0]):
            return "there is no '§' before the section."
        if " " in head and re.fullmatch(r"[A-Za-z0-9 -]+", head):
            return "the source id has a space in it."
        if '^"' in inner or "^" in inner:
            return 'the anchor is not written as ^"a short phrase" at the end, inside the brackets.'
        return "it is not [@source-id] or [@source-id §Section]."
    source_id, section, anchor = match.group(1), match.group(2), match.group(3)
    if not source_id:
        return "the source id is missing."
    if not _SLUG_OK.match(source_id):
        return f"'{source_id}' is not a source id (ids are lowercase letters, digits and hyphens)."
    if section is not None and not section.strip():
        return "there is a '§' but no section after it."
    if anchor is not None:
        if not section:
            return "an anchor needs the section it is found in: [@source-id §Section ^\"phrase\"]."
        count = len(anchor.split())
        if not 3 <= count <= 12:
            return (f"the anchor has {count} {'word' if count == 1 else 'words'}; an anchor is 3 to 12 words of the cited section, "
                    "enough to find the place without copying a sentence.")
    return ""


# Raw HTML in content text: a '<' that opens a tag, a comment or a declaration. Allowed: Markdown's
# autolinks to https addresses, and the calculator page's '<!-- calculator -->' marker.
_RAW_HTML = re.compile(r"<(?!https://[^\s>]+>)(?!!-- calculator -->)[A-Za-z/!?]")


class SourceIndex:
    def __init__(self, sources: Iterable[Source]):
        self.by_id = {s.id: s for s in sources}

    def check_ref(self, check: Checker, field_name: str, source_id: str, section: str | None) -> None:
        source = self.by_id.get(source_id)
        if source is None:
            known = ", ".join(sorted(self.by_id))
            check.add(field_name, f"cites an unknown source id '{source_id}'.",
                      f"use one of the ids in content/sources.yml ({known}), or add the source there.")
            return
        if section and source.sections and section not in source.sections:
            check.add(field_name, f"cites section '{section}' of '{source_id}', which that source does not list.",
                      f"use one of: {'; '.join(source.sections)} (the 'sections' of '{source_id}' in "
                      "content/sources.yml), or add the section there.")

    def check_text(self, check: Checker, field_name: str, text: str, markdown: bool = True) -> None:
        """Checks every citation in a piece of Markdown text: each '[@' must open a well-formed
        [@source-id §Section] whose id and section are in content/sources.yml."""
        if not isinstance(text, str):
            return
        tag = _RAW_HTML.search(text) if markdown else None  # plain-text fields are escaped where shown
        if tag:
            shown = text[tag.start():tag.start() + 30].split("\n")[0]
            check.add(field_name, f"has HTML in it ('{shown}'): content is text and Markdown, and markup from a "
                      "content file would reach every reader's page.",
                      "write it in Markdown (for example **bold**, [a link](page.md)); to show a '<' before a "
                      "letter, write it as &lt;.")
        well_formed = {m.start(): m for m in CITATION.finditer(text)}
        for start in (m.start() for m in re.finditer(r"\[@", text)):
            match = well_formed.get(start)
            end = text.find("]", start)
            shown = text[start:end + 1] if end != -1 else text[start:start + 40]
            if end == -1:
                check.add(field_name, f"has a citation that is not closed with ']': '{shown}'.",
                          "write citations as [@source-id §Section].")
                continue
            problem = _citation_problem(match, shown)
            if problem:
                check.add(field_name, f"has a malformed citation '{shown}': {problem}",
                          "write it as [@source-id §Section], with a source-id from content/sources.yml "
                          f"({', '.join(sorted(self.by_id))}) and a section of that source.")
                continue
            assert match is not None
            self.check_ref(check, field_name, match.group(1), (match.group(2) or "").strip() or None)

    def refs(self, check: Checker, data: dict) -> tuple[SourceRef, ...]:
        value = data.get("sources")
        if value is None:
            return ()
        if not isinstance(value, list) or not value:
            check.add("sources", "expected a non-empty list.",
                      "list the sources as '- id: who-2025' with 'sections: [Section name]'.")
            return ()
        refs = []
        for i, item in enumerate(value):
            where = f"sources[{i}]"
            if isinstance(item, str):
                item = {"id": item}
            if not check.fields(item, ("id",), ("sections",), where=where):
                continue
            sections = text_list(check, item.get("sections"), f"{where}.sections", "section names",
                                 one_is_a_list=True)
            if not isinstance(item.get("id"), str):
                check.add(f"{where}.id", f"expected a source id, but found {_kind(item.get('id'))}.",
                          "use one of the ids in content/sources.yml.")
                continue
            self.check_ref(check, f"{where}.id", str(item.get("id")), None)
            for section in sections:
                self.check_ref(check, f"{where}.sections", str(item.get("id")), str(section))
            refs.append(SourceRef(str(item.get("id")), tuple(str(s) for s in sections)))
        return tuple(refs)


def load_sources(path: Path, problems: list[Problem]) -> tuple[Source, ...]:
    check = Checker(_rel(path, path.parent))
    data = _load_yaml(path, check) if path.exists() else None
    if not path.exists():
        check.add("", "is missing.", "create content/sources.yml with the bibliography.")
    sources: list[Source] = []
    if data is not None and not isinstance(data, list):
        check.add("", "expected a list of sources.", "write each source as a list item starting with '- id:'.")
        data = []
    seen = set()
    for i, item in enumerate(data or []):
        where = f"[{i}]"
        required = ("id", "short", "title", "published", "licence")
        optional = ("authors", "subtitle", "doi", "url", "note", "sections", "stored", "section_starts", "checked")
        if not check.fields(item, required, optional, where):
            continue
        source_id = str(item.get("id"))
        if not _SLUG_OK.match(source_id):
            check.add(f"{where}.id", f"'{source_id}' is not a valid id.", "use lowercase letters, digits and hyphens.")
        if source_id in seen:
            check.add(f"{where}.id", f"'{source_id}' is used twice.", "give each source its own id.")
        seen.add(source_id)
        if not item.get("doi") and not item.get("url") and source_id != "this-handbook":
            check.add(f"{where}", f"source '{source_id}' has neither a doi nor a url.",
                      "add 'doi:' (preferred) or 'url:' so readers can find it.")
        def text(name: str) -> str:
            return " ".join(check.text(item, name, where).split())

        sections = text_list(check, item.get("sections"), f"{where}.sections", "section names")
        stored = text("stored")
        if stored and not re.fullmatch(r"\d{3}_[0-9a-f]+\.txt", stored):
            check.add(f"{where}.stored", f"'{stored}' is not the name of a stored source file.",
                      "give the file name in ../shared/sources/, for example 000_5429d6044b1902dc.txt.")
        starts = item.get("section_starts") or {}
        if not isinstance(starts, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in starts.items()):
            check.add(f"{where}.section_starts", "expected 'Section name: first words of the section' lines.",
                      "write each as 'Abstract: \"Background Opioid Maintenance\"'.")
            starts = {}
        for name in starts:
            if name not in sections:
                check.add(f"{where}.section_starts", f"names '{name}', which is not one of the source's sections.",
                          f"use one of: {'; '.join(sections)}.")

        checked = _checked_date(check, item, where, stored)
        sources.append(Source(
            checked=checked, id=source_id, short=text("short"), title=text("title"), published=text("published"),
            licence=text("licence"), authors=text("authors"), subtitle=text("subtitle"), doi=text("doi"),
            url=text("url"), note=text("note"), sections=sections, stored=stored,
            section_starts=tuple((str(k), " ".join(str(v).split())) for k, v in starts.items())))
    problems.extend(check.problems)
    return tuple(sources)


def _checked_date(check: Checker, item: dict, where: str, stored: str) -> dt.date | None:
    """A source's optional `checked:` date: a real day, not in the future, for sources that are not stored."""
    if item.get("checked") is None:
        return None
    field_name = f"{where}.checked"
    if stored:
        check.add(field_name, "is given for a stored source, whose citations are checked word for word.",
                  "remove 'checked:'; it is for sources whose text is not in ../shared/sources/.")
        return None
    shown = item.get("checked")
    value = as_date(shown)
    if value is None:
        check.add(field_name, f"'{shown}' is not a date.",
                  "write the day the cited sections were last re-read in the source as YYYY-MM-DD, or remove it.")
        return None
    if value > dt.date.today():
        check.add(field_name, f"{value.isoformat()} is in the future.",
                  "write the day the source was actually re-checked, or remove 'checked:'.")
        return None
    return value


def load_chapter(path: Path, index: SourceIndex, today: dt.date, root: Path) -> tuple[Chapter | None, list[Problem]]:
    check = Checker(_rel(path, root))
    match = re.match(r"^(\d{2})-([a-z0-9-]+)\.md$", path.name)
    if not match:
        check.add("", "has a file name that is not 'NN-slug.md'.",
                  "rename it to two digits, a hyphen and a lowercase slug, for example 10-take-home-doses.md.")
        return None, check.problems
    data, body = read_front_matter(path, check)
    required = ("title", "summary", "part", "sources", "last_reviewed", "audience")
    if data is None or not check.fields(data, required, ("who_section",), ""):
        return None, check.problems
    part = check.text(data, "part")
    if part and part not in PARTS:
        check.add("part", f"'{part}' is not a known part.", f"use one of: {'; '.join(PARTS)}.")
    who_section = check.text(data, "who_section")
    if who_section:
        index.check_ref(check, "who_section", "who-2025", who_section)
    if re.search(r"^# ", body, re.M):
        check.add("body", "has a level-1 heading ('# ...').", "remove it: the build adds the title; use '##' below.")
    index.check_text(check, "body", body)
    chapter = Chapter(
        slug=match.group(2), order=int(match.group(1)), file=check.file, title=check.text(data, "title"),
        summary=_summary(check, data), part=part, who_section=who_section, sources=index.refs(check, data),
        last_reviewed=_date(check, data, "last_reviewed", today), audience=_audience(check, data), body=body)
    return chapter, check.problems


def load_job_aid(path: Path, index: SourceIndex, today: dt.date, root: Path,
                 calculator_data: Mapping[str, Any] | None = None) -> tuple[JobAid | None, list[Problem]]:
    check = Checker(_rel(path, root))
    data = _load_yaml(path, check)
    if data is None:
        if not check.problems:
            check.add("", "is empty.", "write the job aid (see content/README.md), or delete the file.")
        return None, check.problems
    required = ("title", "summary", "sources", "last_reviewed", "audience", "intro", "blocks")
    if not check.fields(data, required, ("footer",)):
        return None, check.problems
    blocks = []
    raw_blocks = data.get("blocks")
    if not isinstance(raw_blocks, list):
        check.add("blocks", "expected a list of blocks.", "write each block as '- heading: ...' with 'kind:'.")
        raw_blocks = []
    for i, block in enumerate(raw_blocks):
        where = f"blocks[{i}]"
        optional = ("items", "columns", "rows", *reference_tables.FIELDS, *reference_tables.OPTIONAL)
        if not check.fields(block, ("heading", "kind"), optional, where):
            continue
        kind = block.get("kind")
        heading = check.text(block, "heading", where)
        if kind not in JOB_AID_KINDS:
            check.add(f"{where}.kind", f"'{kind}' is not a known kind.", f"use one of: {', '.join(JOB_AID_KINDS)}.")
            continue
        if kind == "taper_table":
            missing = [f for f in reference_tables.FIELDS if f not in block]
            if missing:
                check.add(where, f"a taper table needs {', '.join(missing)}.",
                          f"add {', '.join(missing)} (see content/README.md).")
                continue
            if calculator_data.get(INVALID):
                continue  # the data set's own problems are reported; a table from invalid data would only add noise
            table, found = reference_tables.taper_table(block, calculator_data)
            for field_name, reason, fix in found:
                check.add(f"{where}.{field_name}", reason, fix)
            if table is not None:
                blocks.append(JobAidBlock(heading, kind, columns=table.columns, rows=table.cells,
                                          taper=table))
        elif kind == "table":
            columns = text_list(check, block.get("columns"), f"{where}.columns", "column headings",
                                allow_numbers=True)
            raw_rows = block.get("rows")
            if raw_rows is not None and not isinstance(raw_rows, list):
                check.add(f"{where}.rows", f"expected a list of rows, but found {_kind(raw_rows)}.",
                          "write each row as a list of cells, for example - [\"0–4\", \"None\", \"Continue\"].")
                raw_rows = []
            if not columns or not raw_rows:
                check.add(where, "a table needs 'columns' and 'rows'.", "add both lists.")
            rows = []
            for r, row in enumerate(raw_rows or []):
                if not isinstance(row, list) or len(row) != len(columns):
                    check.add(f"{where}.rows[{r}]", f"has {len(row) if isinstance(row, list) else 0} cells, "
                              f"but the table has {len(columns)} columns.", "give every row one cell per column.")
                    continue
                cells = text_list(check, row, f"{where}.rows[{r}]", "a cell", allow_numbers=True)
                for cell in cells:
                    index.check_text(check, f"{where}.rows[{r}]", cell)
                rows.append(cells)
            blocks.append(JobAidBlock(heading, kind, columns=columns, rows=tuple(rows)))
        else:
            items = text_list(check, block.get("items"), f"{where}.items", "items")
            if not items and block.get("items") in (None, [], ""):
                check.add(f"{where}.items", "is missing or empty.", "list the items as '- text'.")
            for j, item in enumerate(items):
                index.check_text(check, f"{where}.items[{j}]", item)
            blocks.append(JobAidBlock(heading, kind, items=items))
    intro = check.text(data, "intro")
    index.check_text(check, "intro", intro)
    footer = check.text(data, "footer")
    index.check_text(check, "footer", footer)
    aid = JobAid(
        slug=path.stem, file=check.file, title=check.text(data, "title"), summary=_summary(check, data),
        sources=index.refs(check, data), last_reviewed=_date(check, data, "last_reviewed", today),
        audience=_audience(check, data), intro=intro, blocks=tuple(blocks), footer=footer)
    return aid, check.problems


def load_calculator_page(path: Path, index: SourceIndex, today: dt.date, root: Path,
                         known_calculators: Iterable[str]) -> tuple[CalculatorPage | None, list[Problem]]:
    check = Checker(_rel(path, root))
    data, body = read_front_matter(path, check)
    required = ("title", "summary", "calculator", "sources", "last_reviewed", "audience")
    if data is None or not check.fields(data, required):
        return None, check.problems
    known = tuple(known_calculators)
    if data.get("calculator") not in known:
        check.add("calculator", f"'{data.get('calculator')}' is not a calculator.",
                  f"use one of: {', '.join(known)} (the modules registered in calculators/__init__.py).")
    if "<!-- calculator -->" not in body:
        check.add("body", "has no '<!-- calculator -->' line.", "add it on its own line where the form goes.")
    index.check_text(check, "body", body)
    page = CalculatorPage(
        slug=path.stem, file=check.file, title=check.text(data, "title"), summary=_summary(check, data),
        calculator=str(data.get("calculator")), sources=index.refs(check, data),
        last_reviewed=_date(check, data, "last_reviewed", today), audience=_audience(check, data), body=body)
    return page, check.problems


def load_glossary(path: Path, index: SourceIndex, root: Path) -> tuple[tuple[GlossaryEntry, ...], list[Problem]]:
    check = Checker(_rel(path, root))
    if not path.exists():
        return (), []
    data = _load_yaml(path, check)
    if data is not None and not isinstance(data, list):
        check.add("(top level)", f"expected a list of terms, but found {type(data).__name__}.",
                  "write each entry as '- term: ...' with 'definition: ...' (and optionally 'aliases: [...]').")
        data = None
    entries, seen = [], set()
    for i, item in enumerate(data or []):
        where = f"[{i}]"
        if not check.fields(item, ("term", "definition"), ("aliases",), where):
            continue
        term, definition = check.text(item, "term", where), check.text(item, "definition", where)
        aliases = item.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [aliases]
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            check.add(f"{where}.aliases", "expected a list of other names for the term (text).",
                      "write them as a list, for example aliases: [OAMT, opioid agonist treatment], or leave it out.")
            aliases = []
        if not term or not definition:
            continue  # reported by check.fields or check.text
        slug = slug_of(term)
        if not slug:
            check.add(f"{where}.term", f"'{term}' has no letters or digits.", "write the term in words.")
            continue
        if slug in seen:
            check.add(f"{where}.term", f"'{term}' is defined twice.", "merge the two entries.")
        seen.add(slug)
        index.check_text(check, f"{where}.definition", definition)
        entries.append(GlossaryEntry(term, slug, definition, tuple(a.strip() for a in aliases)))
    return tuple(sorted(entries, key=lambda e: e.term.lower())), check.problems


def _as_problem(file: str, item: Any) -> Problem:
    if isinstance(item, Problem):
        return item
    if isinstance(item, (tuple, list)) and len(item) == 3:
        where, message, fix = item
        return Problem(file, str(where), str(message), str(fix))
    return Problem(file, "", str(item), "see content/README.md.")


def load_calculator_data(content_dir: Path, index: SourceIndex, problems: list[Problem]) -> dict[str, Any]:
    """Every data set a calculator declares, validated and parsed here, once; and the sources' short names.

    A data set with any problem is reported (file, field, fix) and left out of
    the data, so nothing downstream (the reference tables, the site) ever
    reads invalid content; its name is listed under INVALID.
    """
    from calculators import data_sets

    data: dict[str, Any] = {"sources": {source_id: s.short for source_id, s in index.by_id.items()}}
    invalid: list[str] = []
    for data_set in data_sets().values():
        items: list[Any] = []
        ok, seen_ids = True, {}
        for path in sorted(content_dir.glob(data_set.files)):
            check = Checker(_rel(path, content_dir))
            raw = _load_yaml(path, check)
            if raw is None and not check.problems:
                check.add("", "is empty.", f"write the {data_set.name} here (see content/README.md), or delete "
                          "the file.")
            if raw is not None:
                try:
                    check.problems.extend(_as_problem(check.file, p) for p in data_set.validate(raw))
                except Exception as e:  # a fault in the checker must still name the file, never a traceback
                    check.add("", f"could not be checked ({type(e).__name__}: {e}).",
                              "compare the file with content/README.md and the shipped files; if it looks "
                              "right, report this as a fault in the build.")
                _check_citations_in(raw, check, index, "")
                found = [raw] if data_set.one_item_per_file else raw if isinstance(raw, list) else []
                for i, item in enumerate(found):
                    item_id = str(item.get("id")) if isinstance(item, dict) else ""
                    where = "id" if data_set.one_item_per_file else f"[{i}].id"
                    if item_id in seen_ids:
                        check.add(where, f"'{item_id}' is also the id of {seen_ids[item_id]}.",
                                  "give each its own id.")
                    seen_ids.setdefault(item_id, check.file)
                    if (data_set.one_item_per_file and isinstance(item, dict) and isinstance(item.get("id"), str)
                            and item["id"] != path.stem):
                        check.add("id", f"'{item['id']}' differs from the file name '{path.name}'.",
                                  f"make the id and the file name the same: rename the file to "
                                  f"{item['id']}.yml, or write id: {path.stem}.")
                items.extend(found)
            ok = ok and not check.problems
            problems.extend(check.problems)
        if ok and items:
            try:
                data_set.parse(items)  # the typed values: raises only on a fault in the calculators, not in content
            except Exception as e:
                ok = False
                problems.append(Problem(data_set.files, "", f"could not be read ({type(e).__name__}: {e}).",
                                        "compare the files with content/README.md; if they look right, report "
                                        "this as a fault in the calculators."))
        if not ok:
            invalid.append(data_set.name)
        elif items:
            data[data_set.name] = items
    if invalid:
        data[INVALID] = invalid
    # The calculators' messages in every language, checked and compiled (sitebuild/messages.py).
    from sitebuild import messages
    data["messages"] = messages.compile_all(content_dir, data, problems)
    return data


def _check_citations_in(value: Any, check: Checker, index: SourceIndex, where: str) -> None:
    """Checks citation markup in every string of a nested structure."""
    if isinstance(value, str):
        index.check_text(check, where or "(text)", value, markdown=False)  # data sets are shown as text
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_citations_in(v, check, index, f"{where}.{k}" if where else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_citations_in(v, check, index, f"{where}[{i}]")


def default_content_dir() -> Path:
    """content/, or OAMT_CONTENT_DIR (a programme's own content, or a test fixture)."""
    import os

    return Path(os.environ.get("OAMT_CONTENT_DIR", CONTENT))


def load(content_dir: Path | None = None, today: dt.date | None = None,
         known_calculators: Iterable[str] | None = None) -> Content:
    """Load and validate all of content/; raises ContentError listing every problem."""
    content_dir = content_dir or default_content_dir()
    today = today or dt.date.today()
    if known_calculators is None:
        from calculators import CALCULATORS
        known_calculators = tuple(CALCULATORS)
    problems: list[Problem] = []
    sources = load_sources(content_dir / "sources.yml", problems)
    index = SourceIndex(sources)
    chapters, job_aids, pages = [], [], []
    for path in sorted((content_dir / "chapters").glob("*.md")):
        chapter, found = load_chapter(path, index, today, content_dir)
        problems.extend(found)
        if chapter:
            chapters.append(chapter)
    orders = [c.order for c in chapters]
    for chapter in chapters:
        if orders.count(chapter.order) > 1:
            problems.append(Problem(chapter.file, "", f"shares its number {chapter.order:02d} with another chapter.",
                                    "give each chapter its own two-digit number."))
    data = load_calculator_data(content_dir, index, problems)
    for path in sorted((content_dir / "job-aids").glob("*.yml")):
        aid, found = load_job_aid(path, index, today, content_dir, data)
        problems.extend(found)
        if aid:
            job_aids.append(aid)
    for path in sorted((content_dir / "calculators").glob("*.md")):
        page, found = load_calculator_page(path, index, today, content_dir, known_calculators)
        problems.extend(found)
        if page:
            pages.append(page)
    glossary, found = load_glossary(content_dir / "glossary.yml", index, content_dir)
    problems.extend(found)
    settings = load_settings(content_dir / "settings.yml", index, data, problems)
    hazards = load_hazards(content_dir / "hazards.yml", index, problems)
    problems.extend(check_links(chapters, job_aids, pages))
    if problems:
        raise ContentError(problems)
    return Content(sources, tuple(sorted(chapters, key=lambda c: c.order)), tuple(job_aids), tuple(pages),
                   glossary, data, settings, hazards)


def load_hazards(path: Path, index: SourceIndex, problems: list[Problem]) -> tuple[Hazard, ...]:
    """content/hazards.yml, the clinical hazard log."""
    if not path.exists():
        return ()
    check = Checker(_rel(path, path.parent))
    raw = _load_yaml(path, check)
    found = hazard_log.read(raw, check, index) if raw is not None else ()
    problems.extend(check.problems)
    return found


def load_settings(path: Path, index: SourceIndex, data: dict[str, Any], problems: list[Problem]) -> Settings:
    """content/settings.yml, the programme's local settings; optional."""
    if not path.exists():
        return Settings()
    check = Checker(_rel(path, path.parent))
    raw = _load_yaml(path, check)
    settings = local_settings.read(raw, check, index, data) if raw is not None else Settings()
    problems.extend(check.problems)
    return settings


_MD_LINK = re.compile(r"\]\(([^)\s]+?\.md)(#[^)\s]*)?\)")
def check_links(chapters: list[Chapter], job_aids: list[JobAid], pages: list[CalculatorPage]) -> list[Problem]:
    """Every Markdown link between pages must reach a page the build will write."""
    import posixpath

    items = [("chapter", c, c.body) for c in chapters]
    items += [("job-aid", a, "\n".join([a.intro, a.footer] + [i for b in a.blocks for i in b.items]
                                        + [c for b in a.blocks for r in b.rows for c in r])) for a in job_aids]
    items += [("calculator", p, p.body) for p in pages]
    existing = set(routes.FIXED.values()) | {path_of(kind, item) for kind, item, _ in items}
    problems = []
    for kind, item, text in items:
        here = posixpath.dirname(path_of(kind, item))
        for match in _MD_LINK.finditer(text):
            target = match.group(1)
            if "://" in target:
                continue
            resolved = posixpath.normpath(posixpath.join(here, target))
            if resolved not in existing:
                hint = ("chapters link to each other by file name, e.g. 10-take-home-doses.md; other pages as "
                        "../glossary.md, ../job-aids/<name>.md or ../calculators/<name>.md")
                problems.append(Problem(item.file, "body", f"links to '{target}', which is not a page of the site.",
                                        f"correct the link ({hint}) or remove it."))
    return problems


def calculator_data(content_dir: Path | None = None) -> dict[str, Any]:
    """The content the calculators read (formulations, take-home profiles), validated, with the local
    settings applied: what the site's calculators get, so the CLI and the browser agree."""
    content_dir = content_dir or default_content_dir()
    problems: list[Problem] = []
    index = SourceIndex(load_sources(content_dir / "sources.yml", problems))
    data = load_calculator_data(content_dir, index, problems)
    settings = load_settings(content_dir / "settings.yml", index, data, problems)
    if problems:
        raise ContentError(problems)
    return settings.apply_to(data)
