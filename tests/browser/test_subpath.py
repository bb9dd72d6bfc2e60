"""The site served under a sub-path, as GitHub Pages serves a project site
(https://<org>.github.io/<repo>/): pages, search, a calculator and the
service worker work, the not-found page too, and nothing is asked for
outside the sub-path.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sitebuild import pyodide_embed
from tests.conftest import QuietHandler

from .calc_checks import check_case
from .test_handbook import search_titles
from .support import goto_offline

PREFIX = "/oamt-handbook/"


class SubPathHandler(QuietHandler):
    """Serves the site only under PREFIX and 404s everything else; a missing file under
    PREFIX gets the site's 404.html, as GitHub Pages does. Records every path asked for."""

    def __init__(self, *args, seen: list[str], **kwargs):
        self.seen = seen
        super().__init__(*args, **kwargs)

    def send_head(self):
        self.seen.append(self.path)
        clean = urlsplit(self.path).path
        if not clean.startswith(PREFIX) and clean + "/" != PREFIX:
            self.send_error(404)
            return None
        return super().send_head()

    def translate_path(self, path):
        if urlsplit(path).path + "/" == PREFIX:  # the bare "/oamt-handbook": the base class redirects to "…/"
            return self.directory
        return super().translate_path("/" + path[len(PREFIX):])

    def send_error(self, code, message=None, explain=None):
        not_found = Path(self.directory) / "404.html"
        if code == 404 and urlsplit(self.path).path.startswith(PREFIX) and not_found.is_file():
            body = not_found.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


def test_the_server_serves_only_the_sub_path(subpath_site):
    import urllib.error
    import urllib.request

    base, _ = subpath_site
    root = base[: -len(PREFIX)]
    assert urllib.request.urlopen(base + "index.html").status == 200
    with pytest.raises(urllib.error.HTTPError) as outside:
        urllib.request.urlopen(root + "/index.html")
    assert outside.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(base + "no-such-page.html")
    assert missing.value.code == 404 and b"md-content" in missing.value.read()


def test_pages_search_calculator_and_offline_under_a_sub_path(browser, subpath_site, site_dir):
    base, seen = subpath_site
    seen.clear()
    origin = base[: -len(PREFIX)]
    context = browser.new_context()
    outside: list[str] = []
    errors: list[str] = []

    def inside(url: str) -> bool:
        return url.startswith(base) or urlsplit(url).scheme in ("data", "blob", "about")

    def route(r):
        if r.request.url.startswith(origin + "/"):
            r.continue_()  # the server answers, so a request outside the sub-path is seen as a 404
        else:
            r.abort()
    context.route("**/*", route)
    context.on("request", lambda r: None if inside(r.url) else outside.append(r.url))
    context.on("page", lambda p: (p.on("pageerror", lambda e: errors.append(str(e))),
                                  p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)))
    page = context.new_page()

    # The bare project address, as people type it, and the home page it shows.
    page.goto(base)
    assert page.locator(".handbook-footer__version").is_visible()
    home_title = page.locator("h1").inner_text()
    # The contents, from the home page, and a chapter from the contents.
    page.get_by_role("link", name="Handbook contents", exact=True).first.click()
    page.wait_for_load_state()
    assert page.url == base + "handbook/index.html"
    assert "Handbook contents" in page.locator("h1").inner_text()
    chapter = page.locator("article a[href$='.html']", has_text="naloxone").first
    chapter.click()
    page.wait_for_load_state()
    assert page.url.startswith(base + "handbook/") and "naloxone" in page.locator("h1").inner_text().lower()

    titles = search_titles(page, "naloxone")
    assert any("naloxone" in t.lower() for t in titles[:3]), titles[:5]
    page.keyboard.press("Escape")

    # The service worker is registered for the sub-path only, and controls pages after a reload.
    scope = page.evaluate("() => navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == base
    page.reload()
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
    cached = page.evaluate("() => caches.keys().then(names => Promise.all(names.map(n => caches.open(n).then(c => c.keys()))))"
                           ".then(lists => lists.flat())"
                           ".then(requests => requests.map(r => r.url))")
    assert base + "index.html" in cached and base + "search/search_index.json" in cached, sorted(cached)[:60]
    assert all(u.startswith(base) for u in cached), [u for u in cached if not u.startswith(base)]
    assert not [u for u in cached if "/assets/pyodide/" in u], "reading pages downloaded the Python runtime"

    # One calculator online: the right result, and the runtime is cached for every calculator.
    page.goto(base + "calculators/taper.html")
    check_case(page, "taper")
    # The runtime is stored under its content-hashed addresses only (never an earlier build's file): the files the
    # page used first, then the rest a hosted copy uses (the other languages' messages). Over http that is the
    # site's raw files and small scripts; the base64 copies only a copy opened from disk needs are not downloaded.
    expected = {p.name for p in (site_dir / "assets" / "pyodide").iterdir()} - set(pyodide_embed.FILE_ONLY_SCRIPTS)

    def stored() -> list[str]:
        return page.evaluate("() => caches.keys().then(names => Promise.all(names.map(n => caches.open(n)"
                             ".then(c => c.keys())))).then(lists => lists.flat())"
                             ".then(rs => rs.map(r => r.url).filter(u => u.includes('/assets/pyodide/')))")

    for _ in range(60):
        runtime = stored()
        if {u.split("/assets/pyodide/")[1].split("?")[0] for u in runtime} == expected:
            break
        page.wait_for_timeout(500)
    assert {u.split("/assets/pyodide/")[1].split("?")[0] for u in runtime} == expected, runtime
    assert len(runtime) == len(set(runtime)) and all(
        re.fullmatch(re.escape(base) + r"assets/pyodide/[\w.-]+\?v=[0-9a-f]{16}", u) for u in runtime), runtime

    context.set_offline(True)
    for path, heading in (("", home_title), ("handbook/index.html", "Handbook contents")):
        goto_offline(page, base + path)
        assert heading in page.locator("h1").inner_text()
        assert page.locator("#handbook-offline").is_visible()
    titles = search_titles(page, "take-home")
    assert any("take-home" in t.lower() for t in titles[:3]), titles[:5]
    page.keyboard.press("Escape")
    page.goto(base + "calculators/takehome.html")
    check_case(page, "takehome")
    context.close()

    assert outside == [], "the site asked for something outside its sub-path"
    assert seen and all(p.startswith(PREFIX) for p in seen), [p for p in seen if not p.startswith(PREFIX)]
    assert errors == []


def test_the_not_found_page_works_under_the_sub_path(browser, subpath_site):
    """GitHub Pages answers a missing address with the site's 404.html, at that address."""
    base, _ = subpath_site
    context = browser.new_context()
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    page = context.new_page()
    page.goto(base + "handbook/no-such-chapter.html")
    page.wait_for_load_state("networkidle")
    outside = [u for u in requested if not u.startswith(base)]
    styled = page.evaluate("() => document.styleSheets.length > 1 && !!document.querySelector('.md-header')")
    links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    context.close()
    assert outside == [], "the not-found page asks for files outside the sub-path"
    assert styled, "the not-found page has lost its style sheets"
    assert base + "index.html" in links
    origin = base[: -len(PREFIX)]
    assert [u for u in links if u.startswith(origin) and not u.startswith(base)] == [], \
        "the not-found page links outside the sub-path"
