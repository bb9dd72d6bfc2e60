"""Issue 14: every rule and warning the calculators apply carries a checkable source.

One test per correction (each fails on the code and text before the issue), and one that every rule, warning
and safeguard citing a stored source, across a spread of inputs, carries an anchor found in the cited section.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

import calculators
from calculators import stock, takehome
from calculators.formulations import DEFAULTS
from sitebuild import content as content_model
from sitebuild.settings import Settings
from sitebuild.stored_sources import SOURCES_DIR, StoredSources
from tests.datafiles import calculator_data, data_files, load_case

REPO = Path(__file__).resolve().parent.parent
TAPER_PAGE = (REPO / "content" / "calculators" / "taper.md").read_text(encoding="utf-8")
TAKEHOME_PAGE = (REPO / "content" / "calculators" / "takehome.md").read_text(encoding="utf-8")
CITATION = re.compile(r"\[@([a-z0-9-]+)(?:\s*§\s*([^\]^]*?))?\s*(?:\^\"[^\"]*\")?\s*\]")


@pytest.fixture(scope="module")
def content():
    return content_model.load()


def run(name, inputs, data=None):
    out = calculators.run(name, inputs, calculator_data() if data is None else data)
    assert out["ok"], out["errors"]
    return out["result"]


def cited(text: str) -> set[tuple[str, str]]:
    return {(m.group(1), (m.group(2) or "").strip()) for m in CITATION.finditer(text)}


def bullet(page: str, start: str) -> str:
    return next(line for line in page.splitlines() if line.startswith(start))


TAKEHOME_CHILDREN = {"profile": "who-2009", "days_in_treatment": 100,
                     "criteria": {"stable_dose": True, "stable_social_situation": True, "low_diversion_risk": True},
                     "children_in_home": "yes", "safe_storage": "no", "naloxone_given": "no",
                     "sedative_or_alcohol_use": "yes"}


def takehome_items(result):
    return result["conditions"] + result["safeguards"] + result["warnings"] + result["basis"]


# ---------------------------------------------------------------- the corrections


def test_loss_of_tolerance_is_not_cited_to_who_2025_assisted_withdrawal():
    """WHO 2025 "Assisted withdrawal management" does not mention tolerance: the page and the warning cite what
    does (WHO 2009 Annex 12 for the restart dose, WHO 2025 "Overdose management" for the risk)."""
    line = bullet(TAPER_PAGE, "- **Loss of tolerance.**")
    assert ("who-2025", "Assisted withdrawal management") not in cited(line)
    assert ("who-2009", "Annex 12, Prescribing guidelines") in cited(line)
    warning = next(w for w in run("taper", {"start_dose_mg": "60"})["warnings"] if w["id"] == "loss_of_tolerance")
    assert (warning["source_id"], warning["section"]) == ("who-2009", "Annex 12, Prescribing guidelines")


def test_restarting_after_any_gap_is_labelled_the_handbooks_rule_with_its_reason():
    """What is known (restart low after a loss of tolerance) keeps its source; 'any gap' is this handbook's."""
    warnings = {w["id"]: w for w in run("taper", {"start_dose_mg": "60"})["warnings"]}
    gap = warnings["restart_after_gap"]
    assert gap["source_id"] == "this-handbook" and gap["level"] == "danger"
    assert gap["text"].startswith("This handbook's rule") and "Reason:" in gap["text"]
    assert "any gap" not in warnings["loss_of_tolerance"]["text"]
    assert "This handbook's rule" in bullet(TAPER_PAGE, "- **Any gap.**")
    assert ("this-handbook", "Calculator design") in cited(bullet(TAPER_PAGE, "- **Any gap.**"))
    # The stock planner shows it with the other safety warnings when patients are tapered.
    plan = run("stock", {"medicine": "methadone", "stock_mg": "5000", "horizon_days": 30,
                         "cohort": [{"dose_mg": "80", "patients": "10"}]})
    assert "restart_after_gap" in [w["id"] for w in plan["warnings"]]


