"""Results tied to their inputs (issue 13).

Once a result is on screen, any change to the form (typing, a choice, a row added or removed, Clear)
marks it out of date, visibly and for screen readers, and takes away its print buttons and download
links until the next calculation. Printed while out of date, the page carries the notice, not the sheet.
"""

from __future__ import annotations

import subprocess

import pytest

import calculators
from tests.datafiles import calculator_data

from .support import fill_form, open_page, result_facts, status_line, submit

NOTICE = "Out of date: the inputs changed. Calculate again."


@pytest.fixture(scope="module")
def taper_page(browser, http_url):
    context, page, watch = open_page(browser, http_url + "calculators/taper.html")
    yield page, watch
    context.close()


def assert_current(facts: dict) -> None:
    assert facts["shown"] and not facts["stale"] and facts["notice"] == "", facts
    assert facts["prints"] and all(not p["disabled"] and p["aria"] is None for p in facts["prints"]), facts
    assert facts["downloads"] and all((d["href"] or "").startswith("blob:") and d["aria"] is None
                                      for d in facts["downloads"]), facts


def assert_out_of_date(page, calculator: str) -> None:
    facts = result_facts(page, calculator)
    assert facts["shown"] and facts["stale"], facts
    assert facts["notice"] == NOTICE, facts  # seen, at the top of the result
    assert NOTICE in facts["described"], facts  # and the result region is described by it
    assert page.locator(f"#result-{calculator} > *").first.get_attribute("class") == "calc-stale-notice"
    assert all(p["disabled"] and p["aria"] == "true" for p in facts["prints"]), facts
    assert all(d["href"] is None and d["aria"] == "true" for d in facts["downloads"]), facts
    state, text = status_line(page, calculator)  # the role=status line, announced by screen readers
    assert state == "stale", (state, text)
    assert "Result ready" not in text and "out of date" in text, text


def summary(page) -> str:
    return page.locator("#result-taper .calc-summary").inner_text()


def total(dose: str) -> str:
    return calculators.run("taper", {"medicine": "methadone", "start_dose_mg": dose}, calculator_data())[
        "result"]["total_mg"]


def test_typing_marks_the_result_out_of_date_and_recalculating_clears_it(taper_page, tmp_path):
    page, watch = taper_page
    fill_form(page, "taper", {"medicine": "methadone", "start_dose_mg": "80"})
    submit(page, "taper")
    assert_current(result_facts(page, "taper"))
    assert f"{total('80')} mg in total" in summary(page)

    page.locator('input[name="start_dose_mg"]').fill("40")
    assert_out_of_date(page, "taper")

    # The download link cannot be followed and the print button cannot be pressed.
    assert page.get_by_role("link", name="Download CSV").count() == 0
    assert page.locator("#result-taper [data-print]").first.is_disabled()

    # The browser's own print of the page: the notice, never the out-of-date sheet as if valid.
    pdf = tmp_path / "stale.pdf"
    page.pdf(path=str(pdf), format="A4")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Out of date" in text and "No result is printed" in text
    assert "Taper schedule" not in text and "Signature" not in text

    # Calculate again: the new result, current, with printing and downloading back.
    submit(page, "taper")
    assert_current(result_facts(page, "taper"))
    assert status_line(page, "taper") == ("done", "Result ready below.")
    assert f"{total('40')} mg in total" in summary(page)
    assert page.get_by_role("link", name="Download CSV").count() == 1
    assert watch.page_errors == [] and watch.console_errors == [] and watch.offsite == []


def test_a_choice_marks_it_out_of_date(taper_page):
    page, watch = taper_page
    fill_form(page, "taper", {"medicine": "methadone", "start_dose_mg": "60"})
    submit(page, "taper")
    assert_current(result_facts(page, "taper"))
    page.locator('select[name="mode"]').select_option("linear")
    assert_out_of_date(page, "taper")
    # Typing more changes nothing further: one notice.
    page.locator('input[name="start_dose_mg"]').fill("50")
    assert page.locator("#result-taper .calc-stale-notice").count() == 1
    assert watch.page_errors == []


def test_clear_leaves_no_result_and_no_ready_status(taper_page):
    page, watch = taper_page
    fill_form(page, "taper", {"medicine": "methadone", "start_dose_mg": "60"})
    submit(page, "taper")
    page.locator('form[data-calculator="taper"] button[type=reset]').click()
    page.wait_for_function("() => document.getElementById('result-taper').hidden")
    assert not result_facts(page, "taper")["shown"]
    state, text = status_line(page, "taper")
    assert "Result ready" not in text, text
    assert watch.page_errors == []


def test_an_answer_that_arrives_after_a_change_is_marked_at_once(taper_page):
    page, _ = taper_page
    fill_form(page, "taper", {"medicine": "methadone", "start_dose_mg": "70"})
    # Press Calculate and change the dose in the same task, before Python can answer.
    page.evaluate("""() => {
        const form = document.querySelector('form[data-calculator="taper"]');
        form.querySelector("[data-calculator-status]").dataset.state = "submitted";
        form.requestSubmit();
        const dose = form.querySelector('input[name="start_dose_mg"]');
        dose.value = "30";
        dose.dispatchEvent(new Event("input", {bubbles: true}));
    }""")
    page.wait_for_function("() => document.getElementById('result-taper').dataset.stale === 'true'",
                           timeout=60_000)
    assert_out_of_date(page, "taper")


def test_rows_added_or_removed_mark_it_out_of_date(browser, http_url):
    context, page, watch = open_page(browser, http_url + "calculators/stock.html")
    try:
        form = page.locator('form[data-calculator="stock"]')
        form.locator("input[name=stock_mg]").fill("10000")
        form.locator("input[name=horizon_days]").fill("30")
        form.locator("input[name='cohort.0.dose_mg']").fill("80")
        form.locator("input[name='cohort.0.patients']").fill("2")
        submit(page, "stock")
        assert result_facts(page, "stock")["shown"]
        assert not result_facts(page, "stock")["stale"]

        form.get_by_role("button", name="Add a row").click()
        assert_out_of_date(page, "stock")

        form.locator("input[name='cohort.1.dose_mg']").fill("60")
        form.locator("input[name='cohort.1.patients']").fill("1")
        submit(page, "stock")
        assert not result_facts(page, "stock")["stale"]
        assert status_line(page, "stock") == ("done", "Result ready below.")

        form.locator("[data-remove-row]").last.click()
        assert_out_of_date(page, "stock")

        # A ticked box is a change too.
        submit(page, "stock")
        assert not result_facts(page, "stock")["stale"]
        form.locator("input[name='cohort.0.protected']").check()
        assert_out_of_date(page, "stock")
        assert watch.page_errors == [] and watch.console_errors == []
    finally:
        context.close()
