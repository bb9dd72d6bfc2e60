"""Finds runs of words that our text shares with the source documents.

The handbook is written in our own words: facts carry over with a citation,
sentences do not. A run of RUN_WORDS or more words identical to a source
document is treated as copied text.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

RUN_WORDS = 14
REPO = Path(__file__).resolve().parent.parent
SOURCES = Path(os.environ.get("OAMT_SOURCES", REPO.parent / "shared" / "sources"))
CHECKED_DIRS = ("content", "docs", "sitebuild/templates", "calculators")
CHECKED_SUFFIXES = {".md", ".yml", ".yaml", ".html", ".j2", ".py", ".txt"}

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-case words, punctuation and markup dropped, so formatting cannot hide a copy."""
    text = text.replace("’", "'").replace("‘", "'")
    return _WORD.findall(text.lower().replace("'", ""))


def _grams(ws: list[str]) -> set[tuple[str, ...]]:
    return {tuple(ws[i : i + RUN_WORDS]) for i in range(len(ws) - RUN_WORDS + 1)}


def source_runs() -> set[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for path in sorted(SOURCES.glob("*.txt")):
        runs |= _grams(words(path.read_text(encoding="utf-8")))
    return runs


def checked_files() -> list[Path]:
    files = []
    for d in CHECKED_DIRS:
        for path in sorted((REPO / d).rglob("*")):
            if path.is_file() and path.suffix in CHECKED_SUFFIXES:
                files.append(path)
    return files


def copied_runs(path: Path, runs: set[tuple[str, ...]]) -> list[str]:
    ws = words(path.read_text(encoding="utf-8"))
    found, i = [], 0
    while i <= len(ws) - RUN_WORDS:
        if tuple(ws[i : i + RUN_WORDS]) in runs:
            j = i + RUN_WORDS
            while j < len(ws) and tuple(ws[j - RUN_WORDS + 1 : j + 1]) in runs:
                j += 1
            found.append(" ".join(ws[i:j]))
            i = j
        else:
            i += 1
    return found


def main() -> int:
    runs = source_runs()
    bad = 0
    for path in checked_files():
        for run in copied_runs(path, runs):
            bad += 1
            print(f"{path.relative_to(REPO)}: {run!r}")
    print(f"{bad} copied run(s) of {RUN_WORDS}+ words")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
