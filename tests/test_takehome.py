"""Take-home eligibility: the shipped profiles, the assessment, profile validation and the CLI.

The cases are data files a clinician can review without reading this loop:
tests/data/takehome/valid/*.json (inputs and the expected outcome) and
tests/data/takehome/invalid/*.json (inputs and the expected field messages).
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators import CALCULATORS, run
from calculators.fields import YESNO
from calculators.profiles import EARLY_FIRST_DAY, EARLY_LAST_DAY, Profile, validate_profile
from calculators.takehome import fields_for, form_fields
from calculators.takehome_view import outcome_text
from sitebuild.content import ContentError, calculator_data

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "takehome"
VALID_FILES = sorted((DATA / "valid").glob("*.json"))
INVALID_FILES = sorted((DATA / "invalid").glob("*.json"))
BROKEN = REPO / "tests" / "fixtures" / "broken-profiles"
SHIPPED = ("who-2009", "who-2025-disruption", "us-42cfr8-2024", "uk-nice-2007", "us-covid-2020")

CONTENT = calculator_data()
PROFILES = {p["id"]: p for p in CONTENT["profiles"]}

# A programme's own profile, as a new file would hold it: nothing in the code knows it.
EXAMPLE_COUNTRY = {
    "id": "xx-example-2026",
    "title": "Example country: crisis take-home rules",
    "jurisdiction": "Example country",
    "status": "current",
    "sources": ["[@who-2025 §Consideration of take-home doses]"],
    "review_in_days": 14,
    "criteria": [
        {"id": "stable_dose", "question": "Is the dose stable?", "help": "Example.",
         "source": "[@who-2025 §Consideration of take-home doses]"},
        {"id": "has_phone", "question": "Can the team reach the patient by phone?", "help": "Example.",
         "source": "[@this-handbook §Calculator design]"},
    ],
    "limits": [
        {"medicine": "buprenorphine", "from_day": 0, "to_day": 6, "max_days": 0,
         "source": "[@this-handbook §Calculator design]"},
        {"medicine": "buprenorphine", "from_day": 7, "to_day": None, "max_days": 21,
         "source": "[@this-handbook §Calculator design]"},
    ],
    "safeguards": [{"id": "weekly_call", "text": "Phone the patient weekly.",
                    "source": "[@this-handbook §Calculator design]"}],
}
SAFE = {"children_in_home": "no", "safe_storage": "yes", "naloxone_given": "yes", "sedative_or_alcohol_use": "no"}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_data_files_exist():
    assert VALID_FILES, f"no valid cases found in {DATA / 'valid'}"
    assert INVALID_FILES, f"no invalid cases found in {DATA / 'invalid'}"


def test_registered():
    assert CALCULATORS["takehome"].name == "takehome"


def test_shipped_profiles_are_exactly_the_five_and_valid():
    assert sorted(PROFILES) == sorted(SHIPPED)
    for pid, profile in PROFILES.items():
        assert validate_profile(profile) == [], pid


@pytest.mark.parametrize("pid", SHIPPED)
def test_every_profile_has_valid_and_unmet_cases(pid):
    names = {p.stem for p in VALID_FILES}
    for criterion in PROFILES[pid]["criteria"]:
        assert any(n.startswith(f"{pid}-unmet-{criterion['id']}") for n in names), (pid, criterion["id"])


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.stem)
def test_valid_case(path):
    case = load(path)
    response = run("takehome", case["inputs"], CONTENT)
    assert response["ok"], response["errors"]
    assert response["errors"] == {}
    result, expected = response["result"], case["expected"]
    for key in ("status", "max_days", "max_days_reason", "tier", "review_in_days"):
        if key in expected:
            assert result[key] == expected[key], key
    if "unmet" in expected:
        assert [u["id"] for u in result["unmet"]] == expected["unmet"]
    safeguards = {s["id"] for s in result["safeguards"]}
    warnings = {w["id"] for w in result["warnings"]}
    assert set(expected.get("safeguards_include", ())) <= safeguards
    assert not set(expected.get("safeguards_exclude", ())) & safeguards
    assert set(expected.get("warnings_include", ())) <= warnings
    assert not set(expected.get("warnings_exclude", ())) & warnings
    if "danger" in expected:
        assert [s["id"] for s in result["safeguards"] if s["level"] == "danger"] == expected["danger"]
    if "conditions" in expected:  # in order: safe storage first
        assert [c["id"] for c in result["conditions"]] == expected["conditions"]
    if "first_warning" in expected:
        assert (result["warnings"][0]["id"], result["warnings"][0]["level"]) == tuple(expected["first_warning"])
    for words in expected.get("reasons_include", ()):
        assert any(words in r for r in result["reasons"]), (words, result["reasons"])


@pytest.mark.parametrize("path", INVALID_FILES, ids=lambda p: p.stem)
def test_invalid_case(path):
    case = load(path)
    response = run("takehome", case["inputs"], CONTENT)
    assert response["ok"] is False
    assert response["result"] is None
    assert set(response["errors"]) == set(case["errors"])
    for name, text in case["errors"].items():
        assert text in response["errors"][name], (name, response["errors"][name])


def _all_met(pid: str, **extra) -> dict:
    criteria = {c["id"]: True for c in PROFILES[pid]["criteria"]}
    return {"profile": pid, "medicine": "methadone", "days_in_treatment": 100, "criteria": criteria, **SAFE, **extra}


def test_result_shape_and_every_rule_cited():
    result = run("takehome", _all_met("us-42cfr8-2024"), CONTENT)["result"]
    assert (result["profile"]["id"], result["profile"]["status"]) == ("us-42cfr8-2024", "current")
    assert result["profile"]["jurisdiction"] and result["profile"]["title"]
    for key in ("status", "max_days", "unmet", "reasons", "safeguards", "review_in_days", "basis", "warnings"):
        assert key in result
    for item in result["basis"] + result["safeguards"] + result["warnings"] + result["criteria"]:
        assert item["source_id"] and item["section"] and item["citation"].startswith("[@"), item
    codes = [rule["code"] for rule in result["basis"]]
    assert "time_in_treatment" in codes and "review" in codes
    assert len([c for c in codes if c.startswith("criterion:")]) == 6


def test_unmet_carries_question_and_source():
    inputs = _all_met("who-2009")
    inputs["criteria"]["low_diversion_risk"] = False
    result = run("takehome", inputs, CONTENT)["result"]
    assert result["unmet"] == [{
        "id": "low_diversion_risk", "question": "Is the risk of the doses being diverted low?",
        "source": "WHO 2009, As quoted in WHO 2025, Consideration of take-home doses", "source_id": "who-2009",
        "section": "As quoted in WHO 2025, Consideration of take-home doses",
        "citation": "[@who-2009 §As quoted in WHO 2025, Consideration of take-home doses]"}]
    assert any("Is the risk of the doses being diverted low?" in r for r in result["reasons"])


def test_us_unverified_items_are_shown():
    profile = PROFILES["us-42cfr8-2024"]
    assert any("to be checked against the regulation's text" in n for n in profile["notes"])
    result = run("takehome", {**_all_met("us-42cfr8-2024"), "medicine": "buprenorphine"}, CONTENT)["result"]
    unverified = [w for w in result["warnings"] if w["id"] == "unverified_limit"]
    assert unverified and "regulation's text" in unverified[0]["text"]
    assert result["profile"]["notes"] == profile["notes"]


def test_historical_precedent_is_flagged():
    result = run("takehome", _all_met("us-covid-2020", less_stable_but_safe="no"), CONTENT)["result"]
    assert result["profile"]["status"] == "historical precedent"
    assert result["warnings"][0]["id"] == "historical_precedent"


def test_extra_inputs_only_where_asked():
    # who-2009 does not ask for a programme maximum: an extra value is ignored, not an error.
    assert run("takehome", _all_met("who-2009", programme_max_days=500), CONTENT)["ok"]
    assert "programme_max_days" not in run("takehome", _all_met("who-2009"), CONTENT)["result"]["inputs"]


def test_fields_for_a_profile():
    fields = fields_for(PROFILES["us-covid-2020"])
    names = [f.name for f in fields]
    criteria = [f for f in fields if f.name.startswith("criteria.")]
    assert [f.name for f in criteria] == [f"criteria.{c['id']}" for c in PROFILES["us-covid-2020"]["criteria"]]
    assert all(f.kind == YESNO and f.source for f in criteria)
    assert "less_stable_but_safe" in names and "programme_max_days" not in names
    for name in ("profile", "medicine", "days_in_treatment", "children_in_home", "safe_storage",
                 "naloxone_given", "sedative_or_alcohol_use"):
        assert name in names
    assert "programme_max_days" in [f.name for f in fields_for(PROFILES["who-2025-disruption"])]


def test_form_fields_show_each_profiles_questions_only_for_it():
    fields = {(f.name, f.shown_when) for f in form_fields(CONTENT)}
    assert ("criteria.compliance_assured", (("profile", ("uk-nice-2007",)),)) in fields
    assert ("medicine", ()) in fields


# ---------------------------------------------------------------- a new profile, no code change


def test_new_profile_dict_works_end_to_end():
    data = {"profiles": [*CONTENT["profiles"], EXAMPLE_COUNTRY]}
    assert validate_profile(EXAMPLE_COUNTRY) == []
    assert [f.name for f in fields_for(EXAMPLE_COUNTRY) if f.name.startswith("criteria.")] == [
        "criteria.stable_dose", "criteria.has_phone"]
    inputs = {"profile": "xx-example-2026", "medicine": "buprenorphine", "days_in_treatment": 7,
              "criteria": {"stable_dose": True, "has_phone": True}, **SAFE}
    result = run("takehome", inputs, data)["result"]
    assert (result["status"], result["max_days"], result["review_in_days"]) == ("eligible", 21, 14)
    assert "weekly_call" in {s["id"] for s in result["safeguards"]}
    early = run("takehome", {**inputs, "days_in_treatment": 6}, data)["result"]
    assert (early["status"], early["max_days"], early["review_in_days"]) == ("not_eligible", 0, 1)
    # The profile covers buprenorphine only.
    assert "medicine" in run("takehome", {**inputs, "medicine": "methadone"}, data)["errors"]
    missing = run("takehome", {**inputs, "criteria": {"stable_dose": True}}, data)
    assert missing["errors"] == {"criteria.has_phone": "Answer yes or no."}


def _content_dir(tmp_path: Path, extra: dict[str, str]) -> Path:
    content = tmp_path / "content"
    (content / "takehome").mkdir(parents=True)
    shutil.copy(REPO / "content" / "sources.yml", content / "sources.yml")
    for path in (REPO / "content" / "takehome").glob("*.yml"):
        shutil.copy(path, content / "takehome" / path.name)
    for name, text in extra.items():
        (content / "takehome" / name).write_text(text, encoding="utf-8")
    return content


def test_new_profile_file_appears_in_the_form(tmp_path):
    content = _content_dir(tmp_path, {"xx-example-2026.yml": yaml.safe_dump(EXAMPLE_COUNTRY, sort_keys=False)})
    data = calculator_data(content)
    assert "xx-example-2026" in [p["id"] for p in data["profiles"]]
    shown = {f.name: f.shown_when for f in form_fields(data)}
    assert shown["criteria.has_phone"] == (("profile", ("xx-example-2026",)),)


# ---------------------------------------------------------------- broken profiles


def broken(name: str) -> list[tuple[str, str, str]]:
    return validate_profile(yaml.safe_load((BROKEN / f"{name}.yml").read_text(encoding="utf-8")))


def test_broken_fixtures_exist():
    assert sorted(BROKEN.glob("*.yml")), f"no broken profiles found in {BROKEN}"


def test_unknown_field():
    problems = broken("unknown-field")
    assert [(p[0], p[1]) for p in problems] == [
        ("limits[0].maximum_days", "'maximum_days' is not a field of a day range.")]
    assert "remove it or correct its spelling" in problems[0][2] and "max_days" in problems[0][2]


def test_criterion_without_source():
    problems = broken("criterion-without-source")
    assert [p[0] for p in problems] == ["criteria[1].source"]
    assert "add 'source:'" in problems[0][2]


def test_overlapping_ranges():
    problems = broken("overlapping-ranges")
    assert [p[0] for p in problems] == ["limits[1].from_day"]
    assert "days 10 onwards are in both" in problems[0][1]
    assert problems[0][2].startswith("end limits[0] at to_day: 9")


def test_gapped_ranges():
    problems = broken("gapped-ranges")
    assert [p[0] for p in problems] == ["limits[1].from_day"]
    assert "days 15–29 have no rule" in problems[0][1]
    assert problems[0][2].startswith("start this range at from_day: 15")


def test_duplicate_criterion_ids():
    problems = broken("duplicate-criterion")
    assert [p[0] for p in problems] == ["criteria[1].id"]
    assert problems[0][2] == "give each criterion its own id."


def test_bad_max_days():
    problems = broken("bad-max-days")
    assert [p[0] for p in problems] == ["limits[0].max_days"]
    assert "-7" in problems[0][1] and "null (set by local policy)" in problems[0][2]


def test_unknown_status_and_missing_field():
    problems = {p[0]: p for p in broken("unknown-status")}
    assert set(problems) == {"status", "title"}
    assert problems["status"][2] == "use one of: current, historical precedent."
    assert "add 'title:'" in problems["title"][2]


@pytest.mark.parametrize("change, where", [
    (lambda p: p["limits"].pop(), "limits[0].to_day"),  # the open-ended range removed: later days have no rule
    (lambda p: p["limits"][0].update(from_day=1), "limits[0].from_day"),  # day 0 has no rule
    (lambda p: p["limits"][1].update(max_days="programme"), "limits[1].max_days"),  # not asked for
    (lambda p: p["limits"][1].update(max_days=7.5), "limits[1].max_days"),
    (lambda p: p["limits"][1].update(medicine="morphine"), "limits[1].medicine"),
    (lambda p: p["criteria"][0].update(id="Stable Dose"), "criteria[0].id"),
    (lambda p: p["criteria"][0].update(source="WHO 2025"), "criteria[0].source"),
    (lambda p: p.update(review_in_days=0), "review_in_days"),
    (lambda p: p.update(asks=["weather"]), "asks"),
    (lambda p: p["safeguards"][0].pop("source"), "safeguards[0].source"),
])
def test_each_check(change, where):
    profile = copy.deepcopy(EXAMPLE_COUNTRY)
    change(profile)
    assert where in [p[0] for p in validate_profile(profile)]


def test_not_a_mapping():
    assert [p[0] for p in validate_profile(["id", "title"])] == [""]


def test_build_names_file_field_and_fix(tmp_path):
    text = (BROKEN / "overlapping-ranges.yml").read_text(encoding="utf-8")
    content = _content_dir(tmp_path, {"overlapping-ranges.yml": text})
    with pytest.raises(ContentError) as failed:
        calculator_data(content)
    message = str(failed.value)
    assert "takehome/overlapping-ranges.yml: field 'limits[1].from_day'" in message
    assert "Fix: end limits[0] at to_day: 9" in message


# ---------------------------------------------------------------- command line


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitebuild.calculate", "takehome", *args], check=False, cwd=REPO, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_cli_profiles():
    done = cli("--profiles")
    assert done.returncode == 0, done.stderr
    listed = {p["id"]: p for p in json.loads(done.stdout)}
    assert sorted(listed) == sorted(SHIPPED)
    assert listed["uk-nice-2007"]["criteria"] == ["compliance_assured"]
    assert listed["who-2025-disruption"]["asks"] == ["programme_max_days"]
    assert [listed[p]["early_methadone_max_days"] for p in ("who-2025-disruption", "us-42cfr8-2024")] == [0, 7]
    assert "safe_storage_at_home" not in listed["us-covid-2020"]["less_stable_may_waive"]


def test_cli_assessment():
    done = cli(stdin=json.dumps(_all_met("uk-nice-2007", days_in_treatment=90)))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"ok", "errors", "result"}
    assert (out["result"]["status"], out["result"]["max_days"]) == ("eligible", 14)
    # The keys of the earlier issues are kept; issue 12 adds `conditions`.
    for key in ("status", "tier", "max_days", "max_days_reason", "criteria", "unmet", "reasons", "safeguards",
                "warnings", "review_in_days", "basis", "profile", "inputs", "conditions"):
        assert key in out["result"], key
    assert out["result"]["conditions"] == []


def test_cli_flags_override_stdin():
    done = cli("--days-in-treatment", "89", stdin=json.dumps(_all_met("uk-nice-2007", days_in_treatment=90)))
    assert json.loads(done.stdout)["result"]["status"] == "not_eligible"


def test_cli_bad_input():
    done = cli(stdin=json.dumps({**_all_met("who-2009"), "days_in_treatment": -1}))
    assert done.returncode == 2
    out = json.loads(done.stdout)
    assert out["ok"] is False and out["result"] is None and "days_in_treatment" in out["errors"]


@pytest.mark.parametrize("days", ["99999999999999999999", 36_501])
def test_days_in_treatment_beyond_a_lifetime_is_a_field_error(days):
    """Found by the input fuzz: 20 nines were accepted as days in treatment and gave an assessment."""
    out = run("takehome", _all_met("who-2009", days_in_treatment=days), CONTENT)
    assert out["ok"] is False and out["result"] is None
    assert "longer than a lifetime" in out["errors"]["days_in_treatment"]
    assert run("takehome", _all_met("who-2009", days_in_treatment=36_500), CONTENT)["ok"]


# ---------------------------------------------------------------- safety first (issue 12)

STATUSES = ("eligible", "eligible_after_conditions", "not_eligible")
YES_NO = st.sampled_from(("yes", "no"))


@st.composite
def assessments(draw, days=st.integers(0, 400)):
    """Any answers to any shipped profile (or the example country): inputs and the data they run against."""
    data = {"profiles": [*CONTENT["profiles"], EXAMPLE_COUNTRY]}
    profile = draw(st.sampled_from(data["profiles"]))
    medicines = sorted({x["medicine"] for x in profile["limits"]})
    inputs = {"profile": profile["id"], "medicine": draw(st.sampled_from(medicines)), "days_in_treatment": draw(days),
              "criteria": {c["id"]: draw(st.booleans()) for c in profile["criteria"]},
              **{name: draw(YES_NO) for name in SAFE}}
    if "programme_max_days" in profile.get("asks", ()):
        inputs["programme_max_days"] = draw(st.integers(1, 90))
    if "less_stable_but_safe" in profile.get("asks", ()):
        inputs["less_stable_but_safe"] = draw(YES_NO)
    return inputs, data


@settings(max_examples=3000, deadline=None)
@given(assessments())
def test_never_eligible_without_safe_storage_or_naloxone(case):
    """Property: with no safe storage (children or not) or no naloxone kit, the answer is never plain 'eligible';
    every missing item is a condition, safe storage first; an eligible answer is one of the three outcomes."""
    inputs, data = case
    result = run("takehome", inputs, data)["result"]
    assert result["status"] in STATUSES
    expected = [cid for cid, missing in (("safe_storage", inputs["safe_storage"] == "no"),
                                         ("naloxone_kit", inputs["naloxone_given"] == "no")) if missing]
    assert [c["id"] for c in result["conditions"]] == expected
    if expected:
        assert result["status"] != "eligible"
    if result["status"] == "not_eligible":
        assert result["max_days"] == 0
    if inputs["sedative_or_alcohol_use"] == "yes":
        assert (result["warnings"][0]["id"], result["warnings"][0]["level"]) == ("sedatives_or_alcohol", "danger")
    levels = [w["level"] for w in result["warnings"]]
    assert levels == sorted(levels, key=("danger", "caution", "info").index)


@settings(max_examples=3000, deadline=None)
@given(assessments(days=st.integers(EARLY_FIRST_DAY, EARLY_LAST_DAY + 2)))
def test_methadone_early_in_treatment_never_beyond_the_profiles_own_allowance(case):
    """Property: methadone in days 0-14 never gets more take-home days than the profile's own text explicitly
    allows for that period (its early_methadone, or none), and the rule is labelled as this handbook's."""
    inputs, data = case
    result = run("takehome", inputs, data)["result"]
    profile = next(p for p in data["profiles"] if p["id"] == inputs["profile"])
    early = inputs["medicine"] == "methadone" and inputs["days_in_treatment"] <= EARLY_LAST_DAY
    if not early:
        assert "early_methadone" not in {w["id"] for w in result["warnings"]}
        return
    allowance = (profile.get("early_methadone") or {}).get("max_days", 0)
    if allowance == 0:
        assert (result["status"], result["max_days"]) == ("not_eligible", 0)
    elif result["status"] != "not_eligible":
        assert result["max_days"] is not None and result["max_days"] <= allowance
    rule = next(r for r in result["basis"] if r["id"] == "early_methadone")
    assert rule["text"].startswith("This handbook's rule") and rule["source_id"] == "this-handbook"
    warning = next(w for w in result["warnings"] if w["id"] == "early_methadone")
    assert "This handbook's rule" in warning["text"] and warning["source_id"] == "this-handbook"