def test_the_locked_box_is_not_cited_to_the_methadone_boxed_warning():
    """The methadone label warns about a child and one dose; it says nothing of a locked box."""
    line = bullet(TAKEHOME_PAGE, "- **Children.**")
    for sentence in re.split(r"(?<=[.\]])\s+(?=[A-Z])", line):
        if "locked box" in sentence:
            assert ("dailymed-methadone", "Boxed warning") not in cited(sentence), sentence
            assert ("this-handbook", "Calculator design") in cited(sentence), sentence
    for medicine in ("methadone", "buprenorphine"):
        for item in takehome_items(run("takehome", {**TAKEHOME_CHILDREN, "medicine": medicine})):
            if "locked box" in item["text"]:
                assert item["source_id"] == "this-handbook", (medicine, item)


def test_a_childs_death_from_buprenorphine_is_not_attributed_to_who_2025():
    """WHO 2025 "Consideration of take-home doses" says nothing about children."""
    for medicine in ("methadone", "buprenorphine"):
        for item in takehome_items(run("takehome", {**TAKEHOME_CHILDREN, "medicine": medicine})):
            if "child" in item["text"].lower():
                assert item["source_id"] != "who-2025", (medicine, item)
    bup = {i["id"]: i for i in takehome_items(run("takehome", {**TAKEHOME_CHILDREN, "medicine": "buprenorphine"}))}
    assert "do not state" not in bup["children_without_safe_storage"]["text"]
    assert "same care is taken with buprenorphine" in bup["children_without_safe_storage"]["text"]
    # The question itself no longer cites WHO 2025 for the danger to a child.
    field = next(f for f in takehome.SAFETY_FIELDS if f.name == "children_in_home")
    assert "who-2025" not in field.source


def test_the_methadone_label_is_not_cited_for_buprenorphine_and_sedatives():
    result = run("takehome", {**TAKEHOME_CHILDREN, "medicine": "buprenorphine"})
    danger = next(w for w in result["warnings"] if w["id"] == "sedatives_or_alcohol")
    assert danger["source_id"] == "mitchell-2020" and danger["anchor"]
    methadone = run("takehome", {**TAKEHOME_CHILDREN, "medicine": "methadone"})
    assert next(w for w in methadone["warnings"] if w["id"] == "sedatives_or_alcohol")["source_id"] == \
        "dailymed-methadone"


def test_the_usual_maximum_is_labelled_unverified_and_the_handbooks_check():
    """120 mg and 24 mg are a commonly quoted range (CLINICAL.md A2 [U]), not a sourced maximum."""
    for medicine, dose in (("methadone", "130"), ("buprenorphine", "32")):
        result = run("taper", {"medicine": medicine, "start_dose_mg": dose, "percent": "20"})
        warning = next(w for w in result["warnings"] if w["id"] == "dose_above_usual_range")
        assert warning["source_id"] == "this-handbook"
        assert "not verified" in warning["text"] and "commonly quoted" in warning["text"]
        assert "mg, not mL" in warning["text"] and "This handbook's check" in warning["text"]
    assert "do not confirm them" in bullet(TAPER_PAGE, "- **mg, not mL.**")


def test_the_usual_buprenorphine_formulation_can_be_dispensed_without_0_4_mg_tablets():
    """Without local settings, buprenorphine is 2 and 8 mg tablets: no 7.6 mg dose."""
    assert {f.medicine: f.id for f in DEFAULTS}["buprenorphine"] == "buprenorphine-2-8"
    for data in (calculator_data(), {}):  # the content file and the built-in defaults agree
        result = run("taper", {"medicine": "buprenorphine", "start_dose_mg": "8", "percent": "5"}, data)
        assert result["formulation"]["id"] == "buprenorphine-2-8" and result["step_mg"] == "2"
        assert all(Decimal(d["dose_mg"]) % 2 == 0 for d in result["schedule"])
    assert stock.DEFAULT_STEP_MG["buprenorphine"] == Decimal(2)
    # A programme with 0.4 mg tablets chooses them in its local settings: the first listed is the usual one.
    own = Settings(formulations_in_use=("buprenorphine-sublingual",)).apply_to(calculator_data())
    result = run("taper", {"medicine": "buprenorphine", "start_dose_mg": "8", "percent": "5"}, own)
    assert result["formulation"]["id"] == "buprenorphine-sublingual"
    assert "7.6" in [d["dose_mg"] for d in result["schedule"]]


