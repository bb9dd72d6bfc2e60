"""Strict inputs (issue 13): a link, the CLI or a script that sends a name no field declares, or a value
that is not one of a field's choices, gets an error naming it, never a result computed with a default in
its place. The checks live in `calculators.run` and `calculators.fields`, so every calculator has them.

The link and CLI cases of the issue are here rather than in tests/data, because no form can enter them
(a select cannot hold `Proportional`, and the form has no control named `percnet`); the browser side of
links is the job of the page (it must show these errors when it opens such a link).
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import calculators
from calculators import CALCULATORS, run_json
from calculators.fields import CHOICE, MAX_ROW_NUMBER, MAX_UNKNOWN_SHOWN, MULTICHOICE, ROWS
from calculators.taper import LATEST_START_DATE
from tests.fuzzcases import allowed_values, content_data, declared_fields, is_declared, near_misses

DATA = content_data()
TAPER = {"medicine": "methadone", "start_dose_mg": "80", "stop_dose_mg": "5"}
STOCK = {"medicine": "methadone", "stock_mg": "10000", "horizon_days": "30",
         "cohort": [{"dose_mg": "80", "patients": "2", "protected": False}]}


def run(name, inputs):
    return calculators.run(name, inputs, DATA)


def refused(out):
    assert out["ok"] is False and out["result"] is None, out
    return out["errors"]


def test_the_bases_give_results():
    assert run("taper", TAPER)["ok"] and run("stock", STOCK)["ok"]


# ---------------------------------------------------------------- the links

@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"mode": "Proportional", "percent": "25"}, "mode", ["“Proportional”", "here “proportional”",
                                                         "Proportional: a percentage of the previous dose"]),
    ({"mode": "lineal"}, "mode", ["“lineal”", "Did you mean “linear”?", "linear (Linear: a fixed amount"]),
    ({"formulation": "bup-typo"}, "formulation", ["“bup-typo”", "Choose one of:", "buprenorphine-sublingual ("]),
    ({"percnet": "50"}, "percnet", ["“percnet”",
                                    "did you mean “percent”? That is “Reduction per step” on the form."]),
    ({"Mode": "linear"}, "Mode", ["did you mean “mode”"]),
    ({"high_risk": ["Pregnancy"]}, "high_risk", ["Unknown option: “Pregnancy”", "here “pregnancy”"]),
    ({"medicine": "METHADONE"}, "medicine", ["“METHADONE”", "Choose one of: methadone, buprenorphine."]),
])
def test_a_link_value_the_form_cannot_show_is_an_error_naming_it(extra, field, words):
    errors = refused(run("taper", {**TAPER, **extra}))
    for w in words:
        assert w in errors.get(field, ""), errors


def test_a_declared_field_that_does_not_apply_is_accepted():
    """The form does not send a hidden field, but a link made before the mode changed may carry it."""
    out = run("taper", {**TAPER, "mode": "proportional", "amount_mg": "5", "target_days": "7"})
    assert out["ok"], out["errors"]
    assert "amount_mg" not in out["result"]


def test_an_unrelated_name_is_an_error_without_a_guess():
    errors = refused(run("taper", {**TAPER, "colour": "blue"}))
    assert "no input called “colour”" in errors["colour"] and "did you mean" not in errors["colour"]


def test_every_unknown_name_is_named_up_to_a_limit_then_counted():
    extra = {f"zz_{i}": 1 for i in range(MAX_UNKNOWN_SHOWN + 5)}
    errors = refused(run("taper", {**TAPER, **extra}))
    assert sum(k.startswith("zz_") for k in errors) == MAX_UNKNOWN_SHOWN
    assert errors["_form"].startswith("5 more names")


def test_a_flood_of_unknown_names_is_refused_quickly():
    start = time.perf_counter()
    errors = refused(run("taper", {**TAPER, **{f"x{i}": i for i in range(100_000)}}))
    assert time.perf_counter() - start < 5
    assert len(errors) <= MAX_UNKNOWN_SHOWN + 1


def test_unknown_names_inside_a_group_or_a_row_are_named_in_full():
    criterion = next(f.name for f in declared_fields("takehome") if f.name.startswith("criteria."))
    base = _base("takehome", criterion)
    group, _, inner = criterion.partition(".")
    nested = {k: v for k, v in base.items() if not k.startswith(group + ".")}
    nested[group] = {k.split(".", 1)[1]: v for k, v in base.items() if k.startswith(group + ".")}
    assert run("takehome", nested)["ok"]
    nested[group] = {**nested[group], inner + "x": True}
    errors = refused(run("takehome", nested))
    assert f"“{criterion}x”" in errors[criterion + "x"], errors
    errors = refused(run("stock", {**STOCK, "cohort": [{"dose_mg": "80", "patients": "2", "dosemg": "4"}]}))
    assert "did you mean “cohort.0.dose_mg”? That is “Daily dose” on the form." in errors["cohort.0.dosemg"]


# ---------------------------------------------------------------- rows

def test_a_row_number_beyond_the_limit_is_refused_at_once():
    for number in (1500, MAX_ROW_NUMBER, 10**12):
        start = time.perf_counter()
        errors = refused(run("stock", {**STOCK, f"cohort.{number}.dose_mg": "80"}))
        assert time.perf_counter() - start < 1
        assert f"“cohort.{number}.dose_mg” names a row beyond the last one" in errors["cohort"], errors
    assert run("stock", {**STOCK, f"cohort.{MAX_ROW_NUMBER - 1}.dose_mg": "40",
                         f"cohort.{MAX_ROW_NUMBER - 1}.patients": "1"})["ok"]


def test_a_list_of_many_rows_is_refused_quickly():
    start = time.perf_counter()
    errors = refused(run("stock", {**STOCK, "cohort": [{"dose_mg": "80", "patients": "1"}] * 20_000}))
    assert time.perf_counter() - start < 5 and "cohort" in errors


@pytest.mark.parametrize("key", ["cohort.01.dose_mg", "cohort.².dose_mg", "cohort.١.dose_mg", "cohort.-1.dose_mg",
                                 "cohort.x.dose_mg", "cohort..dose_mg"])
def test_a_row_name_that_is_not_a_row_number_is_an_error_naming_it(key):
    errors = refused(run("stock", {**STOCK, key: "80"}))
    assert f"“{key}”" in errors[key]


# ---------------------------------------------------------------- dates, numbers and JSON

def test_a_start_date_whose_schedule_leaves_the_calendar_is_a_field_error():
    errors = refused(run("taper", {**TAPER, "start_date": "9999-12-25"}))
    assert "no later than" in errors["start_date"]
    assert run("taper", {**TAPER, "start_date": LATEST_START_DATE.isoformat(), "percent": "1"})["ok"]


@pytest.mark.parametrize("text", [
    "[" * 100_000, "{\"a\":" * 100_000, "[1]", "\"x\"", "null", "{\"start_dose_mg\": NaN}",
    "{\"start_dose_mg\": Infinity}", "{\"start_dose_mg\": 1e999}", "{\"start_dose_mg\": " + "9" * 5000 + "}",
    "{\"start_dose_mg\": " + "9" * 4000 + "}", "{\"\\ud800\": 1}", "{", "",
])
def test_the_browser_entry_point_answers_every_text_with_json(text):
    for name in CALCULATORS:
        out = json.loads(run_json(name, text, json.dumps(DATA)))
        assert out["ok"] is False and out["result"] is None and out["errors"]
        assert out["errors"].get("_form") != calculators.INTERNAL_ERROR, out["errors"]


# ---------------------------------------------------------------- near misses, generated

def _choice_fields():
    found = []
    for name in sorted(CALCULATORS):
        seen = set()
        for f in declared_fields(name):
            if f.kind in (CHOICE, MULTICHOICE) and f.name not in seen:
                seen.add(f.name)
                found.append((name, f))
    return found


CHOICE_FIELDS = _choice_fields()
NAMES = sorted({(name, f.name) for name in CALCULATORS for f in declared_fields(name) if f.kind != ROWS}
               | {(name, f"{f.name}.0.{c.name}") for name in CALCULATORS for f in declared_fields(name)
                  if f.kind == ROWS for c in f.columns})
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_- "


NEAR_MISSES = {name: near_misses(name) for name in CALCULATORS}


def _base(name, field_name):
    """Flat valid inputs in which the field applies: the base of one of the fuzz set's near misses."""
    for case in NEAR_MISSES[name]:
        if case.error_on == field_name or case.name.startswith(field_name.rsplit(".", 1)[0]):
            return case.base
    return None


