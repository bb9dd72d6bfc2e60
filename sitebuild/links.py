"""Marks links that leave the handbook, so a reader offline knows they need a connection.

Pure functions on HTML text; mkdocs_hook.py applies `mark_external_links` to
every built page. An off-site link is an `<a href>` with a scheme and a host
(`https://doi.org/...`, `//example.org/`) other than the site's own hosts and
the loopback addresses a reader uses to serve the handbook from their own
computer (http://127.0.0.1:8000/ needs no connection). Such a link gets:

- `class="external-link"`, added to any classes it has;
- `rel="external noopener"`, added to any rel tokens it has;
- a visually hidden " (external link, needs a connection)" at the end of its
  text, so screen readers say it; handbook.css shows a small arrow on screen
  and the address in print (not twice: a link whose text is its address also
  gets `external-link--address`).
"""

from __future__ import annotations

import ipaddress
import re
from html import escape, unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

EXTERNAL_CLASS = "external-link"
ADDRESS_CLASS = "external-link--address"  # the link text is the address itself: print need not repeat it
EXTERNAL_REL = ("external", "noopener")
NOTE_CLASS = "external-link__note"
NOTE_TEXT = " (external link, needs a connection)"
NOTE = f'<span class="visually-hidden {NOTE_CLASS}">{NOTE_TEXT}</span>'
LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    host = host.lower().strip("[]")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_external(href: str, own_hosts: frozenset[str] = frozenset()) -> bool:
    """Whether a link's target is on another host, reached through the network."""
    try:
        parts = urlsplit(href.strip())
        host = parts.hostname or ""
    except ValueError:  # a malformed address (e.g. a bad IPv6 literal) is not a working off-site link
        return False
    if not parts.netloc or parts.scheme == "file":
        return False  # relative paths, #fragments, mailto:, data:, javascript:, file: (all without a host)
    return bool(host) and not is_loopback(host) and host.lower() not in own_hosts


class _Finder(HTMLParser):
    """Finds each off-site <a>: its start tag's span and the offset of its </a>."""

    def __init__(self, own_hosts: frozenset[str]):
        super().__init__(convert_charrefs=True)
        self.own_hosts = own_hosts
        self.found: list[tuple[int, int, list[tuple[str, str | None]], int | None]] = []
        self._open: int | None = None  # index into found of the <a> not yet closed
        self._line_starts: list[int] = []

    def _position(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def feed_all(self, html: str) -> None:
        self._line_starts = [0]
        for i, ch in enumerate(html):
            if ch == "\n":
                self._line_starts.append(i + 1)
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag != "a":
            return
        self._open = None  # an <a> inside an unclosed <a> closes it, as browsers do
        href = dict(attrs).get("href")
        if href is None or not is_external(href, self.own_hosts):
            return
        classes = (dict(attrs).get("class") or "").split()
        if EXTERNAL_CLASS in classes:
            return  # already marked
        start = self._position()
        self.found.append((start, start + len(self.get_starttag_text() or ""), attrs, None))
        self._open = len(self.found) - 1

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            start, end, attrs, _ = self.found[self._open]
            self.found[self._open] = (start, end, attrs, self._position())
            self._open = None


def shows_address(text_html: str, href: str) -> bool:
    """Whether a link's text is its own address (give or take the scheme and a final slash)."""
    def bare(url: str) -> str:
        return re.sub(r"^[a-z]+://", "", url.strip(), flags=re.I).rstrip("/")

    return bare(unescape(re.sub(r"<[^>]*>", "", text_html))) == bare(href)


def _start_tag(attrs: list[tuple[str, str | None]], address: bool) -> str:
    names = [name for name, _ in attrs]
    values = dict(attrs)
    classes = (values.get("class") or "").split()
    rels = (values.get("rel") or "").split()
    values["class"] = " ".join(classes + [EXTERNAL_CLASS] + ([ADDRESS_CLASS] if address else []))
    values["rel"] = " ".join(rels + [r for r in EXTERNAL_REL if r not in rels])
    names += [n for n in ("class", "rel") if n not in names]
    parts = [name if values[name] is None else f'{name}="{escape(values[name] or "", quote=True)}"'
             for name in dict.fromkeys(names)]
    return "<a " + " ".join(parts) + ">"


def mark_external_links(html: str, own_hosts: frozenset[str] | set[str] = frozenset()) -> str:
    """The page with every off-site <a> marked (see the module's docstring); idempotent.

    `own_hosts` are the site's own host names (from its site_url), whose links are not off-site.
    """
    finder = _Finder(frozenset(h.lower() for h in own_hosts))
    finder.feed_all(html)
    out, last = [], 0
    for start, end, attrs, close in finder.found:
        address = close is not None and shows_address(html[end:close], dict(attrs).get("href") or "")
        out += [html[last:start], _start_tag(attrs, address)]
        last = end
        if close is not None:
            out += [html[last:close], NOTE]
            last = close
    out.append(html[last:])
    return "".join(out)
