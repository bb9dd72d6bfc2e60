"""Taper calculator: data-file cases, inputs only the API can send, properties, and the CLI.

The cases a clinician can review are data files:
tests/data/taper/valid/*.json   {"inputs": ..., "expected": {...}} where expected holds result keys to
                                compare, plus "doses" (the dose of each day), "measures" (the first days'
                                measure texts), "dates", "warnings_include" (codes) and "first_warning".
tests/data/taper/invalid/*.json {"inputs": ..., "errors": {field: part of the message}}
The browser tests fill the form with the same files, so they hold only what a person can type.
"""

from __future__ import annotations

import json
import subprocess
import sys
import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import calculators
from calculators import taper
from calculators.tapering import keep_ratio, proportional_units, round_to_step, target_percent, use_within
from sitebuild.content import calculator_data
from tests.datafiles import assert_rejected, data_files, load_case

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "taper"
VALID_FILES = data_files("taper", "valid")
INVALID_FILES = data_files("taper", "invalid")
CONTENT = calculator_data()
FORMULATIONS = {f["id"]: f for f in CONTENT["formulations"]}
SOURCES = {s["id"]: s for s in yaml.safe_load((REPO / "content" / "sources.yml").read_text(encoding="utf-8"))}


def run(inputs, data=CONTENT):
    return calculators.run("taper", inputs, data)


def test_data_files_exist():
    assert VALID_FILES, f"no data files found in {DATA / 'valid'}"
    assert INVALID_FILES, f"no data files found in {DATA / 'invalid'}"


def test_the_data_files_cover_every_mode_and_formulation():
    cases = [json.loads(p.read_text(encoding="utf-8"))["inputs"] for p in VALID_FILES]
    assert {c.get("mode", "proportional") for c in cases} == {c.value for c in taper.MODES}
    assert {c["formulation"] for c in cases if "formulation" in c} == set(FORMULATIONS)


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.stem)
def test_valid_case(path):
    case = json.loads(path.read_text(encoding="utf-8"))
    out = run(case["inputs"])
    assert out["ok"], out["errors"]
    result, expected = out["result"], dict(case["expected"])
    schedule = result["schedule"]
    if "doses" in expected:
        assert [d["dose_mg"] for d in schedule] == expected.pop("doses")
    if "measures" in expected:
        wanted = expected.pop("measures")
        assert [d["measure"]["text"] for d in schedule][:len(wanted)] == wanted
    if "dates" in expected:
        assert [d["date"] for d in schedule] == expected.pop("dates")
    codes = [w["code"] for w in result["warnings"]]
    for code in expected.pop("warnings_include", []):
        assert code in codes
    if "first_warning" in expected:
        assert codes[0] == expected.pop("first_warning")
    for key, value in expected.items():
        assert result[key] == value, key


@pytest.mark.parametrize("path", INVALID_FILES, ids=lambda p: p.stem)
def test_invalid_case(path):
    case = load_case(path)
    assert_rejected(run(case["inputs"]), case)


