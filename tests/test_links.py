"""Links in the built site: no broken internal link or anchor, and every link that
leaves the site well-formed and marked as needing a connection (sitebuild/links.py).

No browser: the built HTML is parsed with the standard library.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from sitebuild.links import (
    ADDRESS_CLASS,
    EXTERNAL_CLASS,
    NOTE_CLASS,
    NOTE_TEXT,
    is_external,
    is_loopback,
    mark_external_links,
)

# Which attribute of which element names another resource.
LINKING = {"a": "href", "link": "href", "script": "src", "img": "src"}
IGNORED_SCHEMES = {"data", "mailto", "javascript", "blob", "tel"}


class Page(HTMLParser):
    """The ids and names a page defines, its links, and, for each off-site <a>, its attributes and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.targets: set[str] = set()
        self.links: list[tuple[str, str, dict[str, str]]] = []  # (tag, url, attributes)
        self.texts: dict[int, list[str]] = {}  # index in links → text inside that <a>
        self._in_a: int | None = None

    def handle_starttag(self, tag, attrs):
        values = {k: v or "" for k, v in attrs}
        for key in ("id",) + (("name",) if tag in ("a", "map") else ()):
            if values.get(key):
                self.targets.add(values[key])
        if tag == "a":
            self._in_a = None
        attribute = LINKING.get(tag)
        if attribute and attribute in values:
            self.links.append((tag, values[attribute], values))
            if tag == "a":
                self._in_a = len(self.links) - 1
                self.texts[self._in_a] = []

    def handle_endtag(self, tag):
        if tag == "a":
            self._in_a = None

    def handle_data(self, data):
        if self._in_a is not None:
            self.texts[self._in_a].append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def pages(site_dir) -> dict[str, Page]:
    """Every HTML file of the built site, by its path from the site's root."""
    return {p.relative_to(site_dir).as_posix(): parse(p) for p in sorted(site_dir.rglob("*.html"))}


