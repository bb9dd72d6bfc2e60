"""The stock planner in Chromium: cohort rows entered by hand give CPython's plan."""

from __future__ import annotations

import json

import calculators
from calculators.fields import number_text
from tests.datafiles import calculator_data

from tests.datafiles import data_files

from .support import open_page, submit

VALID = data_files("stock", "valid")


def enter(page, inputs: dict) -> None:
    form = page.locator('form[data-calculator="stock"]')
    form.locator("button[type=reset]").click()
    while form.locator("[data-remove-row]").count() > 1:
        form.locator("[data-remove-row]").last.click()
    for name in ("medicine", "stock_unit", "stock_liquid", "stock_tablet"):  # choices first: they show fields
        if name in inputs:
            form.locator(f"select[name={name}]").select_option(inputs[name])
    for name in ("stock_mg", "stock_ml", "stock_count", "safety_stock_mg", "horizon_days", "floor_mg", "step_mg"):
        if name in inputs:
            form.locator(f"input[name={name}]").fill(str(inputs[name]))
    for i, row in enumerate(inputs["cohort"]):
        if i:
            form.get_by_role("button", name="Add a row").click()
        form.locator(f"input[name='cohort.{i}.dose_mg']").fill(str(row["dose_mg"]))
        form.locator(f"input[name='cohort.{i}.patients']").fill(str(row["patients"]))
        box = form.locator(f"input[name='cohort.{i}.protected']")
        box.check() if row.get("protected") else box.uncheck()


def test_stock_plans_equal_cpython(browser, http_url):
    assert VALID, "no stock data files found"
    context, page, watch = open_page(browser, http_url + "calculators/stock.html")
    data = calculator_data()
    for path in VALID:
        case = json.loads(path.read_text())
        enter(page, case["inputs"])
        submit(page, "stock")
        expected = calculators.run("stock", case["inputs"], data)["result"]
        summary = page.locator(".calc-summary").text_content()
        if expected["reaches_resupply"]:
            assert "no change" in summary.lower(), path.name
        elif expected["feasible"]:
            assert f"({expected['percent']} %)" in summary, path.name  # the option shown first
        else:
            assert f"{number_text(expected['shortfall_mg'])} mg" in summary, path.name
        remaining = page.locator(".calc-days:not(.calc-schedule-print) tbody tr td:nth-child(3)").all_text_contents()
        assert remaining == [number_text(v) for v in expected["stock_remaining_mg"]], path.name
        assert page.locator("svg.calc-chart").count() == 1
        assert "Planning figure, not a prescription" in page.locator("#result-stock").inner_text()
    context.close()
    assert watch.offsite == [] and watch.page_errors == [] and watch.console_errors == []
