"""A hosted copy updates cleanly: after a new version is deployed, the next visit
with a connection shows the new version and leaves only its cache behind."""

from __future__ import annotations

import json
import re
import shutil
import time

from sitebuild.service_worker import write_service_worker

from ..conftest import serving

CACHES = "() => caches.keys()"
# Only the new cache is left, and it holds the home page: the new version has installed and taken over.
REPLACED = """name => caches.keys().then(k => k.length === 1 && k[0] === name
    && caches.open(name).then(c => c.match(new URL('index.html', location.href).href)).then(hit => !!hit))"""


def test_a_new_deployment_replaces_the_cached_copy(browser, site_dir, tmp_path):
    served = tmp_path / "served"
    shutil.copytree(site_dir, served)
    with serving(served) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url + "index.html")
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
        old_caches = page.evaluate(CACHES)
        old_version = page.locator(".handbook-footer__version").get_attribute("data-version")
        assert len(old_caches) == 1

        # Deploy a new version: the home page changes, and the build writes a new service worker.
        home = served / "index.html"
        home.write_text(home.read_text(encoding="utf-8").replace(
            f'data-version="{old_version}"', 'data-version="next-release"'), encoding="utf-8")
        new_cache = json.loads(re.search(r"var CACHE = (\"[^\"]+\");",
                                         write_service_worker(served, "next-release").read_text()).group(1))
        assert new_cache != old_caches[0]

        # The next visit with a connection: the browser checks the worker, installs the new one, which takes over.
        page.reload()
        # (wait_for_function would take the promise itself as a truthy answer: poll with evaluate.)
        deadline = time.monotonic() + 60
        while not page.evaluate(REPLACED, new_cache):
            assert time.monotonic() < deadline, f"the new version never replaced the old: {page.evaluate(CACHES)}"
            time.sleep(0.5)
        page.reload()
        assert page.locator(".handbook-footer__version").get_attribute("data-version") == "next-release"
        # And it is what the browser keeps for offline use.
        context.set_offline(True)
        page.reload()
        assert page.locator(".handbook-footer__version").get_attribute("data-version") == "next-release"
        context.close()
