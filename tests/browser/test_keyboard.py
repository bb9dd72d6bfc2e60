"""A calculator is usable with the keyboard alone, and its answer is announced."""

from __future__ import annotations

import pytest

from ..datafiles import data_files, load_case
from .support import open_page, shown_errors
from .test_site import axe_violations


def test_taper_by_keyboard_only(browser, http_url):
    context, page, watch = open_page(browser, http_url + "calculators/taper.html")
    form = page.locator('form[data-calculator="taper"]')
    # Tab from the top of the page until the dose field has focus, as a keyboard user would.
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.name") == "start_dose_mg":
            break
    else:
        raise AssertionError("the dose field cannot be reached with Tab")
    page.keyboard.type("60")
    page.keyboard.press("Enter")  # Enter in a field submits the form; the other fields keep their defaults
    status = form.locator("[data-calculator-status]")
    page.wait_for_function("s => s.dataset.state === 'done'", arg=status.element_handle(), timeout=60_000)
    assert page.locator("#result-taper .calc-schedule").is_visible()
    assert status.get_attribute("aria-live") == "polite" and status.get_attribute("role") == "status"
    # A bad value: the message is announced and focus goes to the field to correct.
    page.locator("input[name=start_dose_mg]").fill("abc")
    page.locator("input[name=start_dose_mg]").press("Enter")
    page.wait_for_function("s => s.dataset.state === 'invalid'", arg=status.element_handle(), timeout=60_000)
    assert page.evaluate("() => document.activeElement.name") == "start_dose_mg"
    assert page.locator("input[name=start_dose_mg]").get_attribute("aria-invalid") == "true"
    context.close()
    assert watch.page_errors == []


# One valid case per calculator, chosen to use every kind of control: choices, text, a multichoice,
# a checkbox, yes/no radios and table rows.
KEYBOARD_CASES = {
    "taper": "high-risk-acknowledged",
    "stock": "reaches-resupply",
    "takehome": "context-all-safe",
}


def form_values(inputs: dict) -> dict[str, object]:
    """The case's inputs under the names the form's controls carry."""
    values: dict[str, object] = {}
    for name, value in inputs.items():
        if isinstance(value, dict):
            values.update({f"{name}.{k}": v for k, v in value.items()})
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, row in enumerate(value):
                values.update({f"{name}.{i}.{k}": v for k, v in row.items()})
        else:
            values[name] = value
    return values


def as_answer(value) -> str:
    return {True: "yes", False: "no"}.get(value, str(value)) if isinstance(value, bool) else str(value)


FOCUSED = """() => { const e = document.activeElement;
    return e ? {tag: e.tagName, type: e.type || '', name: e.name || '', value: e.value || '', checked: !!e.checked,
                submit: e.type === 'submit', addRow: e.hasAttribute('data-add-row'),
                inForm: !!e.closest('form.calc-form')} : null; }"""


def set_by_keyboard(page, focused: dict, wanted) -> None:
    """Give the focused control its value with keys only, as a keyboard user would."""
    keys = page.keyboard
    if focused["tag"] == "SELECT":
        for key in ("Home",) + ("ArrowDown",) * 40:
            if page.evaluate("() => document.activeElement.value") == str(wanted):
                return
            keys.press(key)
        raise AssertionError(f"{focused['name']}: {wanted} cannot be chosen with the arrow keys")
    if focused["type"] == "radio":
        for _ in range(4):
            state = page.evaluate("() => [document.activeElement.value, document.activeElement.checked]")
            if state == [as_answer(wanted), True]:
                return
            keys.press("Space" if state[0] == as_answer(wanted) else "ArrowDown")
        raise AssertionError(f"{focused['name']}: {wanted} cannot be chosen with the arrow keys")
    if focused["type"] == "checkbox":
        want = (focused["value"] in wanted) if isinstance(wanted, list) else wanted in (True, "true")
        if focused["checked"] != want:
            keys.press("Space")
        return
    keys.press("Control+A")
    keys.type(str(wanted))


@pytest.mark.parametrize("calculator", sorted(KEYBOARD_CASES))
def test_every_calculator_by_keyboard_alone_with_no_serious_accessibility_violation(browser, http_url, calculator):
    """Tab through the form, give every field its value by keys only, submit with Enter, reach the result;
    axe finds nothing serious after the result and after a validation error."""
    case = load_case(next(p for p in data_files(calculator, "valid") if p.stem == KEYBOARD_CASES[calculator]))
    values = form_values(case["inputs"])
    context, page, watch = open_page(browser, http_url + f"calculators/{calculator}.html")
    done: set[str] = set()
    rows_needed = {k.split(".")[0]: int(k.split(".")[1]) + 1 for k in values if k.count(".") == 2}
    for _ in range(400):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if not focused or not focused["inForm"]:
            continue
        if focused["submit"]:
            break
        if focused["addRow"]:
            table = page.evaluate("() => document.activeElement.dataset.addRow")
            rows = page.locator(f'table[data-rows="{table}"] tbody tr').count()
            if rows < rows_needed.get(table, 0):
                page.keyboard.press("Enter")
                page.keyboard.press("Shift+Tab")   # back, so the next Tab reaches the new row's first field
                page.keyboard.press("Shift+Tab")
                page.keyboard.press("Shift+Tab")
            continue
        name = focused["name"]
        if name in values:
            set_by_keyboard(page, focused, values[name])
            done.add(name)
    else:
        raise AssertionError("Tab never reached the Calculate button")
    shown = set(page.evaluate("""() => [...document.querySelectorAll('form.calc-form [name]')]
        .filter(e => e.offsetParent !== null).map(e => e.name)"""))
    assert {n for n in values if n in shown} <= done, f"not reached by Tab: {sorted(set(values) & shown - done)}"
    page.keyboard.press("Enter")
    status = page.locator("[data-calculator-status]")
    page.wait_for_function("s => ['done', 'invalid', 'failed'].includes(s.dataset.state)",
                           arg=status.element_handle(), timeout=60_000)
    assert status.get_attribute("data-state") == "done", shown_errors(page, calculator)
    assert page.locator(f"#result-{calculator} .calc-sheet").first.is_visible()
    found = axe_violations(page)
    assert found == [], [(v["id"], [(n["target"], n.get("failureSummary", "")[:300]) for n in v["nodes"][:4]]) for v in found]
    # A validation error, by keyboard: the message is next to the field, and still nothing serious for axe.
    field = next(n for n in ("start_dose_mg", "stock_mg", "days_in_treatment") if n in values)
    page.locator(f'[name="{field}"]').focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("abc")
    page.keyboard.press("Enter")
    page.wait_for_function("s => s.dataset.state === 'invalid'", arg=status.element_handle(), timeout=60_000)
    assert shown_errors(page, calculator).get(field)
    assert axe_violations(page) == []
    context.close()
    assert watch.page_errors == [] and watch.console_errors == [] and watch.offsite == []
