"""How the handbook cites: per file, citations of stored sources with and without an anchor, and
citations of sources that are not stored.

A citation of a stored source can carry an anchor, a few words of the cited section
(`[@who-2025 §Overdose management ^"naloxone should be made available"]`), so that
anyone can check the section says what the sentence claims (sitebuild/stored_sources.py).
This report shows how much of the handbook can be checked that way:

    python -m sitebuild.citation_report          # the table, file by file, and the totals

The build writes the same as site/citation-report.json and prints a one-line summary
(sitebuild/mkdocs_hook.py). The bibliography lists the anchored passages under each stored
source, with the pages that cite them (`anchored_passages`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .stored_sources import REPO, citations_in_file

# The files counted: the content and the calculators (whose rules name their sources in code).
COUNTED_DIRS = ("content", "calculators")
COUNTED_SUFFIXES = {".md", ".yml", ".yaml", ".py"}


@dataclass
class FileCount:
    file: str
    anchored: int = 0      # citations of a stored source with an anchor
    unanchored: int = 0    # citations of a stored source without one
    not_stored: int = 0    # citations of a source whose text is not stored (cannot carry an anchor)

    @property
    def stored(self) -> int:
        return self.anchored + self.unanchored

    @property
    def total(self) -> int:
        return self.stored + self.not_stored


@dataclass
class Report:
    files: list[FileCount] = field(default_factory=list)

    @property
    def totals(self) -> FileCount:
        total = FileCount("total")
        for f in self.files:
            total.anchored += f.anchored
            total.unanchored += f.unanchored
            total.not_stored += f.not_stored
        return total

    def share_anchored(self) -> float:
        t = self.totals
        return t.anchored / t.stored if t.stored else 1.0

    def summary(self) -> str:
        t = self.totals
        return (f"citations: {t.anchored} of {t.stored} citations of stored sources are anchored "
                f"({self.share_anchored():.0%}); {t.unanchored} unanchored; {t.not_stored} cite sources "
                f"that are not stored; {len(self.files)} files")

    def to_json(self) -> dict[str, Any]:
        t = self.totals
        return {"totals": {"anchored": t.anchored, "unanchored": t.unanchored, "not_stored": t.not_stored,
                           "share_anchored": round(self.share_anchored(), 4)},
                "files": [asdict(f) for f in self.files]}


def citations_of(path: Path):
    """(line, Citation) for the citations a file makes. In Python, only those in string literals that
    are not docstrings: a comment or a docstring that shows the markup (`[@who-2025 §Section]`) cites nothing."""
    if path.suffix != ".py":
        yield from citations_in_file(path)
        return
    import ast
    import io
    import tokenize

    from calculators.vocabulary import citations_in

    text = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text)
    except SyntaxError:  # a file half-way through an edit: count it as plain text
        yield from citations_in_file(path)
        return
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            value = getattr(first, "value", None)
            if isinstance(first, ast.Expr) and isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstrings.add(first.lineno)
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.STRING and token.start[0] not in docstrings:
            for match, citation in citations_in(token.string):
                yield token.start[0] + token.string.count("\n", 0, match.start()), citation


def counted_files(root: Path = REPO) -> list[Path]:
    return [p for d in COUNTED_DIRS for p in sorted((root / d).rglob("*"))
            if p.is_file() and p.suffix in COUNTED_SUFFIXES and "__pycache__" not in p.parts]


def count(root: Path = REPO, stored_ids: Iterable[str] | None = None) -> Report:
    """The citations of every file in content/ and calculators/ under `root`, sorted by file.

    `stored_ids`: the sources whose text is stored; by default those of content/sources.yml
    with a `stored:` file.
    """
    if stored_ids is None:
        from . import content
        stored_ids = {s.id for s in content.load().sources if s.stored}
    stored_ids = set(stored_ids)
    report = Report()
    for path in counted_files(root):
        tally = FileCount(path.relative_to(root).as_posix())
        for _line, citation in citations_of(path):
            if citation.source_id not in stored_ids:
                tally.not_stored += 1
            elif citation.anchor:
                tally.anchored += 1
            else:
                tally.unanchored += 1
        if tally.total:
            report.files.append(tally)
    return report


def write_json(report: Report, path: Path) -> None:
    path.write_text(json.dumps(report.to_json(), indent=1) + "\n", encoding="utf-8")


def table(report: Report) -> str:
    rows = [("file", "anchored", "unanchored", "not stored"), *(
        (f.file, str(f.anchored), str(f.unanchored), str(f.not_stored)) for f in report.files)]
    t = report.totals
    rows.append(("total", str(t.anchored), str(t.unanchored), str(t.not_stored)))
    width = max(len(r[0]) for r in rows)
    lines = [f"{r[0]:<{width}}  {r[1]:>8}  {r[2]:>10}  {r[3]:>10}" for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    return "\n".join(lines + ["", report.summary()])


# ---------------------------------------------------------------- anchored passages, for the bibliography


@dataclass(frozen=True)
class Passage:
    section: str
    anchor: str
    pages: tuple[tuple[str, str], ...]   # (site path, page title), in order of first citation


def page_of(path: Path, content, root: Path = REPO) -> tuple[str, str] | None:
    """The site page (path, title) that shows a file's citations, or None."""
    from .routes import path_of

    rel = path.relative_to(root).as_posix()
    for ch in content.chapters:
        if ch.file == rel:
            return path_of("chapter", ch), ch.title
    for aid in content.job_aids:
        if aid.file == rel:
            return path_of("job-aid", aid), aid.title
    for calc in content.calculator_pages:
        if calc.file == rel:
            return path_of("calculator", calc), calc.title
    if rel.startswith("calculators/"):
        for calc in content.calculator_pages:  # taper.py, taper_view.py, tapering.py → the taper calculator
            if path.stem.startswith(calc.calculator):
                return path_of("calculator", calc), calc.title
        return path_of("calculators"), "Calculators"
    fixed = {"content/glossary.yml": ("glossary", "Glossary"),
             "content/hazards.yml": ("hazard-log", "Clinical hazard log"),
             "content/settings.yml": ("home", "Home")}
    if rel in fixed:
        return path_of(fixed[rel][0]), fixed[rel][1]
    if rel.startswith("content/takehome/"):
        return path_of("writing-a-profile"), "Writing a take-home profile"
    if rel.startswith("docs/") and path.suffix == ".md":
        return rel[len("docs/"):], path.stem.replace("-", " ").capitalize()
    return None


def anchored_passages(content, root: Path = REPO) -> dict[str, list[Passage]]:
    """For each stored source: every anchored passage cited (section, phrase) and the pages citing it."""
    from .stored_sources import citing_files

    stored = {s.id for s in content.sources if s.stored}
    found: dict[str, dict[tuple[str, str], list[tuple[str, str]]]] = {}
    for path in citing_files(root):
        page = page_of(path, content, root)
        for _line, citation in citations_of(path):
            if citation.source_id not in stored or not citation.anchor:
                continue
            key = (citation.section, " ".join(citation.anchor.split()))
            pages = found.setdefault(citation.source_id, {}).setdefault(key, [])
            if page and page not in pages:
                pages.append(page)
    order = {s.id: {name: i for i, name in enumerate(s.sections)} for s in content.sources}
    return {sid: [Passage(section, anchor, tuple(pages)) for (section, anchor), pages in
                  sorted(items.items(), key=lambda kv: (order[sid].get(kv[0][0], 999), kv[0][0], kv[0][1].lower()))]
            for sid, items in found.items()}


def main() -> int:
    """python -m sitebuild.citation_report: the table of citations, file by file."""
    print(table(count()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