@settings(max_examples=2000, deadline=None)
@given(assessments())
def test_the_less_stable_tier_never_waives_safety(case):
    """Property: whatever the tier, an unmet criterion the profile does not mark waivable means not eligible."""
    inputs, data = case
    result = run("takehome", inputs, data)["result"]
    profile = Profile.from_dict(next(p for p in data["profiles"] if p["id"] == inputs["profile"]))
    if any(not c.less_stable_may_waive and not inputs["criteria"][c.id] for c in profile.criteria):
        assert (result["status"], result["max_days"]) == ("not_eligible", 0)
    if result["tier"] == "less_stable":
        assert result["status"] != "not_eligible" and inputs["less_stable_but_safe"] == "yes"


def test_the_covid_tier_may_waive_only_stability_criteria():
    profile = Profile.from_dict(PROFILES["us-covid-2020"])
    never = {c.id for c in profile.criteria if not c.less_stable_may_waive}
    assert never == {"benefits_outweigh_risks", "no_recent_diversion", "safe_storage_at_home"}


def test_only_the_us_2024_rule_allows_methadone_in_the_first_14_days():
    allowances = {pid: (p.get("early_methadone") or {}).get("max_days", 0) for pid, p in PROFILES.items()}
    assert allowances == {"who-2009": 0, "who-2025-disruption": 0, "us-42cfr8-2024": 7, "uk-nice-2007": 0,
                          "us-covid-2020": 0}
    assert (EARLY_FIRST_DAY, EARLY_LAST_DAY) == (0, 14)


