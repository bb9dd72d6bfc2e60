"""Bad inputs for every typed field of every calculator, shared by the CPython
check (tests/test_fuzzcases.py) and the browser check (tests/browser/test_fuzz.py).

`near_misses` adds what a hand-edited or garbled link carries (issue 13): a
choice in another case or with a typing slip, and a name one slip away from
a real one. Each must be an error naming the field or the name, never a
result computed with a default in its place.

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
from urllib.parse import parse_qsl, urlencode

from calculators.fields import CHOICE, DECIMAL, INTEGER, MULTICHOICE, ROWS, Field, flatten

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


# ---------------------------------------------------------------- near misses, as links carry them

CHOICE_KINDS = (CHOICE, MULTICHOICE)


@dataclass(frozen=True)
class NearMiss:
    calculator: str
    name: str  # the name as the link writes it: a declared field, or a slip of one
    label: str  # what the slip is, for test ids
    value: Any
    base: dict[str, Any]  # valid inputs (flat names) in which the field, or the field slipped from, applies
    error_on: str  # where the error must be: the choice field, or the unknown name itself

    @property
    def id(self) -> str:
        return f"{self.calculator}-{self.name}-{self.label}"

    def inputs(self) -> dict[str, Any]:
        """The base inputs, flat, with the near miss in them (an unknown name is added)."""
        return {**self.base, self.name: self.value}

    def fragment(self) -> str:
        """The inputs as a page link's fragment writes them: `name=value&…`, a list as one pair per item."""
        pairs = []
        for name, value in self.inputs().items():
            for item in value if isinstance(value, list) else [value]:
                pairs.append((name, "true" if item is True else "false" if item is False else str(item)))
        return urlencode(pairs)

    def link_inputs(self) -> dict[str, Any]:
        """The fragment read back as the page sends a link's inputs: every value text, a multichoice a list."""
        multi = {f.name for f in declared_fields(self.calculator) if f.kind == MULTICHOICE}
        inputs: dict[str, Any] = {}
        for name, value in parse_qsl(self.fragment(), keep_blank_values=True):
            if name in multi:
                inputs.setdefault(name, []).append(value)
            else:
                inputs[name] = value
        return inputs


def allowed_values(f: Field) -> tuple[str, ...]:
    """A choice field's values, as the form offers them (from content data when the field says so)."""
    if f.choices_from:
        return tuple(str(item["id"]) for item in content_data().get(f.choices_from) or [])
    return tuple(c.value for c in f.choices)


def value_slips(value: str) -> dict[str, str]:
    """A valid choice written wrong as people write it: another case, a letter lost, doubled, swapped."""
    slips = {"capitalised": value[:1].upper() + value[1:], "upper-case": value.upper()}
    if len(value) > 2:
        slips["letter-lost"] = value[:-2] + value[-1]
        slips["letter-doubled"] = value[:2] + value[1:]
        slips["letters-swapped"] = value[:1] + value[2] + value[1] + value[3:]
    slips["suffix"] = value + "-typo"
    return slips


def name_slips(name: str) -> dict[str, str]:
    """A name one slip away: two letters swapped (percnet), capitalised, a letter lost, an underscore lost."""
    head, _, last = name.rpartition(".")
    prefix = head + "." if head else ""
    slips = {"capitalised": prefix + last[:1].upper() + last[1:]}
    if len(last) > 3:
        i = len(last) - 3
        slips["letters-swapped"] = prefix + last[:i] + last[i + 1] + last[i] + last[i + 2:]
        slips["letter-lost"] = prefix + last[:-1]
    if "_" in last:
        slips["underscore-lost"] = prefix + last.replace("_", "", 1)
    return slips


def _flat_base(calculator: str, f: Field, declared: tuple[Field, ...]) -> dict[str, Any] | None:
    base = _base_for(calculator, f, declared)
    return None if base is None else flatten(base, declared)


def is_declared(calculator: str, name: str) -> bool:
    """Whether a flat name is one the calculator reads: a field, a group, or a cell of a row."""
    declared = declared_fields(calculator)
    if name in {f.name for f in declared} or name in {f.name.split(".", 1)[0] for f in declared if "." in f.name}:
        return True
    for f in declared:
        if f.kind == ROWS and name.startswith(f.name + "."):
            number, _, column = name[len(f.name) + 1:].partition(".")
            if number.isdigit():
                return True
    return False


def near_misses(calculator: str) -> list[NearMiss]:
    """For every choice field: each slip of a valid value; for every field (row columns included): each slip
    of its name. The field applies in the base inputs, so the value given by mistake is one that counts."""
    declared = declared_fields(calculator)
    found: list[NearMiss] = []
    seen: set[str] = set()
    for f in declared:
        if f.name in seen:  # one name under several profiles: the first that applies is enough
            continue
        seen.add(f.name)
        base = _flat_base(calculator, f, declared)
        if base is None:
            continue
        if f.kind in CHOICE_KINDS:
            allowed = allowed_values(f)
            given = base.get(f.name)
            valid = given if isinstance(given, str) and given in allowed else f.default or allowed[0]
            if isinstance(given, list) and given:
                valid = given[0]
            for label, slip in value_slips(valid).items():
                if slip in allowed:
                    continue
                value: Any = [slip] if f.kind == MULTICHOICE else slip
                found.append(NearMiss(calculator, f.name, f"value-{label}", value, base, f.name))
        names = [f"{f.name}.0.{c.name}" for c in f.columns] if f.kind == ROWS else [f.name]
        for name in names:
            value = base.get(name, f.default or "1")
            for label, slip in name_slips(name).items():
                if is_declared(calculator, slip) or slip in base:
                    continue
                found.append(NearMiss(calculator, slip, f"name-{label}", value, base, slip))
    return found


def all_near_misses() -> list[NearMiss]:
    return [case for name in CALCULATORS for case in near_misses(name)]
