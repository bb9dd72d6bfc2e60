"""Screenshots for "Using this handbook offline" (docs/using-offline.md), taken
from the built site in Debian's Chromium:

    .venv/bin/python -m sitebuild.screenshots site docs/assets/screenshots

Run it after `make build` when the look of the site changes, and commit the
PNGs. Each is 900 CSS pixels wide at scale 1, so they stay small.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path

WIDTH = 900
CHROMIUM = "/usr/bin/chromium"
# As in the tests: no background services, and no DNS for anything but 127.0.0.1.
CHROME_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
# The worked example of the taper calculator's page.
TAPER = {"medicine": "methadone", "mode": "proportional", "start_dose_mg": "80", "percent": "10", "stop_dose_mg": "5"}

SHOTS = {
    "home-from-disk.png": "the home page of a copy opened from disk",
    "calculator-ready.png": "a calculator that has started and says it is ready",
    "calculator-result.png": "a calculator's result in a copy opened from disk",
    "offline-notice.png": "the notice on a visited hosted copy read offline",
    "footer-version.png": "the footer with the version and the build date",
    "keep-offline.png": "\"Keep everything offline\" on a hosted copy, once everything is stored",
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _box(page, selector: str, index: int = 0) -> dict:
    """Where an element is on the page (page coordinates, whatever the scroll)."""
    box = page.evaluate("""([selector, index]) => {
        const el = document.querySelectorAll(selector)[index];
        if (!el) return null;
        const r = el.getBoundingClientRect();
        return {y: r.top + window.scrollY, height: r.height};
    }""", [selector, index])
    if box is None:
        raise SystemExit(f"{selector} is not on {page.url}")
    return box


def _clip(top: float, bottom: float) -> dict:
    """A full-width band of the page between two heights (page coordinates: use with full_page=True)."""
    top = max(0.0, top)
    return {"x": 0, "y": top, "width": WIDTH, "height": bottom - top}


def _taper_page(context, url: str):
    page = context.new_page()
    page.goto(url)
    form = page.locator('form[data-calculator="taper"]')
    form.locator("select[name=medicine]").select_option(TAPER["medicine"])
    form.locator("select[name=mode]").select_option(TAPER["mode"])
    for name in ("start_dose_mg", "percent", "stop_dose_mg"):
        form.locator(f"input[name={name}]").fill(TAPER[name])
    return page, form


def shoot(site: Path, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    if not (site / "index.html").is_file():
        raise SystemExit(f"{site}/index.html not found: run `make build` first.")
    out.mkdir(parents=True, exist_ok=True)
    disk = site.resolve().as_uri() + "/"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hosted = f"http://127.0.0.1:{server.server_address[1]}/"
    written = []
    status = "[data-calculator-status]"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_FLAGS, headless=True)
            context = browser.new_context(viewport={"width": WIDTH, "height": 800}, device_scale_factor=1,
                                          reduced_motion="reduce")

            # (a) The home page, opened from disk.
            page = context.new_page()
            page.goto(disk + "index.html")
            page.screenshot(path=str(out / "home-from-disk.png"), full_page=True, clip=_clip(0, 560))
            page.close()

            # (b) A calculator: ready after the first click into its form, then a result.
            page, form = _taper_page(context, disk + "calculators/taper.html")
            form.locator("input[name=start_dose_mg]").focus()
            page.wait_for_function(f"() => document.querySelector('{status}').dataset.state === 'ready'",
                                   timeout=120_000)
            top, bottom = _box(page, "form.calc-form button[type=submit]"), _box(page, status)
            page.screenshot(path=str(out / "calculator-ready.png"), full_page=True,
                            clip=_clip(top["y"] - 16, bottom["y"] + bottom["height"] + 12))
            form.get_by_role("button", name="Calculate").click()
            page.wait_for_function(f"() => document.querySelector('{status}').dataset.state === 'done'",
                                   timeout=120_000)
            # The summary line, the inputs and the first days of the schedule.
            top = _box(page, "#result-taper .calc-summary")
            last = _box(page, "#result-taper .calc-schedule tbody tr", 5)
            page.screenshot(path=str(out / "calculator-result.png"), full_page=True,
                            clip=_clip(top["y"] - 12, last["y"] + last["height"] + 2))
            page.close()

            # (d) The footer: version and build date.
            page = context.new_page()
            page.goto(disk + "index.html")
            page.locator("footer.handbook-footer").screenshot(path=str(out / "footer-version.png"))
            page.close()
            context.close()

            # (c) A hosted copy visited once, then read with no connection.
            context = browser.new_context(viewport={"width": WIDTH, "height": 800}, device_scale_factor=1,
                                          reduced_motion="reduce")
            page = context.new_page()
            page.goto(hosted + "index.html")
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
            page.reload()
            page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
            context.set_offline(True)
            page.goto(hosted + "handbook/index.html")
            # Chromium 150 starts a new document with navigator.onLine true under the offline emulation;
            # applying it again gives the page the state a device with no connection reports.
            context.set_offline(False)
            context.set_offline(True)
            page.wait_for_function("() => navigator.onLine === false")
            notice = _box(page, "#handbook-offline")
            page.screenshot(path=str(out / "offline-notice.png"), full_page=True,
                            clip=_clip(0, notice["y"] + notice["height"] + 70))
            context.close()

            # (e) "Keep everything offline" on a hosted copy, once everything is stored.
            context = browser.new_context(viewport={"width": WIDTH, "height": 800}, device_scale_factor=1,
                                          reduced_motion="reduce")
            page = context.new_page()
            page.goto(hosted + "using-offline.html")
            page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
            state = "document.querySelector('[data-keep-offline]').dataset.state"
            page.wait_for_function(f"() => {state} === 'partial'", timeout=60_000)
            page.get_by_role("button", name="Keep everything offline").click()
            page.wait_for_function(f"() => {state} === 'complete'", timeout=300_000)
            box = _box(page, "[data-keep-offline]")
            page.screenshot(path=str(out / "keep-offline.png"), full_page=True,
                            clip=_clip(box["y"] - 12, box["y"] + box["height"] + 12))
            context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    for name in SHOTS:
        written.append(out / name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path, help="the built site (make build writes site/)")
    parser.add_argument("out", type=Path, help="where the PNGs go, e.g. docs/assets/screenshots")
    args = parser.parse_args(argv)
    for path in shoot(args.site, args.out):
        print(f"{path} ({path.stat().st_size / 1000:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
