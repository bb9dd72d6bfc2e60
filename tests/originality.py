"""Finds runs of words that our text shares with the source documents.

The handbook is written in our own words: facts carry over with a citation,
sentences do not. A run of RUN_WORDS or more words identical to a source
document is treated as copied text; a passage that keeps a source's runs of
distinctive word pairs with a few words swapped is a close paraphrase (see
"close paraphrase" below). `python -m tests.originality` lists both.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

RUN_WORDS = 14
REPO = Path(__file__).resolve().parent.parent
SOURCES = Path(os.environ.get("OAMT_SOURCES", REPO.parent / "shared" / "sources"))
CHECKED_DIRS = ("content", "docs", "sitebuild/templates", "calculators")
CHECKED_SUFFIXES = {".md", ".yml", ".yaml", ".html", ".j2", ".py", ".txt"}
# The bibliography quotes the sources' titles and the words their sections start with, on purpose:
# the 14-word check covers it, the close-paraphrase check does not.
# The About page's licence notice states the licence's own conditions, where exact wording matters more.
NOT_PARAPHRASE_CHECKED = {"content/sources.yml", "sitebuild/templates/about.md.j2"}

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


# ---------------------------------------------------------------- close paraphrase
#
# Copying is not only word for word. A passage that walks through a source sentence with a few
# words swapped ("safeguarding equitable access" → "protect fair access", "outweighs" → "is
# greater than") keeps the source's runs of word pairs: "good samaritan laws which", "of
# withholding naloxone", "lay people". The check below looks for that.
#
# - Words are compared by their first STEM letters (numbers whole), so "destabilising" and
#   "destabilization", "half life" and "half lives" agree; citations are dropped first (their
#   anchors are verbatim on purpose), and so are lines that only name a source's section or title
#   (front matter) and section names of 5 or more words inside a sentence.
# - A word pair counts only when it is DISTINCTIVE: it occurs at least once and at most
#   DISTINCTIVE_PAIRS times in all the sources together, and is not two small words. Stock phrases
#   of the field ("opioid agonist maintenance", "people who use drugs", "risk of overdose") occur
#   far more often and are free to use.
# - A passage is a sentence, or two sentences that follow each other (a paraphrase often spans a
#   full stop). It is compared with the one stretch of one source that shares most distinctive
#   pairs with it (about 1.5 times the passage's length), word order kept: only runs of 2 or more
#   words in the same order count.
# - It is flagged when the runs hold at least MIN_SHARED_PAIRS distinctive pairs, these are at
#   least MIN_SHARED_SHARE of the passage's word pairs, and there are two runs or more (one run
#   alone is usually a term, such as "alpha-2 adrenergic agonists", unless it is LONE_RUN_WORDS long).
#
# Calibration (tests/fixtures/paraphrase/): the nine passages a clinical read flagged in the old
# chapters score 4 to 8 distinctive shared pairs (the old chapters held about 250 such passages in
# all); sentences in our own words that cite the same facts score 0 to 3. MIN_SHARED_PAIRS = 3 flags
# three of those ordinary cited facts; 5 misses two flagged passages (the old ch12:81 and ch17:23).

STEM = 5
DISTINCTIVE_PAIRS = 5
MIN_SHARED_PAIRS = 4
MIN_SHARED_SHARE = 0.10
LONE_RUN_WORDS = 7
SMALL_WORDS = frozenset("""a an the of to in on at by for with from and or but nor as is are was were be been being it
its this that these those there their they them he she his her we our you your i not no so than then if when which who
whom whose what where how all any each other such can could may might must shall should will would do does did has
have had into over under about also more most only own same very s t just one""".split())

_CITATION = re.compile(r'\[@[^\]]*\]')
_SECTIONS_LINE = re.compile(r"\s*(?:-\s*)?(?:sections|who_section)\s*:")  # front matter naming sections
_PASSAGE_BREAK = re.compile(r"(?<=[.;!?:])\s+|\n\s*\n|\n\s*(?:[-*+>|#]|\d+\.)\s*")


def _stem(word: str) -> str:
    return word if word.isdigit() else word[:STEM]


def _stems(text: str) -> list[str]:
    return [_stem(w) for w in words(text)]


@dataclass(frozen=True)
class Paraphrase:
    line: int            # 1-based line of our file where the passage starts
    passage: str         # our passage, as written
    source: str          # the source file it follows
    shared: tuple[str, ...]  # the runs of words (stemmed) it shares with that source, in order
    pairs: int           # distinctive word pairs in those runs


class SourceIndex:
    """Every source as stemmed words, and where each distinctive word pair occurs."""

    def __init__(self, directory: Path = SOURCES):
        self.texts: dict[str, list[str]] = {}
        self.pairs: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for path in sorted(directory.glob("*.txt")):
            ws = _stems(path.read_text(encoding="utf-8"))
            self.texts[path.name] = ws
            for i in range(len(ws) - 1):
                if ws[i] in SMALL_WORDS and ws[i + 1] in SMALL_WORDS:
                    continue
                self.pairs.setdefault((ws[i], ws[i + 1]), []).append((path.name, i))
        self.pairs = {p: at for p, at in self.pairs.items() if len(at) <= DISTINCTIVE_PAIRS}
        self.names = _section_names()

    def distinctive(self, pair: tuple[str, str]) -> bool:
        return pair in self.pairs

    def best_match(self, ws: list[str]) -> tuple[int, str, tuple[str, ...]]:
        """(distinctive pairs in shared runs, source file, the runs) for the closest stretch of a source."""
        span = int(len(ws) * 1.5) + 6
        hits: dict[str, list[int]] = {}
        for pair in set(zip(ws, ws[1:])):
            for name, at in self.pairs.get(pair, ()):
                hits.setdefault(name, []).append(at)
        stretches = []
        for name, ats in hits.items():
            ats.sort()
            first = 0
            for last in range(len(ats)):
                while ats[last] - ats[first] > span:
                    first += 1
                stretches.append((last - first + 1, name, ats[first]))
        stretches.sort(reverse=True)
        best: tuple[int, str, tuple[str, ...]] = (0, "", ())
        for count, name, start in stretches[:4]:
            if count <= best[0]:
                break
            theirs = self.texts[name][max(0, start - len(ws)):start + span]
            matcher = difflib.SequenceMatcher(None, ws, theirs, autojunk=False)
            score, runs = 0, []
            for block in matcher.get_matching_blocks():
                run = ws[block.a:block.a + block.size]
                if len(run) < 2 or all(w in SMALL_WORDS for w in run):
                    continue
                score += sum(1 for pair in zip(run, run[1:]) if pair in self.pairs)
                runs.append(" ".join(run))
            if score > best[0]:
                best = (score, name, tuple(runs))
        return best


def _section_names() -> list[str]:
    """The sources' section names and titles: a line that only names one is not copying it."""
    try:
        import yaml
        listed = yaml.safe_load((REPO / "content" / "sources.yml").read_text(encoding="utf-8")) or []
    except (OSError, ImportError):
        return []
    names = set()
    for source in listed:
        if isinstance(source, dict):
            names.update(str(s) for s in source.get("sections") or ())
            names.update(str(source[k]) for k in ("title", "subtitle") if source.get(k))
    return sorted(names)


