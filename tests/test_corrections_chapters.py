"""The clinical read of chapters 10 to 17 (issue #14) stays fixed.

One test per correction. Each looks at the text of the chapters and of content/sources.yml, and each
failed on the text at the commit before the correction (to check that again, point OAMT_CHAPTERS_DIR
and OAMT_SOURCES_YML at copies taken with `git show <commit>:<path>`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from sitebuild.stored_sources import SOURCES_DIR, StoredSources

REPO = Path(__file__).resolve().parent.parent
CHAPTERS = Path(os.environ.get("OAMT_CHAPTERS_DIR", REPO / "content" / "chapters"))
SOURCES_YML = Path(os.environ.get("OAMT_SOURCES_YML", REPO / "content" / "sources.yml"))
OURS = tuple(f"{n}-" for n in range(10, 18))  # chapters 10 to 17
STORED_IDS = {"who-2025", "mitchell-2020", "steiro-2024", "rehm-fischer-2008", "mckeganey-2008"}

# [@source-id §Section ^"anchor"], written here so the test does not depend on the calculators' parser.
CITATION = re.compile(r'\[@([a-z0-9-]+)(?: §([^\]^]*?))?(?: \^"([^"]*)")?\]')

needs_sources = pytest.mark.skipif(not SOURCES_DIR.is_dir(), reason=f"no source documents at {SOURCES_DIR}")


def chapters() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(CHAPTERS.glob("*.md")) if p.name.startswith(OURS)}


def chapter(prefix: str) -> str:
    found = [text for name, text in chapters().items() if name.startswith(prefix)]
    assert len(found) == 1, f"no single chapter starting {prefix}"
    return found[0]


def paragraphs(text: str) -> list[str]:
    """Paragraphs and list items (a list item is one line), with admonition indentation removed."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.split("\n")]
        item: list[str] = []
        for line in lines:
            if re.match(r"(?:[-*+]|\d+\.)\s", line) and item:
                out.append(" ".join(item))
                item = []
            item.append(line)
        if item:
            out.append(" ".join(item))
    return out


def stored_sources() -> StoredSources:
    listed = yaml.safe_load(SOURCES_YML.read_text(encoding="utf-8"))
    sources = [SimpleNamespace(id=s["id"], stored=s.get("stored"), sections=tuple(s.get("sections") or ()),
                               section_starts=tuple((s.get("section_starts") or {}).items())) for s in listed]
    return StoredSources(sources)


# ---------------------------------------------------------------- the corrections


@needs_sources
def test_every_cited_section_of_a_stored_source_is_in_its_stored_text():
    """ch16 cited 'Delivery of treatment' and 'Conclusion' of rehm-fischer-2008, which its text does not have."""
    stored = stored_sources()
    wrong = [f"{name}: [@{m.group(1)} §{m.group(2)}]" for name, text in chapters().items()
             for m in CITATION.finditer(text)
             if m.group(1) in STORED_IDS and m.group(2) and m.group(2).strip() not in stored.sections[m.group(1)]]
    assert not wrong, "citations of sections the stored text does not have:\n" + "\n".join(wrong)
    assert not stored.missing_sections.get("rehm-fischer-2008"), \
        f"content/sources.yml lists sections of rehm-fischer-2008 that its text does not have: " \
        f"{stored.missing_sections['rehm-fischer-2008']}"


def test_heroin_chapter_says_the_failed_maintenance_was_methadone():
    """The trials enrolled people with failed methadone maintenance; the source says nothing of buprenorphine."""
    failed = re.compile(r"fail|not (?:been )?helped|unsuccessful|without success", re.I)
    wrong = [p for p in paragraphs(chapter("16-")) if failed.search(p) and "buprenorphine" in p.lower()]
    assert not wrong, "buprenorphine named where the source has failed methadone maintenance:\n" + "\n".join(wrong)
    assert any(failed.search(p) and "methadone" in p.lower() for p in paragraphs(chapter("16-")))


