"""Our text is our own: no run of 14 or more words identical to a source document, and no passage
that follows a source sentence with a few words swapped (close paraphrase)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml

from . import originality


def test_sources_are_present():
    if not originality.SOURCES.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the source documents are missing: {originality.SOURCES}")
        pytest.skip(f"no source documents at {originality.SOURCES} (they live in ../shared/sources)")
    assert len(list(originality.SOURCES.glob("*.txt"))) >= 4


def test_no_copied_runs_in_content_or_docs():
    if not originality.SOURCES.is_dir():
        pytest.skip("no source documents")
    runs = originality.source_runs()
    assert runs
    copied = {str(p.relative_to(originality.REPO)): originality.copied_runs(p, runs)
              for p in originality.checked_files()}
    copied = {k: v for k, v in copied.items() if v}
    assert not copied, copied


def test_the_check_catches_a_copied_sentence(tmp_path):
    if not originality.SOURCES.is_dir():
        pytest.skip("no source documents")
    source = next(originality.SOURCES.glob("000_*.txt")).read_text(encoding="utf-8")
    words = originality.words(source)
    sample = tmp_path / "copied.md"
    sample.write_text("Intro. " + " ".join(words[5000:5016]).upper() + ", and more.", encoding="utf-8")
    assert originality.copied_runs(sample, originality.source_runs())


# ---------------------------------------------------------------- close paraphrase

PARAPHRASE_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "paraphrase"
FLAGGED_OLD = yaml.safe_load((PARAPHRASE_FIXTURES / "flagged-old-passages.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def source_index():
    if not originality.SOURCES.is_dir():
        pytest.skip("no source documents")
    return originality.SourceIndex()


@pytest.mark.parametrize("passage", FLAGGED_OLD, ids=[p["where"].split(" ")[0] for p in FLAGGED_OLD])
def test_the_check_catches_each_passage_a_clinical_read_flagged(passage, source_index):
    hits = originality.close_paraphrases(passage["text"], source_index)
    assert hits, f"{passage['where']} is not flagged as a close paraphrase"


def test_own_words_that_cite_the_same_facts_are_not_flagged(source_index):
    text = (PARAPHRASE_FIXTURES / "own-words.md").read_text(encoding="utf-8")
    assert originality.close_paraphrases(text, source_index) == []


def test_anchors_and_section_names_are_not_counted_as_copying(source_index):
    """An anchor is verbatim on purpose, and front matter names the sources' sections."""
    text = ("---\nsources:\n  - id: who-2025\n    sections: [Consideration of take-home doses, Overdose management]\n"
            "---\nLaws in some places shield bystanders who give naloxone [@who-2025 §Overdose management "
            "^\"several legislative approaches have been used to address these situations including application of "
            "good samaritan laws\"].\n")
    assert originality.close_paraphrases(text, source_index) == []


def test_no_close_paraphrase_in_content_or_docs(source_index):
    found = {}
    for path in originality.paraphrase_checked_files():
        for hit in originality.paraphrases_in(path, source_index):
            found.setdefault(str(path.relative_to(originality.REPO)), []).append(
                f"line {hit.line}: {' … '.join(hit.shared)}")
    assert not found, "close paraphrase (python -m tests.originality lists them): " + repr(found)


def test_the_whole_check_is_fast():
    if not originality.SOURCES.is_dir():
        pytest.skip("no source documents")
    start = time.process_time()  # CPU time: other work on a shared machine does not count
    index = originality.SourceIndex()
    runs = originality.source_runs()
    for path in originality.checked_files():
        originality.copied_runs(path, runs)
    for path in originality.paraphrase_checked_files():
        originality.paraphrases_in(path, index)
    assert time.process_time() - start < 5
