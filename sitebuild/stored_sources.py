"""The stored text of the sources, split into the sections citations name.

A citation of a stored source may carry an anchor, a short phrase copied word
for word from the cited section: `[@who-2025 §Overdose management ^"naloxone
should be made available"]`. This module finds the section in the stored text
(`../shared/sources/`, named by the source's `stored:` field in
content/sources.yml) and the anchor inside it, so that anyone, and
tests/test_anchors.py, can check that the section says what we cite it for.

Matching forgives what a copy from a PDF changes and a reader would not:
letter case, line breaks, runs of spaces, hyphens (a word broken at a line end
reads the same as the whole word), curly quotes and dashes.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES_DIR = Path(os.environ.get("OAMT_SOURCES", REPO.parent / "shared" / "sources"))

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-", "\u00ad": ""})


def normalise(text: str) -> str:
    """Text as compared: lower case, quotes and dashes plain, hyphens and line breaks gone, spaces single."""
    text = text.translate(_QUOTES)
    text = re.sub(r"-\s*\n\s*", "", text)  # "reason-\nable" → "reasonable"
    text = text.replace("-", "")           # so "long-term", "long-\nterm" and "longterm" agree
    text = re.sub(r"[•▪◦·]", " ", text)
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class Section:
    name: str
    first_line: int  # 1-based line of the stored file where the section starts
    text: str


def _start_of(raw: str, name: str, starts: str | None) -> int | None:
    """Where a section starts in the raw text: the last line that is its heading, or its first words."""
    if starts:
        words = [re.escape(w) for w in starts.split()]
        match = re.search(r"\s+".join(words), raw)
        return match.start() if match else None
    found = None
    for match in re.finditer(rf"^[ \t]*{re.escape(name)}[ \t]*$", raw, flags=re.M):
        found = match.start()  # the last one: the first is often the table of contents
    return found


def split_sections(raw: str, names: tuple[str, ...], starts: dict[str, str]) -> tuple[dict[str, Section], list[str]]:
    """The named sections of a stored text, and the names that could not be found in it."""
    positions, missing = {}, []
    for name in names:
        at = _start_of(raw, name, starts.get(name))
        if at is None:
            missing.append(name)
        else:
            positions[name] = at
    ordered = sorted(positions.items(), key=lambda item: item[1])
    sections = {}
    for i, (name, at) in enumerate(ordered):
        end = ordered[i + 1][1] if i + 1 < len(ordered) else len(raw)
        if i + 1 == len(ordered):  # the last section ends at the reference list
            refs = re.search(r"^[ \t]*References[ \t]*$", raw[at:], flags=re.M)
            end = at + refs.start() if refs else end
        sections[name] = Section(name, raw.count("\n", 0, at) + 1, raw[at:end])
    return sections, missing


def find(anchor: str, section_text: str) -> bool:
    return normalise(anchor) in normalise(section_text)


def nearest(anchor: str, section_text: str) -> str:
    """The run of the section's words most like the anchor, to show where a wrong anchor went astray."""
    target = normalise(anchor).split()
    words = normalise(section_text).split()
    if not words:
        return ""
    size = max(1, len(target))
    best, best_ratio = "", -1.0
    joined = " ".join(target)
    for i in range(0, max(1, len(words) - size + 1)):
        window = " ".join(words[i:i + size])
        ratio = difflib.SequenceMatcher(None, joined, window, autojunk=False).ratio()
        if ratio > best_ratio:
            best, best_ratio = window, ratio
    return best


class StoredSources:
    """The stored sources of content/sources.yml, read from `directory`, split into sections."""

    def __init__(self, sources, directory: Path = SOURCES_DIR):
        self.directory = directory
        self.sections: dict[str, dict[str, Section]] = {}
        self.missing_sections: dict[str, list[str]] = {}
        for source in sources:
            if not source.stored:
                continue
            raw = (directory / source.stored).read_text(encoding="utf-8")
            found, missing = split_sections(raw, source.sections, dict(source.section_starts))
            self.sections[source.id] = found
            self.missing_sections[source.id] = missing

    def is_stored(self, source_id: str) -> bool:
        return source_id in self.sections

    def check(self, source_id: str, section: str, anchor: str) -> str:
        """'' when the anchor is in the section; otherwise what is wrong, with the nearest text."""
        sections = self.sections.get(source_id)
        if sections is None:
            return f"'{source_id}' is not a stored source, so its anchors cannot be checked."
        found = sections.get(section)
        if found is None:
            return f"section '{section}' of '{source_id}' is not found in the stored text."
        if find(anchor, found.text):
            return ""
        return (f"the anchor \"{anchor}\" is not in section '{section}' of '{source_id}' "
                f"(from line {found.first_line}); nearest text: \"{nearest(anchor, found.text)}\".")


# The files whose citations are counted and checked: content, the pages in docs/ and the calculators
# (which write each rule's source as markup, Citation.parse('[@who-2025 §Section ^"phrase"]')).
CITING_DIRS = ("content", "docs", "calculators")
CITING_SUFFIXES = {".md", ".yml", ".yaml", ".py"}


def citing_files(root: Path = REPO) -> list[Path]:
    return [p for d in CITING_DIRS for p in sorted((root / d).rglob("*"))
            if p.is_file() and p.suffix in CITING_SUFFIXES]


def citations_in_file(path: Path):
    """(line number, Citation) for every citation markup in a file."""
    from calculators.vocabulary import citations_in

    text = path.read_text(encoding="utf-8")
    for match, citation in citations_in(text):
        yield text.count("\n", 0, match.start()) + 1, citation


def anchor_problems(sources, root: Path = REPO, directory: Path = SOURCES_DIR) -> list[str]:
    """'file:line: what is wrong' for every anchor not found in its cited section."""
    stored = StoredSources(sources, directory)
    problems = []
    for path in citing_files(root):
        for line, citation in citations_in_file(path):
            if not citation.anchor:
                continue
            problem = stored.check(citation.source_id, citation.section, citation.anchor)
            if problem:
                problems.append(f"{path.relative_to(root)}:{line}: {problem}")
    return problems


def main() -> int:
    """python -m sitebuild.stored_sources: lists the anchors that are not found where they are cited."""
    from sitebuild import content

    problems = anchor_problems(content.load().sources)
    print("\n".join(problems) or "every anchor is found in its cited section")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
