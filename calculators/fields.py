"""Declared inputs and the reading of raw input values.

A calculator declares its inputs as `Field`s. The same declarations generate
the HTML form at build time and read the values at run time, so the form, the
CLI and the tests share one contract. Values arrive as JSON (numbers, strings,
booleans, lists); numbers are read exactly as decimals, never through a
binary float the user could see.

Reading never raises on bad input: it returns a message for the field.
Inputs are strict (`strict_errors`, applied by `calculators.run`): a name no
field declares is an error naming it and the nearest declared name, and a
choice must be one of the field's values exactly (another case is an error
that names the value meant), so nothing is ever computed with a default in
place of what was sent.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from .messages import locale, marked, marked_n, tr, tr_n

DECIMAL = "decimal"
INTEGER = "integer"
CHOICE = "choice"
MULTICHOICE = "multichoice"
YESNO = "yesno"
BOOLEAN = "boolean"
DATE = "date"
ROWS = "rows"
KINDS = frozenset({DECIMAL, INTEGER, CHOICE, MULTICHOICE, YESNO, BOOLEAN, DATE, ROWS})


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Field:
    """One input of a calculator.

    `minimum`/`maximum` bound the value (inclusive unless `*_exclusive`); for ROWS, `maximum` is the
    most rows the form takes.
    `source` is a citation in content markup (`[@who-2025 §Section]`) naming
    the basis of the field's rule or default. `shown_when` maps another field's
    name to the values for which this field applies; a field that does not
    apply is neither shown nor read. `choices_from` names a content data set
    (for example "formulations") whose items become the choices at build time.
    """

    name: str
    label: str
    kind: str
    unit: str = ""
    help: str = ""
    source: str = ""
    required: bool = True
    default: str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    minimum_exclusive: bool = False
    maximum_exclusive: bool = False
    choices: tuple[Choice, ...] = ()
    choices_from: str = ""
    shown_when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    columns: tuple["Field", ...] = ()
    placeholder: str = ""
    # Set for a maximum that only catches typing and unit slips (no credible value comes near it): the maximum is
    # then never shown as help, and a value above it gets this message instead of the number.
    limit_message: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Field {self.name!r}: kind {self.kind!r} is not one of {sorted(KINDS)}")

    def applies(self, values: Mapping[str, Any]) -> bool:
        """Whether the field is in use, given the other inputs' effective values (see `effective_values`)."""
        for other, allowed in self.shown_when:
            if str(values.get(other) or "") not in allowed:
                return False
        return True

    def value_text(self, value: Any, labels: Mapping[str, str] | None = None) -> str:
        """A value read by this field as a reader should see it: a choice's label, a number with its unit."""
        if value is None:
            return ""
        # Labels as the translated form shows them (the catalog holds the form's labels and choices).
        labels = {**{c.value: c.label for c in self.choices}, **(labels or {})}
        if self.kind == CHOICE:
            return tr(labels[value]) if value in labels else value
        if self.kind == MULTICHOICE:
            return "; ".join(tr(labels[v]) if v in labels else v for v in value) or tr("none")
        if self.kind in (YESNO, BOOLEAN):
            return tr("yes") if value else tr("no")
        if self.kind in (DECIMAL, INTEGER):
            return quantity_text(Decimal(value), self.unit)
        if self.kind == DATE:
            return date_text(value)
        return str(value)

    def bounds_text(self) -> str:
        """The allowed range as a person would say it ("1 to 365 days", "up to 28 days", "more than 0 mg"), for
        help text and messages. A maximum that only catches slips (`limit_message`) is left out; so is a lower
        bound of 0 that a person takes for granted."""
        lo, hi = self.minimum, None if self.limit_message else self.maximum
        if lo is not None and lo == 0 and not self.minimum_exclusive:
            lo = None
        if lo is not None and hi is not None and not self.minimum_exclusive and not self.maximum_exclusive:
            if self.unit == "%":
                return tr("{low} to {high} %", low=number_text(lo), high=number_text(hi))
            return tr("{low} to {high}", low=number_text(lo), high=quantity_text(hi, self.unit))
        low = quantity_text(lo, self.unit) if lo is not None else ""
        high = quantity_text(hi, self.unit) if hi is not None else ""
        if lo is not None and hi is not None:
            return tr(_BOUNDS_BOTH[(self.minimum_exclusive, self.maximum_exclusive)], low=low, high=high)
        if lo is not None:
            return tr("more than {low}", low=low) if self.minimum_exclusive else tr("{low} or more", low=low)
        if hi is not None:
            return tr("less than {high}", high=high) if self.maximum_exclusive else tr("up to {high}", high=high)
        return ""