@st.composite
def slip(draw, text):
    """`text` with another case, or one letter inserted, lost or replaced."""
    how = draw(st.sampled_from(["case", "insert", "delete", "replace", "swap"]))
    if how == "case":
        flips = draw(st.lists(st.integers(0, len(text) - 1), min_size=1, max_size=len(text)))
        chars = list(text)
        for i in flips:
            chars[i] = chars[i].swapcase()
        return "".join(chars)
    i = draw(st.integers(0, len(text) - 1))
    if how == "insert":
        return text[:i] + draw(st.sampled_from(LETTERS)) + text[i:]
    if how == "delete":
        return text[:i] + text[i + 1:]
    if how == "replace":
        return text[:i] + draw(st.sampled_from(LETTERS)) + text[i + 1:]
    j = min(i + 1, len(text) - 1)
    chars = list(text)
    chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_near_miss_choice_never_gives_a_result(data):
    name, f = data.draw(st.sampled_from(CHOICE_FIELDS))
    base = _base(name, f.name)
    assume(base is not None)
    allowed = allowed_values(f)
    value = data.draw(slip(data.draw(st.sampled_from(allowed))))
    assume(value not in allowed and value.strip())
    errors = refused(run(name, {**base, f.name: [value] if f.kind == MULTICHOICE else value}))
    assert f.name in errors, errors


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_near_miss_name_never_gives_a_result(data):
    name, real = data.draw(st.sampled_from(NAMES))
    base = _base(name, real)
    assume(base is not None)
    key = data.draw(slip(real))
    assume(not is_declared(name, key) and key not in base)
    errors = refused(run(name, {**base, key: base.get(real, "1")}))
    shown = [k for k in errors if k == key or (k.split(".")[0] == key.split(".")[0] and key.split(".")[0] in
                                              {f.name for f in declared_fields(name) if f.kind == ROWS})]
    assert shown, (key, errors)