# Inputs no form can send, but the API, the CLI and a hand-edited link can.
@pytest.mark.parametrize(("inputs", "field", "message"), [
    ({"start_dose_mg": [80]}, "start_dose_mg", "Enter a number"),
    ({"start_dose_mg": {"mg": 80}}, "start_dose_mg", "Enter a number"),
    ({"start_dose_mg": True}, "start_dose_mg", "Enter a number"),
    ({"start_dose_mg": float("nan")}, "start_dose_mg", "Enter a number"),
    ({"start_dose_mg": "1e400"}, "start_dose_mg", "Enter a number"),
    ({"start_dose_mg": 10**40}, "start_dose_mg", "not a credible daily dose"),
    ({"start_dose_mg": "80", "percent": ["10"]}, "percent", "Enter a number"),
    ({"start_dose_mg": "80", "mode": "fastest"}, "mode", "Choose one of"),
    ({"start_dose_mg": "80", "mode": ["linear"]}, "mode", "Choose one of"),
    ({"start_dose_mg": "80", "medicine": "morphine"}, "medicine", "Choose one of"),
    ({"start_dose_mg": "80", "formulation": "syrup"}, "formulation", "Choose one of"),
    ({"start_dose_mg": "8", "formulation": "buprenorphine-sublingual"}, "formulation", "buprenorphine formulation"),
    ({"medicine": "buprenorphine", "start_dose_mg": "8", "formulation": "methadone-tablets-5"}, "formulation",
     "methadone formulation"),
    ({"start_dose_mg": "80", "start_date": "2026-02-30"}, "start_date", "real date"),
    ({"start_dose_mg": "80", "start_date": "next week"}, "start_date", "YYYY-MM-DD"),
    ({"start_dose_mg": "80", "high_risk": ["smoker"]}, "high_risk", "Unknown option"),
    ({"start_dose_mg": "80", "high_risk": "pregnancy"}, "acknowledge_high_risk", "OAMT"),
    ({"start_dose_mg": "80", "high_risk": ["pregnancy"], "acknowledge_high_risk": "maybe"},
     "acknowledge_high_risk", "yes or no"),
    ({"start_dose_mg": "80", "step_days": 2.5}, "step_days", "whole number"),
    ({"start_dose_mg": "80", "mode": "target_days", "stop_dose_mg": "5", "target_days": 10.5}, "target_days",
     "whole number"),
    ({"start_dose_mg": "1000", "percent": "0.1"}, "percent", "more than 730 days"),
    ({"start_dose_mg": "100", "percent": "1", "step_days": "28"}, "step_days", "more than 730 days"),
])
def test_inputs_only_the_api_can_send(inputs, field, message):
    out = run(inputs)
    assert out["ok"] is False and out["result"] is None
    assert message in out["errors"].get(field, ""), out["errors"]


@pytest.mark.parametrize("inputs", [None, [], "80", 80])
def test_inputs_that_are_not_an_object(inputs):
    out = run(inputs)
    assert out["ok"] is False and "_form" in out["errors"]


def test_high_risk_gives_no_schedule_without_the_acknowledgement():
    inputs = {"start_dose_mg": "60", "high_risk": ["recent_art_hcv_tb"]}
    assert run(inputs)["result"] is None
    result = run({**inputs, "acknowledge_high_risk": True})["result"]
    assert result["warnings"][0]["code"] == "keep_on_oamt" and result["warnings"][0]["level"] == "danger"


def test_fields_of_other_modes_are_ignored():
    # A stray percent in linear mode (left in a shared link) is neither read nor an error.
    out = run({"mode": "linear", "start_dose_mg": "80", "amount_mg": "10", "percent": "abc"})
    assert out["ok"], out["errors"]


def test_every_taper_carries_the_standing_warnings_each_with_a_source_in_the_bibliography():
    for mode_inputs in ({"percent": "20"}, {"mode": "linear", "amount_mg": "5"},
                        {"mode": "target_days", "stop_dose_mg": "2", "target_days": "10"},
                        {"mode": "stock_limited", "stock_mg": "500", "horizon_days": "14"}):
        result = run({"start_dose_mg": "60", **mode_inputs})["result"]
        codes = [w["code"] for w in result["warnings"]]
        for code in ("loss_of_tolerance", "restart_after_gap", "naloxone", "monitor_withdrawal", "hold_dose",
                     "lofexidine"):
            assert code in codes, (mode_inputs, code)
        assert result["arithmetic"] and result["method"] and result["basis"]
        for item in result["warnings"] + result["basis"] + [result["formulation"]]:
            source = SOURCES[item["source_id"]]
            assert item["section"] in source.get("sections", [item["section"]]), item


