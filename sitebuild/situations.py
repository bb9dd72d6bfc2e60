"""Situations (content/situations.yml): the home page's entries, the header's emergency link, and the
words people search with for each situation.

Loaded after the rest of content/ (`load(content)`), because every link must name a page the build
writes: a chapter, job aid or calculator of the content model, or a fixed page (sitebuild.routes).
A bad file fails the build with the file, the field, the reason and the fix, like every content file.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from sitebuild import routes
from sitebuild.content import Checker, Content, ContentError, _load_yaml, text_list
from sitebuild.routes import path_of

FILE = "situations.yml"
MARKER = "<!-- situations -->"
KINDS = {"chapter": "Chapter", "job-aid": "Job aid", "calculator": "Calculator", "page": "Page"}
MAX_LINKS = 3
MAX_TITLE = 60
MAX_FIRST_STEP = 200
_ID_OK = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Link:
    kind: str          # chapter, job-aid, calculator or page
    path: str          # the site path (.md), from sitebuild.routes
    title: str         # the page's own title
    label: str         # what the link says (the title unless the file gives a label)

    @property
    def url(self) -> str:
        return re.sub(r"\.md$", ".html", self.path)


@dataclass(frozen=True)
class Situation:
    id: str
    title: str
    first_step: str
    links: tuple[Link, ...]
    keywords: tuple[str, ...] = ()
    urgent: bool = False


@dataclass(frozen=True)
class Situations:
    items: tuple[Situation, ...] = ()
    emergency: Link | None = None

    def keywords_by_url(self, first: bool = True) -> dict[str, tuple[str, ...]]:
        """Site URL (.html) → the search words of every situation whose first link (`first=True`), or whose
        second or third link (`first=False`), it is; in file order."""
        found: dict[str, list[str]] = {}
        for situation in self.items:
            for link in situation.links[:1] if first else situation.links[1:]:
                words = found.setdefault(link.url, [])
                words.extend(w for w in (situation.title, *situation.keywords) if w not in words)
        return {url: tuple(words) for url, words in found.items()}


# ---------------------------------------------------------------- loading


def _targets(content: Content) -> dict[str, dict[str, tuple[str, str]]]:
    """For each kind of link: every name it may use → (site path, page title)."""
    chapters: dict[str, tuple[str, str]] = {}
    for ch in content.chapters:
        chapters[ch.slug] = chapters[f"{ch.order:02d}-{ch.slug}"] = (path_of("chapter", ch), ch.title)
    return {
        "chapter": chapters,
        "job-aid": {a.slug: (path_of("job-aid", a), a.title) for a in content.job_aids},
        "calculator": {p.slug: (path_of("calculator", p), p.title) for p in content.calculator_pages},
        "page": {key: (path, key.replace("-", " ").capitalize()) for key, path in routes.FIXED.items()},
    }


def _link(check: Checker, raw: Any, where: str, targets: dict[str, dict[str, tuple[str, str]]]) -> Link | None:
    if not check.fields(raw, (), ("label", *KINDS), where=where):
        return None
    kinds = [k for k in KINDS if k in raw]
    if len(kinds) != 1:
        check.add(where, f"names {'no page' if not kinds else 'more than one page (' + ', '.join(kinds) + ')'}.",
                  "give exactly one of chapter:, job-aid:, calculator: or page:, and optionally label:.")
        return None
    kind = kinds[0]
    name = raw[kind]
    if not isinstance(name, str) or not name.strip():
        check.add(f"{where}.{kind}", "expected the name of a page as text.",
                  f"write the {KINDS[kind].lower()}'s file name without its extension.")
        return None
    name = name.strip()
    if name not in targets[kind]:
        known = ", ".join(sorted(n for n in targets[kind] if not re.match(r"^\d\d-", n)))
        check.add(f"{where}.{kind}", f"names '{name}', which is not a {KINDS[kind].lower()} of the site.",
                  f"use one of: {known}.")
        return None
    path, title = targets[kind][name]
    label = check.text(raw, "label", where) or title
    return Link(kind, path, title, label)


def read(raw: Any, check: Checker, content: Content) -> Situations:
    """Validate the parsed file; every problem is added to `check`."""
    if raw is None:
        return Situations()
    if not check.fields(raw, ("situations",), ("emergency",)):
        return Situations()
    targets = _targets(content)
    emergency = None
    if raw.get("emergency") is not None:
        emergency = _link(check, raw["emergency"], "emergency", targets)
    items = raw.get("situations")
    if not isinstance(items, list):
        check.add("situations", "expected a list of situations.", "write one '- id: ...' entry for each situation.")
        return Situations((), emergency)
    found, seen = [], set()
    for i, item in enumerate(items):
        where = f"situations[{i}]"
        if not check.fields(item, ("id", "title", "first_step", "links"), ("keywords", "urgent"), where=where):
            continue
        sid = check.text(item, "id", where)
        if sid and not _ID_OK.match(sid):
            check.add(f"{where}.id", f"'{sid}' is not a valid id.", "use lowercase letters, digits and hyphens.")
        elif sid in seen:
            check.add(f"{where}.id", f"'{sid}' is used by another situation.", "give each situation its own id.")
        seen.add(sid)
        title = check.text(item, "title", where)
        if len(title) > MAX_TITLE:
            check.add(f"{where}.title", f"is {len(title)} characters long.",
                      f"shorten it to {MAX_TITLE} characters or fewer: it is a button on a phone.")
        first = check.text(item, "first_step", where)
        if first and ("\n" in first or len(first) > MAX_FIRST_STEP):
            check.add(f"{where}.first_step", "is longer than one line.",
                      f"write one sentence of at most {MAX_FIRST_STEP} characters.")
        if first and not first.endswith((".", "!")):
            check.add(f"{where}.first_step", "does not end with a full stop.", "write it as one full sentence.")
        if first and ("[@" in first or "](" in first or "<" in first):
            check.add(f"{where}.first_step", "holds a citation, a link or HTML.",
                      "write plain text: put sources and links on the linked pages.")
        links = []
        raw_links = item.get("links")
        if isinstance(raw_links, list) and 1 <= len(raw_links) <= MAX_LINKS:
            for j, raw_link in enumerate(raw_links):
                link = _link(check, raw_link, f"{where}.links[{j}]", targets)
                if link:
                    links.append(link)
        elif raw_links not in (None, "", []):
            check.add(f"{where}.links", f"expected a list of 1 to {MAX_LINKS} links.",
                      "list the pages to open, most useful first: '- job-aid: overdose-naloxone'.")
        urgent = item.get("urgent", False)
        if not isinstance(urgent, bool):
            check.add(f"{where}.urgent", "expected true or false.", "write 'urgent: true' or leave it out.")
            urgent = False
        keywords = text_list(check, item.get("keywords"), f"{where}.keywords", "a search word or phrase")
        found.append(Situation(sid, title, first, tuple(links), keywords, urgent))
    return Situations(tuple(found), emergency)


def load(content: Content, content_dir: Path | None = None) -> Situations:
    """content/situations.yml, validated against the loaded content; an absent file is no situations."""
    from sitebuild.content import _rel, default_content_dir

    path = (content_dir or default_content_dir()) / FILE
    if not path.exists():
        return Situations()
    check = Checker(_rel(path, path.parent))
    raw = _load_yaml(path, check)
    situations = read(raw, check, content) if not check.problems else Situations()
    if check.problems:
        raise ContentError(check.problems)
    return situations


# ---------------------------------------------------------------- rendering


def _href(page: str, link: Link) -> str:
    return posixpath.relpath(link.url, posixpath.dirname(page) or ".")


def render(situations: Situations, page: str, t=lambda words: words) -> str:
    """The home page's entries as HTML (raw HTML in Markdown: every href is a relative .html URL);
    `t` gives the interface words in the page's language (sitebuild.i18n)."""
    if not situations.items:
        return ""
    out = ['<ul class="situations">']
    for s in situations.items:
        cls = "situation situation--urgent" if s.urgent else "situation"
        heading = f"situation-{escape(s.id)}"
        out.append(f'<li class="{cls}">')
        out.append(f'<h3 class="situation__title" id="{heading}">{escape(s.title)}</h3>')
        out.append(f'<p class="situation__first"><strong>{escape(t("First:"))}</strong> {escape(s.first_step)}</p>')
        out.append('<ul class="situation__links">')
        for link in s.links:
            out.append(f'<li><a class="situation__link" href="{escape(_href(page, link), quote=True)}">'
                       f'<span class="situation__kind">{escape(t(KINDS[link.kind]))}</span> '
                       f'<span class="situation__label">{escape(link.label)}</span></a></li>')
        out.append("</ul>")
        out.append("</li>")
    out.append("</ul>")
    return "\n".join(out)
