"""Our text is our own: no run of 14 or more words identical to a source document."""

from __future__ import annotations

import os

import pytest

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
