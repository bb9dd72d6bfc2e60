"""Bad inputs for every typed field of every calculator, shared by the CPython
check (tests/test_fuzzcases.py) and the browser check (tests/browser/test_fuzz.py).

The fields come from each calculator's declarations (as the form shows them),
so a new calculator or a new number field is fuzzed with no change here. Each
case starts from a valid data file in which the field applies, and replaces
that one field's value with a bad one: the answer must be an error on that
field, and no result.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from calculators import CALCULATORS, fields_for
from calculators.fields import DECIMAL, INTEGER, ROWS, Field

from tests.datafiles import data_files

# What people type (or paste) into a number box that is not a number the calculator can use.
BAD_NUMBERS = {
    "text": "abc",
    "overflow": "1e400",
    "huge": "99999999999999999999",
    "negative": "-5",
    "units": "80mg",
    "units-spaced": "80 mg",
    "nan": "NaN",
    "infinity": "Infinity",
    "comma": "1,5",
}
NOT_WHOLE = "2.5"
TEXT_KINDS = (DECIMAL, INTEGER)  # typed into a text box; choices, dates and yes/no cannot hold these values


@dataclass(frozen=True)
class Case:
    calculator: str
    field: str  # the contract name, as the form names it: "percent", "cohort.0.dose_mg"
    label: str  # what the bad value is, for test ids
    value: str
    base: dict[str, Any]  # valid inputs in which the field applies

    @property
    def id(self) -> str:
        return f"{self.calculator}-{self.field}-{self.label}"

    def inputs(self) -> dict[str, Any]:
        """The base inputs with this field's value replaced."""
        inputs = json.loads(json.dumps(self.base))
        if self.field.count(".") == 2 and self.field.split(".")[1].isdigit():  # a cell of a row: cohort.0.dose_mg
            rows, index, column = self.field.split(".")
            inputs[rows][int(index)][column] = self.value
        else:
            inputs[self.field] = self.value
        return inputs


@functools.cache
def content_data() -> dict[str, Any]:
    from sitebuild.content import calculator_data

    return calculator_data()


def declared_fields(calculator: str) -> tuple[Field, ...]:
    """The fields as the form shows them (a calculator may add fields from content data)."""
    return fields_for(calculator, content_data())


def flat(inputs: dict[str, Any]) -> dict[str, Any]:
    """Nested criteria as the form names them ("criteria.<id>"), for Field.applies."""
    out = {k: v for k, v in inputs.items() if not isinstance(v, dict)}
    for k, v in inputs.items():
        if isinstance(v, dict):
            out.update({f"{k}.{sub}": answer for sub, answer in v.items()})
    return out


def _applies(f: Field, inputs: dict[str, Any], declared: tuple[Field, ...]) -> bool:
    effective = {d.name: d.default for d in declared if d.default is not None}
    effective.update(flat(inputs))
    return f.applies(effective)


def _base_for(calculator: str, f: Field, declared: tuple[Field, ...]) -> dict[str, Any] | None:
    """The first valid data file in which the field applies (and, for rows, has a first row)."""
    import calculators

    data = content_data()
    for path in data_files(calculator, "valid"):
        inputs = json.loads(path.read_text(encoding="utf-8"))["inputs"]
        if not _applies(f, inputs, declared) or not calculators.run(calculator, inputs, data)["ok"]:
            continue
        if f.kind == ROWS and not inputs.get(f.name):
            continue
        return inputs
    return None


def _values(f: Field, empty_is_bad: bool) -> dict[str, str]:
    values = dict(BAD_NUMBERS)
    if f.kind == INTEGER:
        values["not-whole"] = NOT_WHOLE
    if empty_is_bad:
        values["empty"] = ""
    return values


def cases(calculator: str) -> list[Case]:
    """Every bad value for every text-entry field of one calculator.

    Empty is bad where the field must be filled in (required), and where the
    field has a default: a box the user emptied is an error, not a request for
    the default. An optional field with no default may stay empty.
    """
    declared = declared_fields(calculator)
    found: list[Case] = []
    seen: set[str] = set()
    for f in declared:
        targets: list[tuple[str, Field]] = []
        if f.kind in TEXT_KINDS:
            targets = [(f.name, f)]
        elif f.kind == ROWS:
            targets = [(f"{f.name}.0.{c.name}", c) for c in f.columns if c.kind in TEXT_KINDS]
        if not targets:
            continue
        base = _base_for(calculator, f, declared)
        assert base is not None, f"{calculator}: no valid data file in which {f.name} applies"
        for name, column in targets:
            if name in seen:  # one name under several profiles: the first that applies is enough
                continue
            seen.add(name)
            empty_is_bad = column.required or column.default not in (None, "")
            for label, value in _values(column, empty_is_bad).items():
                found.append(Case(calculator, name, label, value, base))
    return found


def all_cases() -> list[Case]:
    return [case for name in CALCULATORS for case in cases(name)]
