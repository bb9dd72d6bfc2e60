"""How a typed number is read, in the reader's language (calculators/fields.py, read_decimal).

- Where the language writes decimals with a comma (French, Russian, Ukrainian), 7,5 is 7.5: every valid case
  gives the same result with its decimals typed with a comma, and what a result shows can be typed back.
- English (and Arabic, which writes a point) still refuses 7,5 and says to use a point.
- A figure that is a thousand times apart in the two conventions (1,500; 12.500 where the comma is the mark) is
  asked again, naming both readings, never guessed; digits grouped by thousands are refused with the number
  written plainly.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import calculators
from calculators.fields import DECIMAL, Field, InputError, number_text, read_decimal
from calculators.messages import speaking
from tests.datafiles import calculator_data, data_files, load_case

COMMA_LANGS = ("fr", "ru", "uk")
POINT_LANGS = ("en", "ar")
CONTEXT = {"today": "2026-11-30", "version": "test", "built": "2026-11-30"}
DOSE = Field("dose", "Dose", DECIMAL, unit="mg", minimum=Decimal(0), maximum=Decimal(100000))
VALID = [(name, path) for name in sorted(calculators.CALCULATORS) for path in data_files(name, "valid")]
POINT_NUMBER = re.compile(r"^[+-]?\d+\.\d+$")
AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")


def language(lang: str):
    return calculator_data()["messages"].get(lang)


def read(text: str, lang: str) -> Decimal:
    with speaking(language(lang)):
        return read_decimal(text, DOSE)


def refusal(text: str, lang: str) -> str:
    with speaking(language(lang)):
        with pytest.raises(InputError) as raised:
            read_decimal(text, DOSE)
    return str(raised.value)


def with_commas(value):
    """The inputs with every decimal typed the comma way (7.5 → "7,5"); the figures that would be asked again
    (1.500) are left as they are. Returns (inputs, how many were changed)."""
    if isinstance(value, dict):
        pairs = {k: with_commas(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, sum(n for _, n in pairs.values())
    if isinstance(value, list):
        pairs = [with_commas(v) for v in value]
        return [v for v, _ in pairs], sum(n for _, n in pairs)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str) and POINT_NUMBER.match(value.strip()) and not AMBIGUOUS.match(value.strip()):
        return value.replace(".", ","), 1
    return value, 0


@pytest.mark.parametrize("lang", COMMA_LANGS)
@pytest.mark.parametrize("name,path", VALID, ids=[f"{n}-{p.stem}" for n, p in VALID])
def test_decimals_typed_with_a_comma_give_the_same_result(name, path, lang):
    inputs = load_case(path)["inputs"]
    typed, changed = with_commas(inputs)
    if not changed:
        return  # no decimal in this case
    data, context = calculator_data(), {**CONTEXT, "lang": lang}
    as_given = calculators.respond(name, inputs, data, context)
    with_comma = calculators.respond(name, typed, data, context)
    assert with_comma["ok"] == as_given["ok"] and with_comma["errors"] == as_given["errors"]
    assert with_comma["result"] == as_given["result"]


@pytest.mark.parametrize("lang", POINT_LANGS)
def test_where_the_mark_is_a_point_a_comma_is_refused_with_the_point_shown(lang):
    assert read("7.5", lang) == Decimal("7.5")
    message = refusal("7,5", lang)
    assert "7.5" in message
    out = calculators.respond("taper", {"medicine": "methadone", "start_dose_mg": "7,5"}, calculator_data(),
                              {**CONTEXT, "lang": lang})
    assert out["ok"] is False and out["result"] is None and "start_dose_mg" in out["errors"]


@pytest.mark.parametrize("lang", COMMA_LANGS)
@pytest.mark.parametrize("typed,value", [("7,5", "7.5"), ("0,4", "0.4"), (",5", "0.5"), ("62,50", "62.5"),
                                         ("0,125", "0.125"), ("7.5", "7.5"), ("1500", "1500"), (" 2,5 ", "2.5")])
def test_where_the_mark_is_a_comma_it_reads_as_the_decimal_mark(lang, typed, value):
    assert read(typed, lang) == Decimal(value)


@pytest.mark.parametrize("lang,typed", [(lang, t) for lang in COMMA_LANGS for t in ("1,500", "12.500", "100,000",
                                                                                   "-2,000")]
                         + [(lang, t) for lang in POINT_LANGS for t in ("1,500", "100,000")])
def test_a_thousand_times_apart_is_asked_again_never_guessed(lang, typed):
    message = refusal(typed, lang)
    thousands = re.sub(r"[^\d]", "", typed)
    with speaking(language(lang)):
        decimal = number_text(Decimal(re.sub(r"[.,]", ".", typed)))
    assert thousands in message and decimal.lstrip("-") in message, message


@pytest.mark.parametrize("lang", COMMA_LANGS + POINT_LANGS)
@pytest.mark.parametrize("typed", ["1 500", "1\u202f500", "12\u00a0500", "1,000,000", "1.000.000"])
def test_digits_grouped_by_thousands_are_refused_with_the_plain_number(lang, typed):
    assert re.sub(r"[^\d]", "", typed) in refusal(typed, lang)


@pytest.mark.parametrize("lang", COMMA_LANGS + POINT_LANGS)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2))
def test_a_number_as_a_result_shows_it_is_read_back_as_the_same_number(lang, value):
    """What a result shows (a dose, a percentage) can be typed back into the form in that language."""
    with speaking(language(lang)):
        shown = number_text(value)
    assert read(shown, lang) == value
