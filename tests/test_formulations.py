"""Formulations: the shipped content file, its validation, and how doses are measured."""

from __future__ import annotations

import copy
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators.formulations import DEFAULT_ITEMS, DEFAULTS, fewest_units, measure, parse, validate
from sitebuild.content import calculator_data

REPO = Path(__file__).resolve().parent.parent
ITEMS = yaml.safe_load((REPO / "content" / "formulations.yml").read_text(encoding="utf-8"))
BY_ID = {f.id: f for f in parse(ITEMS)}

# Issue 4's list: id → (medicine, step in mg).
EXPECTED = {
    "methadone-oral-solution-1": ("methadone", "1"),
    "methadone-concentrate-10": ("methadone", "1"),
    "methadone-tablets-5": ("methadone", "5"),
    "methadone-dispersible-40": ("methadone", "10"),
    "buprenorphine-sublingual": ("buprenorphine", "0.4"),
    "buprenorphine-2-8": ("buprenorphine", "2"),
    "buprenorphine-naloxone-film": ("buprenorphine", "2"),
}


def test_the_shipped_file_is_valid_and_has_every_formulation_of_the_issue():
    assert validate(ITEMS) == []
    assert {fid: (f.medicine, str(f.step_mg)) for fid, f in BY_ID.items()} == EXPECTED


def test_the_build_loads_the_formulations():
    assert calculator_data()["formulations"] == ITEMS


def test_the_built_in_defaults_equal_the_files_defaults():
    assert [item for item in ITEMS if item.get("default")] == list(DEFAULT_ITEMS)
    # Issue 14: the usual buprenorphine formulation is 2 and 8 mg tablets, which can be dispensed almost
    # everywhere (0.4 mg tablets are not available everywhere).
    assert {f.medicine: f.id for f in DEFAULTS} == {"methadone": "methadone-oral-solution-1",
                                                   "buprenorphine": "buprenorphine-2-8"}


@pytest.mark.parametrize(("fid", "dose", "text"), [
    ("methadone-oral-solution-1", "72", "72 mL"),
    ("methadone-concentrate-10", "75", "7.5 mL"),
    ("methadone-concentrate-10", "7.5", "0.75 mL (cannot be measured: to 0.1 mL only)"),
    ("methadone-oral-solution-1", "7.5", "7.5 mL (cannot be measured: whole mL only)"),
    ("methadone-tablets-5", "35", "7 × 5 mg tablet"),
    ("methadone-dispersible-40", "70", "1 × whole 40 mg tablet + 1 × half tablet (20 mg) + 1 × quarter tablet (10 mg)"),
    ("methadone-dispersible-40", "80", "2 × whole 40 mg tablet"),
    ("buprenorphine-sublingual", "10.4", "1 × 8 mg tablet + 1 × 2 mg tablet + 1 × 0.4 mg tablet"),
    ("buprenorphine-2-8", "14", "1 × 8 mg tablet + 3 × 2 mg tablet"),
    ("buprenorphine-naloxone-film", "16", "1 × 12 mg/3 mg film + 1 × 4 mg/1 mg film"),
    ("buprenorphine-naloxone-film", "6", "1 × 4 mg/1 mg film + 1 × 2 mg/0.5 mg film"),
])
def test_measure(fid, dose, text):
    assert measure(BY_ID[fid], Decimal(dose))["text"] == text


def test_measure_gives_exact_strings_and_unit_counts():
    assert measure(BY_ID["methadone-concentrate-10"], Decimal(72)) == {"text": "7.2 mL", "exact": True, "ml": "7.2"}
    films = measure(BY_ID["buprenorphine-naloxone-film"], Decimal(10))
    assert films["units"] == [{"count": 1, "mg": "8", "name": "8 mg/2 mg film"},
                              {"count": 1, "mg": "2", "name": "2 mg/0.5 mg film"}]
    films["units"].clear()  # a caller's change must not reach the cache
    assert measure(BY_ID["buprenorphine-naloxone-film"], Decimal(10))["units"]


def test_what_cannot_be_made_up_says_so():
    found = measure(BY_ID["buprenorphine-naloxone-film"], Decimal(3))
    assert found["exact"] is False and "cannot be made up" in found["text"]
    assert fewest_units((Decimal(5),), Decimal(7)) is None


def test_fewest_is_not_greedy():
    # Greedy takes 12 + 2 + 2; the fewest is 8 + 8.
    assert fewest_units((Decimal(12), Decimal(8), Decimal(2)), Decimal(16)) == (0, 2, 0)