def test_the_taper_form_says_which_formulation_is_used_and_that_local_settings_choose_it(content):
    from sitebuild.pages import form_fields

    fields = {ff.field.name: ff for ff in form_fields("taper", content.site_data, "calculators/taper.md", content)}
    formulation = fields["formulation"]
    help_text = str(formulation.help_html)
    assert "formulations_in_use" in help_text and "In use unless you choose another" in help_text
    usual = [f for f in content.site_data["formulations"] if f.get("default")]
    for f in usual:
        assert f["label"] in help_text
    # The form selects the first formulation it shows for a medicine: the usual one comes first.
    ids = [value for value, _, _ in formulation.choices]
    for f in usual:
        same = [i for i in ids if i in {g["id"] for g in content.site_data["formulations"]
                                         if g["medicine"] == f["medicine"]}]
        assert same[0] == f["id"]


# ---------------------------------------------------------------- every stored source cited with an anchor


def spread_of_results():
    """Results of every valid data file and of inputs that bring out the rarer rules and warnings."""
    for name in ("taper", "stock", "takehome"):
        for path in data_files(name, "valid"):
            yield name, path.stem, load_case(path)["inputs"]
    yield "taper", "high-risk-stop-high", {"start_dose_mg": "250", "percent": "10", "stop_dose_mg": "60",
                                            "high_risk": ["diabetes"], "acknowledge_high_risk": True}
    yield "taper", "enough-stock", {"start_dose_mg": "60", "mode": "stock_limited", "stock_mg": "5000",
                                    "horizon_days": "10", "high_risk": ["pregnancy"], "acknowledge_high_risk": True}
    yield "taper", "bup-fast", {"medicine": "buprenorphine", "start_dose_mg": "32", "percent": "40"}
    for medicine in ("methadone", "buprenorphine"):
        yield "takehome", f"children-{medicine}", {**TAKEHOME_CHILDREN, "medicine": medicine}
    yield "stock", "floor-0-stops", {"medicine": "methadone", "stock_mg": "2000", "horizon_days": 30,
                                     "cohort": [{"dose_mg": "80", "patients": "3"}]}


def cited_items(result):
    for key in ("basis", "warnings", "conditions", "safeguards"):
        yield from result.get(key) or ()


def test_every_rule_and_warning_citing_a_stored_source_carries_its_anchor(content):
    stored_ids = {s.id for s in content.sources if s.stored}
    checker = StoredSources(content.sources) if SOURCES_DIR.is_dir() else None
    seen = set()
    for name, label, inputs in spread_of_results():
        out = calculators.run(name, inputs, calculator_data())
        assert out["ok"], (label, out["errors"])
        for item in cited_items(out["result"]):
            if item["source_id"] not in stored_ids:
                continue
            assert item.get("anchor"), (name, label, item)
            seen.add((name, item["id"]))
            if checker is not None:
                assert checker.check(item["source_id"], item["section"], item["anchor"]) == "", (label, item)
    # The spread reaches the rules and warnings that cite WHO 2025 in each calculator.
    assert {"proportional", "duration", "reference_durations", "keep_on_oamt", "faster_than_reference",
            "naloxone", "lofexidine", "no_taper_needed"} <= {i for n, i in seen if n == "taper"}
    assert {"low_stable", "protected", "patients_stop"} <= {i for n, i in seen if n == "stock"}
    assert {"give_naloxone", "sedatives_or_alcohol"} <= {i for n, i in seen if n == "takehome"}


def test_no_calculator_module_keeps_an_unanchored_citation_of_a_stored_source(content):
    """A rule's citation written in the code (markup or Citation(...)) names its anchor."""
    stored_ids = {s.id for s in content.sources if s.stored}
    for path in sorted((REPO / "calculators").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r'Citation\("([a-z0-9-]+)"', text):
            assert m.group(1) not in stored_ids, f"{path.name}: Citation(\"{m.group(1)}\", ...) without an anchor"
        for m in re.finditer(r"\[@([a-z0-9-]+)[^\]]*\]", text):
            if m.group(1) in stored_ids and "^\"" not in m.group(0) and "§Section" not in m.group(0):
                line = text.count("\n", 0, m.start()) + 1
                pytest.fail(f"{path.name}:{line}: {m.group(0)} has no anchor")


def test_the_result_page_quotes_the_anchor_after_the_section():
    result = run("taper", {"start_dose_mg": "60"})
    html = calculators.CALCULATORS["taper"].view(result, {"bibliography_url": "b.html"})["html"]
    assert "Assisted withdrawal management: <span class=\"calc-anchor\">\u201c" in html