def test_every_handbook_rule_is_labelled_with_its_reasoning():
    inputs = _all_met("us-covid-2020", days_in_treatment=3, less_stable_but_safe="yes", safe_storage="no",
                      naloxone_given="no", sedative_or_alcohol_use="yes")
    result = run("takehome", inputs, CONTENT)["result"]
    own = [r for r in result["basis"] if r["source_id"] == "this-handbook" and r["id"] != "review"]
    assert {r["id"] for r in own} == {"early_methadone", "safety_conditions", "less_stable_never_waives_safety"}
    for rule in own:
        assert rule["text"].startswith("This handbook's rule") and len(rule["text"].split(". ")) >= 2, rule
    assert all("This handbook's rule" in c["text"] for c in result["conditions"])
    assert any(r.startswith("Methadone, day 3") and "This handbook's rule" in r for r in result["reasons"])
    inputs["criteria"]["no_recent_diversion"] = False
    tier = run("takehome", {**inputs, "days_in_treatment": 70}, CONTENT)["result"]
    rule = next(r for r in tier["basis"] if r["id"] == "less_stable_never_waives_safety")
    assert rule["text"].startswith("This handbook's rule") and rule["section"] == "Calculator design"
    assert any("never safety" in r for r in tier["reasons"])


def test_conditions_carry_id_text_and_source():
    result = run("takehome", _all_met("who-2009", safe_storage="no", naloxone_given="no"), CONTENT)["result"]
    assert result["status"] == "eligible_after_conditions" and result["max_days"] is None
    assert [c["id"] for c in result["conditions"]] == ["safe_storage", "naloxone_kit"]
    for c in result["conditions"]:
        assert c["text"] and c["source_id"] and c["section"] and c["citation"].startswith("[@")
    assert "locked box" in result["conditions"][0]["text"]
    assert "show" in result["conditions"][1]["text"] and "how to use it" in result["conditions"][1]["text"]