def resolve(page: str, url: str) -> tuple[str, str]:
    """A local link from a page → (the target's path from the site's root, the fragment)."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if not path:
        target = page
    elif path.startswith("/"):
        target = posixpath.normpath(path.lstrip("/"))
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    if path.endswith("/") or target == ".":
        target = posixpath.join("" if target == "." else target, "index.html")
    return target, unquote(parts.fragment)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def test_the_site_has_pages_and_links(pages):
    assert "index.html" in pages and "bibliography.html" in pages
    assert sum(len(p.links) for p in pages.values()) > 100


def test_no_broken_internal_link_or_anchor(pages, site_dir):
    broken: dict[str, list[str]] = defaultdict(list)
    checked = 0
    for name, page in pages.items():
        for tag, url, _ in page.links:
            if urlsplit(url).scheme in IGNORED_SCHEMES or not is_local(url):
                continue
            target, fragment = resolve(name, url)
            checked += 1
            if target.startswith("../") or not (site_dir / target).is_file():
                broken[name].append(f"<{tag}> {url}: no file {target}")
            elif fragment and target.endswith(".html") and fragment not in pages[target].targets:
                broken[name].append(f"<{tag}> {url}: no id {fragment!r} in {target}")
    assert checked > 100
    assert not broken, dict(broken)


def test_links_off_the_site_are_well_formed_and_marked(pages):
    problems: dict[str, list[str]] = defaultdict(list)
    seen = 0
    for name, page in pages.items():
        for i, (tag, url, attrs) in enumerate(page.links):
            parts = urlsplit(url)
            if parts.scheme in IGNORED_SCHEMES or is_local(url):
                continue
            host = parts.hostname or ""
            if is_loopback(host):  # the reader's own copy, served from their computer: no connection needed
                if EXTERNAL_CLASS in attrs.get("class", "").split():
                    problems[name].append(f"{url}: a loopback address marked as needing a connection")
                continue
            if tag == "link" and set(attrs.get("rel", "").split()) & {"canonical", "alternate"}:
                continue  # names the published address; loads nothing
            seen += 1
            if tag != "a":
                problems[name].append(f"<{tag}> loads {url} from another host: the site must work offline")
                continue
            if parts.scheme != "https" or not host or "." not in host or parts.port is not None:
                problems[name].append(f"{url}: not https:// with a host name")
            if "doi" in host and (host != "doi.org" or not parts.path.startswith("/10.")):
                problems[name].append(f"{url}: a DOI must read https://doi.org/10.…")
            if " " in url or url != url.strip():
                problems[name].append(f"{url!r}: spaces in the address")
            if EXTERNAL_CLASS not in attrs.get("class", "").split():
                problems[name].append(f"{url}: no class {EXTERNAL_CLASS}")
            if not {"external", "noopener"} <= set(attrs.get("rel", "").split()):
                problems[name].append(f"{url}: rel is {attrs.get('rel')!r}, not 'external noopener'")
            if NOTE_TEXT.strip() not in "".join(page.texts.get(i, [])):
                problems[name].append(f"{url}: no hidden '{NOTE_TEXT.strip()}'")
    assert seen, "the bibliography links DOIs and sources: some links must leave the site"
    assert not problems, dict(problems)


def test_footer_and_own_pages_are_not_marked(pages):
    for name, page in pages.items():
        for tag, url, attrs in page.links:
            if tag == "a" and is_local(url):
                assert EXTERNAL_CLASS not in attrs.get("class", "").split(), (name, url)


# ---------------------------------------------------------------- the pure function


def test_marks_an_offsite_link_keeping_its_classes_and_rel():
    html = '<p>See <a class="external" href="https://doi.org/10.1/x" rel="noopener">10.1/x</a>.</p>'
    out = mark_external_links(html)
    assert out == ('<p>See <a class="external external-link" href="https://doi.org/10.1/x" '
                   'rel="noopener external">10.1/x<span class="visually-hidden external-link__note">'
                   ' (external link, needs a connection)</span></a>.</p>')


def test_a_bare_link_gets_class_rel_and_the_hidden_note():
    page = Page()
    page.feed(mark_external_links('<a href="//example.org/a?b=1&amp;c=2" title="&quot;q&quot;">x <b>y</b></a>'))
    (tag, url, attrs), = page.links
    assert url == "//example.org/a?b=1&c=2" and attrs["title"] == '"q"'
    assert attrs["class"] == EXTERNAL_CLASS and attrs["rel"] == "external noopener"
    assert "".join(page.texts[0]) == "x y" + NOTE_TEXT


@pytest.mark.parametrize("html", [
    '<a href="bibliography.html#who-2025">WHO</a>',
    '<a href="#top">top</a>',
    '<a href="../handbook/index.html">up</a>',
    '<a href="/about.html">about</a>',
    '<a href="mailto:someone@example.org">mail</a>',
    '<a href="javascript:void(0)">js</a>',
    '<a href="data:text/plain,x">data</a>',
    '<a href="http://127.0.0.1:8000/">your own copy</a>',
    '<a href="http://localhost:8000/">your own copy</a>',
    '<a name="anchor">no href</a>',
    '<link rel="stylesheet" href="https://example.org/a.css">',
    '<script>const s = "<a href=https://example.org>x</a>";</script>',
    '<p>https://example.org in text</p>',
])
def test_leaves_everything_else_alone(html):
    assert mark_external_links(html) == html


def test_the_sites_own_host_is_not_offsite():
    html = '<a href="https://handbook.example.org/about.html">About</a>'
    assert mark_external_links(html, {"handbook.example.org"}) == html
    assert EXTERNAL_CLASS in mark_external_links(html)


def test_marking_twice_changes_nothing():
    once = mark_external_links('<a href="https://example.org/">https://example.org/</a>')
    assert mark_external_links(once) == once
    assert once.count(NOTE_CLASS) == 1


def test_a_link_that_shows_its_address_is_not_printed_twice():
    shown = mark_external_links('<a href="https://www.nice.org.uk/guidance/ta114">https://www.nice.org.uk/guidance/'
                                'ta114</a>')
    named = mark_external_links('<a href="https://doi.org/10.1/x">10.1/x</a>')
    assert ADDRESS_CLASS in shown and ADDRESS_CLASS not in named


def test_unclosed_and_nested_links():
    out = mark_external_links('<a href="https://a.example/">a <a href="https://b.example/">b</a>')
    assert out.count(f'class="{EXTERNAL_CLASS}"') == 2 and out.count(NOTE_CLASS) == 1
    assert mark_external_links('<p><a href="https://a.example/">open').count(EXTERNAL_CLASS) == 1


def test_positions_hold_across_lines_and_entities():
    html = 'é\n<p>«x» &amp;\n  <a\n href="https://a.example/"\n>a</a>\n<a href="x.html">b</a>'
    out = mark_external_links(html)
    assert out.startswith('é\n<p>«x» &amp;\n  <a href="https://a.example/" class="external-link" rel="external '
                          'noopener">a<span')
    assert out.endswith('</span></a>\n<a href="x.html">b</a>')


@pytest.mark.parametrize(("href", "external"), [
    ("https://doi.org/10.1/x", True), ("http://example.org", True), ("//example.org/x", True),
    ("HTTPS://EXAMPLE.ORG/", True), ("ftp://example.org/", True), ("http://127.0.0.1:8000/", False),
    ("http://[::1]/", False), ("file:///tmp/x.html", False), ("about.html", False), ("#x", False),
    ("http://[bad/", False),
])
def test_is_external(href, external):
    assert is_external(href) is external
