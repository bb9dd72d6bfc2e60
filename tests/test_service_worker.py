"""The service worker's cache follows the deployed content: a new version gets a new
cache (and the old one is deleted on activation); the same content, the same cache."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sitebuild.service_worker import write_service_worker


def make_site(root: Path, chapter: str) -> Path:
    (root / "handbook").mkdir(parents=True)
    (root / "assets" / "pyodide").mkdir(parents=True)
    (root / "index.html").write_text("<h1>Home</h1>", encoding="utf-8")
    (root / "handbook" / "01.html").write_text(chapter, encoding="utf-8")
    (root / "assets" / "pyodide" / "runtime.js").write_text("x", encoding="utf-8")
    (root / "assets" / "javascripts" / "lunr").mkdir(parents=True)
    (root / "assets" / "javascripts" / "lunr" / "lunr.fr.min.js").write_text("x", encoding="utf-8")
    (root / "assets" / "javascripts" / "bundle.js").write_text("x", encoding="utf-8")
    (root / "assets" / "javascripts" / "bundle.js.map").write_text("x", encoding="utf-8")
    return root


def worker_facts(site: Path) -> tuple[str, list[str]]:
    script = write_service_worker(site, "1.0").read_text(encoding="utf-8")
    cache = json.loads(re.search(r"var CACHE = (\"[^\"]+\");", script).group(1))
    files = json.loads(re.search(r"var FILES = (\[.*?\]);", script).group(1))
    return cache, files


def test_a_content_change_renames_the_cache_and_the_same_content_keeps_it(tmp_path):
    first, _ = worker_facts(make_site(tmp_path / "a", "dose 20 mg"))
    same, _ = worker_facts(make_site(tmp_path / "b", "dose 20 mg"))
    changed, _ = worker_facts(make_site(tmp_path / "c", "dose 30 mg"))
    assert first == same and first != changed and first.startswith("oamt-1.0-")


def test_only_what_reading_needs_is_precached_and_the_worker_deletes_old_caches(tmp_path):
    """Not the runtime (cached when a calculator first starts), source maps or other languages' stemmers."""
    cache, files = worker_facts(make_site(tmp_path / "a", "text"))
    assert files == ["assets/javascripts/bundle.js", "handbook/01.html", "index.html"]
    script = (tmp_path / "a" / "sw.js").read_text(encoding="utf-8")
    assert 'n.indexOf("oamt-") === 0 && n !== CACHE' in script and "caches.delete" in script