def _page(inputs: dict) -> str:
    import calculators
    return calculators.respond("takehome", inputs, CONTENT, {"bibliography_url": "b.html"})["html"]


def test_the_page_opens_with_the_outcome_then_reasons_and_conditions_when_not_plainly_eligible():
    html = _page(_all_met("us-42cfr8-2024", days_in_treatment=31, safe_storage="no", children_in_home="yes",
                          sedative_or_alcohol_use="yes"))
    outcome, reasons, conditions, warning = (html.index(s) for s in (
        'class="calc-outcome', 'class="calc-reasons"', 'class="calc-conditions"', 'class="admonition danger'))
    assert outcome < reasons < conditions < warning
    assert html[outcome:].split("</p>")[0].count("Not eligible until the conditions below are met") == 1
    assert 'data-code="safe_storage"' in html
    # The condition replaces the safeguard that says the same.
    assert "calc-safeguard--danger" not in html
    plain = _page(_all_met("us-42cfr8-2024", days_in_treatment=31, sedative_or_alcohol_use="yes"))
    assert plain.index('class="calc-outcome') < plain.index('class="admonition danger') < plain.index(
        'class="calc-reasons"')
    assert "calc-conditions" not in plain


@pytest.mark.parametrize("status, days, start", [
    ("eligible", 14, "Eligible for take-home doses: up to 14 days"),
    ("eligible_after_conditions", 14, "Not eligible until the conditions below are met"),
    ("not_eligible", 0, "Not eligible for take-home doses"),
])
def test_outcome_text(status, days, start):
    assert outcome_text({"status": status, "max_days": days}).startswith(start)


