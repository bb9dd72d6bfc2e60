"""The build identity and the service worker's cache follow the deployed content: a new version gets
a new id and a new cache (the old one is deleted on activation); the same content, the same id. The id
is well defined (recomputed from the finished site, it comes out the same), every page shows it, and the
runtime is addressed by content hash. The policy's script hashes are computed from the final pages."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from sitebuild import pyodide_embed
from sitebuild.service_worker import (BUILD_PLACEHOLDER, build_id, finish_site, page_script_hashes,
                                      policy_with_hashes, shim_frame_script, site_files)

from .conftest import REPO

PAGE = """<html><head><meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="oamt-build" content="__OAMT_BUILD_ID__"></head><body>{body}
<script>var a = 1;</script><script id="__config" type="application/json">{{"search": "x.js"}}</script>
<script src="assets/calculator.js"></script></body></html>"""


def make_site(root: Path, chapter: str, calculators: str = "x") -> Path:
    policy = policy_with_hashes("default-src 'self'; script-src 'self' 'unsafe-inline'")
    (root / "handbook").mkdir(parents=True)
    (root / "assets" / "pyodide").mkdir(parents=True)
    (root / "index.html").write_text(PAGE.format(policy=policy, body="Home"), encoding="utf-8")
    (root / "handbook" / "01.html").write_text(PAGE.format(policy=policy, body=chapter), encoding="utf-8")
    runtime = pyodide_embed.versioned(f"(globalThis.__PYODIDE_EMBED ||= {{}}).x = {calculators!r};\n",
                                      "calculators.js")
    (root / "assets" / "pyodide" / "calculators.js").write_text(runtime, encoding="ascii")
    (root / "assets" / "javascripts" / "lunr").mkdir(parents=True)
    (root / "assets" / "javascripts" / "lunr" / "lunr.fr.min.js").write_text("x", encoding="utf-8")
    (root / "assets" / "javascripts" / "bundle.js").write_text("x", encoding="utf-8")
    (root / "assets" / "javascripts" / "bundle.js.map").write_text("x", encoding="utf-8")
    return root


def worker_facts(site: Path) -> tuple[str, list[str], list[str], str]:
    build = finish_site(site, "1.0")
    script = (site / "sw.js").read_text(encoding="utf-8")
    cache = json.loads(re.search(r"var CACHE = (\"[^\"]+\");", script).group(1))
    files = json.loads(re.search(r"var FILES = (\[.*?\]);", script).group(1))
    runtime = json.loads(re.search(r"var RUNTIME = (\[.*?\]);", script).group(1))
    return cache, files, runtime, build


def test_a_content_change_renames_the_cache_and_the_same_content_keeps_it(tmp_path):
    first, _, _, build = worker_facts(make_site(tmp_path / "a", "dose 20 mg"))
    same, _, _, _ = worker_facts(make_site(tmp_path / "b", "dose 20 mg"))
    changed, _, _, _ = worker_facts(make_site(tmp_path / "c", "dose 30 mg"))
    calculators, _, _, _ = worker_facts(make_site(tmp_path / "d", "dose 20 mg", calculators="y"))
    assert first == same == f"oamt-{build}" and len({first, changed, calculators}) == 3
    assert f'content="{build}"' in (tmp_path / "a" / "handbook" / "01.html").read_text(encoding="utf-8")


def test_the_build_id_is_well_defined(tmp_path):
    """Put the placeholder back wherever the id is and hash again: the same id."""
    site = make_site(tmp_path / "a", "text")
    _, _, _, build = worker_facts(site)
    for rel in site_files(site):
        path = site / rel
        path.write_bytes(path.read_bytes().replace(build.encode(), BUILD_PLACEHOLDER.encode()))
    assert build_id(site) == build


def test_the_runtime_is_addressed_by_content_hash(tmp_path):
    _, _, runtime, _ = worker_facts(make_site(tmp_path / "a", "text"))
    _, _, changed, _ = worker_facts(make_site(tmp_path / "b", "text", calculators="y"))
    assert runtime[0].startswith("assets/pyodide/calculators.js?v=") and runtime != changed
    text = (tmp_path / "a" / "assets" / "pyodide" / "calculators.js").read_text(encoding="ascii")
    assert runtime[0].endswith("?v=" + pyodide_embed.version_of(text))
    assert f'["calculators.js"] = "{pyodide_embed.version_of(text)}"' in text


def test_only_what_reading_needs_is_precached_and_the_worker_deletes_old_caches(tmp_path):
    """Not the runtime (cached when a calculator first starts), source maps or other languages' stemmers."""
    _, files, _, _ = worker_facts(make_site(tmp_path / "a", "text"))
    assert files == ["assets/javascripts/bundle.js", "handbook/01.html", "index.html"]
    script = (tmp_path / "a" / "sw.js").read_text(encoding="utf-8")
    assert 'n.indexOf("oamt-") === 0 && n !== CACHE' in script and "caches.delete" in script
    # Everything it stores is fetched past the HTTP cache, or by content-hashed address (the runtime).
    assert script.count('cache: "reload"') >= 3 and "fetch(request)" in script


def test_the_policy_names_each_inline_script_by_hash_and_never_unsafe_inline(tmp_path):
    site = make_site(tmp_path / "a", "text")
    finish_site(site, "1.0")
    page = (site / "index.html").read_text(encoding="utf-8")
    policy = re.search(r'content="([^"]*)"', page).group(1)
    assert "'unsafe-inline'" not in policy
    assert "script-src 'self' 'sha256-" in policy and page_script_hashes(page, None)[0] in policy
    assert policy_with_hashes("script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'") == \
        "script-src 'self' '__OAMT_SCRIPT_HASHES__'; style-src 'unsafe-inline'"