def brute_force_fewest(strengths: tuple[int, ...], target: int) -> int | None:
    best = None
    for counts in itertools.product(*(range(target // s + 1) for s in strengths)):
        if sum(c * s for c, s in zip(counts, strengths)) == target and (best is None or sum(counts) < best):
            best = sum(counts)
    return best


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.integers(1, 13), min_size=1, max_size=3, unique=True), st.integers(0, 40))
def test_fewest_units_is_the_minimum(sizes, target):
    strengths = tuple(Decimal(s) / 2 for s in sorted(sizes, reverse=True))
    counts = fewest_units(strengths, Decimal(target) / 2)
    expected = brute_force_fewest(tuple(sorted(sizes, reverse=True)), target) if min(sizes) == 1 or all(
        s % min(sizes) == 0 for s in sizes) else "skip"
    if expected == "skip":
        return
    if expected is None:
        assert counts is None
    else:
        assert counts is not None and sum(counts) == expected
        assert sum(c * s for c, s in zip(counts, strengths)) == Decimal(target) / 2


def broken(index: int, **changes):
    items = copy.deepcopy(ITEMS)
    for key, value in changes.items():
        if value is None:
            items[index].pop(key, None)
        else:
            items[index][key] = value
    return items


@pytest.mark.parametrize(("items", "where", "message"), [
    ("not a list", "", "Expected a list of formulations"),
    (broken(0, label=None), "[0]", "Missing field(s): label"),
    (broken(0, colour="red"), "[0]", "Unknown field(s): colour"),
    (broken(2, step_mg=0.4), "[2].step_mg", "positive decimal in quotes"),
    (broken(2, id="Tablets 5"), "[2].id", "lower-case letters"),
    (broken(2, id="methadone-oral-solution-1"), "[2].id", "another formulation"),
    (broken(2, medicine="morphine"), "[2].medicine", "Expected a medicine"),
    (broken(2, measure="spoonful"), "[2].measure", "way of measuring"),
    (broken(2, source="the label"), "[2].source", "citation with a section"),
    (broken(2, default=True), "default", "methadone has 2 formulations"),
    (broken(0, default=None), "default", "methadone has 0 formulations"),
    (broken(3, step_mg="15"), "[3].units[0].mg", "not a multiple of the step"),
    (broken(5, step_mg="1"), "[5].step_mg", "smallest unit is 2 mg"),
    (broken(5, units=[]), "[5].units", "list of units"),
    (broken(5, units=[{"mg": "2"}]), "[5].units[0]", "Expected {mg, name}"),
    (broken(1, ml_decimals=0), "[1].step_mg", "cannot be measured to 0 decimal"),
    (broken(1, ml_decimals=7), "[1].ml_decimals", "from 0 to 3"),
    (broken(1, mg_per_ml="ten"), "[1].mg_per_ml", "strength in mg per mL"),
])
def test_validation_names_the_place_the_problem_and_the_fix(items, where, message):
    problems = validate(items)
    assert any(w == where and message in m and f for w, m, f in problems), problems


def test_parse_refuses_invalid_items():
    with pytest.raises(ValueError, match="step_mg"):
        parse(broken(2, step_mg="0"))


@pytest.mark.parametrize(("items", "where", "message"), [
    (broken(2, step_mg="0"), "[2].step_mg", "positive decimal"),
    (broken(1, mg_per_ml="0"), "[1].mg_per_ml", "positive decimal"),
    (broken(1, mg_per_ml="0.0"), "[1].mg_per_ml", "positive decimal"),
    (broken(2, step_mg="9" * 40), "[2].step_mg", "positive decimal"),          # was an InvalidOperation
    (broken(2, step_mg="0.0001"), "[2].step_mg", "positive decimal"),          # more than 3 decimals
    (broken(2, step_mg="1001"), "[2].step_mg", "positive decimal"),            # more than 1000 mg
    (broken(0, medicine=["methadone"]), "[0].medicine", "Expected a medicine"),  # was a TypeError
])
def test_zero_huge_and_wrongly_typed_values_are_problems(items, where, message):
    problems = validate(items)
    assert any(w == where and message in m and "Fix" not in f and f for w, m, f in problems), problems


WRONG = (None, "", 0, -1, True, 1.5, "x", [], {}, ["x"], [None], {"x": 1}, "0", "0.0", "-1", "1e5", "1" * 40,
         "0." + "0" * 30 + "1", 10 ** 40, "\u0663")


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*path, i))


def test_validate_is_total():
    """Any value of any type in any field: validate returns problems, never raises, and what it accepts parses."""
    for path in _paths(ITEMS):
        for new in WRONG:
            items = copy.deepcopy(ITEMS)
            if path:
                here = items
                for step in path[:-1]:
                    here = here[step]
                here[path[-1]] = new
            else:
                items = new
            problems = validate(items)
            assert isinstance(problems, list), (path, new)
            if not problems:
                parse(items)
