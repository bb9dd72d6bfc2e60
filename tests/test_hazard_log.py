"""The clinical hazard log names real tests: every test a control cites exists
(as pytest collects it), the log covers the hazards the project must address,
and the built page shows each hazard with its controls and tests."""

from __future__ import annotations

import html
import subprocess
import sys

import pytest

from sitebuild import content as content_model
from sitebuild.content import Checker, SourceIndex
from sitebuild.hazards import read

from .conftest import REPO

# The hazards a reviewer expects to find, by a word of their title.
EXPECTED = ("mg and mL", "Rounding", "high-risk patient", "old dose", "children", "jurisdiction", "old copy")


@pytest.fixture(scope="module")
def hazards():
    return content_model.load().hazards


@pytest.fixture(scope="module")
def collected() -> set[str]:
    """Every test id pytest collects in this repository, browser tests included (collecting runs nothing)."""
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
                          cwd=REPO, capture_output=True, text=True)
    ids = {line.strip() for line in done.stdout.splitlines() if "::" in line}
    assert len(ids) > 100, done.stdout[-2000:] + done.stderr[-2000:]
    return ids


def exists(name: str, collected: set[str]) -> bool:
    return name in collected if "[" in name else any(t == name or t.startswith(name + "[") for t in collected)


def test_every_test_the_log_names_exists(hazards, collected):
    missing = [(h.id, t) for h in hazards for c in h.controls for t in c.tests if not exists(t, collected)]
    assert not missing, f"the hazard log names tests that do not exist: {missing}"


def test_the_log_covers_the_expected_hazards(hazards):
    titles = " | ".join(h.title for h in hazards)
    assert all(word.lower() in titles.lower() for word in EXPECTED), titles
    assert all(h.controls and all(c.tests for c in h.controls) and h.residual for h in hazards)


def test_a_missing_test_is_caught(collected):
    assert exists("tests/test_taper.py::test_valid_case", collected)
    assert not exists("tests/test_taper.py::test_that_was_never_written", collected)
    assert not exists("tests/test_taper.py::test_valid_case[no-such-case]", collected)


def test_the_build_rejects_a_malformed_log():
    check = Checker("content/hazards.yml")
    read([{"id": "H1", "title": "t", "cause": "c", "effect": "e", "severity": "bad", "residual": "r",
           "controls": [{"text": "x", "tests": ["test_taper::valid"]}]}], check, SourceIndex(()))
    fields = {p.field for p in check.problems}
    assert fields == {"[0].id", "[0].severity", "[0].controls[0].tests[0]"}, check.problems


def test_the_page_shows_every_hazard_with_its_controls_and_tests(site_dir, hazards):
    page = html.unescape((site_dir / "hazard-log.html").read_text(encoding="utf-8"))
    for h in hazards:
        assert f'id="{h.id.lower()}"' in page and h.severity in page
        for c in h.controls:
            assert all(f"<code>{t}</code>" in page for t in c.tests), (h.id, c.tests)
