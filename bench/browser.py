"""Measurements in headless Debian Chromium (never a downloaded browser), driven by Playwright.

Every cold run gets a fresh browser context, so its HTTP cache, service worker and
storage start empty. No request is intercepted: interception would switch off the
HTTP cache, which the repeat visit measures. The flags make every host but
127.0.0.1 unresolvable, and any request to another origin is still recorded.
"""

from __future__ import annotations

from urllib.parse import urlparse

CHROMIUM = "/usr/bin/chromium"
# The flags of tests/conftest.py: no DNS for anything but 127.0.0.1.
CHROME_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]

# The calculator the cold start is timed on, and what a person types into it. The select
# comes first (it decides which fields are shown). The runtime starts once the page has loaded
# (or at the first focus, if sooner).
CALCULATOR = "taper"
INPUTS = (("select", "medicine", "buprenorphine"), ("fill", "start_dose_mg", "16"), ("fill", "percent", "40"))

# Runs before any script of the page: times of the first focus in a calculator form, of each
# submit and of each status change, and every main-thread task over 50 ms (a `longtask`
# PerformanceObserver; an interval timer under-reports). report.visit_timings reads it.
EVENT_LOG_SCRIPT = """
window.__bench = {focus: null, submits: [], states: [], longtasks: []};
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__bench.longtasks.push([e.startTime, e.duration]);
}).observe({type: "longtask", buffered: true});
document.addEventListener("focusin", e => {
  if (window.__bench.focus === null && e.target.closest && e.target.closest("form[data-calculator]"))
    window.__bench.focus = performance.now();
}, true);
document.addEventListener("submit", () => window.__bench.submits.push(performance.now()), true);
new MutationObserver(records => {
  for (const r of records) if (r.target.matches && r.target.matches("[data-calculator-status]"))
    window.__bench.states.push([r.target.dataset.state, performance.now()]);
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-state"]});
"""

LOCAL_SCHEMES = {"data", "blob", "about", "file", "chrome-error"}
TIMEOUT_MS = 120_000


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in LOCAL_SCHEMES or parsed.hostname == "127.0.0.1"


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_FLAGS, headless=True)


def new_context(browser, offsite: list[str], service_workers: str = "allow"):
    """A fresh context that logs calculator events and records any request to another origin."""
    context = browser.new_context(service_workers=service_workers)
    context.add_init_script(EVENT_LOG_SCRIPT)
    context.on("request", lambda r: None if is_local(r.url) else offsite.append(r.url))
    return context


def _wait_for_service_worker(page) -> None:
    """A hosted first visit installs the service worker, which caches the handbook; wait for it,
    so it does not compete with the boot (a reader looks at the page before typing)."""
    if page.url.startswith("http"):
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")


def calculator_visit(context, url: str, results: int = 2) -> dict:
    """Open a calculator page, type the inputs (the first focus starts the runtime), wait until
    it is ready, then submit `results` times. Returns the page's event log."""
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    _wait_for_service_worker(page)
    form = page.locator(f'form[data-calculator="{CALCULATOR}"]')
    for action, name, value in INPUTS:
        control = form.locator(f'[name="{name}"]')
        if action == "select":
            control.select_option(value)
        else:
            control.fill(value)
    page.wait_for_function("() => ['ready', 'failed'].includes("
                           "document.querySelector('[data-calculator-status]').dataset.state)", timeout=TIMEOUT_MS)
    for n in range(results):
        form.get_by_role("button", name="Calculate").click()
        page.wait_for_function(
            """n => { const log = window.__bench, t = log.submits[n];
                      return t !== undefined && log.states.some(([s, at]) =>
                        ['done', 'invalid', 'failed'].includes(s) && at >= t); }""", arg=n, timeout=TIMEOUT_MS)
    log = page.evaluate("() => window.__bench")
    log["status_text"] = form.locator("[data-calculator-status]").inner_text()
    page.close()
    return log


def link_fragment(inputs=INPUTS) -> str:
    """A shared link's fragment for the bench's inputs (the names the form and the calculators use)."""
    from urllib.parse import urlencode

    return "#" + urlencode([(name, value) for _, name, value in inputs])


def timed_visit(context, url: str, read_s: float = 0.0, submit: bool = True) -> dict:
    """Open a calculator page and let it work as a person would, timed from the navigation: when the
    page has loaded, read for `read_s` seconds, fill the form and submit it once (or, for a shared
    link, `submit=False`: do nothing, the link computes by itself). Returns the page's event log
    once a result (or a refusal) is shown."""
    page = context.new_page()
    page.goto(url)  # until the load event
    if submit:
        if read_s:
            page.wait_for_timeout(read_s * 1000)
        form = page.locator(f'form[data-calculator="{CALCULATOR}"]')
        for action, name, value in INPUTS:
            control = form.locator(f'[name="{name}"]')
            if action == "select":
                control.select_option(value)
            else:
                control.fill(value)
        form.get_by_role("button", name="Calculate").click()
    page.wait_for_function(
        """() => { const log = window.__bench, t = log.submits.length ? log.submits[log.submits.length - 1] : 0;
                   return log.states.some(([s, at]) => ['done', 'invalid', 'failed'].includes(s) && at >= t); }""",
        timeout=TIMEOUT_MS)
    log = page.evaluate("() => window.__bench")
    log["status_text"] = page.locator("[data-calculator-status]").first.inner_text()
    page.close()
    return log


def bare_boot(context, url: str) -> dict:
    """The floor: a blank page that only runs `loadPyodide()`, on the main thread."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("() => window.__bareBootMs !== undefined", timeout=TIMEOUT_MS)
    boot_ms = page.evaluate("() => window.__bareBootMs")
    tasks = page.evaluate("() => window.__bench.longtasks")
    page.close()
    return {"boot_ms": round(boot_ms, 1), "longest_task_ms": max((d for _, d in tasks), default=0.0)}


def page_visit(context, server, url: str, with_service_worker: bool) -> dict:
    """Load a page until the network is quiet (and the service worker has cached the handbook,
    if it may run); return the bytes the server sent meanwhile, in all and of the Python runtime."""
    server.served.clear()
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    if with_service_worker:
        _wait_for_service_worker(page)
        page.wait_for_load_state("networkidle")
    page.close()
    return {"bytes": server.bytes_sent(), "pyodide_bytes": server.bytes_sent("/assets/pyodide/"),
            "files": list(server.served)}
