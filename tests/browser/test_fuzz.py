"""Bad inputs through the real form of every calculator, over http.

The cases come from tests/fuzzcases.py: every number field each calculator
declares (row cells included) gets text, huge numbers, a negative, pasted
units, NaN, Infinity, a decimal comma, a decimal where a whole number is
needed, and empty where the field must be filled in. Each must show a message
at that field, render no result, and cause no console error, page error or
request off the site. CPython's answer to the same cases is checked in
tests/test_fuzzcases.py.

Pyodide boots once per calculator page and every case runs on it. The form is
cleared and filled with valid base inputs, which must give a result; then each
bad value is typed into its field and Calculate pressed. Before the next field
the value is set back, and the same form must give a result again with no
message left.
"""

from __future__ import annotations

import json
from itertools import groupby

import pytest

from calculators import CALCULATORS
from calculators.fields import ROWS

from tests.fuzzcases import Case, cases, declared_fields

from .support import fill_form, open_page, shown_errors, submit


def enter(page, calculator: str, inputs: dict) -> None:
    """Fill the form as a person would: the labelled fields, then the rows of any table field."""
    rows = {f.name for f in declared_fields(calculator) if f.kind == ROWS}
    fill_form(page, calculator, {k: v for k, v in inputs.items() if k not in rows})  # clears the form first
    form = page.locator(f'form[data-calculator="{calculator}"]')
    for name in rows:
        table = form.locator(f'[data-rows="{name}"]')
        while table.locator("[data-remove-row]").count() > 1:
            table.locator("[data-remove-row]").last.click()
        for i, row in enumerate(inputs.get(name) or []):
            if i:
                form.locator(f'[data-add-row="{name}"]').click()
            for column, value in row.items():
                cell = form.locator(f'[name="{name}.{i}.{column}"]')
                if cell.get_attribute("type") == "checkbox":
                    cell.check() if value in (True, "true") else cell.uncheck()
                else:
                    cell.fill(str(value))


# What the page shows at the form and the result region, read in one round trip.
FACTS = """(form, result, field) => {
    const message = field && form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
    const box = document.getElementById(result);
    return {
        state: form.querySelector("[data-calculator-status]").dataset.state,
        message: message && message.checkVisibility() ? message.textContent.trim() : "",
        invalid: field ? [...form.querySelectorAll(`[name="${CSS.escape(field)}"]`)]
            .some(el => el.getAttribute("aria-invalid") === "true") : false,
        result: box.hidden && !box.innerHTML.trim() && !document.querySelector(".calc-schedule") ? "" : "shown",
    };
}"""

# Press Calculate and wait for the answer, then read the facts: one round trip per bad value.
SUBMIT_AND_READ = """async ([form, result, field]) => {
    const status = form.querySelector("[data-calculator-status]");
    status.dataset.state = "submitted";
    form.querySelector("button[type=submit]").click();
    const start = Date.now();
    while (!["done", "invalid", "failed"].includes(status.dataset.state)) {
        if (Date.now() - start > 60000) throw new Error("no answer within 60 s");
        await new Promise(r => setTimeout(r, 5));
    }
    return (""" + FACTS + """)(form, result, field);
}"""


def facts(page, calculator: str, field: str = "", submit_first: bool = False) -> dict:
    form = page.locator(f'form[data-calculator="{calculator}"]').element_handle()
    script = SUBMIT_AND_READ if submit_first else f"([f, r, n]) => ({FACTS})(f, r, n)"
    return page.evaluate(script, [form, f"result-{calculator}", field])


def problems_with(page, calculator: str, case: Case) -> list[str]:
    """What is wrong with the page's answer to one bad input (nothing: an empty list)."""
    seen, found = facts(page, calculator, case.field, submit_first=True), []
    if seen["state"] != "invalid":
        found.append(f"status is {seen['state']!r}, not 'invalid'")
    if not seen["message"]:
        found.append("no visible message at the field")
    if not seen["invalid"]:
        found.append("the field is not marked invalid")
    if seen["result"]:
        found.append("a result is shown")
    return found


def base_value(case: Case) -> str:
    """The field's value in the base inputs, as the form holds it."""
    if case.field.count(".") == 2:
        rows, index, column = case.field.split(".")
        return str(case.base[rows][int(index)][column])
    value = case.base.get(case.field)
    if value is None:
        return next((f.default or "" for f in declared_fields(case.calculator) if f.name == case.field), "")
    return str(value)


def assert_base_gives_a_result(page, calculator: str, base: dict) -> None:
    submit(page, calculator)
    seen = facts(page, calculator)
    assert seen["state"] == "done" and seen["result"] == "shown", f"the base inputs give no result: {base}"
    assert not shown_errors(page, calculator), base


@pytest.mark.parametrize("calculator", sorted(CALCULATORS))
def test_bad_inputs_give_a_field_message_and_no_result(browser, http_url, calculator):
    all_cases = cases(calculator)
    assert all_cases
    context, page, watch = open_page(browser, f"{http_url}calculators/{calculator}.html")
    form = page.locator(f'form[data-calculator="{calculator}"]')
    failures: dict[str, list[str]] = {}
    entered = None
    try:
        for (base_json, field), group in groupby(all_cases, key=lambda c: (json.dumps(c.base), c.field)):
            group = list(group)
            base = group[0].base
            if base_json != entered:
                # Cleared and filled in afresh; the base gives a result, so what follows is the bad value's doing.
                enter(page, calculator, base)
                assert_base_gives_a_result(page, calculator, base)
                entered = base_json
            control = form.locator(f'[name="{field}"]:enabled')
            assert control.count() == 1, field
            for case in group:
                control.fill(case.value)
                problems = problems_with(page, calculator, case)
                if watch.console_errors or watch.page_errors or watch.offsite:
                    problems.append(f"console {watch.console_errors}, page {watch.page_errors}, "
                                    f"off-site {watch.offsite}")
                    watch.console_errors.clear(), watch.page_errors.clear(), watch.offsite.clear()
                if problems:
                    failures[f"{field} = {case.value!r}"] = problems
            # The field back as it was: the same form calculates again, with nothing left of the errors.
            control.fill(base_value(group[0]))
            assert_base_gives_a_result(page, calculator, base)
    finally:
        context.close()
    assert not failures, failures
    assert watch.offsite == [] and watch.page_errors == [] and watch.console_errors == []
