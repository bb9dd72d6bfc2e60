"""CPython's side of the input fuzz (tests/fuzzcases.py): every bad value typed into
any number field of any calculator is an error on that field, never a result or
a crash. The browser side, through the real form, is tests/browser/test_fuzz.py."""

from __future__ import annotations

import pytest

import calculators
from calculators import CALCULATORS
from tests.fuzzcases import BAD_NUMBERS, all_cases, cases, content_data

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