def test_the_data_formulations_are_preferred_to_the_built_in_defaults():
    own = dict(FORMULATIONS["methadone-oral-solution-1"], step_mg="2", label="Local solution")
    data = {"formulations": [own] + [f for i, f in FORMULATIONS.items() if i != own["id"]]}
    assert run({"start_dose_mg": "80"}, data)["result"]["step_mg"] == "2"
    assert run({"start_dose_mg": "80"}, {})["result"]["step_mg"] == "1"
    # Without data only the two defaults exist.
    assert run({"start_dose_mg": "80", "formulation": "methadone-tablets-5"}, {})["errors"]


def test_target_days_percent_is_exact_and_rounded_half_up():
    unrounded, rounded = target_percent(Decimal(60), Decimal(2), 10)
    assert str(unrounded)[:14] == "28.83148982084"  # 100 × (1 − 30^(−1/10)), checked with 60 digits
    assert rounded == Decimal("28.8")
    # 100 × (1 − 0.9025^(1/2)) = 5 exactly; a root within 1e-38 of 0.95 still gives 5.0
    assert target_percent(Decimal(100), Decimal("90.25"), 2)[1] == Decimal("5.0")
    # 100 × (1 − (1/1000)^(1/3)) = 90 %; the clamp keeps the rounded value within 0.1–99.9
    assert target_percent(Decimal(1000), Decimal(1), 3)[1] == Decimal("90.0")


def test_the_arithmetic_can_be_checked_by_hand():
    # Each step is worked from the start dose on the curve (issue 12), not from the previous rounded dose.
    result = run({"start_dose_mg": "60", "percent": "25"})["result"]
    assert result["arithmetic"][:3] == ["step 1: 60 × (1 − 25/100)^1 = 45 mg; nearest 1 mg step: 45 mg",
                                        "step 2: 60 × (1 − 25/100)^2 = 33.75 mg; nearest 1 mg step: 34 mg",
                                        "step 3: 60 × (1 − 25/100)^3 = 25.3125 mg; nearest 1 mg step: 25 mg"]
    held = run({"start_dose_mg": "2", "percent": "10"})["result"]
    assert held["arithmetic"][0] == "step 1: 2 × (1 − 10/100)^1 = 1.8 mg; nearest 1 mg step: 2 mg"
    assert [d["dose_mg"] for d in held["schedule"]][:3] == ["2", "2", "1"]  # held while the curve rounds to 2 mg
    linear = run({"mode": "linear", "start_dose_mg": "40", "amount_mg": "7.5", "stop_dose_mg": "10"})["result"]
    assert linear["arithmetic"][1] == "step 2: 40 − 2 × 7.5 = 25 mg; nearest 1 mg step: 25 mg"


# ---------------------------------------------------------------- properties

MEDICINE_STEPS = st.sampled_from([("methadone", Decimal(1)), ("methadone", Decimal(5)), ("methadone", Decimal(10)),
                                  ("buprenorphine", Decimal("0.4")), ("buprenorphine", Decimal(2))])
PERCENTS = st.decimals(min_value=Decimal("0.1"), max_value=Decimal("99.9"), places=1)


@st.composite
def taper_inputs(draw, mode):
    medicine, step = draw(MEDICINE_STEPS)
    top = int(taper.ABSURD_DOSE_MG[medicine] / step) // (4 if medicine == "methadone" else 1)
    start_steps = draw(st.integers(2, top))
    start = start_steps * step
    stop = draw(st.integers(0, start_steps - 1)) * step if draw(st.booleans()) else Decimal(0)
    inputs = {"medicine": medicine, "mode": mode, "start_dose_mg": str(start), "stop_dose_mg": str(stop),
              "step_mg": str(step), "step_days": str(draw(st.integers(1, 3)))}
    if step == Decimal("0.4"):  # a 0.4 mg step needs 0.4 mg tablets; the usual formulation has 2 and 8 mg only
        inputs["formulation"] = "buprenorphine-sublingual"
    if mode == "proportional":
        inputs["percent"] = str(draw(PERCENTS))
    elif mode == "linear":
        inputs["amount_mg"] = str(draw(st.integers(1, start_steps - 1)) * step / draw(st.sampled_from([1, 2, 4])))
    elif mode == "target_days":
        inputs["target_days"] = str(draw(st.integers(3, 30)))
        inputs["stop_dose_mg"] = str(max(stop, step))
    else:
        inputs["horizon_days"] = str(draw(st.integers(1, 60)))
        inputs["stock_mg"] = str(draw(st.integers(0, start_steps * 60)) * step)
    return inputs


