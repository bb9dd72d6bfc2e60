"""CPython's side of the input fuzz (tests/fuzzcases.py): every bad value typed into
any number field of any calculator is an error on that field, never a result or
a crash; and every near miss a link can carry (a choice in another case or with
a slip, a name one slip from a real one) is an error naming it. The browser side,
through the real form, is tests/browser/test_fuzz.py."""

from __future__ import annotations

import pytest

import calculators
from calculators import CALCULATORS
from tests.fuzzcases import (BAD_NUMBERS, NearMiss, all_cases, all_near_misses, cases, content_data,
                             near_misses)

DATA = content_data()
CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_value_is_an_error_on_its_field(case):
    assert calculators.run(case.calculator, case.base, DATA)["ok"], "the base inputs must be valid"
    out = calculators.run(case.calculator, case.inputs(), DATA)
    assert out["ok"] is False and out["result"] is None
    assert out["errors"].get(case.field), out["errors"]


@pytest.mark.parametrize("name", sorted(CALCULATORS))
def test_every_calculator_has_number_fields_to_fuzz(name):
    found = cases(name)
    assert found and {c.label for c in found} >= set(BAD_NUMBERS)


NEAR_MISSES = all_near_misses()


@pytest.mark.parametrize("case", NEAR_MISSES, ids=[c.id for c in NEAR_MISSES])
def test_near_miss_in_a_link_is_an_error_naming_it(case):
    """A choice in another case or with a slip, or a name one slip from a real one: never a result."""
    assert calculators.run(case.calculator, case.base, DATA)["ok"], "the base inputs must be valid"
    out = calculators.run(case.calculator, case.inputs(), DATA)
    assert out["ok"] is False and out["result"] is None
    message = out["errors"].get(case.error_on, "")
    assert message, out["errors"]
    named = case.name if case.error_on == case.name and case.label.startswith("name-") else (
        case.value[0] if isinstance(case.value, list) else case.value)
    assert f"“{named}”" in message, message


@pytest.mark.parametrize("case", NEAR_MISSES, ids=[c.id for c in NEAR_MISSES])
def test_near_miss_read_from_its_link_is_the_same_error(case):
    """The link's text, every value a string as the page reads it: the same field refuses it."""
    out = calculators.run(case.calculator, case.link_inputs(), DATA)
    assert out["ok"] is False and out["result"] is None and out["errors"].get(case.error_on), out["errors"]
    base = NearMiss(case.calculator, "", "", "", case.base, "")
    assert calculators.run(case.calculator, {k: v for k, v in base.link_inputs().items() if k}, DATA)["ok"]


@pytest.mark.parametrize("name", sorted(CALCULATORS))
def test_every_calculator_has_near_misses(name):
    found = near_misses(name)
    assert any(c.label.startswith("value-") for c in found) and any(c.label.startswith("name-") for c in found)