def sentences(text: str, names: list[str] = ()) -> list[tuple[int, str]]:
    """(line, sentence) for each sentence or list item of a text, citations and section names blanked."""
    text = _CITATION.sub(lambda m: " " * len(m.group(0)), text)
    listed = {n.lower() for n in names}

    def blank(line: str) -> str:
        item = re.sub(r"^[\w-]+:\s*", "", line.strip().lstrip("-").strip()).strip("\"'").lower()  # "title: X", "- X"
        return "" if _SECTIONS_LINE.match(line) or item in listed else line
    text = "\n".join(blank(line) for line in text.split("\n"))
    # A long name inside a sentence ("see Mitigation measures in case of unplanned interruptions") is a
    # name; a short one ("opioid agonist maintenance treatment") is also a term, and stays.
    for name in sorted((n for n in names if len(n.split()) >= 5), key=len, reverse=True):
        words_of = [re.escape(w) for w in name.split()]
        text = re.sub(r"\s+".join(words_of), lambda m: " " * len(m.group(0)), text, flags=re.I)
    sentences, pos = [], 0
    for brk in _PASSAGE_BREAK.finditer(text + "\n\n"):
        piece = text[pos:brk.start()]
        if piece.strip():
            sentences.append((text.count("\n", 0, pos) + 1 + piece[:len(piece) - len(piece.lstrip())].count("\n"),
                              " ".join(piece.split())))
        pos = brk.end()
    return sentences


def _check(line: int, passage: str, index: SourceIndex) -> Paraphrase | None:
    ws = _stems(passage)
    if len(ws) < 6:
        return None
    score, source, runs = index.best_match(ws)
    # One shared run on its own is usually a term ("alpha-2 adrenergic agonists", "high-potency synthetic
    # opioids"); following a sentence leaves several runs, or one long one.
    followed = len(runs) >= 2 or max((len(r.split()) for r in runs), default=0) >= LONE_RUN_WORDS
    if followed and score >= MIN_SHARED_PAIRS and score >= MIN_SHARED_SHARE * (len(ws) - 1):
        return Paraphrase(line, passage, source, runs, score)
    return None


def close_paraphrases(text: str, index: SourceIndex) -> list[Paraphrase]:
    """Passages of `text` that follow a source too closely: sentences, then pairs of sentences neither of
    which is flagged on its own."""
    said = sentences(text, index.names)
    single = [_check(line, s, index) for line, s in said]
    found = [hit for hit in single if hit]
    for i in range(len(said) - 1):
        if not single[i] and not single[i + 1]:
            hit = _check(said[i][0], f"{said[i][1]} {said[i + 1][1]}", index)
            if hit:
                found.append(hit)
    return sorted(found, key=lambda h: h.line)


def paraphrase_checked_files() -> list[Path]:
    return [p for p in checked_files() if p.relative_to(REPO).as_posix() not in NOT_PARAPHRASE_CHECKED]


def paraphrases_in(path: Path, index: SourceIndex) -> list[Paraphrase]:
    return close_paraphrases(path.read_text(encoding="utf-8"), index)


def main() -> int:
    """python -m tests.originality: copied runs, then close paraphrases, as file:line and the shared wording."""
    runs = source_runs()
    index = SourceIndex()
    bad = close = 0
    for path in checked_files():
        for run in copied_runs(path, runs):
            bad += 1
            print(f"{path.relative_to(REPO)}: copied: {run!r}")
    for path in paraphrase_checked_files():
        for hit in paraphrases_in(path, index):
            close += 1
            print(f"{path.relative_to(REPO)}:{hit.line}: close paraphrase of {hit.source} "
                  f"({hit.pairs} distinctive word pairs): {' … '.join(hit.shared)}")
            print(f"    ours: {hit.passage[:160]}{'…' if len(hit.passage) > 160 else ''}")
    print(f"{bad} copied run(s) of {RUN_WORDS}+ words; {close} close paraphrase(s) "
          f"(at least {MIN_SHARED_PAIRS} distinctive word pairs in shared runs)")
    return 1 if bad or close else 0


if __name__ == "__main__":
    sys.exit(main())