def check_schedule(inputs, result):
    step, start = Decimal(inputs["step_mg"]), Decimal(inputs["start_dose_mg"])
    stop, step_days = Decimal(inputs["stop_dose_mg"]), int(inputs["step_days"])
    doses = [Decimal(d["dose_mg"]) for d in result["schedule"]]
    assert doses, "a taper gives at least one dose"
    distinct = doses[::step_days]
    assert all(doses[i:i + step_days] == [d] * step_days for i, d in zip(range(0, len(doses), step_days), distinct))
    # Every dose is the rounded curve (issue 12): exact fractions, halves up.
    assert distinct == curve(inputs, result, len(distinct))
    previous = start
    for dose in distinct:
        assert dose <= previous  # never rises
        assert dose > 0 and dose % step == 0  # a whole number of steps
        previous = dose
    assert distinct[-1] < start
    # It ends at or below the stop dose, or before a dose that rounds to 0.
    assert distinct[-1] <= stop or curve(inputs, result, len(distinct) + 1)[-1] == 0
    assert all(d > stop for d in distinct[:-1])  # it does not go on past the stop dose
    assert Decimal(result["total_mg"]) == sum(doses)
    assert result["days"] == len(doses) == len(distinct) * step_days
    assert result["days"] >= 3  # WHO's minimum: a shorter schedule is refused


def curve(inputs, result, count):
    """The first `count` doses of the rounded curve, from the issue's formula in exact fractions."""
    step, start = Fraction(inputs["step_mg"]), Fraction(inputs["start_dose_mg"])
    doses = []
    for n in range(1, count + 1):
        if inputs["mode"] == "linear":
            value = start - n * Fraction(inputs["amount_mg"])
        else:
            value = start * (1 - Fraction(result["percent"]) / 100) ** n
        doses.append(Decimal(max(math.floor(value / step + Fraction(1, 2)), 0)) * Decimal(inputs["step_mg"]))
    return doses


def run_property(inputs):
    out = run(inputs)
    if not out["ok"]:
        # The only refusals of well-formed inputs: a first dose that rounds to 0, a taper over two years,
        # a stock nothing fits, a reduction as large as the dose, fewer than WHO's 3 days.
        assert set(out["errors"]) <= {"percent", "amount_mg", "stop_dose_mg", "start_dose_mg", "stock_mg",
                                      "step_days", "target_days"}, out["errors"]
        assert any(m in msg for msg in out["errors"].values() for m in (
            "rounds to 0", "single rounding step", "more than 730 days", "cannot cover", "smaller than the current",
            "no reduction gives a taper", "at least 3 days")), out["errors"]
    return out


PROPERTY_SETTINGS = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(taper_inputs("proportional"))
def test_proportional_properties(inputs):
    out = run_property(inputs)
    if out["ok"]:
        check_schedule(inputs, out["result"])


@PROPERTY_SETTINGS
@given(taper_inputs("linear"))
def test_linear_properties(inputs):
    out = run_property(inputs)
    if out["ok"]:
        check_schedule(inputs, out["result"])


