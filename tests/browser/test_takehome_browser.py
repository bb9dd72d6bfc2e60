"""Take-home eligibility in Chromium: every profile through the generated form,
the printable record, and the same answers as CPython."""

from __future__ import annotations

import json
import subprocess

import pytest

import calculators
from calculators.fields import plural
from calculators.takehome_view import outcome_text
from tests.datafiles import calculator_data

from tests.datafiles import data_files

from .support import fill_form, open_page, shown_errors, submit

VALID = data_files("takehome", "valid")
INVALID = data_files("takehome", "invalid")


@pytest.fixture(scope="module")
def takehome_page(browser, http_url):
    context, page, watch = open_page(browser, http_url + "calculators/takehome.html")
    yield page, watch
    context.close()


def outcome_in_page(page) -> str:
    return page.locator("[data-key-result] .calc-key-result__sentence").inner_text()


def test_every_profile_is_in_the_form(takehome_page):
    page, _ = takehome_page
    options = page.locator("select[name=profile] option").evaluate_all("os => os.map(o => o.value)")
    assert sorted(options) == sorted(p["id"] for p in calculator_data()["profiles"])


def field_names(inputs: dict, prefix: str = "") -> tuple[str, ...]:
    return tuple(sorted(n for k, v in inputs.items()
                        for n in (field_names(v, f"{prefix}{k}.") if isinstance(v, dict) else (prefix + k,))))


def cases_of_each_kind(data: dict) -> list[tuple]:
    """(file, inputs, CPython's answer) of the valid cases: the first of each kind, a kind being the profile, the
    answer's status, whether it caps the days and whether it lists unmet criteria, and the fields filled in.
    Every case is checked under CPython (test_takehome); through the form, each kind is enough, and the form
    is what this test is about."""
    kinds = {}
    for path in VALID:
        case = json.loads(path.read_text())
        expected = calculators.run("takehome", case["inputs"], data)
        if not expected["ok"]:
            continue
        r = expected["result"]
        kind = (case["inputs"]["profile"], r["status"], r["max_days"] is None, bool(r["unmet"]),
                field_names(case["inputs"]))
        kinds.setdefault(kind, (path, case["inputs"], expected))
    return list(kinds.values())


def test_browser_answers_equal_cpython(takehome_page):
    page, watch = takehome_page
    data = calculator_data()
    seen_profiles = set()
    chosen = cases_of_each_kind(data)
    for path, inputs, expected in chosen:
        fill_form(page, "takehome", inputs)
        submit(page, "takehome")
        errors = shown_errors(page, "takehome")
        assert not errors, f"{path.name}: {errors}"
        result = expected["result"]
        outcome = outcome_in_page(page)
        assert " ".join(outcome.split()) == outcome_text(result), path.name
        if result["status"] == "eligible":
            assert outcome.startswith("Eligible"), path.name
            if result["max_days"] is not None:
                assert f"up to {plural(result['max_days'], 'days')}" in outcome, path.name
        else:
            assert outcome.startswith("Not eligible"), path.name
        shown_unmet = page.locator(".calc-criteria td strong").count()
        assert shown_unmet == len(result["unmet"]), path.name
        seen_profiles.add(inputs["profile"])
    assert seen_profiles == {p["id"] for p in data["profiles"]}, "every profile goes through the form"
    assert watch.offsite == [] and watch.page_errors == [] and watch.console_errors == []


def test_bad_input_gives_field_messages_and_no_outcome(takehome_page):
    page, _ = takehome_page
    fill_form(page, "takehome", {"profile": "us-42cfr8-2024", "medicine": "methadone", "days_in_treatment": "-3"})
    submit(page, "takehome")
    errors = shown_errors(page, "takehome")
    assert "days_in_treatment" in errors
    assert any(k.startswith("criteria.") for k in errors), errors
    assert page.locator(".calc-outcome").count() == 0


def test_printable_record(takehome_page, tmp_path):
    page, _ = takehome_page
    case = json.loads(VALID[0].read_text())
    fill_form(page, "takehome", case["inputs"])
    submit(page, "takehome")
    page.evaluate("() => document.body.dataset.printing = 'record'")
    pdf = tmp_path / "record.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.evaluate("() => delete document.body.dataset.printing")
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    for words in ("Take-home assessment record", "Safeguards", "Basis", "Signature", "Policy profile"):
        assert words in text, words
    assert "Method in plain words" not in text and "Skip to content" not in text
