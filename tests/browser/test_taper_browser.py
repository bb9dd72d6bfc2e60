"""The taper calculator in real Chromium, served over http and opened from disk.

Pyodide boots once per page (about 3 s here), so each way of opening the site
gets one page, and every case runs on it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import calculators
from calculators.fields import number_text
from tests.datafiles import calculator_data

from tests.datafiles import data_files

from .support import fill_form, open_page, shown_errors, submit

VALID = data_files("taper", "valid")
INVALID = data_files("taper", "invalid")


@pytest.fixture(scope="module", params=["http", "file"])
def taper_page(request, browser, http_url, file_url):
    base = http_url if request.param == "http" else file_url
    context, page, watch = open_page(browser, base + "calculators/taper.html")
    yield page, watch
    context.close()


def schedule_in_page(page) -> list[str]:
    """The doses of the schedule as the screen shows it (the printed copy may put the days in two columns)."""
    table = ".calc-schedule-screen"
    return page.locator(f"{table} tbody tr td:nth-child(2)").all_inner_texts() if not page.locator(
        f"{table} thead th", has_text="Date").count() else page.locator(
        f"{table} tbody tr td:nth-child(3)").all_inner_texts()


def test_the_data_files_exist():
    assert VALID and INVALID, "no taper data files found"


def test_browser_schedules_equal_cpython(taper_page):
    page, watch = taper_page
    data = calculator_data()
    for path in VALID:
        case = json.loads(path.read_text())
        fill_form(page, "taper", case["inputs"])
        submit(page, "taper")
        expected = calculators.run("taper", case["inputs"], data)
        assert expected["ok"], path.name
        doses = [number_text(d["dose_mg"]) for d in expected["result"]["schedule"]]
        assert schedule_in_page(page) == doses, path.name
        summary = page.locator(".calc-summary").text_content()
        assert f"{number_text(expected['result']['total_mg'])} mg in total" in summary, path.name
    assert watch.offsite == [], "requests left the site's origin"
    assert watch.page_errors == [] and watch.console_errors == []


def test_bad_input_shows_the_field_message_and_no_schedule(taper_page):
    page, watch = taper_page
    for path in INVALID:
        case = json.loads(path.read_text())
        fill_form(page, "taper", case["inputs"])
        submit(page, "taper")
        errors = shown_errors(page, "taper")
        for field, message in case["errors"].items():
            assert message in errors.get(field, ""), f"{path.name}: {field}: {errors}"
        assert page.locator("#result-taper").is_hidden(), path.name
        assert page.locator(".calc-schedule").count() == 0, path.name
    assert watch.offsite == []
    assert watch.page_errors == [] and watch.console_errors == []


def test_the_worked_example_reads_as_in_the_issue(taper_page):
    page, _ = taper_page
    fill_form(page, "taper", {"medicine": "methadone", "start_dose_mg": "80", "percent": "10", "stop_dose_mg": "5"})
    submit(page, "taper")
    assert schedule_in_page(page)[:6] == ["72", "65", "58", "52", "47", "43"]  # issue 12's curve
    assert "26 days, 672 mg in total" in page.locator(".calc-summary").text_content()
    assert page.locator("[data-calculator-status]").inner_text() == "Result ready below."


def test_no_other_page_loads_pyodide(browser, http_url):
    context, page, watch = open_page(browser, http_url + "index.html")
    page.wait_for_load_state("networkidle")
    context.close()
    assert not [u for u in watch.requests if "/assets/pyodide/" in u]


def test_link_csv_and_clinician_sheet(taper_page, tmp_path):
    page, watch = taper_page
    inputs = {"medicine": "methadone", "start_dose_mg": "60", "percent": "25", "stop_dose_mg": "0"}
    fill_form(page, "taper", inputs)
    submit(page, "taper")
    expected = calculators.run("taper", inputs, calculator_data())["result"]

    # The link carries the inputs in its fragment (never sent to a server) and restores the form.
    link = page.url
    assert "#" in link and "start_dose_mg=60" in link.split("#", 1)[1]
    second = page.context.new_page()
    second.goto(link)
    second.wait_for_selector(".calc-schedule-screen", timeout=60_000)
    assert schedule_in_page(second) == [d["dose_mg"] for d in expected["schedule"]]
    assert second.get_by_label("Current daily dose", exact=False).first.input_value() == "60"
    second.close()

    # CSV: the same schedule, one row a day.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    csv_text = Path(info.value.path()).read_text(encoding="utf-8")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("Day,")
    assert [ln.split(",")[1] for ln in lines[1:]] == [d["dose_mg"] for d in expected["schedule"]]

    # The clinician sheet prints the result only: no navigation, no form, no method section.
    page.evaluate("() => document.body.dataset.printing = 'clinician'")
    pdf = tmp_path / "sheet.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.evaluate("() => delete document.body.dataset.printing")
    import subprocess

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Taper schedule" in text and "Signature" in text
    assert "Method in plain words" not in text and "Skip to content" not in text and "Calculate" not in text
    assert "Your methadone plan" not in text

    # The patient handout: plain words, the doses, naloxone; not the clinician's basis.
    page.evaluate("() => document.body.dataset.printing = 'patient'")
    handout = tmp_path / "handout.pdf"
    page.pdf(path=str(handout), format="A4", print_background=True)
    page.evaluate("() => delete document.body.dataset.printing")
    text = subprocess.run(["pdftotext", "-layout", str(handout), "-"], capture_output=True, text=True).stdout
    assert "Your methadone plan" in text and "naloxone" in text and "45 mg" in text
    assert "Basis" not in text and "Taper schedule" not in text
    assert watch.offsite == []