def test_the_tier_column_shows_what_the_tier_may_waive():
    html = _page(_all_met("us-covid-2020", less_stable_but_safe="no"))
    assert "waive it?" in html and html.count("No (safety)") == 3


# ---------------------------------------------------------------- the new profile fields are validated


@pytest.mark.parametrize("change, where, words", [
    (lambda p: p.update(early_methadone=7), "early_methadone", "Expected a mapping"),
    (lambda p: p.update(early_methadone={"max_days": 7}), "early_methadone.source", "needs 'source'"),
    (lambda p: p.update(early_methadone={"max_days": -1, "source": "[@this-handbook §Calculator design]"}),
     "early_methadone.max_days", "whole number"),
    (lambda p: p.update(early_methadone={"max_days": 7, "source": "the rule"}), "early_methadone.source",
     "citation"),
    (lambda p: p.update(early_methadone={"max_days": 7, "source": "[@this-handbook §Calculator design]",
                                         "days": 14}), "early_methadone.days", "not a field"),
    # The example country has no methadone limits: an early allowance for methadone makes no sense.
    (lambda p: p.update(early_methadone={"max_days": 7, "source": "[@this-handbook §Calculator design]"}),
     "early_methadone", "no methadone limits"),
    (lambda p: p["criteria"][0].update(less_stable_may_waive="yes"), "criteria[0].less_stable_may_waive",
     "true or false"),
    (lambda p: p["criteria"][0].update(less_stable_may_waive=True), "criteria[0].less_stable_may_waive",
     "needs the input less_stable_but_safe"),
])
def test_new_field_checks(change, where, words):
    profile = copy.deepcopy(EXAMPLE_COUNTRY)
    change(profile)
    problems = {p[0]: p for p in validate_profile(profile)}
    assert where in problems, problems
    assert words in problems[where][1] + problems[where][2], problems[where]