# Both bounds, not both inclusive (that is "{low} to {high}"), by (minimum_exclusive, maximum_exclusive).
_BOUNDS_BOTH = {
    (True, True): marked("more than {low} and less than {high}"),
    (True, False): marked("more than {low} and up to {high}"),
    (False, True): marked("{low} or more and less than {high}"),
}


# Counted nouns, each as a message with its plural (translated with the reader's plural rules).
COUNTED = {
    "days": marked_n("{n} day", "{n} days"),
    "steps": marked_n("{n} step", "{n} steps"),
    "weeks": marked_n("{n} week", "{n} weeks"),
    "patients": marked_n("{n} patient", "{n} patients"),
    "tablets": marked_n("{n} tablet", "{n} tablets"),
    "films": marked_n("{n} film", "{n} films"),
    "doses": marked_n("{n} dose", "{n} doses"),
}


# Units named on their own, in the reader's language (mg, mL and % are the same in every language).
UNIT_WORDS = {"days": marked("days"), "steps": marked("steps")}


def unit_word(unit: str) -> str:
    """A field's unit named on its own, as the form names it."""
    return tr(UNIT_WORDS[unit]) if unit in UNIT_WORDS else unit


def number_text(value: Any) -> str:
    """A number as a reader writes it: exact, no exponent, no trailing zeros, thousands separated by commas
    (100,800). Text that is not a number is returned as it is."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    text = dec(number)
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, frac = text.partition(".")
    shown = locale()  # the reader's language: 100,800.5 in English, 100 800,5 in French
    if len(whole) > 3:
        whole = f"{int(whole):,}".replace(",", shown.group)
    return sign + whole + (f"{shown.decimal}{frac}" if frac else "")


def plural(count: Any, word: str) -> str:
    """'1 day', '2 days', '0 days' (in Russian '1 день', '2 дня', '5 дней'): a counted noun of COUNTED agreeing
    with the number, in the reader's language; a unit that does not change (mg, mL) follows the number as it is."""
    n = number_text(count)
    if word in COUNTED:
        singular, plural_form = COUNTED[word]
        return tr_n(singular, plural_form, count, n=n)
    return f"{n} {word}"


def quantity_text(value: Any, unit: str) -> str:
    """A number with its unit: '1 day', '100,800 mg', '10 %'."""
    if not unit:
        return number_text(value)
    if unit == "%":
        return f"{number_text(value)} %"
    return plural(value, unit)


def date_text(value: Any) -> str:
    """A date with its weekday as a reader writes it: 'Tue 1 Dec 2026'. ISO text is read; other text is kept."""
    if isinstance(value, str):
        try:
            value = _dt.date.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, _dt.date):
        return str(value)
    shown = locale()  # weekday and month names, and their order, in the reader's language
    return shown.date.format(weekday=shown.weekdays[value.weekday()], day=value.day,
                             month=shown.months[value.month - 1], year=value.year)


