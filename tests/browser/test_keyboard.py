"""A calculator is usable with the keyboard alone, and its answer is announced."""

from __future__ import annotations

from .support import open_page


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
