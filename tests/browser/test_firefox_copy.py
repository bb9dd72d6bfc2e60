"""The unzipped copy in Firefox ESR, opened from disk: the taper calculator and
the search work there too (Chromium is the strict browser on file://; this
checks the other one a clinic is likely to have).

Optional: skipped unless Debian's firefox-esr and the marionette_driver package
(PyPI) are installed. Firefox runs headless on a fresh profile; every http(s)
request goes to a local proxy that refuses it, and a chrome-side observer
records each request a page (not the browser's own services) makes.
"""

from __future__ import annotations

import gc
import http.server
import socket
import threading
from pathlib import Path

import pytest

import calculators
from tests.datafiles import calculator_data
from tests.datafiles import load_case

from .calc_checks import CASES, SENT_CONTEXT, SPY_ON_CONTEXT, TEXT_OF, words
from .test_offline_copy import unzip_copy

FIREFOX = Path("/usr/bin/firefox-esr")

if not FIREFOX.exists():
    pytest.skip("Debian's firefox-esr is not installed (apt-get install --no-install-recommends firefox-esr)",
                allow_module_level=True)
marionette = pytest.importorskip("marionette_driver.marionette",
                                 reason="marionette_driver is not installed (pip install marionette_driver)")
from marionette_driver import Wait
from marionette_driver.by import By

# Runs in Firefox's chrome context: records every http(s) request a page triggers.
WATCH_REQUESTS = """
  globalThis.pageRequests = [];
  Services.obs.addObserver({observe(subject) {
    const channel = subject.QueryInterface(Ci.nsIChannel);
    const by = channel.loadInfo && channel.loadInfo.triggeringPrincipal;
    if (!by || !by.isSystemPrincipal) globalThis.pageRequests.push(channel.URI.spec);
  }}, "http-on-modify-request");
"""


class Refuse(http.server.BaseHTTPRequestHandler):
    """The proxy every request must go through: it answers 403 to all."""

    def refuse(self):
        self.send_error(403)

    do_GET = do_POST = do_HEAD = do_CONNECT = refuse

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def firefox(site_dir, tmp_path_factory):
    copy = unzip_copy(site_dir, tmp_path_factory.mktemp("firefox-download"))
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    port = proxy.server_address[1]
    prefs = {"network.proxy.type": 1, "network.proxy.share_proxy_settings": True,
             "network.proxy.http": "127.0.0.1", "network.proxy.http_port": port,
             "network.proxy.ssl": "127.0.0.1", "network.proxy.ssl_port": port,
             "network.proxy.no_proxies_on": "", "network.proxy.allow_hijacking_localhost": True}
    client = marionette.Marionette(host="127.0.0.1", port=free_port(), bin=str(FIREFOX), headless=True,
                                   prefs=prefs, startup_timeout=120,
                                   gecko_log=str(tmp_path_factory.mktemp("firefox-log") / "gecko.log"))
    client.start_session()
    with client.using_context("chrome"):
        client.execute_script(WATCH_REQUESTS, sandbox="watch", new_sandbox=False)
    yield client, copy
    client.cleanup()
    del client
    gc.collect()  # mozprofile removes its temporary profiles when collected: now, not at interpreter exit
    proxy.shutdown()
    proxy.server_close()


def page_requests(client) -> list[str]:
    with client.using_context("chrome"):
        return client.execute_script("return globalThis.pageRequests", sandbox="watch", new_sandbox=False)


def test_taper_from_disk_in_firefox(firefox):
    client, copy = firefox
    client.navigate(copy.as_uri() + "/calculators/taper.html")
    inputs = load_case(CASES["taper"])["inputs"]
    client.execute_script(f"({SPY_ON_CONTEXT})()", sandbox=None)  # in the page itself, not a sandbox
    form = client.find_element(By.CSS_SELECTOR, 'form[data-calculator="taper"]')
    for name, value in inputs.items():
        if client.find_elements(By.CSS_SELECTOR, f"select[name={name}]"):
            form.find_element(By.CSS_SELECTOR, f"select[name={name}] option[value='{value}']").click()
    for name, value in inputs.items():
        if client.find_elements(By.CSS_SELECTOR, f"input[name={name}]"):
            box = form.find_element(By.CSS_SELECTOR, f"input[name={name}]")
            box.clear()
            box.send_keys(str(value))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    state = "return arguments[0].querySelector('[data-calculator-status]').dataset.state"
    finished = ("done", "invalid", "failed")
    Wait(client, timeout=120).until(lambda c: c.execute_script(state, script_args=(form,)) in finished)
    assert client.execute_script(state, script_args=(form,)) == "done"

    context = client.execute_script(f"return ({SENT_CONTEXT})()", sandbox=None)
    assert context, "the page sent no calculation"
    expected = calculators.respond("taper", inputs, calculator_data(), context)
    assert expected["ok"]
    want = words(client.execute_script(f"return ({TEXT_OF})(arguments[0])", script_args=(expected["html"],)))
    shown = words(client.execute_script("return document.getElementById('result-taper').textContent"))
    assert shown and shown == want
    assert page_requests(client) == []


def test_search_from_disk_in_firefox(firefox):
    client, copy = firefox
    client.navigate(copy.as_uri() + "/index.html")
    box = client.find_element(By.CSS_SELECTOR, "input.md-search__input")
    box.click()
    box.send_keys("naloxone")
    titles = "return [...document.querySelectorAll('.md-search-result__item > .md-search-result__link article h1')]" \
             ".map(h => h.textContent)"
    Wait(client, timeout=30).until(lambda c: c.execute_script(titles))
    assert any("naloxone" in t.lower() for t in client.execute_script(titles)[:3])
    assert page_requests(client) == []
