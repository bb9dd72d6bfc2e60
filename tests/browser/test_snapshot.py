"""The calculators boot from the build's memory snapshot (issue 16), in Chromium.

- over http and from file:// the runtime restores the snapshot, with no user action (it starts when
  the page has loaded, or while it loads for a shared link or a repeat visit), and gives CPython's answers;
  a shared link computes by itself;
- with the snapshot damaged or of another build, the plain boot runs and gives the same answers;
- a repeat visit over http fetches nothing of the runtime from the server (service worker), and the service
  worker does not store again the runtime files it holds;
- a new version (a changed calculator source, so a new snapshot) replaces every cached runtime file.
Firefox: the unzipped copy boots from the snapshot too (skipped without firefox-esr).
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

import calculators
from sitebuild import pyodide_embed
from tests.conftest import REPO, QuietHandler, build_site, serving
from tests.datafiles import calculator_data, load_case

from .calc_checks import CASES, TEXT_OF, check_case, words
from .support import open_page, wait_for_answer

# Firefox (optional, as in test_firefox_copy.py): its fixture when firefox-esr and marionette are here.
try:
    from .test_firefox_copy import firefox  # noqa: F401  (a fixture)
    from .test_firefox_copy import page_requests as firefox_requests
except (ImportError, pytest.skip.Exception):
    @pytest.fixture
    def firefox():
        pytest.skip("firefox-esr or marionette_driver is not installed")

RUNTIME = "assets/pyodide/"
# What a calculator uses over http: the small scripts, the loader modules, the wasm, the standard library and
# the gzipped snapshot, each as the site's own file (the base64 scripts are for file:// only).
USED_OVER_HTTP = {"calculators.js", "pyodide-info.js", "pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm",
                  "python_stdlib.zip", "snapshot.bin.gz"}
BOOT = "() => document.documentElement.dataset.calculatorBoot || ''"
# Keeps what calculator.js sends its worker with each calculation (installed before the page's scripts,
# so it sees a shared link's calculation too).
SPY = """(() => {
  const send = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (msg, transfer) {
    if (msg && msg.type === "run") window.__sent = {inputs: msg.inputs, context: msg.context};
    return send.call(this, msg, transfer);
  };
})()"""


# When the runtime started: before the page's load event (calculator.js in the <head>: a shared link, or a page the
# service worker answers) or after it (a first visit leaves the network to the page). The load event waits for
# the async script, so "while loading" means the head start ran.
STARTED = """() => { const m = performance.getEntriesByName('calculator-boot-start')[0];
  const load = performance.getEntriesByType('navigation')[0].loadEventStart;
  return m && load ? (m.startTime < load ? 'while loading' : 'after load') : ''; }"""


def started(page, timeout: float = 60) -> str:
    page.wait_for_function(STARTED, timeout=timeout * 1000)
    return page.evaluate(STARTED)


def booted(page, timeout: float = 120) -> str:
    """How the page's runtime booted ("snapshot fetched", "plain embedded", …), once it has."""
    page.wait_for_function("() => !!document.documentElement.dataset.calculatorBoot", timeout=timeout * 1000)
    return page.evaluate(BOOT)


def shown_equals_cpython(page, calculator: str) -> None:
    sent = page.evaluate("() => window.__sent")
    assert sent, "the page sent no calculation"
    response = calculators.respond(calculator, sent["inputs"], calculator_data(), sent["context"])
    assert response["ok"], response["errors"]
    shown = words(page.locator(f"#result-{calculator}").text_content())
    assert shown == words(page.evaluate(TEXT_OF, response["html"]))


def link_to(calculator: str) -> str:
    inputs = load_case(CASES[calculator])["inputs"]
    return f"calculators/{calculator}.html#" + urlencode({k: str(v) for k, v in inputs.items()})


