"""Deployments never mix versions (issue 13).

Build A and build B of the site differ in a calculator's data (B rounds methadone oral solution to
2 mg steps, not 1 mg, so 80 mg less 10 % a day gives 72, 64, … instead of 72, 65, …) and in a job
aid's table (its first row starts at 24 mg, not 20 mg). A reader visits A (the home page, a job aid, a
calculator), B is deployed in A's place, and the reader comes back:
- the first view (A's home page, from A's cache) says a newer version is ready and offers a Reload;
- after the reload, having opened only the home page, the reader goes offline: the job aid shows B's
  table and the calculator gives B's answer (B's runtime was stored when B installed, since A's cache
  held the runtime), and the offline notice says the calculators work offline;
- only B's cache is left.
On http at the root and under a GitHub Pages-like sub-path.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
from pathlib import Path

import pytest

import calculators
from sitebuild import content as content_model
from tests.conftest import REPO, QuietHandler
from tests.datafiles import DATA, load_case

from .calc_checks import TEXT_OF, enter, words
from .support import goto_offline, submit
from .test_subpath import PREFIX, SubPathHandler

CASE = load_case(DATA / "taper" / "valid" / "proportional-methadone-80-10pct-stop-5.json")["inputs"]
JOB_AID = "job-aids/methadone-taper-table.html"
CALCULATOR = "calculators/taper.html"

# What the page sends its worker with each calculation, kept so CPython can render the same.
SPY = """() => {
  const W = window.__NativeWorker || window.Worker;
  if (W.prototype.__updateSpy) return;
  const send = W.prototype.postMessage;
  W.prototype.postMessage = function (msg, transfer) {
    if (msg && msg.type === "run") window.__sent = {inputs: msg.inputs, context: msg.context};
    return send.call(this, msg, transfer);
  };
  W.prototype.__updateSpy = true;
}"""
CACHES = "() => caches.keys()"


def make_content_b(root: Path) -> Path:
    b = root / "content-b"
    shutil.copytree(REPO / "content", b)
    formulations = b / "formulations.yml"
    text = formulations.read_text(encoding="utf-8")
    usual = '  label: Methadone oral solution 1 mg/mL\n  step_mg: "1"\n'
    assert usual in text
    formulations.write_text(text.replace(usual, usual.replace('"1"', '"2"')), encoding="utf-8")
    aid = b / "job-aids" / "methadone-taper-table.yml"
    text = aid.read_text(encoding="utf-8")
    assert 'start_doses_mg: ["20", ' in text
    aid.write_text(text.replace('start_doses_mg: ["20", ', 'start_doses_mg: ["24", '), encoding="utf-8")
    return b


class Host:
    """A folder served at the root or under PREFIX, whose content a deployment replaces."""

    def __init__(self, folder: Path, sub_path: bool):
        self.folder = folder
        folder.mkdir()
        handler = (functools.partial(SubPathHandler, directory=str(folder), seen=[]) if sub_path
                   else functools.partial(QuietHandler, directory=str(folder)))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}" + (PREFIX if sub_path else "/")

    def deploy(self, site: Path) -> None:
        for child in self.folder.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        shutil.copytree(site, self.folder, dirs_exist_ok=True)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def page_build(page) -> str:
    return page.locator('meta[name="oamt-build"]').get_attribute("content")


def first_start_dose(page) -> str:
    return page.locator("table.taper-reference tbody tr th").first.inner_text().strip()


def run_taper(page, content_dir: Path) -> str:
    """Run the case; the page's result must be CPython's with `content_dir`; returns the day-2 dose."""
    page.evaluate(SPY)
    enter(page, "taper", CASE)
    submit(page, "taper")
    status = page.locator('form[data-calculator="taper"] [data-calculator-status]')
    assert status.get_attribute("data-state") == "done", status.inner_text()
    sent = page.evaluate("() => window.__sent")
    response = calculators.respond("taper", sent["inputs"], content_model.calculator_data(content_dir),
                                   sent["context"])
    assert response["ok"], response["errors"]
    shown = words(page.locator("#result-taper").text_content())
    assert shown == words(page.evaluate(TEXT_OF, response["html"])), "the page's result is not this content's"
    return response["result"]["schedule"][1]["dose_mg"]


def wait_for(page, script: str, arg=None, timeout: float = 60) -> None:
    # (wait_for_function would take a promise itself as a truthy answer: poll with evaluate.)
    deadline = time.monotonic() + timeout
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"timed out waiting for {script}"
        time.sleep(0.3)


@pytest.mark.parametrize("where", ["root", "sub-path"])
def test_a_new_deployment_replaces_the_cached_copy(browser, builds, tmp_path, where):
    (site_a, content_a, build_a), (site_b, content_b, build_b) = builds["A"], builds["B"]
    host = Host(tmp_path / "served", sub_path=where == "sub-path")
    base = host.base
    errors: list[str] = []
    try:
        host.deploy(site_a)
        context = browser.new_context()
        context.on("page", lambda p: p.on("pageerror", lambda e: errors.append(str(e))))
        page = context.new_page()
        # Version A: visited, the service worker installed, a job aid read and a calculator used.
        page.goto(base + "index.html")
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
        assert page_build(page) == build_a and page.locator("#handbook-update").count() == 0
        page.goto(base + JOB_AID)
        assert first_start_dose(page) == "20"
        page.goto(base + CALCULATOR)
        assert run_taper(page, content_a) == "65"
        assert page.evaluate(CACHES) == [f"oamt-{build_a}"]

        # Version B is deployed. The reader opens the home page only.
        host.deploy(site_b)
        page.goto(base + "index.html")
        first_view = page_build(page)
        notice = page.locator("#handbook-update")
        notice.wait_for(state="visible", timeout=90_000)
        assert first_view == build_a, "the first view came from the network, not the reader's saved copy"
        assert "A newer version of this handbook" in notice.inner_text() and build_b in notice.inner_text()
        with page.expect_navigation():
            notice.get_by_role("button", name="Reload").click()
        assert page_build(page) == build_b and page.locator("#handbook-update").count() == 0
        wait_for(page, "name => caches.keys().then(k => k.length === 1 && k[0] === name)", f"oamt-{build_b}")

        # Offline, having opened only the home page of B: B's job aid, and B's calculator.
        context.set_offline(True)
        goto_offline(page, base + "index.html")
        offline = page.locator("#handbook-offline")
        offline.wait_for(state="visible")
        wait_for(page, "() => !!document.querySelector('#handbook-offline[data-calculators-offline]')")
        assert offline.get_attribute("data-calculators-offline") == "yes", offline.inner_text()
        page.goto(base + JOB_AID)
        assert page_build(page) == build_b and first_start_dose(page) == "24"
        page.goto(base + CALCULATOR)
        assert run_taper(page, content_b) == "64"
        context.close()
    finally:
        host.close()
    assert errors == []


def test_a_reader_who_never_used_a_calculator_is_told_it_is_not_saved(browser, builds, tmp_path):
    """Nothing is downloaded that was not before; offline, the notice says the calculators are not saved."""
    site_a, _, build_a = builds["A"]
    site_b, _, build_b = builds["B"]
    host = Host(tmp_path / "served", sub_path=False)
    try:
        host.deploy(site_a)
        context = browser.new_context()
        page = context.new_page()
        page.goto(host.base + "index.html")
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        host.deploy(site_b)
        page.goto(host.base + "index.html")
        wait_for(page, "name => caches.keys().then(k => k.length === 1 && k[0] === name)", f"oamt-{build_b}")
        runtime = page.evaluate("""name => caches.open(name).then(c => c.keys())
            .then(r => r.filter(q => q.url.includes('/assets/pyodide/')).length)""", f"oamt-{build_b}")
        assert runtime == 0, "an update downloaded the runtime for a reader who never used a calculator"
        context.set_offline(True)
        goto_offline(page, host.base + "handbook/index.html")
        assert page_build(page) == build_b
        wait_for(page, "() => !!document.querySelector('#handbook-offline[data-calculators-offline]')")
        offline = page.locator("#handbook-offline")
        assert offline.get_attribute("data-calculators-offline") == "no"
        assert "calculators are not saved on this device" in offline.inner_text()
        context.close()
    finally:
        host.close()


def test_calculator_code_of_another_build_is_refused_and_never_stored(browser, builds, tmp_path):
    """A server answering this build's calculators.js address with another build's file (as one that
    already holds a new deployment answers a page of the previous one): the page loads it again past
    every cache, then refuses to calculate and says why; the service worker does not store it."""
    site_a, _, build_a = builds["A"]
    site_b, _, _ = builds["B"]
    host = Host(tmp_path / "served", sub_path=False)
    try:
        host.deploy(site_a)
        shutil.copy(site_b / "assets" / "pyodide" / "calculators.js", host.folder / "assets" / "pyodide")
        context = browser.new_context()
        requested: list[str] = []
        context.on("request", lambda r: requested.append(r.url) if "calculators.js" in r.url else None)
        page = context.new_page()
        page.goto(host.base + "index.html")
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        page.goto(host.base + CALCULATOR)
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
        enter(page, "taper", CASE)
        submit(page, "taper")
        status = page.locator('form[data-calculator="taper"] [data-calculator-status]')
        assert status.get_attribute("data-state") == "failed"
        assert "belong to another version of the handbook (calculators.js)" in status.inner_text()
        assert page.locator("#result-taper").is_hidden()
        assert any("reload=" in u for u in requested), "the page did not load the file again past the caches"
        stored = page.evaluate("""name => caches.open(name).then(c => c.keys())
            .then(r => r.map(q => q.url).filter(u => u.includes('calculators.js')))""", f"oamt-{build_a}")
        assert stored == [], stored
        context.close()
    finally:
        host.close()
