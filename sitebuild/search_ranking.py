"""What the search box finds first: the built search index, adjusted after mkdocs-material writes it.

mkdocs-material's search (lunr, in the browser) ranks the index's entries by their title (boost 1000),
text (boost 1) and any further fields the index's `config.fields` declares, each entry multiplied by its
own `boost`. Three adjustments, so that a clinician's words find the pages that answer them:

- **Situation words** (content/situations.yml: each situation's title and `keywords`) become a field of
  the first entry (the page itself, not a section) of every page the situation links to: `keywords` for
  its first link, which then comes first, `related` for the others, which follow. "weeks of methadone
  left" then finds the stock planner, "closure" the disruption checklist. They are not shown anywhere.
- **Left out**: the whole-handbook print page, which repeats every chapter and would double every hit,
  and the home page, whose situations only point to the pages that answer them.
- **Ranked last**: pages about the handbook rather than about patients (hosting, writing a profile,
  the hazard log, checking sources, offline use, about): a title hit there (1000) weighs less than one
  word in a chapter's text (1). Reference lists (glossary, bibliography, indexes) rank below
  chapters.

The same index is in search/search_index.json (served copies) and search/search_index.js (the
offline plugin's copy for file://): both are rewritten.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

# A keyword hit outweighs a title hit (1000): the words were chosen for exactly this page. A situation's
# first link outweighs its others.
FIELDS = {"keywords": 5000.0, "related": 2000.0}
EXCLUDED = ("handbook/print.html", "index.html")
# Page (.html) → entry boost. Anything not listed keeps 1 (chapters, job aids, calculators).
BOOSTS: dict[str, float] = {
    "hosting.html": 0.0001,
    "writing-a-profile.html": 0.0001,
    "hazard-log.html": 0.0001,
    "checking-sources.html": 0.0001,
    "using-offline.html": 0.0001,
    "about.html": 0.0001,
    "about-this-handbook.html": 0.0001,
    "bibliography.html": 0.05,
    "glossary.html": 0.3,
    "handbook/index.html": 0.2,
    "job-aids/index.html": 0.2,
    "calculators/index.html": 0.2,
}
JS_PREFIX = "var __index = "   # how mkdocs-material's offline plugin writes search_index.js


def page_of(location: str) -> str:
    return location.split("#", 1)[0]


def adjust(index: dict, keywords: Mapping[str, tuple[str, ...]],
           related: Mapping[str, tuple[str, ...]] | None = None) -> dict:
    """The index with situation words added, the print page left out and boosts set (a new dict).
    `keywords`, `related`: page (.html) → words for that field."""
    words = {"keywords": keywords, "related": related or {}}
    docs = []
    for doc in index["docs"]:
        page = page_of(doc["location"])
        if page in EXCLUDED:
            continue
        doc = dict(doc)
        if page in BOOSTS:
            doc["boost"] = BOOSTS[page]
        for name, by_page in words.items():
            if doc["location"] == page and by_page.get(page):
                doc[name] = " ".join(by_page[page])
        docs.append(doc)
    config = json.loads(json.dumps(index["config"]))
    for name, boost in FIELDS.items():
        config.setdefault("fields", {})[name] = {"boost": boost}
    return {**index, "config": config, "docs": docs}


def rewrite(site: Path, keywords: Mapping[str, tuple[str, ...]],
            related: Mapping[str, tuple[str, ...]] | None = None) -> None:
    """Adjust the built site's search index in place (both its .json and its .js copy)."""
    folder = site / "search"
    source = folder / "search_index.json"
    if not source.is_file():
        return
    data = json.dumps(adjust(json.loads(source.read_text(encoding="utf-8")), keywords, related),
                      separators=(",", ":"))
    source.write_text(data, encoding="utf-8")
    script = folder / "search_index.js"
    if script.is_file():
        script.write_text(JS_PREFIX + data, encoding="utf-8")
