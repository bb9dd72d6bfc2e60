"""Corrections from the clinical read of the job aids and take-home profiles (issue #14).

Each test fails on the text before the correction (`git show HEAD:<file>` at the time) and passes
on the corrected text. `read` is the one place a file's text comes from, so the same checks can be
run against an older version of the files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sitebuild.content import load_sources
from sitebuild.stored_sources import SOURCES_DIR, StoredSources

REPO = Path(__file__).resolve().parent.parent

# The job aids this correction covers (other job aids are checked by their own tests).
JOB_AIDS = ("buprenorphine-taper-table", "disruption-checklist", "high-risk-clients", "methadone-taper-table",
            "overdose-naloxone", "take-home-safety", "talking-without-stigma", "withdrawal-monitoring")

# The same pattern as calculators.vocabulary.CITATION_MARKUP: [@id §Section ^"anchor"].
CITATION = re.compile(r'\[@([^\]\s§^]*)\s*(?:§\s*([^\]^]*?))?\s*(?:\^"([^"\]]*)")?\s*\]')


def read(relative: str) -> str:
    return (REPO / relative).read_text(encoding="utf-8")


def job_aid(slug: str) -> dict:
    return yaml.safe_load(read(f"content/job-aids/{slug}.yml"))


def items(aid: dict) -> list[str]:
    """Every piece of Markdown text of a job aid: intro, list items, table cells, footer."""
    out = [aid.get("intro") or "", aid.get("footer") or ""]
    for block in aid.get("blocks") or ():
        out += [i for i in block.get("items") or () if isinstance(i, str)]
        out += [c for row in block.get("rows") or () for c in row if isinstance(c, str)]
    return [t for t in out if t]


def cited(text: str) -> set[str]:
    return {m.group(1) for m in CITATION.finditer(text)}


def profiles() -> list[str]:
    return sorted(p.relative_to(REPO).as_posix() for p in (REPO / "content" / "takehome").glob("*.yml"))


# 1. Buprenorphine restart: not cited to a section that does not say it; precipitated withdrawal
#    is warned of; methadone's WHO 2009 starting doses are never given for buprenorphine.
def test_buprenorphine_restart_is_sourced_and_warns_of_precipitated_withdrawal():
    bup = items(job_aid("buprenorphine-taper-table"))
    for text in bup:
        assert not ("low dose" in text.lower() and "§Overdose management" in text and "this-handbook" not in text), text
        assert "who-2009" not in cited(text), f"methadone's starting doses cited in the buprenorphine table: {text}"
        assert not re.search(r"\b(10–15|20|30) mg\b", text), f"a methadone starting dose in the buprenorphine table: {text}"
    for slug in ("buprenorphine-taper-table", "high-risk-clients"):
        warning = [t for t in items(job_aid(slug)) if "fentanyl" in t and "withdrawal" in t]
        assert warning, f"{slug}: no warning that buprenorphine after full agonists (fentanyl) brings on withdrawal"
        assert all("this-handbook" in t or "partial agonist" in t for t in warning)
    methadone_doses = [t for t in items(job_aid("high-risk-clients")) if "20 mg" in t]
    assert methadone_doses and all(t.startswith("Methadone") for t in methadone_doses)


# 2. "Never restart at the old dose after any gap": the number of missed days is not in WHO; the
#    specific rule is labelled as this handbook's own, with its reason.
@pytest.mark.parametrize("slug", ["high-risk-clients", "methadone-taper-table", "buprenorphine-taper-table"])
def test_the_missed_days_rule_is_labelled_as_this_handbooks_own(slug):
    texts = items(job_aid(slug))
    rule = [t for t in texts if "old dose" in t and "missed days" in t]
    assert rule, f"{slug}: no item says what is known about missed days"
    for text in rule:
        assert "this-handbook" in cited(text) and "this handbook" in text.lower(), text
        assert "because" in text or "tolerance cannot be measured" in text, f"the rule gives no reason: {text}"
    for text in texts:
        if "old dose" in text and ("never" in text.lower() or "do not" in text.lower()):
            assert "this-handbook" in cited(text), f"an old-dose rule attributed to a source that does not give it: {text}"


# 3. Sedatives with take-home doses: methadone and buprenorphine both; each source cited only
#    for what it says; a locked box is never cited to a source.
def test_the_sedatives_warning_covers_both_medicines_and_cites_what_supports_it():
    texts = items(job_aid("take-home-safety"))
    sedatives = [t for t in texts if "benzodiazepines" in t]
    assert sedatives
    for text in sedatives:
        assert "buprenorphine" in text and "methadone" in text, text
        assert "this-handbook" in cited(text), "the buprenorphine part is this handbook's caution and must say so"
        assert "dailymed-methadone" not in cited(text) or "methadone label" in text, text
    for text in texts:
        if "lock" in text.lower():
            assert cited(text) <= {"this-handbook"}, f"a locked-box statement cited to a source: {text}"
            assert "handbook" in text, text


# 4. The UK profile: "0 days" leaves out Sunday and bank-holiday take-aways, and the 14 days are a
#    limit of the FP10MDA form, not a clinical cap.
def test_the_uk_profile_explains_closed_days_and_the_form_limit():
    profile = yaml.safe_load(read("content/takehome/uk-nice-2007.yml"))
    notes = " ".join(profile.get("notes") or ())
    assert "Sunday" in notes and "bank holiday" in notes
    form = [n for n in profile.get("notes") or () if "FP10MDA" in n]
    assert form and any("not" in n and "clinical" in n and "uk-fp10mda" in cited(n) for n in form)
    for limit in profile["limits"]:
        if limit["max_days"] == 0:
            assert "Sunday" in (limit.get("note") or ""), limit
        if limit["max_days"] == 14:
            assert "not a clinical maximum" in (limit.get("note") or ""), limit


# 5. The taper tables stop at 120 mg methadone and 24 mg buprenorphine to fit the page: they must
#    not read as usual maximum doses.
@pytest.mark.parametrize("slug,top", [("methadone-taper-table", "120"), ("buprenorphine-taper-table", "24")])
def test_the_last_row_of_a_taper_table_is_not_a_maximum_dose(slug, top):
    aid = job_aid(slug)
    intro = aid["intro"]
    assert f"stop at {top} mg" in intro and "not because doses are capped" in intro
    assert '^"without placing restrictions on dose levels"' in intro
    for text in items(aid):
        assert not re.search(r"usual (maximum|max)|maximum dose", text, re.I), text


# 6. Every citation of a stored source in these job aids and in the take-home profiles carries an
#    anchor that is found in the cited section.
@pytest.mark.skipif(not SOURCES_DIR.is_dir(), reason=f"no source documents at {SOURCES_DIR}")
def test_every_stored_citation_is_anchored_in_its_section():
    problems: list = []
    sources = load_sources(REPO / "content" / "sources.yml", problems)
    stored = StoredSources(sources)
    files = [f"content/job-aids/{slug}.yml" for slug in JOB_AIDS] + profiles()
    missing, wrong, counted = [], [], 0
    for name in files:
        text = read(name)
        for match in CITATION.finditer(text):
            source_id, section, anchor = match.group(1), (match.group(2) or "").strip(), (match.group(3) or "").strip()
            if not stored.is_stored(source_id):
                continue
            counted += 1
            line = text.count("\n", 0, match.start()) + 1
            if not anchor:
                missing.append(f"{name}:{line}: {match.group(0)}")
            elif problem := stored.check(source_id, section, anchor):
                wrong.append(f"{name}:{line}: {problem}")
    assert counted > 100
    assert not missing, "citations of a stored source without an anchor:\n" + "\n".join(missing)
    assert not wrong, "\n".join(wrong)