def test_an_early_allowance_beyond_the_profiles_own_limits_is_refused():
    profile = copy.deepcopy(PROFILES["us-42cfr8-2024"])
    profile["early_methadone"]["max_days"] = 8
    problems = {p[0]: p for p in validate_profile(profile)}
    assert "at most 7 days in days 0–14" in problems["early_methadone.max_days"][1]


@pytest.mark.parametrize("cid", ["benefits_outweigh_risks", "no_recent_diversion", "safe_storage_at_home"])
def test_a_tier_may_not_be_declared_to_waive_a_safety_criterion(cid):
    profile = copy.deepcopy(PROFILES["us-covid-2020"])
    i = next(i for i, c in enumerate(profile["criteria"]) if c["id"] == cid)
    profile["criteria"][i]["less_stable_may_waive"] = True
    problems = {p[0]: p for p in validate_profile(profile)}
    assert "never safety" in problems[f"criteria[{i}].less_stable_may_waive"][1]
    assert validate_profile(PROFILES["us-covid-2020"]) == []


def test_shipped_covid_profile_without_its_waivers_waives_nothing():
    """Data-driven: with no criterion marked waivable, the tier can only pass time in treatment."""
    profile = copy.deepcopy(PROFILES["us-covid-2020"])
    for c in profile["criteria"]:
        c.pop("less_stable_may_waive", None)
    data = {"profiles": [p for p in CONTENT["profiles"] if p["id"] != "us-covid-2020"] + [profile]}
    inputs = _all_met("us-covid-2020", less_stable_but_safe="yes", days_in_treatment=60)
    inputs["criteria"]["adherent_60_days"] = False
    assert run("takehome", inputs, data)["result"]["status"] == "not_eligible"
    inputs["criteria"]["adherent_60_days"] = True
    early = run("takehome", {**inputs, "days_in_treatment": 30}, data)["result"]
    assert (early["status"], early["tier"], early["max_days"]) == ("eligible", "less_stable", 14)


