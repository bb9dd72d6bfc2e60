"""Calculator pages answer first (issue #15), on a phone (360×740) and a laptop (1280×800).

After Calculate, focus is inside the result and the result opens with its key-result card; the page's
explanation ("When to use it", "Pitfalls", "Evidence") is in collapsible sections below the form; field
help has no link, so Tab goes from one field to the next; stock counted in mL or tablets and time in
treatment given as a start date give the mg and the days, and bad values a message beside the field.
On paper: the taper's clinician sheet for 30 days on one A4 or Letter page, with lines for the patient
and the prescriber, and the stock plan on at most two pages, with no build hash.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.datafiles import DATA, load_case

from .support import fill_form, open_page, shown_errors, submit
from .test_stock_browser import enter as enter_stock

SIZES = {"phone": (360, 740), "laptop": (1280, 800)}
CASES = {
    "taper": {"medicine": "methadone", "start_dose_mg": "60", "percent": "5", "stop_dose_mg": "13",
              "start_date": "2026-12-01"},  # 30 days of schedule
    "stock": load_case(DATA / "stock" / "valid" / "methadone-taper-fits.json")["inputs"],
    "takehome": load_case(DATA / "takehome" / "valid" / "who-2025-disruption-programme-30.json")["inputs"],
}
FOCUS = """name => {
  const box = document.getElementById('result-' + name), active = document.activeElement;
  const first = box.firstElementChild;
  const rect = active.getBoundingClientRect();
  return {inside: box.contains(active), first: first && first.matches('[data-key-result]'),
          visible: rect.top >= 0 && rect.top < innerHeight, overflow: document.documentElement.scrollWidth - innerWidth};
}"""


def pages_of(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def pdf_text(pdf) -> str:
    return " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def enter(page, name: str, inputs: dict) -> None:
    enter_stock(page, inputs) if name == "stock" else fill_form(page, name, inputs)


@pytest.fixture(scope="module", params=list(SIZES))
def size(request):
    return request.param


@pytest.mark.parametrize("name", list(CASES))
def test_after_calculate_the_answer_comes_first_and_has_focus(browser, http_url, size, name):
    width, height = SIZES[size]
    context, page, watch = open_page(browser, http_url + f"calculators/{name}.html")
    page.set_viewport_size({"width": width, "height": height})
    enter(page, name, CASES[name])
    submit(page, name)
    facts = page.evaluate(FOCUS, name)
    assert facts["inside"], "focus is not in the result"
    assert facts["first"], "the result does not open with its key-result card"
    assert facts["visible"], "the focused answer is not on screen"
    card = page.locator(f"#result-{name} [data-key-result]")
    assert card.inner_text().strip()
    # Warnings shown with every result are grouped in one collapsed section.
    standing = page.locator(f"#result-{name} details.calc-standing-warnings")
    assert standing.count() <= 1 and all(not d.get_attribute("open") for d in standing.all())
    context.close()
    assert watch.page_errors == []  # (console 404s for a language switcher's sitemap are not this test's)


@pytest.mark.parametrize("name", list(CASES))
def test_the_form_comes_first_and_the_explanation_is_collapsed(browser, http_url, size, name):
    width, height = SIZES[size]
    context, page, _ = open_page(browser, http_url + f"calculators/{name}.html")
    page.set_viewport_size({"width": width, "height": height})
    order = page.evaluate("""() => [...document.querySelector('.md-content__inner').children]
        .map(e => e.matches('form.calc-form') ? 'form' : e.matches('details.calc-about') ? 'details' : '')
        .filter(Boolean)""")
    assert order[0] == "form" and order.count("details") >= 3, order
    titles = page.locator("details.calc-about > summary").all_inner_texts()
    assert any(t.startswith("When to use") for t in titles), titles
    assert any("Pitfalls" in t for t in titles) and any(t.startswith("Evidence") for t in titles), titles
    assert all(not d.get_attribute("open") for d in page.locator("details.calc-about").all())
    # Help has no link: no Tab stop between one field and the next.
    assert page.locator("form.calc-form .calc-help a").count() == 0
    assert "Basis:" not in page.locator("form.calc-form").inner_text()
    assert "Python" not in page.locator("form.calc-form").inner_text()
    first = page.locator("form.calc-form input[type=text]:visible, form.calc-form select:visible").first
    first.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('input, select, button')"), \
        page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
    context.close()


def test_stock_in_ml_and_in_tablets_gives_the_mg(browser, http_url):
    context, page, _ = open_page(browser, http_url + "calculators/stock.html")
    base = {"medicine": "methadone", "horizon_days": "7", "cohort": [{"dose_mg": "80", "patients": "3"}]}
    enter_stock(page, {**base, "stock_unit": "ml", "stock_liquid": "methadone-concentrate-10", "stock_ml": "250"})
    submit(page, "stock")
    assert "2,500 mg (250 mL × 10 mg/mL)" in page.locator("#result-stock .calc-inputs").text_content()
    enter_stock(page, {**base, "stock_unit": "tablets", "stock_tablet": "methadone-tablets-5/5", "stock_count": "300"})
    submit(page, "stock")
    assert "1,500 mg (300 × 5 mg tablet)" in page.locator("#result-stock .calc-inputs").text_content()
    for bad, message in (("-5", "cannot be negative"), ("lots", "Enter a number")):
        enter_stock(page, {**base, "stock_unit": "ml", "stock_liquid": "methadone-concentrate-10", "stock_ml": bad})
        submit(page, "stock")
        assert message in shown_errors(page, "stock").get("stock_ml", "")
        assert page.locator("#result-stock").is_hidden()
    context.close()


def test_takehome_from_a_start_date_counts_the_days_to_todays_date(browser, http_url):
    context, page, _ = open_page(browser, http_url + "calculators/takehome.html")
    inputs = {k: v for k, v in CASES["takehome"].items() if k != "days_in_treatment"}
    fill_form(page, "takehome", {**inputs, "time_as": "start"})
    form = page.locator('form[data-calculator="takehome"]')
    today = form.locator("input[name=today]")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", today.input_value()), "today's date is not filled in and shown"
    form.locator("input[name=start_date]").fill("2026-08-23")
    today.fill("2026-12-01")
    submit(page, "takehome")
    assert "100 days (from Sun 23 Aug 2026 to Tue 1 Dec 2026)" in page.locator("#result-takehome").text_content()
    form.locator("input[name=start_date]").fill("2027-01-05")
    submit(page, "takehome")
    assert "after today's date" in shown_errors(page, "takehome").get("start_date", "")
    assert page.locator("#result-takehome").is_hidden()
    context.close()


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_clinician_sheet_for_30_days_fits_one_page(browser, http_url, tmp_path, paper):
    context, page, _ = open_page(browser, http_url + "calculators/taper.html")
    fill_form(page, "taper", CASES["taper"])
    submit(page, "taper")
    assert page.locator(".calc-schedule-screen tbody tr").count() == 30
    page.evaluate("() => document.body.dataset.printing = 'clinician'")
    pdf = tmp_path / "sheet.pdf"
    page.pdf(path=str(pdf), format=paper, print_background=True)
    context.close()
    assert pages_of(pdf) == 1
    text = pdf_text(pdf)
    assert "Patient name or number" in text and "Prescriber" in text and "Signature" in text
    assert "Tue 30 Dec 2026" not in text or "Wed 30 Dec 2026" in text  # weekdays are right
    assert "Wed 30 Dec 2026" in text and "OAMT handbook" in text
    assert not re.search(r"\+[0-9a-f]{7}", text), "a build hash on paper"


@pytest.mark.parametrize("horizon", ["30", "365"])
def test_the_stock_plan_prints_on_at_most_two_pages(browser, http_url, tmp_path, horizon):
    context, page, _ = open_page(browser, http_url + "calculators/stock.html")
    enter_stock(page, {"medicine": "methadone", "stock_mg": "100800", "horizon_days": horizon, "cohort": [
        {"dose_mg": "80", "patients": "50"}, {"dose_mg": "60", "patients": "10", "protected": True},
        {"dose_mg": "40", "patients": "12"}, {"dose_mg": "100", "patients": "4"}]})
    submit(page, "stock")
    page.evaluate("() => document.body.dataset.printing = 'plan'")
    pdf = tmp_path / "plan.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    context.close()
    assert pages_of(pdf) <= 2
    text = pdf_text(pdf)
    assert "100,800 mg" in text and not re.search(r"\+[0-9a-f]{7}", text)
