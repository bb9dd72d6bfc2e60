"""Finishes the built site for deployment: script hashes for the content security policy, the build
identity, and sw.js, the service worker that keeps a visited hosted copy working offline.

**Build identity.** Every page says which build it belongs to (a `<meta name="oamt-build">` tag and the
footer), and the service worker's cache is named after it. The id is the start of a SHA-256 over every
file of the finished site (its path and its bytes, in path order) as written with BUILD_PLACEHOLDER
where the id goes, sitemap.xml.gz left out (a compressed copy of sitemap.xml). So it is well defined:
replace the id by the placeholder in every file and hash again, and the same id comes out
(tests/test_service_worker.py does this). Any change to any page, job aid, calculator, data set or
runtime file gives a new id; the same content gives the same id.

**Runtime files** are addressed by their own content hash (`calculators.js?v=<hash>`, see
sitebuild.pyodide_embed), so no cache can answer with another build's calculators. Scripts record it on
their last line; raw files (the wasm and loader modules the worker fetches over http) are addressed by
the start of their SHA-256, which the service worker checks before storing them.

**Script hashes.** The policy allows no inline script but the ones the theme writes, by hash, computed
here over each final page: its inline `<script>`s, and, on file:// copies, the bootstrap that
mkdocs-material's iframe-worker shim writes into its frame for the search (its text depends on the
page's search-worker address).

**Service worker.** It caches the handbook (every file but the Python runtime) when it installs, and the
runtime the first time a calculator page loads it: reading a chapter on a metered connection never
costs the 10 MB of Pyodide. When a new build installs over one whose cache held the runtime, it stores
the runtime too (copying files whose hashed address did not change), so what worked offline before
works offline after the update.

**Keep everything offline** (docs/assets/keep-offline.js): sw.js also lists everything a reader can
ask it to store (KEEP: every file the install stores, the PDFs, the runtime), with each file's size as
served, so the page shows the total before it starts. The page asks the worker to store the files one
by one; once all are in the cache the worker writes a marker (KEEP_MARKER) naming the build, the number
of files and the bytes stored. A build that installs over a cache with that marker stores everything
too and writes its own marker only when all of it is stored: until then the page says the copy needs
refreshing.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path

RUNTIME_DIR = "assets/pyodide/"  # cached on first use, not at install
# Never needed to read the handbook offline, so not downloaded at install (cached if ever used):
# source maps, the search's other-language stemmers, and the search index for file:// copies.
ON_USE_ONLY = ("assets/javascripts/lunr/", "search/search_index.js", "pdf/")
ON_USE_SUFFIXES = (".map", "/search/search_index.js")   # the other languages' file:// indexes too (fr/search/...)
# But the stemmers of the handbook's own languages are stored at install: searching offline in French,
# Russian or Arabic needs them (sitebuild.i18n.SEARCH; English and Ukrainian need none).
LUNR = "assets/javascripts/lunr/min/"
SEARCH_LANGUAGE_FILES = tuple(f"{LUNR}lunr.{name}.min.js" for name in ("stemmer.support", "multi", "fr", "ru", "ar"))
# Not stored at install either, but stored by "Keep everything offline" (docs/assets/keep-offline.js),
# with every page and the runtime: the printable PDFs.
KEEP_TOO = ("pdf/",)
TEMPLATE = Path(__file__).resolve().parent / "templates" / "sw.js"

BUILD_PLACEHOLDER = "__OAMT_BUILD_ID__"
SCRIPT_HASHES_PLACEHOLDER = "'__OAMT_SCRIPT_HASHES__'"
NOT_HASHED = ("sitemap.xml.gz",)
TEXT_SUFFIXES = (".html", ".js", ".json", ".xml", ".txt", ".css")

_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>(?:\s[^>]*)?)>(?P<body>.*?)</script>", re.S | re.I)
_CONFIG = re.compile(r'<script id="__config" type="application/json">(.*?)</script>', re.S)
# The frame bootstrap in iframe-worker's shim: `<script>…${url}…<\/script>` inside document.write.
_SHIM_FRAME = re.compile(r"<html><body><script>(.*?)<\\/script>", re.S)
_SHIM_FUNCTION = re.compile(r"function (\w)\(")


class DeployError(RuntimeError):
    pass


# ---------------------------------------------------------------- content security policy


def policy_with_hashes(policy: str) -> str:
    """The policy from mkdocs.yml, its script-src without 'unsafe-inline' and with a placeholder
    that finish_site replaces by each page's script hashes."""
    directives = []
    for directive in (d.strip() for d in policy.split(";")):
        if not directive:
            continue
        name, *sources = directive.split()
        if name == "script-src":
            sources = [s for s in sources if s != "'unsafe-inline'"] + [SCRIPT_HASHES_PLACEHOLDER]
        directives.append(" ".join([name, *sources]))
    return "; ".join(directives)


def _sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def shim_frame_script(shim: str, worker_url: str) -> str:
    """The inline script iframe-worker's shim writes into its frame for a worker at `worker_url`:
    its template with the two functions it interpolates (as Function.prototype.toString gives them)."""
    frame = _SHIM_FRAME.search(shim)
    if not frame:
        raise DeployError("assets/vendor/iframe-worker/shim.js: the frame bootstrap was not found; the "
                          "content security policy cannot allow it. Check the iframe-worker version.")
    functions = {}
    for m in _SHIM_FUNCTION.finditer(shim):
        start, depth, i = m.start(), 0, shim.index("{", m.end())
        for j in range(i, len(shim)):
            depth += {"{": 1, "}": -1}.get(shim[j], 0)
            if depth == 0:
                functions[m.group(1)] = shim[start:j + 1]
                break

    def fill(m: re.Match) -> str:
        name = m.group(1)
        if name == "e":
            return worker_url
        if name not in functions:
            raise DeployError(f"assets/vendor/iframe-worker/shim.js: no function {name} for the frame bootstrap.")
        return functions[name]

    return re.sub(r"\$\{(\w)\}", fill, frame.group(1))


