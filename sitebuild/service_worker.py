"""Writes sw.js: a service worker that keeps a visited hosted copy working offline.

The worker caches the handbook (every file but the Python runtime) when it
installs, and the runtime the first time a calculator page loads it: reading a
chapter on a metered connection never costs the 10 MB of Pyodide. The cache is
named after the site's content hash, so a new deployment gets a new cache,
takes over on the next visit, and deletes the old one: no stale mix of versions.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

RUNTIME_DIR = "assets/pyodide/"  # cached on first use, not at install
# Never needed to read the handbook offline, so not downloaded at install (cached if ever used):
# source maps, the search's other-language stemmers, and the search index for file:// copies.
ON_USE_ONLY = ("assets/javascripts/lunr/", "search/search_index.js")
ON_USE_SUFFIXES = (".map",)
TEMPLATE = Path(__file__).resolve().parent / "templates" / "sw.js"


def write_service_worker(site_dir: Path, version: str) -> Path:
    every = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*")
                   if p.is_file() and p.name not in ("sw.js", "sitemap.xml.gz"))
    files = [rel for rel in every if not rel.startswith((RUNTIME_DIR, *ON_USE_ONLY))
             and not rel.endswith(ON_USE_SUFFIXES)]
    digest = hashlib.sha256()
    for rel in every:
        digest.update(rel.encode())
        digest.update(hashlib.sha256((site_dir / rel).read_bytes()).digest())
    cache = f"oamt-{version}-{digest.hexdigest()[:12]}"
    script = TEMPLATE.read_text(encoding="utf-8")
    script = script.replace("__CACHE_NAME__", json.dumps(cache)).replace("__FILES__", json.dumps(files))
    target = site_dir / "sw.js"
    target.write_text(script, encoding="utf-8")
    return target