def test_take_home_sedatives_warning_covers_buprenorphine_and_names_its_basis():
    """Benzodiazepines or alcohol with buprenorphine can be fatal too; no stored or cited label section says so,
    so the chapter labels it as this handbook's caution."""
    warning = [p for p in paragraphs(chapter("10-")) if "benzodiazepine" in p.lower()]
    assert warning, "ch10 has no sedatives warning"
    for p in warning:
        assert "methadone" in p.lower() and "buprenorphine" in p.lower(), p
        assert "[@this-handbook" in p and "handbook's own" in p, f"the buprenorphine caution is not labelled: {p}"


def test_take_home_days_are_not_attributed_to_who_2009():
    """'WHO does not set a number of days; programmes decide' is the handbook's reading, not WHO 2009's text."""
    wrong = [p for p in paragraphs(chapter("10-")) if "number of days" in p and "[@who-2009" in p]
    assert not wrong, "\n".join(wrong)
    days = [p for p in paragraphs(chapter("10-")) if "number of days" in p]
    assert days and all("[@this-handbook" in p for p in days), days


RESTART_RULE = re.compile(r"\bold dose\b|\bnever restart|\brestart(?:ing)?\b[^.]*\blow dose", re.I)


def test_restart_rule_is_labelled_as_the_handbooks_own():
    """No source held gives the number of missed days that calls for re-induction: a chapter may give the rule
    only as this handbook's own conservative rule, with its reason and a this-handbook citation."""
    wrong = [f"{name}: {p}" for name, text in chapters().items() for p in paragraphs(text)
             if RESTART_RULE.search(p) and not ("handbook's own" in p and "[@this-handbook" in p)]
    assert not wrong, "restart rule without its label:\n" + "\n\n".join(wrong)


MAXIMA = re.compile(r"\b120\s*mg\b|\b24\s*mg\b", re.I)


def unlabelled_maxima(texts: dict[str, str]) -> list[str]:
    return [f"{name}: {p}" for name, text in texts.items() for p in paragraphs(text)
            if MAXIMA.search(p) and "unverified" not in p.lower()]


def test_usual_maximum_doses_are_labelled_unverified():
    """120 mg methadone and 24 mg buprenorphine come from an unverified range (CLINICAL.md A2 [U]).
    Chapters 10 to 17 never stated them; the check guards against their arrival and is shown to bite."""
    assert not unlabelled_maxima(chapters()), "\n".join(unlabelled_maxima(chapters()))
    assert unlabelled_maxima({"sample": "Usual maintenance is up to 120 mg methadone or 24 mg buprenorphine."})
    assert not unlabelled_maxima({"sample": "Up to 120 mg is often quoted (unverified; CLINICAL.md A2)."})


@needs_sources
def test_every_citation_of_a_stored_source_carries_an_anchor_found_in_its_section():
    stored = stored_sources()
    problems = []
    for name, text in chapters().items():
        for m in CITATION.finditer(text):
            source, section, anchor = m.group(1), (m.group(2) or "").strip(), m.group(3)
            if source not in STORED_IDS:
                continue
            line = text.count("\n", 0, m.start()) + 1
            if not anchor:
                problems.append(f"{name}:{line}: no anchor on [@{source} §{section}]")
            elif stored.check(source, section, anchor):
                problems.append(f"{name}:{line}: {stored.check(source, section, anchor)}")
    assert not problems, "\n".join(problems)


@needs_sources
def test_no_close_paraphrase_in_chapters_10_to_17():
    """The passages the clinical read flagged (ch11:69, ch12:47, ch12:81, ch14:49, ch16:73, ch16:75, ch17:23,
    ch17:25 at the commit before) and any others are in our own words and structure."""
    originality = pytest.importorskip("tests.originality")
    if not hasattr(originality, "close_paraphrases"):
        pytest.skip("tests/originality.py has no close-paraphrase check")
    index = originality.SourceIndex()
    found = [f"{name}:{hit.line}: {' … '.join(hit.shared)}" for name, text in chapters().items()
             for hit in originality.close_paraphrases(text, index)]
    assert not found, "\n".join(found)