def flatten(raw: Mapping[str, Any], fields: tuple[Field, ...]) -> dict[str, Any]:
    """Inputs with flat names, as the form, the page address and the CLI write them.

    The declarations decide what nests: `{"criteria": {"stable_dose": true}}`
    reads as `{"criteria.stable_dose": true}` when fields named `criteria.…`
    are declared, and `{"cohort": [{"dose_mg": 80}]}` as
    `{"cohort.0.dose_mg": 80}` when `cohort` is a ROWS field. Scripts may send
    either form; everything after this reads flat names only.
    """
    groups = {f.name.split(".", 1)[0] for f in fields if "." in f.name}
    rows = {f.name for f in fields if f.kind == ROWS}
    flat: dict[str, Any] = {}
    for name, value in raw.items():
        name = str(name)
        if name in groups and isinstance(value, Mapping):
            for key, inner in value.items():
                flat.setdefault(f"{name}.{key}", inner)
        elif name in rows and isinstance(value, list):
            for i, row in enumerate(value):
                if isinstance(row, Mapping):
                    for key, inner in row.items():
                        flat.setdefault(f"{name}.{i}.{key}", inner)
                else:
                    flat.setdefault(f"{name}.{i}", row)  # not a row: reported by Reader.rows
        else:
            flat.setdefault(name, value)
    return flat


def effective_values(fields: tuple[Field, ...], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Each field's raw value, or its default when none was given: what decides which fields apply."""
    values = dict(raw)
    for f in fields:
        if is_missing(values.get(f.name)) and f.default is not None:
            values[f.name] = f.default
    return values


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_HAS_UNIT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)\s*[a-zA-Zµ%/]+$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
# 1,500 or 12.500: a thousands figure in one convention, a decimal in another (1.5 or 12.5).
_THOUSANDS_OR_DECIMAL = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")
# 1 500, 1,000,000, 1.000.000: digits grouped by thousands (a space, or the same mark more than once).
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+$|^[+-]?\d{1,3}(?:([.,])\d{3})(?:\1\d{3})+$")


class InputError(ValueError):
    """A value the user can correct; the message is shown beside the field."""