def test_warnings_the_same_for_every_result_are_grouped_last_and_can_be_collapsed():
    result = run("takehome", _all_met("who-2009", sedative_or_alcohol_use="yes"), CONTENT)["result"]
    assert [(w["id"], w.get("standing", False)) for w in result["warnings"]] == [
        ("sedatives_or_alcohol", False), ("stricter_local_rules", True)]
    html = _page(_all_met("who-2009", sedative_or_alcohol_use="yes"))
    group = html.index('<details class="calc-standing-warnings"')
    assert html.index('data-code="sedatives_or_alcohol"') < group < html.index('data-code="stricter_local_rules"')


# ---------------------------------------------------------------- time in treatment from a start date (issue #15)


def _start_date_inputs(**changes):
    case = json.loads((DATA / "valid" / "start-date-all-safe.json").read_text(encoding="utf-8"))
    return {**case["inputs"], **changes}


def test_a_start_date_gives_the_days_in_treatment_to_todays_date():
    out = run("takehome", _start_date_inputs(), CONTENT)
    assert out["ok"], out["errors"]
    echo = {item["name"]: item for item in out["result"]["echo"]}
    assert echo["days_in_treatment"]["value"] == 100
    assert echo["days_in_treatment"]["text"] == "100 days (from Sun 23 Aug 2026 to Tue 1 Dec 2026)"
    same = run("takehome", {**{k: v for k, v in _start_date_inputs().items()
                                           if k not in ("time_as", "start_date", "today")},
                                        "days_in_treatment": 100}, CONTENT)
    assert same["result"]["status"] == out["result"]["status"]


@pytest.mark.parametrize("changes,field,message", [
    ({"start_date": "2027-01-05"}, "start_date", "after today's date"),
    ({"start_date": "23/08/2026"}, "start_date", "YYYY-MM-DD"),
    ({"start_date": "2026-02-30"}, "start_date", "real date"),
    ({"today": ""}, "today", "Enter a value"),
    ({"start_date": "1900-01-01"}, "start_date", "longer than a lifetime"),
])
def test_a_bad_start_date_is_refused_beside_its_field(changes, field, message):
    out = run("takehome", _start_date_inputs(**changes), CONTENT)
    assert out["ok"] is False and out["result"] is None
    assert message in out["errors"].get(field, ""), out["errors"]
