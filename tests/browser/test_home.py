"""The home page as a clinician in a hurry uses it (issue #15): the situations fit a phone and a desktop,
each entry's links open their pages, the Overdose link is in the header of every kind of page (served,
from disk and under a sub-path) and opens the overdose steps, and axe finds nothing serious."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading

import pytest

from sitebuild import content as content_model
from sitebuild import situations

from ..conftest import QuietHandler
from .support import open_page
from .test_site import axe_violations

SIZES = [(360, 740), (1280, 800)]
# One page of each kind, and the overdose job aid itself.
PAGE_TYPES = ["index.html", "handbook/12-assisted-withdrawal.html", "job-aids/take-home-safety.html",
              "calculators/stock.html", "job-aids/overdose-naloxone.html", "glossary.html"]


@pytest.fixture(scope="module")
def loaded():
    return situations.load(content_model.load())


def _open(browser, url: str, size: tuple[int, int], scheme: str = "light"):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, color_scheme=scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return context, page, errors


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_situations_fit_the_screen_and_their_links_open_their_pages(browser, http_url, loaded, size):
    context, page, errors = _open(browser, http_url + "index.html", size)
    try:
        facts = page.evaluate("""() => ({
            scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth,
            entries: [...document.querySelectorAll('ul.situations > li.situation')].map(li => {
                const r = li.getBoundingClientRect();
                return {title: li.querySelector('.situation__title').textContent.trim(),
                        first: li.querySelector('.situation__first').textContent.trim(),
                        left: r.left, right: r.right,
                        links: [...li.querySelectorAll('a.situation__link')].map(a => {
                            const b = a.getBoundingClientRect();
                            return {href: a.href, text: a.textContent.trim(), height: b.height, right: b.right};
                        })};
            }),
        })""")
        assert facts["scroll"] <= facts["width"], f"the home page is {facts['scroll']} px wide at {size[0]} px"
        assert [e["title"] for e in facts["entries"]] == [s.title for s in loaded.items]
        for entry, s in zip(facts["entries"], loaded.items):
            assert entry["first"] == f"First: {s.first_step}"
            assert 0 <= entry["left"] and entry["right"] <= facts["width"], entry["title"]
            assert len(entry["links"]) == len(s.links)
            for link, declared in zip(entry["links"], s.links):
                assert link["href"] == http_url + declared.url
                assert declared.label in link["text"]
                assert link["height"] >= 44, f"{declared.label}: a {link['height']:.0f} px target"
                assert link["right"] <= facts["width"]
        # On a phone, the first situation starts on the first screen.
        top = page.locator("ul.situations > li.situation").first.bounding_box()["y"]
        assert top < size[1] * 0.75, f"the first situation starts at {top:.0f} px"
        # Every link opens its page (the page's own title is its heading).
        request = context.request
        for s in loaded.items:
            for link in s.links:
                response = request.get(http_url + link.url)
                assert response.ok, link.url
                assert f">{link.title}<" in response.text().replace("&#39;", "'") or link.title in response.text()
        # Keyboard: a link takes focus, and Enter on the first opens the overdose steps.
        first = page.locator("a.situation__link").first
        first.focus()
        assert page.evaluate("() => document.activeElement.classList.contains('situation__link')")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url == http_url + loaded.items[0].links[0].url
    finally:
        context.close()
    assert errors == []


@pytest.mark.parametrize("base", ["http", "file"])
def test_the_overdose_link_is_in_the_header_of_every_kind_of_page(browser, http_url, file_url, loaded, base):
    root = http_url if base == "http" else file_url
    target = root + loaded.emergency.url
    for size in SIZES:
        context, page, errors = _open(browser, root + "index.html", size)
        try:
            for rel in PAGE_TYPES:
                page.goto(root + rel)
                link = page.locator("header.md-header a.handbook-emergency")
                assert link.count() == 1, rel
                assert link.is_visible() and link.inner_text().strip() == loaded.emergency.label, rel
                box = link.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= size[0], (rel, box)
                assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"), rel
                assert link.get_attribute("href") and not link.get_attribute("href").startswith("/"), rel
                with page.expect_navigation():
                    link.click()
                assert page.url == target, rel
                assert page.locator("h1").first.inner_text().strip() == "Opioid overdose and naloxone"
            # On the overdose page the link says where you are.
            assert page.locator("a.handbook-emergency").get_attribute("aria-current") == "page"
        finally:
            context.close()
        assert errors == []


@contextlib.contextmanager
def _under_sub_path(site_dir, tmp_path, prefix: str):
    """The site served at http://127.0.0.1:port/<prefix>/, as GitHub Pages serves a project site."""
    (tmp_path / prefix).symlink_to(site_dir, target_is_directory=True)
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{prefix}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_overdose_link_works_under_a_sub_path(browser, site_dir, tmp_path, loaded):
    with _under_sub_path(site_dir, tmp_path, "oamt-handbook") as base:
        context, page, watch = open_page(browser, base + "calculators/taper.html")
        try:
            with page.expect_navigation():
                page.locator("header a.handbook-emergency").click()
            assert page.url == base + loaded.emergency.url
            page.goto(base + "handbook/10-take-home-doses.html")
            with page.expect_navigation():
                page.locator("header a.handbook-emergency").click()
            assert page.url == base + loaded.emergency.url
        finally:
            context.close()
        assert watch.offsite == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_home_page_passes_axe(browser, http_url, size, scheme):
    context, page, _ = _open(browser, http_url + "index.html", size, scheme)
    try:
        found = axe_violations(page)
        assert found == [], "; ".join(f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in found)
    finally:
        context.close()
