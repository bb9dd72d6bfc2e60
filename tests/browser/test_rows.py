"""Row limits before any DOM work; form handling linear in the number of rows (issue 13).

`stock.html#cohort.1500.dose_mg=80` used to block the tab for about 70 s (rows added one by one,
each addition renumbering every row). The limit is now checked before any row is added, and rows are
added in one go and numbered once.
"""

from __future__ import annotations

import time

from .support import open_page, result_facts, shown_errors, status_line, wait_for_answer

LIMIT = 50  # calculators/stock.py MAX_ROWS


def rows(page) -> int:
    return page.locator('table[data-rows="cohort"] tbody tr').count()


# Every row's names, ids, label targets, descriptions, error slots and visible numbers, in one round trip.
ROW_FACTS = """() => [...document.querySelectorAll('table[data-rows="cohort"] tbody tr')].map((row, i) => ({
    names: [...row.querySelectorAll('[name]')].map(e => e.name),
    ids: [...row.querySelectorAll('[id]')].map(e => e.id),
    fors: [...row.querySelectorAll('label[for]')].map(e => e.htmlFor),
    described: [...row.querySelectorAll('[aria-describedby]')].map(e => e.getAttribute('aria-describedby')),
    errors: [...row.querySelectorAll('[data-error-for]')].map(e => e.dataset.errorFor),
    numbers: [...row.querySelectorAll('[data-row-number]')].map(e => e.textContent),
}))"""


def assert_numbered(page) -> None:
    """Row i's controls are cohort.i.*, ids cohort-i-*, labels point at them, and it reads as row i + 1."""
    facts = page.evaluate(ROW_FACTS)
    ids = set()
    for i, row in enumerate(facts):
        assert row["names"] and all(n.startswith(f"cohort.{i}.") for n in row["names"]), (i, row)
        assert all(e.startswith(f"cohort.{i}.") for e in row["errors"]), (i, row)
        assert all(x.startswith(f"cohort-{i}-") for x in row["ids"]), (i, row)
        assert set(row["fors"]) <= set(row["ids"]), (i, row)
        assert all(d in row["ids"] for d in " ".join(row["described"]).split()), (i, row)
        assert row["numbers"] and set(row["numbers"]) == {str(i + 1)}, (i, row)
        ids.update(row["ids"])
    assert len(ids) == sum(len(r["ids"]) for r in facts), "an id is used twice"


def test_a_link_asking_for_1501_rows_answers_at_once_with_the_limit(browser, http_url):
    started = time.monotonic()
    context, page, watch = open_page(browser, http_url + "calculators/stock.html#cohort.1500.dose_mg=80")
    try:
        state = wait_for_answer(page, "stock", timeout=10_000)
        assert time.monotonic() - started < 10, "the page took too long to refuse the link"
        assert state == "invalid"
        errors = shown_errors(page, "stock")
        assert f"at most {LIMIT} rows" in errors.get("cohort", ""), errors
        assert rows(page) <= LIMIT
        assert not result_facts(page, "stock")["shown"]
        assert "no result is shown" in status_line(page, "stock")[1]
        # Still responsive: a script round trip and a keystroke in a field come back at once.
        started = time.monotonic()
        page.evaluate("() => 1 + 1")
        page.locator("input[name=stock_mg]").fill("1000")
        assert time.monotonic() - started < 2
        assert watch.page_errors == []
    finally:
        context.close()


def test_a_link_with_one_row_too_many_adds_none(browser, http_url):
    context, page, watch = open_page(browser, http_url + "calculators/stock.html#cohort.50.dose_mg=80&stock_mg=100")
    try:
        assert wait_for_answer(page, "stock", timeout=10_000) == "invalid"
        assert f"at most {LIMIT} rows" in shown_errors(page, "stock").get("cohort", "")
        assert rows(page) == 1
        # What the form can show of the link is shown.
        assert page.locator("input[name=stock_mg]").input_value() == "100"
    finally:
        context.close()


def test_a_link_with_the_most_rows_opens_them_numbered(browser, http_url):
    last = LIMIT - 1
    fragment = f"stock_mg=100000&horizon_days=30&cohort.{last}.dose_mg=80&cohort.{last}.patients=2"
    context, page, watch = open_page(browser, http_url + "calculators/stock.html#" + fragment)
    try:
        wait_for_answer(page, "stock", timeout=60_000)
        assert rows(page) == LIMIT
        assert "at most" not in shown_errors(page, "stock").get("cohort", "")
        assert page.locator(f"input[name='cohort.{last}.dose_mg']").input_value() == "80"
        assert_numbered(page)
        # The row-number labels name the row: "Dose (row 50)".
        label = page.locator(f"label[for='cohort-{last}-dose_mg']").inner_text()
        assert f"(row {LIMIT})" in label, label

        # At the limit, "Add a row" says so and adds none.
        page.get_by_role("button", name="Add a row").click()
        assert rows(page) == LIMIT
        assert f"at most {LIMIT} rows" in shown_errors(page, "stock").get("cohort", "")

        # Removing a row in the middle renumbers the rows after it, and only the names move.
        page.locator(f"input[name='cohort.10.dose_mg']").fill("10")
        page.locator(f"input[name='cohort.11.dose_mg']").fill("11")
        started = time.monotonic()
        page.locator("[data-remove-row]").nth(10).click()
        assert time.monotonic() - started < 2
        assert rows(page) == LIMIT - 1
        assert page.locator("input[name='cohort.10.dose_mg']").input_value() == "11"
        assert page.locator(f"input[name='cohort.{last - 1}.dose_mg']").input_value() == "80"
        assert page.locator(f"input[name='cohort.{last}.dose_mg']").count() == 0
        assert_numbered(page)

        # And adding one after that gives the next number.
        page.get_by_role("button", name="Add a row").click()
        assert rows(page) == LIMIT
        assert_numbered(page)
        assert watch.page_errors == []
    finally:
        context.close()
