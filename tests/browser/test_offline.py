"""A hosted copy keeps working with no connection once visited (service worker)."""

from __future__ import annotations

from .support import fill_form, goto_offline, submit, wait_for_answer
from .test_snapshot import link_to


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


# Records when the page asks for its service worker (before any of the page's own scripts run).
REGISTER_SPY = """(() => { const sw = navigator.serviceWorker; if (!sw) return; const register = sw.register.bind(sw);
  sw.register = (...args) => { window.__registeredAt = performance.now(); return register(...args); }; })()"""


def test_a_calculator_page_installs_the_offline_copy_once_its_answer_is_shown(browser, http_url):
    """The first install downloads the whole handbook: on a calculator page (here a shared link) it waits until the
    runtime has booted and the answer is shown, so the two do not share the device's cores; a page without a
    calculator registers at once. Ordering, not timing. Afterwards the handbook works offline as before."""
    context = browser.new_context()
    context.add_init_script(REGISTER_SPY)
    page = context.new_page()
    try:
        page.goto(http_url + link_to("taper"))
        assert wait_for_answer(page, "taper", timeout=120_000) == "done"
        page.wait_for_function("() => window.__registeredAt !== undefined", timeout=30_000)
        registered, ready = page.evaluate(
            "() => [window.__registeredAt, performance.getEntriesByName('calculator-ready')[0].startTime]")
        assert registered >= ready, f"registered at {registered} ms, the calculator was ready at {ready} ms"
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")

        chapter = context.new_page()
        chapter.goto(http_url + "handbook/index.html")
        registered, loaded = chapter.evaluate(
            "() => [window.__registeredAt, performance.getEntriesByType('navigation')[0].loadEventStart]")
        assert registered is not None and registered <= loaded
        chapter.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
        context.set_offline(True)
        goto_offline(chapter, http_url + "handbook/index.html")
        assert chapter.locator("#handbook-offline").is_visible()
    finally:
        context.close()