@settings(max_examples=1500, deadline=None)
@given(taper_inputs("target_days"))
def test_target_days_properties(inputs):
    out = run_property(inputs)
    if out["ok"]:
        result = out["result"]
        check_schedule(inputs, result)
        rounded = (len(result["schedule"]) // int(inputs["step_days"]) != int(inputs["target_days"]))
        assert rounded == ("target_days_rounding" in [w["code"] for w in result["warnings"]])


@settings(max_examples=1500, deadline=None)
@given(taper_inputs("stock_limited"))
def test_stock_limited_fits_and_the_next_lower_percentage_does_not(inputs):
    out = run_property(inputs)
    if not out["ok"]:
        return
    result = out["result"]
    stock, horizon = Decimal(inputs["stock_mg"]), int(inputs["horizon_days"])
    if not result["taper_needed"]:
        assert result["percent"] == "0" and Decimal(inputs["start_dose_mg"]) * horizon <= stock
        return
    check_schedule(inputs, result)
    used = sum(Decimal(d["dose_mg"]) for d in result["schedule"][:horizon])
    assert used <= stock and Decimal(result["used_within_horizon_mg"]) == used
    percent = Decimal(result["percent"])
    if percent > Decimal("0.1"):
        lower = run({**inputs, "mode": "proportional", "percent": str(percent - Decimal("0.1"))})
        if lower["ok"]:  # a lower percentage whose first dose would be 0 is not a taper and not offered
            assert sum(Decimal(d["dose_mg"]) for d in lower["result"]["schedule"][:horizon]) > stock


def reference_proportional(start: Decimal, percent: Decimal, stop: Decimal, step: Decimal,
                           limit: int) -> list[Decimal]:
    """Issue 12's curve as written, in exact fractions: step n's dose is start × (1 − percent/100)^n rounded to
    the nearest step, halves up; it ends with the first dose at or below stop, or before a dose of 0."""
    doses = []
    for n in range(1, limit + 1):
        value = Fraction(start) * (1 - Fraction(percent) / 100) ** n / Fraction(step)
        dose = Decimal(math.floor(value + Fraction(1, 2))) * step
        if dose <= 0:
            break
        doses.append(dose)
        if dose <= stop:
            break
    return doses


@settings(max_examples=2000, deadline=None)
@given(st.integers(1, 1200), st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99.999"), places=3),
       st.integers(0, 1200), st.sampled_from([Decimal("0.4"), Decimal(1), Decimal(2), Decimal(5)]))
def test_whole_step_arithmetic_equals_the_curve(start_steps, percent, stop_steps, step):
    start, stop = start_steps * step, min(stop_steps, start_steps) * step
    expected = reference_proportional(start, percent, stop, step, 200)
    got = proportional_units(start_steps, keep_ratio(percent), min(stop_steps, start_steps), 200)
    assert [u * step for u in got] == expected


def test_the_worked_example_of_issue_12():
    """80 mg, 10 %, stop at 5 mg, 1 mg step: 26 days, 672 mg, 6 mg held once."""
    result = run({"medicine": "methadone", "start_dose_mg": "80", "percent": "10", "stop_dose_mg": "5",
                  "step_mg": "1"})["result"]
    assert [d["dose_mg"] for d in result["schedule"]] == [
        "72", "65", "58", "52", "47", "43", "38", "34", "31", "28", "25", "23", "20", "18", "16", "15", "13", "12",
        "11", "10", "9", "8", "7", "6", "6", "5"]
    assert result["days"] == 26 and result["total_mg"] == "672"


def test_a_coarse_step_is_proportional_not_forced_down():
    """Issue 12: 5 % with 5 mg tablets from 50 mg no longer cuts 50 → 45 → 40 … 10 → 5 (33 % and 50 % cuts)."""
    result = run({"medicine": "methadone", "formulation": "methadone-tablets-5", "start_dose_mg": "50",
                  "percent": "5"})["result"]
    doses = [Decimal(d["dose_mg"]) for d in result["schedule"]]
    assert doses[:3] == [50, 45, 45] and doses.count(Decimal(10)) > 1
    # No cut is larger than the rounding alone can make: each dose is the rounded curve.
    assert len(doses) > 30


def test_ending_high_opens_with_a_danger_warning_and_the_who_alternative():
    """Issue 12: 'stops at or below 60 mg' ended 80 → 72 → 65 → 59 → nothing with only a caution."""
    result = run({"start_dose_mg": "80", "percent": "10", "stop_dose_mg": "60"})["result"]
    first = result["warnings"][0]
    assert first["level"] == "danger" and first["id"] == "ending_high"
    assert "abrupt cessation from 58 mg" in first["text"] and "low, stable dose" in first["text"]
    assert "This handbook's rule" in first["text"] and first["source_id"] == "this-handbook"
    assert result["ends_high"] is True and result["last_dose_mg"] == "58"
    low = run({"start_dose_mg": "80", "percent": "10", "stop_dose_mg": "5"})["result"]
    assert low["ends_high"] is False and "ending_high" not in [w["id"] for w in low["warnings"]]


def test_warnings_lead_with_danger_and_group_the_standing_ones():
    result = run({"start_dose_mg": "250", "percent": "10", "stop_dose_mg": "60", "high_risk": ["diabetes"],
                  "acknowledge_high_risk": True})["result"]
    warnings = result["warnings"]
    specific = [w for w in warnings if not w.get("standing")]
    standing = [w for w in warnings if w.get("standing")]
    assert warnings == specific + standing  # the input-specific ones come first
    assert [w["id"] for w in specific[:2]] == ["keep_on_oamt", "ending_high"]
    levels = [w["level"] for w in specific]
    assert levels == sorted(levels, key=["danger", "caution", "info"].index)
    assert {w["id"] for w in standing} == {"loss_of_tolerance", "restart_after_gap", "naloxone",
                                           "monitor_withdrawal", "hold_dose", "lofexidine"}


def test_stock_limited_headline_states_what_the_stock_covers():
    result = run({"start_dose_mg": "80", "mode": "stock_limited", "stock_mg": "600", "horizon_days": "14"})["result"]
    assert result["used_within_horizon_mg"] == "600" and result["needed_after_resupply_mg"] == "227"
    assert Decimal(result["total_mg"]) == 600 + 227
    assert result["stock_headline"].startswith("By resupply on day 14, this schedule uses 600 mg of the 600 mg")


@settings(max_examples=3000, deadline=None)
@given(st.integers(2, 300), st.integers(1, 999), st.integers(0, 50), st.integers(1, 3))
def test_no_schedule_is_shorter_than_three_days(start, tenths, stop, step_days):
    inputs = {"start_dose_mg": str(start), "percent": str(Decimal(tenths) / 10),
              "stop_dose_mg": str(min(stop, start - 1)), "step_days": str(step_days)}
    out = run(inputs)
    if out["ok"]:
        assert out["result"]["days"] >= 3
    elif "at least 3 days" in out["errors"].get("percent", ""):
        # The refusal names a percentage that works, and it does.
        hint = Decimal(out["errors"]["percent"].split("at most ")[1].split(" %")[0])
        assert run({**inputs, "percent": str(hint)})["result"]["days"] >= 3


def test_round_to_step_rounds_halves_up():
    assert round_to_step(Decimal("4.5"), Decimal(1)) == 5
    assert round_to_step(Decimal("2.5"), Decimal(1)) == 3  # Python's round() would give 2
    assert round_to_step(Decimal("0.6"), Decimal("0.4")) == Decimal("0.8")
    assert Decimal("0.6").quantize(Decimal(1), rounding=ROUND_HALF_UP) == 1


# ---------------------------------------------------------------- the command line


def cli(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "sitebuild.calculate", *args], input=stdin, capture_output=True,
                          text=True, check=False, cwd=REPO, timeout=60)