def test_a_shared_link_computes_from_the_snapshot_with_no_user_action_over_http(browser, http_url):
    context = browser.new_context()
    context.add_init_script(SPY)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(http_url + link_to("taper"))
    assert wait_for_answer(page, "taper", timeout=120_000) == "done"
    assert booted(page) == "snapshot fetched"
    assert started(page) == "while loading"  # a link: the runtime starts while the page is still loading
    shown_equals_cpython(page, "taper")
    assert errors == []
    assert all(u.startswith((http_url, "blob:", "data:")) for u in requests), requests
    context.close()


def test_the_snapshot_boots_from_disk_before_any_input(browser, file_url):
    context, page, watch = open_page(browser, file_url + "calculators/stock.html")
    assert booted(page) == "snapshot embedded"  # nobody has touched the form
    status = page.locator('form[data-calculator="stock"] [data-calculator-status]')
    assert status.get_attribute("data-state") == "ready"
    check_case(page, "stock")
    assert watch.page_errors == [] and watch.console_errors == []
    context.close()


@pytest.fixture(scope="module")
def damaged(site_dir, tmp_path_factory) -> dict[str, Path]:
    """Copies of the site whose snapshot is damaged (bytes overwritten mid-file) or of another build."""
    out = {}
    root = tmp_path_factory.mktemp("damaged")
    for kind in ("damaged", "other"):
        copy = root / kind
        shutil.copytree(site_dir, copy)
        if kind == "damaged":  # both copies: the base64 script (file://) and the gzipped file (http)
            path = copy / RUNTIME / "snapshot.b64.js"
            text = path.read_text(encoding="ascii")
            middle = len(text) // 2
            path.write_text(text[:middle] + "QUJD" * 2000 + text[middle + 8000:], encoding="ascii")
            path = copy / RUNTIME / "snapshot.bin.gz"
            data = path.read_bytes()
            middle = len(data) // 2
            path.write_bytes(data[:middle] + b"ABC" * 2000 + data[middle + 6000:])
        else:  # the page expects a snapshot made of other calculators
            path = copy / RUNTIME / "pyodide-info.js"
            text = path.read_text(encoding="ascii")
            path.write_text(re.sub(r'snapshotKey = "\w+"', 'snapshotKey = "0000000000000000"', text), encoding="ascii")
        out[kind] = copy
    return out


@pytest.mark.parametrize("kind, how", [("damaged", "http"), ("damaged", "file"), ("other", "http")])
def test_without_a_usable_snapshot_the_plain_boot_gives_the_same_answers(browser, damaged, kind, how):
    site = damaged[kind]
    with serving(site) as base:
        url = (base if how == "http" else site.as_uri() + "/") + "calculators/taper.html"
        context, page, watch = open_page(browser, url)
        assert booted(page) == "plain " + ("fetched" if how == "http" else "embedded")
        check_case(page, "taper")  # CPython's answer, as the snapshot's (the tests above)
        assert watch.page_errors == [] and watch.console_errors == []
        context.close()


class Counting(QuietHandler):
    def __init__(self, *args, seen: list, **kwargs):
        self.seen = seen
        super().__init__(*args, **kwargs)

    def do_GET(self):
        self.seen.append(self.path)
        super().do_GET()


@pytest.fixture
def counted(site_dir):
    seen: list[str] = []
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Counting, directory=str(site_dir), seen=seen))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    server.shutdown()
    server.server_close()


def runtime_in_cache(page) -> list[str]:
    return page.evaluate("""() => caches.keys().then(n => Promise.all(n.map(k => caches.open(k).then(c => c.keys()))))
        .then(all => all.flat().map(r => r.url).filter(u => u.includes('/assets/pyodide/')))""")