def test_the_search_shim_frame_script_is_reconstructed_exactly():
    """The iframe-worker shim (file:// search) writes this script into its frame; its hash must match."""
    shim = (REPO / "node_modules" / "iframe-worker" / "shim" / "index.js").read_text(encoding="utf-8")
    script = shim_frame_script(shim, "../assets/javascripts/workers/search.js")
    assert script == ('postMessage=function c(s,n){parent.postMessage(s,n||"*")};importScripts=function d(...s)'
                      '{return s.reduce((n,e)=>n.then(()=>new Promise(r=>{let t=document.createElement("script");'
                      't.src=e,t.onload=r,document.body.appendChild(t)})),Promise.resolve())};addEventListener('
                      '"error",({error})=>{parent.dispatchEvent(new ErrorEvent("error",{filename:"../assets/'
                      'javascripts/workers/search.js",error}))})')


def test_the_built_site_shows_its_id_and_recomputes_to_it(site_dir, tmp_path):
    home = (site_dir / "index.html").read_text(encoding="utf-8")
    build = re.search(r'<meta name="oamt-build" content="([0-9a-f]{12})"', home).group(1)
    assert f'data-build="{build}"' in home and f'Build <span class="handbook-footer__build">{build}</span>.' in home
    assert f'var CACHE = "oamt-{build}"' in (site_dir / "sw.js").read_text(encoding="utf-8")
    copy = tmp_path / "site"
    shutil.copytree(site_dir, copy)
    for rel in site_files(copy):
        path = copy / rel
        data = path.read_bytes()
        if build.encode() in data:
            path.write_bytes(data.replace(build.encode(), BUILD_PLACEHOLDER.encode()))
    assert build_id(copy) == build


def test_a_raw_runtime_file_is_addressed_by_its_sha256(tmp_path):
    """The wasm over http is a real file (no version line): its address names its SHA-256, which the
    service worker checks before storing it (isVersion in sitebuild/templates/sw.js)."""
    import hashlib

    site = make_site(tmp_path / "a", "text")
    wasm = b"\0asm\1\0\0\0 made-up bytes"
    (site / "assets" / "pyodide" / "pyodide.asm.wasm").write_bytes(wasm)
    _, _, runtime, _ = worker_facts(site)
    assert f"assets/pyodide/pyodide.asm.wasm?v={hashlib.sha256(wasm).hexdigest()[:16]}" in runtime
    assert pyodide_embed.script_urls({"pyodide.asm.wasm": wasm})[0] == runtime[1].split("/")[-1]
    script = (site / "sw.js").read_text(encoding="utf-8")
    assert 'crypto.subtle.digest("SHA-256"' in script and '"store-runtime"' in script


def test_the_snapshot_is_keyed_by_runtime_and_calculators_and_cached(tmp_path, monkeypatch):
    """A warm cache never runs node; a changed calculator source is a new key (and a new snapshot)."""
    from sitebuild import snapshot

    sources = {"calculators/__init__.py": "x = 1\n"}
    key = snapshot.snapshot_key(sources, pyodide_embed.PYODIDE_DIR)
    assert key != snapshot.snapshot_key({"calculators/__init__.py": "x = 2\n"}, pyodide_embed.PYODIDE_DIR)
    made = []
    monkeypatch.setattr(snapshot, "make_snapshot", lambda s, k, d: made.append(k) or b"snapshot " + k.encode())
    first = snapshot.snapshot_gz(sources, pyodide_embed.PYODIDE_DIR, tmp_path)
    again = snapshot.snapshot_gz(sources, pyodide_embed.PYODIDE_DIR, tmp_path)
    assert first == again and first[0] == key and made == [key]
    import gzip
    assert snapshot.unsparse(gzip.decompress(first[1])) == b"snapshot " + key.encode()
    assert snapshot.memory_size(first[1]) == len(b"snapshot " + key.encode())


def test_a_sparse_snapshot_keeps_every_page_that_is_not_zeros():
    """Only all-zero pages are left out, a short last page included; the memory comes back byte for byte, and a
    snapshot cut short or padded is refused."""
    import random

    import pytest

    from sitebuild import snapshot

    page = snapshot.PAGE
    rng = random.Random(16)
    for pages in (0, 1, 5, 40):
        for tail in (0, 1, 128, page - 1):
            memory = bytearray(pages * page + tail)
            for i in range(0, len(memory), page):
                if rng.random() < 0.5:
                    memory[rng.randrange(i, min(i + page, len(memory)))] = rng.randrange(1, 256)
            memory = bytes(memory)
            packed = snapshot.sparse(memory)
            assert snapshot.unsparse(packed) == memory
            stored = sum(1 for i in range(0, len(memory), page) if any(memory[i:i + page]))
            header = snapshot.HEADER.size + 4 * stored
            assert len(packed) == header + sum(len(memory[i:i + page]) for i in range(0, len(memory), page)
                                               if any(memory[i:i + page]))
            if len(packed) > header:
                with pytest.raises(snapshot.SnapshotError):
                    snapshot.unsparse(packed[:-1])
                with pytest.raises(snapshot.SnapshotError):
                    snapshot.unsparse(packed + b"\0")


def test_without_node_the_build_fails_clearly(monkeypatch):
    import pytest

    from sitebuild import snapshot

    monkeypatch.setattr(snapshot.shutil, "which", lambda name: None)
    with pytest.raises(pyodide_embed.RuntimeMissing, match="node was not found"):
        pyodide_embed.check_runtime()