def page_script_hashes(page: str, shim: str | None) -> list[str]:
    """The hash sources for every inline script of one page (JSON data blocks are not run)."""
    hashes = []
    for m in _INLINE_SCRIPT.finditer(page):
        attrs = m.group("attrs") or ""
        if re.search(r"\bsrc\s*=", attrs) or re.search(r'type="application/(?:ld\+)?json"', attrs):
            continue
        hashes.append(_sha256_source(m.group("body")))
    config = _CONFIG.search(page)
    if shim and config:
        worker = json.loads(html.unescape(config.group(1))).get("search")
        if worker:
            hashes.append(_sha256_source(shim_frame_script(shim, worker)))
    return sorted(set(hashes))


# ---------------------------------------------------------------- build identity


def site_files(site_dir: Path) -> list[str]:
    return sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file())


def build_id(site_dir: Path) -> str:
    """The id of the site as it is on disk (with BUILD_PLACEHOLDER wherever the id will go)."""
    digest = hashlib.sha256()
    for rel in site_files(site_dir):
        if rel in NOT_HASHED:
            continue
        digest.update(rel.encode() + b"\0")
        digest.update(hashlib.sha256((site_dir / rel).read_bytes()).digest())
    return digest.hexdigest()[:12]


def runtime_urls(site_dir: Path) -> list[str]:
    """The runtime's content-hashed addresses (relative to the site), from the scripts' version lines."""
    from sitebuild.pyodide_embed import version_of

    out = []
    for path in sorted(p for p in (site_dir / RUNTIME_DIR).iterdir() if p.is_file()):
        # Scripts record their version on their last line; raw files (the wasm) are named by their hash.
        data = path.read_text(encoding="utf-8") if path.suffix == ".js" else path.read_bytes()
        out.append(f"{RUNTIME_DIR}{path.name}?v={version_of(data)}")
    return out


def served_size(site_dir: Path, rel: str) -> int:
    """The file's size as served: finish_site puts the build id (12 characters) where the placeholder is."""
    data = (site_dir / rel.split("?", 1)[0]).read_bytes()
    if rel.endswith(TEXT_SUFFIXES) and not rel.startswith(RUNTIME_DIR):
        return len(data) - data.count(BUILD_PLACEHOLDER.encode()) * (len(BUILD_PLACEHOLDER) - 12)
    return len(data)


def keep_list(site_dir: Path, files: list[str], runtime: list[str]) -> list[list]:
    """[address, bytes] of everything "Keep everything offline" stores: every page and file the
    install stores, the PDFs, and the runtime at its content-hashed addresses."""
    return [[rel, served_size(site_dir, rel)] for rel in [*files, *runtime]]


def write_service_worker(site_dir: Path, version: str, build: str = BUILD_PLACEHOLDER) -> Path:
    every = [rel for rel in site_files(site_dir) if rel not in ("sw.js", "sitemap.xml.gz")]
    files = [rel for rel in every if rel in SEARCH_LANGUAGE_FILES or (
             not rel.startswith((RUNTIME_DIR, *ON_USE_ONLY)) and not rel.endswith(ON_USE_SUFFIXES))]
    cache = f"oamt-{build}"
    runtime = runtime_urls(site_dir)
    # What a copy served over http(s) uses: not the base64 scripts a copy opened from disk needs (the worker still
    # stores one if a page asks for it: a host that cannot serve the raw files).
    from sitebuild.pyodide_embed import FILE_ONLY_SCRIPTS
    served = [u for u in runtime if u[len(RUNTIME_DIR):].split("?", 1)[0] not in FILE_ONLY_SCRIPTS]
    keep = keep_list(site_dir, files + [rel for rel in every if rel.startswith(KEEP_TOO)], served)
    script = TEMPLATE.read_text(encoding="utf-8")
    for key, value in (("__CACHE_NAME__", cache), ("__BUILD__", build), ("__VERSION__", version),
                       ("__FILES__", files), ("__RUNTIME_SERVED__", served), ("__RUNTIME__", runtime),
                       ("__KEEP__", keep)):
        script = script.replace(key, json.dumps(value))
    target = site_dir / "sw.js"
    target.write_text(script, encoding="utf-8")
    return target


def finish_site(site_dir: Path, version: str, shim: str | None = None) -> str:
    """Script hashes into every page's policy, then sw.js, then the build id into every file that
    names it (pages and sw.js). Returns the build id."""
    for path in site_dir.rglob("*.html"):
        page = path.read_text(encoding="utf-8")
        if SCRIPT_HASHES_PLACEHOLDER in page:
            hashes = " ".join(page_script_hashes(page, shim))
            path.write_text(page.replace(SCRIPT_HASHES_PLACEHOLDER, hashes), encoding="utf-8")
    write_service_worker(site_dir, version)
    build = build_id(site_dir)
    for rel in site_files(site_dir):
        if not rel.endswith(TEXT_SUFFIXES) or rel.startswith(RUNTIME_DIR):
            continue
        path = site_dir / rel
        text = path.read_text(encoding="utf-8")
        if BUILD_PLACEHOLDER in text:
            path.write_text(text.replace(BUILD_PLACEHOLDER, build), encoding="utf-8")
    return build