def wait_until(check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def test_a_repeat_visit_fetches_nothing_of_the_runtime(browser, counted, site_dir):
    base, seen = counted
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "calculators/taper.html")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    assert booted(page) == "snapshot fetched"
    assert started(page) == "after load"  # a first visit: the page comes first
    assert USED_OVER_HTTP <= {p.name for p in (site_dir / RUNTIME).iterdir()}
    # The service worker stored the runtime, though the page started it before the worker controlled
    # the page.
    wait_until(lambda: {u.split("/", 3)[3] for u in runtime_in_cache(page)} == runtime_addresses(site_dir))
    # From here the service worker records what it stores: a file it already holds is never stored again (that
    # would rewrite megabytes on every visit and drop the compiled code the browser keeps beside a script).
    [worker] = context.service_workers
    worker.evaluate("""() => { self.__stored = []; const put = Cache.prototype.put;
        Cache.prototype.put = function (request, response) {
            self.__stored.push(String(request.url || request)); return put.call(this, request, response); }; }""")
    seen.clear()
    again = context.new_page()
    again.goto(base + "calculators/taper.html")
    assert booted(again) == "snapshot fetched"
    assert started(again) == "while loading"  # the runtime is on this device: it starts with the page
    assert [p for p in seen if RUNTIME in p] == [], "the repeat visit fetched runtime files from the server"
    check_case(again, "taper")
    # The page asked the worker to store the runtime when it started; a rewrite would be under way by now.
    again.wait_for_timeout(2000)
    assert [u for u in worker.evaluate("() => self.__stored") if RUNTIME in u] == [], "stored the runtime again"
    context.close()


@pytest.fixture(scope="module")
def new_version(site_dir, tmp_path_factory) -> Path:
    """The site built with a changed calculator source (a comment): new calculators.js and snapshot."""
    root = tmp_path_factory.mktemp("new-version")
    calc = root / "calculators"
    shutil.copytree(REPO / "calculators", calc, ignore=shutil.ignore_patterns("__pycache__"))
    init = calc / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8") + f"\n# test build {time.time()}\n", encoding="utf-8")
    done = build_site(root / "site", env={"OAMT_CALCULATORS_DIR": str(calc), "OAMT_VERSION": "9.9.9-test"})
    assert done.returncode == 0, f"the new version did not build:\n{done.stdout}\n{done.stderr}"
    return root / "site"


def runtime_addresses(site: Path) -> set[str]:
    """The runtime files the service worker stores for a copy served over http (not the base64 scripts only a
    copy opened from disk uses)."""
    text = (site / "sw.js").read_text(encoding="utf-8")
    return {a for a in re.findall(r'"(assets/pyodide/[^"]+\?v=\w+)"', text)
            if a.split("/")[-1].split("?")[0] not in pyodide_embed.FILE_ONLY_SCRIPTS}


def test_a_new_version_replaces_every_cached_runtime_file(browser, site_dir, new_version, tmp_path):
    old, new = runtime_addresses(site_dir), runtime_addresses(new_version)
    changed = {a.split("?")[0] for a in old - new}
    assert {"calculators.js", "snapshot.bin.gz"} <= {c.split("/")[-1] for c in changed}
    served = tmp_path / "served"
    shutil.copytree(site_dir, served)
    with serving(served) as base:
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "calculators/taper.html")
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        assert booted(page) == "snapshot fetched"
        wait_until(lambda: {u.split("/", 3)[3] for u in runtime_in_cache(page)} == old)
        # The new version is deployed in the old one's place; the reader comes back.
        shutil.rmtree(served)
        shutil.copytree(new_version, served)
        page.goto(base + "index.html")
        page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r && r.update())")
        wait_until(lambda: len(page.evaluate("() => caches.keys()")) == 1 and
                   {u.split("/", 3)[3] for u in runtime_in_cache(page)} == new, timeout=120)
        page.goto(base + "calculators/taper.html")
        assert booted(page) == "snapshot fetched"
        check_case(page, "taper")
        context.close()


def test_firefox_boots_the_unzipped_copy_from_the_snapshot(firefox):
    from marionette_driver import Wait

    client, copy = firefox
    client.navigate(copy.as_uri() + "/calculators/taper.html")
    boot = "return document.documentElement.dataset.calculatorBoot || ''"
    Wait(client, timeout=120).until(lambda c: c.execute_script(boot))
    assert client.execute_script(boot) == "snapshot embedded"
    assert firefox_requests(client) == []