# ---------------------------------------------------------------- the stock chart says what it shows

def test_the_stock_chart_shows_usable_stock_and_the_table_both_figures():
    """Issue 13: with 10,000 mg in hand and 5,000 mg of safety stock, the chart labelled usable stock ended at
    5,090 mg (the usable stock left was 90 mg)."""
    inputs = {**STOCK, "safety_stock_mg": "5000", "horizon_days": "10",
              "cohort": [{"dose_mg": "80", "patients": "6"}, {"dose_mg": "11", "patients": "1"}]}
    out = calculators.respond("stock", inputs, DATA)
    result = out["result"]
    assert result["stock_remaining_mg"][-1] == "5090" and result["usable_stock_remaining_mg"][-1] == "90"
    for in_hand, usable in zip(result["stock_remaining_mg"], result["usable_stock_remaining_mg"]):
        assert Decimal(in_hand) - Decimal(usable) == 5000
    csv_lines = out["downloads"][0]["text"].splitlines()
    assert csv_lines[0] == ('Day,Total use (mg),"Stock in hand, safety stock included (mg)",'
                            '"Usable stock left, less the safety stock (mg)"')
    assert csv_lines[-1].endswith(",5090,90")
    html = out["html"]
    assert 'aria-label="Usable stock left at the end of each day (mg): stock in hand less the safety stock of ' \
           '5000 mg"' in html
    assert "Usable stock left by day" in html