def is_missing(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def read_decimal(raw: Any, f: Field) -> Decimal:
    """Read a JSON number or a decimal string exactly, within the field's bounds."""
    if isinstance(raw, bool):
        raise InputError(tr("Enter a number."))
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise InputError(tr("Enter a number."))
        # repr gives the shortest string that round-trips: 0.4 stays 0.4.
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip()
        comma_language = locale().decimal == ","
        if _THOUSANDS_OR_DECIMAL.match(text) and (comma_language or "," in text):
            # A thousand times apart in the two conventions (1,500 is 1500 in English, 1.5 in French): asked
            # again, never guessed.
            raise InputError(tr("{typed} could mean {thousands} or {decimal}. Write whole numbers without a "
                                "separator, for example {thousands}.", typed=text,
                                thousands=re.sub(r"[.,]", "", text),
                                decimal=number_text(Decimal(re.sub(r"[.,]", ".", text)))))
        if _GROUPED.match(text):
            raise InputError(tr("Write the number without separators between thousands, for example {example}.",
                                example=re.sub(r"[^\d+-]", "", text)))
        if comma_language:
            # The reader's language writes decimals with a comma, as its results do (and a phone's number pad
            # may offer only the comma): 2,5 is 2.5. A point is a decimal point too, as on medicine labels.
            if text.count(",") == 1 and "." not in text:
                text = text.replace(",", ".")
        elif _COMMA_DECIMAL.match(text):
            raise InputError(tr("Use a point for decimals, for example {example}.", example=text.replace(",", ".")))
        if _HAS_UNIT.match(text):
            raise InputError(tr("Enter the number only, without units (the unit is {unit}).", unit=unit_word(f.unit))
                             if f.unit else tr("Enter the number only, without units."))
        if not _NUMBER.match(text) or len(text) > 30:
            raise InputError(_enter_a_number())
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern above admits only valid decimals
            raise InputError(_enter_a_number()) from None
    else:
        raise InputError(tr("Enter a number."))
    _check_bounds(value, f)
    return value + Decimal(0)  # normalises -0 to 0


def _enter_a_number() -> str:
    return tr("Enter a number, for example {whole} or {decimal}.", whole="40", decimal=number_text(Decimal("0.4")))


def read_integer(raw: Any, f: Field) -> int:
    value = read_decimal(raw, f)
    if value != value.to_integral_value():
        raise InputError(tr("Enter a whole number."))
    return int(value)


def _check_bounds(value: Decimal, f: Field) -> None:
    if f.limit_message and f.maximum is not None and value > f.maximum:
        raise InputError(tr(f.limit_message))
    too_low = f.minimum is not None and (value <= f.minimum if f.minimum_exclusive else value < f.minimum)
    too_high = f.maximum is not None and (value >= f.maximum if f.maximum_exclusive else value > f.maximum)
    if too_low or too_high:
        low = "more" if f.minimum_exclusive else "least"
        high = "less" if f.maximum_exclusive else "most"
        key = (low if f.minimum is not None else "", high if f.maximum is not None and not f.limit_message else "",
               bool(too_low and f.minimum == 0))
        if key not in _OUT_OF_RANGE:  # only a maximum that catches slips, reached exactly: say what it says
            raise InputError(tr(f.limit_message))
        raise InputError(tr(_OUT_OF_RANGE[key],
                            low=quantity_text(f.minimum, f.unit) if f.minimum is not None else "",
                            high=quantity_text(f.maximum, f.unit) if f.maximum is not None else ""))


# "Enter a value of …" by (minimum: at least/more than, maximum: at most/less than, cannot be negative): each a
# whole sentence, so that a translation can order it as its language does.
_OUT_OF_RANGE = {
    ("least", "", False): marked("Enter a value of at least {low}."),
    ("more", "", False): marked("Enter a value of more than {low}."),
    ("", "most", False): marked("Enter a value of at most {high}."),
    ("", "less", False): marked("Enter a value of less than {high}."),
    ("least", "most", False): marked("Enter a value of at least {low} and at most {high}."),
    ("least", "less", False): marked("Enter a value of at least {low} and less than {high}."),
    ("more", "most", False): marked("Enter a value of more than {low} and at most {high}."),
    ("more", "less", False): marked("Enter a value of more than {low} and less than {high}."),
    ("least", "", True): marked("Enter a value of at least {low} (it cannot be negative)."),
    ("more", "", True): marked("Enter a value of more than {low} (it cannot be negative)."),
    ("least", "most", True): marked("Enter a value of at least {low} and at most {high} (it cannot be negative)."),
    ("least", "less", True): marked("Enter a value of at least {low} and less than {high} (it cannot be negative)."),
    ("more", "most", True): marked("Enter a value of more than {low} and at most {high} (it cannot be negative)."),
    ("more", "less", True): marked("Enter a value of more than {low} and less than {high} (it cannot be negative)."),
}


def shown(value: Any, limit: int = 40) -> str:
    """A value the user sent, quoted for a message: shortened, and printable whatever it holds."""
    text = value if isinstance(value, str) else json_text(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates cannot be printed
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"“{text}”"


def json_text(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)[:200]
    except (TypeError, ValueError, RecursionError):
        return type(value).__name__


def choices_text(choices: tuple[Choice, ...]) -> str:
    """The choices as the form shows them and as a link or the CLI writes them: the value, and its label
    where the label says more than the value."""
    shown_labels = [(c.value, tr(c.label)) for c in choices]  # the labels as the (translated) form shows them
    labelled = [value if label.casefold() == value.casefold() else f"{value} ({label})" for value, label in shown_labels]
    return ("; " if any("(" in t for t in labelled) else ", ").join(labelled)


def _near_choice(raw: str, allowed: tuple[str, ...]) -> str:
    """A hint for a value that is nearly a choice: another case, or a small typing slip."""
    same_case = [v for v in allowed if v.casefold() == raw.strip().casefold()]
    if same_case:
        return " " + tr("Choices are written exactly as listed, here “{choice}”.", choice=same_case[0])
    if len(raw) <= 60:
        close = difflib.get_close_matches(raw.casefold(), allowed, n=1, cutoff=0.7)
        if close:
            return " " + tr("Did you mean “{choice}”?", choice=close[0])
    return ""


def read_choice(raw: Any, f: Field, allowed: tuple[str, ...], choices: tuple[Choice, ...] = ()) -> str:
    if isinstance(raw, str) and raw in allowed:
        return raw
    listed = choices_text(choices or tuple(Choice(v, v) for v in allowed))
    if not isinstance(raw, str):
        raise InputError(tr("Choose one of: {choices}.", choices=listed))
    raise InputError(tr("{value} is not one of the choices.", value=shown(raw)) + _near_choice(raw, allowed) + " "
                     + tr("Choose one of: {choices}.", choices=listed))


def read_multichoice(raw: Any, f: Field, allowed: tuple[str, ...], choices: tuple[Choice, ...] = ()) -> tuple[str, ...]:
    if is_missing(raw):
        return ()
    if isinstance(raw, str):
        raw = [raw]
    listed = choices_text(choices or tuple(Choice(v, v) for v in allowed))
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise InputError(tr("Choose from the list: {choices}.", choices=listed))
    unknown = [v for v in raw if v not in allowed]
    if unknown:
        raise InputError(tr("Unknown option: {values}.", values=", ".join(shown(v) for v in unknown[:5]))
                         + _near_choice(unknown[0], allowed) + " " + tr("Choose from: {choices}.", choices=listed))
    return tuple(v for v in allowed if v in raw)


def read_boolean(raw: Any, f: Field) -> bool:
    if isinstance(raw, bool):
        return raw
    if is_missing(raw):
        return False
    if isinstance(raw, str) and raw.lower() in ("true", "on", "yes", "1"):
        return True
    if isinstance(raw, str) and raw.lower() in ("false", "off", "no", "0"):
        return False
    raise InputError(tr("Answer yes or no."))


def read_yesno(raw: Any, f: Field) -> bool:
    """A question that must be answered: missing is an error, not 'no'."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("yes", "true"):
        return True
    if isinstance(raw, str) and raw.lower() in ("no", "false"):
        return False
    raise InputError(tr("Answer yes or no."))


def read_date(raw: Any, f: Field) -> _dt.date:
    if not isinstance(raw, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", raw.strip()):
        raise InputError(tr("Enter a date as YYYY-MM-DD."))
    try:
        return _dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise InputError(tr("Enter a real date as YYYY-MM-DD.")) from None


@dataclass
class Reader:
    """Reads a dict of raw inputs against declared fields, gathering every error.

    Use `get(name)` for each value; check `errors` before computing. Names are
    flat (see `flatten`); rows of a ROWS field are read with `rows(name)`.
    Fields that do not apply (see `Field.applies`) read as None. `choices`
    gives the choices of fields whose choices come from content data.
    """

    fields: tuple[Field, ...]
    raw: Mapping[str, Any]
    choices: Mapping[str, tuple[Choice, ...]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_name = {f.name: f for f in self.fields}
        if not isinstance(self.raw, Mapping):
            self.errors["_form"] = tr("The inputs must be a JSON object of field names and values.")
            self.raw = {}
        self.raw = flatten(self.raw, self.fields)
        self.effective = effective_values(self.fields, self.raw)
        self._read: dict[str, Any] = {}
        self._notes: dict[str, dict[str, Any]] = {}

    def field(self, name: str) -> Field:
        return self._by_name[name]

    def applies(self, name: str) -> bool:
        return self._by_name[name].applies(self.effective)

    def allowed(self, f: Field) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices.get(f.name, f.choices))

    def get(self, name: str) -> Any:
        value = self._get(name)
        if value is not None and name not in self.errors:
            self._read[name] = value
        return value

    def _get(self, name: str) -> Any:
        f = self._by_name[name]
        if not f.applies(self.effective):
            return None
        raw = self.raw.get(name)
        if isinstance(raw, str) and not raw.strip() and f.default not in (None, "") and f.kind in (DECIMAL, INTEGER):
            # A box the user emptied is not a request for the default: say so rather than guess.
            self.errors.setdefault(name, tr("Enter a value (usually {value}).", value=quantity_text(f.default, f.unit)))
            return None
        if is_missing(raw) and f.kind not in (BOOLEAN, MULTICHOICE):
            raw = f.default
        if is_missing(raw) and f.kind not in (BOOLEAN, MULTICHOICE):
            if f.required:
                self.errors.setdefault(name, tr("Enter a value.") if f.kind != CHOICE else tr("Choose an option."))
            return None
        try:
            if f.kind == DECIMAL:
                return read_decimal(raw, f)
            if f.kind == INTEGER:
                return read_integer(raw, f)
            if f.kind == CHOICE:
                return read_choice(raw, f, self.allowed(f), self.choices.get(f.name, f.choices))
            if f.kind == MULTICHOICE:
                return read_multichoice(raw, f, self.allowed(f), self.choices.get(f.name, f.choices))
            if f.kind == BOOLEAN:
                return read_boolean(raw, f)
            if f.kind == YESNO:
                return read_yesno(raw, f)
            if f.kind == DATE:
                return read_date(raw, f)
        except InputError as e:
            self.errors.setdefault(name, str(e))
            return None
        raise ValueError(f"Field {name!r}: kind {f.kind!r} is read with rows()")

    def rows(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        """The rows of a ROWS field as (the row's number in its names, {column: raw value}), in order.

        A row is written `name.<n>.<column>`; numbers need not be consecutive (a row removed from the
        middle of the form leaves a gap), and errors are reported under the same names. A number at or
        above `MAX_ROW_NUMBER` is refused before any row is read.
        """
        f, prefix = self._by_name[name], name + "."
        found: dict[int, dict[str, Any]] = {}
        for key, value in self.raw.items():
            if not key.startswith(prefix):
                continue
            number_text, _, column = key[len(prefix):].partition(".")
            number = row_number(number_text)
            if number is None:
                continue  # not a row's name: refused by strict_errors
            if number >= MAX_ROW_NUMBER:
                self.error(name, row_limit_message(name, key))
                continue
            if not column:
                columns = ", ".join(tr(c.label).lower() for c in f.columns)
                self.error(name, tr("Row {row} is not a row of {columns}.", row=str(number + 1), columns=columns))
                continue
            found.setdefault(number, {})[column] = value
        return sorted(found.items())

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def note(self, name: str, label: str, text: str, value: Any) -> None:
        """A value worked out from the inputs (stock in mg from mL, days from a start date), shown with them in
        place of the field `name`, so the reader sees what the calculator used."""
        self._notes[name] = {"name": name, "label": tr(label), "text": text,
                             "value": dec(value) if isinstance(value, Decimal) else value}

    def unknown_names(self) -> list[str]:
        return sorted(k for k in self.raw if k not in self._by_name)

    def echo(self) -> list[dict[str, Any]]:
        """The inputs that were read, in form order, each with its label and its value as a reader sees it."""
        out = []
        for f in self.fields:
            if f.name in self._notes:
                out.append(self._notes[f.name])
            if f.name not in self._read or f.kind == ROWS or f.name in self._notes:
                continue
            value = self._read[f.name]
            labels = {c.value: c.label for c in self.choices.get(f.name, ())}
            text = f.value_text(value, labels)
            out.append({"name": f.name, "label": tr(f.label), "text": text,
                        "value": value if isinstance(value, (bool, int, str)) else
                        list(value) if isinstance(value, tuple) else dec(value) if isinstance(value, Decimal)
                        else str(value)})
        return out


MAX_ROW_NUMBER = 200  # rows are numbered from 0 in names such as cohort.0.dose_mg; a form has far fewer
MAX_UNKNOWN_SHOWN = 10  # unknown names reported one by one; the rest in one message
_ROW_NUMBER = re.compile(r"^(0|[1-9][0-9]{0,5})$")


def row_number(text: str) -> int | None:
    """The row number in a name such as cohort.12.dose_mg: ASCII digits, no leading zero; None otherwise."""
    return int(text) if _ROW_NUMBER.match(text) else None


def row_limit_message(rows: str, key: str) -> str:
    return tr("{name} names a row beyond the last one: rows are numbered 0 to {last} ({rows}.0.…, {rows}.1.…). "
              "Check the link or the input; nothing was worked out.", name=shown(key, 60),
              last=number_text(MAX_ROW_NUMBER - 1), rows=rows)


def _unknown_message(key: str, known: dict[str, str]) -> str:
    """`known`: the names that could be meant, each with its label."""
    guess = [n for n in known if n.casefold() == key.strip().casefold()]
    if not guess and len(key) <= 80:
        guess = difflib.get_close_matches(key.strip().casefold(), list(known), n=1, cutoff=0.75)
    if guess:
        return tr("This calculator has no input called {name}: did you mean “{guess}”? That is “{label}” on the "
                  "form. Nothing was worked out.", name=shown(key, 60), guess=guess[0], label=tr(known[guess[0]]))
    return tr("This calculator has no input called {name}: remove it or check its name. Nothing was worked out.",
              name=shown(key, 60))


def strict_errors(fields: tuple[Field, ...], raw: Mapping[str, Any]) -> tuple[dict[str, str], set[str]]:
    """Names in the inputs that no field declares: each an error, under the name itself (the page shows an
    error it has no place for at the top of the form), or under the table for a row number beyond
    `MAX_ROW_NUMBER`. Returns the errors and the flat names they concern.

    A declared field's name is never an error here, even when the field does not apply to the other inputs
    (a link may carry the value of a field the form hides): what applies is read, and checked, by `Reader`.
    A group's name given with something other than an object (`"criteria": [...]`) and a row that is not an
    object (`cohort.0`) are left to the calculator, which says what it expected.
    """
    by_name = {f.name: f for f in fields}
    groups = {f.name.split(".", 1)[0] for f in fields if "." in f.name}
    rows = {f.name: f for f in fields if f.kind == ROWS}
    flat = flatten(raw, fields)
    errors: dict[str, str] = {}
    bad: set[str] = set()
    unknown: list[str] = []
    for key in flat:
        if key in by_name or key in groups:
            continue
        head, _, rest = key.partition(".")
        if head in rows and rest:
            number_text, _, column = rest.partition(".")
            number = row_number(number_text)
            columns = {c.name: c.label for c in rows[head].columns}
            beyond = number_text.isascii() and number_text.isdigit() and number is None and len(number_text) > 6
            if beyond or (number is not None and number >= MAX_ROW_NUMBER):
                errors.setdefault(head, row_limit_message(head, key))
                bad.add(key)
                continue
            if number is not None and (not column or column in columns):
                continue
            if number is not None:
                known = {f"{head}.{number}.{c}": label for c, label in columns.items()}
                if len(unknown) < MAX_UNKNOWN_SHOWN:
                    errors[key] = _unknown_message(key, known)
                unknown.append(key)
                bad.add(key)
                continue
        if len(unknown) < MAX_UNKNOWN_SHOWN:
            known = {f.name: f.label for f in fields if f.kind != ROWS}
            known.update({f"{r}.0.{c.name}": c.label for r, f in rows.items() for c in f.columns})
            errors[key] = _unknown_message(key, known)
        unknown.append(key)
        bad.add(key)
    if len(unknown) > MAX_UNKNOWN_SHOWN:
        more = len(unknown) - MAX_UNKNOWN_SHOWN
        errors.setdefault("_form", tr_n("{n} more name is not an input of this calculator. Nothing was worked out.",
                                        "{n} more names are not inputs of this calculator. Nothing was worked out.",
                                        more, n=str(more)))
    return errors, bad


def dec(value: Decimal) -> str:
    """A decimal as the user should read it: no exponent, no trailing zeros."""
    if value == value.to_integral_value():
        # format, not quantize: quantize fails on values longer than the context's 28 digits
        return format(value.to_integral_value(), "f")
    return format(value.normalize(), "f")