def test_cli_prints_the_result():
    done = cli("taper", stdin=json.dumps({"medicine": "methadone", "start_dose_mg": 80, "percent": "10",
                                          "stop_dose_mg": 5, "formulation": "methadone-concentrate-10"}))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["ok"] and out["result"]["total_mg"] == "672" and out["result"]["days"] == 26
    assert out["result"]["schedule"][0]["measure"]["text"] == "7.2 mL"


def test_cli_exits_2_with_field_errors():
    done = cli("taper", stdin=json.dumps({"start_dose_mg": "80mg", "mode": "linear"}))
    assert done.returncode == 2
    errors = json.loads(done.stdout)["errors"]
    assert "without units" in errors["start_dose_mg"] and "amount_mg" in errors


def test_cli_flags_set_inputs():
    done = cli("taper", "--start-dose-mg", "60", "--mode", "target_days", "--stop-dose-mg", "2", "--target-days", "10")
    assert done.returncode == 0, done.stdout
    assert json.loads(done.stdout)["result"]["percent"] == "28.8"


def test_mg_ml_confusion_is_warned_against():
    """A dose typed in mL of concentrate, or the concentrate itself, gets a check-the-strength warning."""
    data = calculator_data()
    concentrate = taper.run({"medicine": "methadone", "formulation": "methadone-concentrate-10", "mode": "proportional",
                             "start_dose_mg": "60", "percent": "20"}, data)["result"]
    note = next(w for w in concentrate["warnings"] if w["code"] == "formulation_note")
    assert "10 mg in each mL" in note["message"] and note["section"] == "Boxed warning"
    assert concentrate["schedule"][0]["measure"]["text"].endswith("mL")
    too_high = taper.run({"medicine": "methadone", "mode": "proportional", "start_dose_mg": "600", "percent": "20"},
                         data)["result"]
    assert any(w["code"] == "dose_above_usual_range" and "mg, not mL" in w["message"] for w in too_high["warnings"])
    usual = taper.run({"medicine": "methadone", "mode": "proportional", "start_dose_mg": "60", "percent": "20"},
                      data)["result"]
    assert not any(w["code"] in ("dose_above_usual_range", "formulation_note") for w in usual["warnings"])


