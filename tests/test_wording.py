"""Wording a person would use (issue #15): no "(s)", no "1 days", limits said as a person would say them,
absurd-value limits never shown as help, numbers with thousands separators and dates with their weekday.

Every calculator is run over its valid data files (rendered as the page and the printed sheets show them),
over the bad values of tests/fuzzcases.py (the messages beside the fields), and its form help is rendered
as the built page renders it.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest

import calculators
from calculators.fields import DECIMAL, INTEGER, Field, date_text, number_text, plural, quantity_text
from calculators.medicines import ABSURD_DOSE_MG
from tests.datafiles import calculator_data
from tests.fuzzcases import all_cases

DATA = Path(__file__).resolve().parent / "data"
CASES = sorted(p for p in DATA.glob("*/valid/*.json") if p.parent.parent.name in calculators.CALCULATORS)
CONTEXT = {"bibliography_url": "../bibliography.html", "version": "0.1.0+0123abc", "built": "2026-11-23",
           "today": "2026-11-24", "programme": "", "contacts": "", "naloxone": ""}

# Developer wording a reader should never meet.
BAD = [
    (re.compile(r"\(s\)"), "a plural written as (s)"),
    (re.compile(r"(?<![\d.,])1 (days|steps|weeks|patients|tablets|films|doses)\b"), "a singular with a plural noun"),
    (re.compile(r"\bat least 1 days\b"), "at least 1 days"),
    (re.compile(r"Python in your browser"), "developer wording"),
    (re.compile(r"(?<![\d.,])\d{5,}(?![\d.,]*\s*%)(?:\s*mg)"), "a large number without thousands separators"),
]


def text_of(html: str) -> str:
    """What a reader sees: tags and the CSV payloads left out."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def problems(text: str) -> list[str]:
    return [f"{why}: …{text[max(0, m.start() - 40):m.end() + 40]}…" for rx, why in BAD for m in rx.finditer(text)]


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_rendered_results_and_printed_sheets_read_as_a_person_writes(path):
    case = json.loads(path.read_text(encoding="utf-8"))
    name = path.parent.parent.name
    response = calculators.respond(name, case["inputs"], calculator_data(), CONTEXT)
    assert response["ok"], response["errors"]
    text = text_of(response["html"])
    assert problems(text) == []
    assert "0123abc" not in response["html"], "a build hash on a printed sheet"
    assert "OAMT handbook 0.1.0, built Mon 23 Nov 2026" in text  # version and date, small, at the foot


@pytest.mark.parametrize("case", all_cases(), ids=lambda c: c.id)
def test_messages_beside_fields_read_as_a_person_writes(case):
    out = calculators.run(case.calculator, case.inputs(), calculator_data())
    assert out["ok"] is False
    for field, message in out["errors"].items():
        assert problems(message) == [], (field, message)
        assert "1000000000" not in message and "36500" not in message, (field, message)


def _help_texts():
    from sitebuild.content import load
    from sitebuild.pages import form_fields

    content = load()
    for name in calculators.CALCULATORS:
        for ff in form_fields(name, content.site_data, f"calculators/{name}.md", content):
            for f in (ff, *ff.columns):
                # as form.html.j2 shows it: plain text, ending before the field's "Basis:" citation
                yield name, f.field, text_of((" " + str(f.help_html)).split(" Basis: ")[0])


HELP = list(_help_texts())


@pytest.mark.parametrize("name,field,text", HELP, ids=[f"{n}-{f.name}" for n, f, _ in HELP])
def test_help_text_gives_limits_as_a_person_would_and_never_an_absurd_one(name, field, text):
    assert problems(text) == []
    allowed = text.partition("Allowed:")[2]
    assert "at least" not in allowed and "at most" not in allowed, text  # "1 to 365 days", "up to 28 days"
    numbers = [Decimal(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]
    if field.unit == "mg":
        # Nothing above a dose a person could take: 1000 mg of methadone a day is already beyond it.
        assert all(n <= ABSURD_DOSE_MG["methadone"] for n in numbers), text
    assert all(n < 10_000 for n in numbers), text


def test_a_limit_that_only_catches_slips_is_a_message_not_help():
    f = Field("stock_mg", "Stock", DECIMAL, unit="mg", minimum=Decimal(0), maximum=Decimal(10**9),
              limit_message="That is more than any clinic or store holds; check the number and the unit.")
    assert f.bounds_text() == ""
    out = calculators.run("stock", {"medicine": "methadone", "stock_mg": "2000000000", "horizon_days": 7,
                                    "cohort": [{"dose_mg": "80", "patients": 1}]}, calculator_data())
    assert out["errors"]["stock_mg"] == "That is more than any clinic or store holds; check the number and the unit."
    out = calculators.run("taper", {"medicine": "methadone", "start_dose_mg": "5000"}, calculator_data())
    assert "more than any dose a person could take" in out["errors"]["start_dose_mg"]


def test_bounds_as_a_person_says_them():
    days = Field("d", "D", INTEGER, unit="days", minimum=Decimal(1), maximum=Decimal(365))
    assert days.bounds_text() == "1 to 365 days"
    assert Field("d", "D", INTEGER, unit="days", minimum=Decimal(0), maximum=Decimal(28)).bounds_text() == "up to 28 days"
    assert Field("m", "M", DECIMAL, unit="mg", minimum=Decimal(0), minimum_exclusive=True).bounds_text() == "more than 0 mg"
    assert Field("d", "D", INTEGER, unit="days", minimum=Decimal(1)).bounds_text() == "1 day or more"


def test_numbers_dates_and_plurals():
    assert number_text("100800") == "100,800" and number_text(Decimal("1234.50")) == "1,234.5"
    assert number_text("999") == "999" and number_text("-12000") == "-12,000" and number_text("0.4") == "0.4"
    assert plural(1, "days") == "1 day" and plural(2, "days") == "2 days" and plural(0, "days") == "0 days"
    assert quantity_text(1, "steps") == "1 step" and quantity_text(100800, "mg") == "100,800 mg"
    assert date_text("2026-12-01") == "Tue 1 Dec 2026"
