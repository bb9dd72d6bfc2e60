"""A hosted copy keeps working with no connection once visited (service worker)."""

from __future__ import annotations

from .support import fill_form, goto_offline, submit


def test_after_one_visit_pages_and_calculators_work_offline(browser, http_url):
    """Any page caches the handbook; the first calculator used online caches the runtime."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(http_url + "index.html")
    # Wait until the service worker has cached the site and controls the page.
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
    runtime = page.evaluate("""() => caches.keys().then(names => caches.open(names[0]))
        .then(c => c.keys()).then(reqs => reqs.filter(r => r.url.includes('/assets/pyodide/')).length)""")
    assert runtime == 0, "a page without a calculator made the browser download the Python runtime"
    # One calculator used online caches the runtime for every calculator.
    page.goto(http_url + "calculators/stock.html")
    page.locator("input[name=stock_mg]").focus()
    page.wait_for_function(
        "() => document.querySelector('[data-calculator-status]').dataset.state === 'ready'", timeout=60_000)
    context.set_offline(True)
    goto_offline(page, http_url + "handbook/index.html")
    assert "Handbook contents" in page.locator("h1").inner_text()
    assert page.locator("#handbook-offline").is_visible()
    page.goto(http_url + "calculators/taper.html")
    fill_form(page, "taper", {"start_dose_mg": "16", "medicine": "buprenorphine",
                              "formulation": "buprenorphine-sublingual", "percent": "40"})
    submit(page, "taper")
    doses = page.locator(".calc-schedule tbody tr td:nth-child(2)").all_inner_texts()
    assert doses == ["9.6", "5.6", "3.6", "2", "1.2", "0.8", "0.4", "0.4"]  # the proportional curve, 0.4 mg steps
    context.close()