def test_an_emptied_box_is_an_error_not_its_default():
    """Left out (an API call) means the default; a box the user emptied is a field error."""
    base = {"medicine": "methadone", "mode": "proportional", "start_dose_mg": "60"}
    assert taper.run(base)["result"]["percent"] == "10"
    out = taper.run({**base, "percent": "  "})
    assert out["ok"] is False and out["errors"] == {"percent": "Enter a value (usually 10 %)."}
    out = taper.run({**base, "percent": "20", "stop_dose_mg": ""})
    assert out["errors"] == {"stop_dose_mg": "Enter a value (usually 0 mg)."}


# ---------------------------------------------------------------- the page


def test_the_page_leads_with_the_danger_and_collapses_the_standing_warnings():
    result = run({"start_dose_mg": "80", "percent": "10", "stop_dose_mg": "60"})["result"]
    html = calculators.CALCULATORS["taper"].view(result, {"bibliography_url": "b.html"})["html"]
    assert html.index("data-code=") == html.index('data-code="ending_high"')  # the first warning on the page
    assert html.index('data-code="ending_high"') < html.index("<details") < html.index('data-code="loss_of_tolerance"')
    assert "Always with a taper (6 warnings, the same for every result)" in html


def test_the_stock_limited_page_states_what_the_stock_covers():
    result = run({"start_dose_mg": "80", "mode": "stock_limited", "stock_mg": "600", "horizon_days": "14"})["result"]
    html = calculators.CALCULATORS["taper"].view(result, {"bibliography_url": "b.html"})["html"]
    assert "uses 600 mg of the 600 mg set aside" in html and "needs 227 mg after resupply" in html


@settings(max_examples=3000, deadline=None)
@given(st.integers(2, 1000), st.integers(0, 200), st.integers(1, 3), st.integers(1, 60), st.integers(1, 999),
       st.integers(1, 999))
def test_stock_limited_use_never_rises_with_the_percentage(start, stop, step_days, horizon, a, b):
    """The stock-limited search bisects the grid: valid only because use until resupply never rises with the
    percentage on the rounded curve."""
    stop = min(stop, start - 1)
    low, high = min(a, b), max(a, b)
    limit = -(-horizon // step_days)

    def used(tenths):
        return use_within(proportional_units(start, (1000 - tenths, 1000), stop, limit), step_days, horizon)

    assert used(low) >= used(high)
