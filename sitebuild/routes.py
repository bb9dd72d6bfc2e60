"""Where every page of the site lives: the one module that knows page paths.

Links, the navigation and link validation all ask `path_of`, so a page moves
by changing one line here. Paths are MkDocs source paths (`.md`); the built
page is the same path ending in `.html`.
"""

from __future__ import annotations

from typing import Any

# Pages that are not made from a content item: hand-written ones (docs/) and generated indexes.
FIXED = {
    "home": "index.md",
    "about": "about.md",
    "writing-a-profile": "writing-a-profile.md",
    "using-offline": "using-offline.md",
    "hosting": "hosting.md",
    "hazard-log": "hazard-log.md",
    "glossary": "glossary.md",
    "bibliography": "bibliography.md",
    "checking-sources": "checking-sources.md",
    "about-this-handbook": "about-this-handbook.md",
    "handbook": "handbook/index.md",
    "handbook-print": "handbook/print.md",
    "job-aids": "job-aids/index.md",
    "calculators": "calculators/index.md",
}


def path_of(kind: str, item: Any = None) -> str:
    """The site path of a fixed page (`path_of("glossary")`) or of a content item (`path_of("chapter", ch)`)."""
    if kind == "chapter":
        return f"handbook/{item.order:02d}-{item.slug}.md"
    if kind == "job-aid":
        return f"job-aids/{item.slug}.md"
    if kind == "calculator":
        return f"calculators/{item.slug}.md"
    return FIXED[kind]
