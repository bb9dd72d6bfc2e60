"""Packs the pinned Pyodide runtime and the calculators into the site.

Chromium refuses `fetch()` and `import()` of file:// URLs, and workers from
file:// URLs, but still runs classic `<script src>` files. So each runtime
file rides, unmodified, as base64 inside a classic script that stores it in
`globalThis.__PYODIDE_EMBED[key]`; the page hands the bytes to a worker that
boots Pyodide from them (see docs/assets/calculator.js). The same path serves
http(s) and file://, so there is one loader for every way the site is opened.

Only the four files a standard-library boot needs are shipped: the module
loader (pyodide.mjs), the Emscripten module (pyodide.asm.mjs), the wasm binary
(gzipped here, inflated in the browser) and the standard library zip. The lock
file's `info` block is passed as `lockFileContents`, so no lock file is fetched.

Over http(s) the same runtime is also given to the browser as real files of the site
(RAW_FILES: the loader modules, the wasm served as application/wasm, the standard library and the gzipped
snapshot), so the worker imports and compiles them from responses the browser can cache compiled code for,
and reads the rest as bytes with no base64 to decode; the base64 scripts stay for file://. A memory snapshot of a runtime that has already imported the calculators
(sitebuild/snapshot.py) rides as snapshot.b64.js for both ways; the worker restores it and falls back
to the plain boot if that fails. docs/assets/calculator.js chooses the way in one place.

Every script ends by recording its own version (the start of the SHA-256 of the rest of it) in
`__PYODIDE_EMBED.versions`, and pages name it as `name?v=<version>`: a changed file has a new
address, so no cache answers with another build's file, and the page and the service worker can check
that the file they got is the one the address names.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
from pathlib import Path

from sitebuild import snapshot

REPO = Path(__file__).resolve().parent.parent
PYODIDE_DIR = REPO / "node_modules" / "pyodide"
# Build products kept between builds (the gzipped wasm, the snapshots); the bench points it at an empty folder.
CACHE_DIR = Path(os.environ.get("OAMT_CACHE_DIR") or REPO / ".cache" / "pyodide-embed")
# The calculators package the browser gets (a test builds a copy with a changed source).
CALCULATORS_DIR = Path(os.environ.get("OAMT_CALCULATORS_DIR") or REPO / "calculators")

# Pinned exactly: the loader relies on Pyodide internals (the createPyodideModule
# option, the two URLs it fetches, the default export of pyodide.asm.mjs).
# package.json pins the same version; tests in Chromium guard every upgrade.
PYODIDE_VERSION = "314.0.7"

# (key in __PYODIDE_EMBED, file in the npm package, gzip first?)
RUNTIME_FILES = (
    ("pyodideMjs", "pyodide.mjs", False),
    ("asm", "pyodide.asm.mjs", False),
    ("wasmGz", "pyodide.asm.wasm", True),
    ("stdlib", "python_stdlib.zip", False),
)


SNAPSHOT_FILE = "snapshot.bin.gz"
# Served as they are, for http(s) only: the worker imports the modules and streams the wasm from
# real responses, so the browser keeps their compiled code between visits.
# The standard library and the gzipped snapshot too: fetched as bytes (the snapshot inflated as it arrives), with
# no base64 text to read and decode.
RAW_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", SNAPSHOT_FILE)
# Used on file:// only (over http(s) their raw files above serve instead): a hosted copy need not store them.
FILE_ONLY_SCRIPTS = ("pyodide.mjs.b64.js", "pyodide.asm.mjs.b64.js", "pyodide.asm.wasm.b64.js",
                     "python_stdlib.zip.b64.js", "snapshot.b64.js")


class RuntimeMissing(RuntimeError):
    pass


def check_runtime(pyodide_dir: Path = PYODIDE_DIR) -> None:
    package = pyodide_dir / "package.json"
    if not package.exists():
        raise RuntimeMissing(
            f"The Pyodide runtime is not installed ({pyodide_dir} is missing). "
            "Run `make install` (it runs `npm ci`), which installs the pinned npm package "
            f"pyodide@{PYODIDE_VERSION}.")
    version = json.loads(package.read_text(encoding="utf-8"))["version"]
    if version != PYODIDE_VERSION:
        raise RuntimeMissing(
            f"node_modules/pyodide is version {version}, but the site is pinned to {PYODIDE_VERSION}. "
            "Run `npm ci` to install the pinned version, or update PYODIDE_VERSION and package.json together "
            "and run the browser tests.")
    try:
        snapshot.node_path()
    except snapshot.SnapshotError as e:
        raise RuntimeMissing(str(e)) from None


def _payload_script(key: str, data: bytes) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return f'(globalThis.__PYODIDE_EMBED ||= {{}})["{key}"] = "{encoded}";\n'


def _cached_gzip(data: bytes) -> bytes:
    """gzip -9 of the wasm takes over a second; the result only changes with the runtime."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    cached = CACHE_DIR / f"wasm-{digest}.gz"
    if cached.exists():
        return cached.read_bytes()
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(packed)
    return packed


def runtime_scripts(pyodide_dir: Path = PYODIDE_DIR, snapshot_key: str = "", snapshot_size: int = 0) -> dict[str, str]:
    """File name in assets/pyodide/ → script text, for the runtime files and the lock info (with the snapshot's key
    and the size of the memory it restores, so the browser can inflate it straight into a buffer Pyodide already
    holds)."""
    check_runtime(pyodide_dir)
    scripts = {}
    for key, name, compress in RUNTIME_FILES:
        data = (pyodide_dir / name).read_bytes()
        if compress:
            data = _cached_gzip(data)
        scripts[f"{name}.b64.js"] = _payload_script(key, data)
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text(encoding="utf-8"))
    info = {"info": lock["info"], "packages": {}}
    scripts["pyodide-info.js"] = (
        f"(globalThis.__PYODIDE_EMBED ||= {{}}).lock = {json.dumps(info)};\n"
        f"globalThis.__PYODIDE_EMBED.version = {json.dumps(PYODIDE_VERSION)};\n"
        f"globalThis.__PYODIDE_EMBED.snapshotKey = {json.dumps(snapshot_key)};\n"
        f"globalThis.__PYODIDE_EMBED.snapshotSize = {int(snapshot_size)};\n")
    return scripts


def snapshot_files(sources: dict[str, str], pyodide_dir: Path = PYODIDE_DIR) -> tuple[str, str, bytes]:
    """(key, snapshot.b64.js, the gzipped bytes): the memory snapshot (sitebuild/snapshot.py), made or cached."""
    key, packed = snapshot.snapshot_gz(sources, pyodide_dir, CACHE_DIR)
    return key, _payload_script("snapshotGz", packed), packed


def calculator_sources(calculators_dir: Path = CALCULATORS_DIR) -> dict[str, str]:
    """The calculators package as {relative path: source}, written into Pyodide's site-packages."""
    return {
        f"calculators/{path.relative_to(calculators_dir).as_posix()}": path.read_text(encoding="utf-8")
        for path in sorted(calculators_dir.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def calculator_script(data: dict, calculators_dir: Path = CALCULATORS_DIR) -> str:
    """calculators.js: the package sources and the validated content data, as JSON (never spliced as code). The
    messages in other languages are not in it: each language's pages load its own (messages_script)."""
    sources = json.dumps(calculator_sources(calculators_dir), ensure_ascii=True)
    data = {k: v for k, v in data.items() if k != "messages"}
    data_json = json.dumps(json.dumps(data, ensure_ascii=True, default=str))
    return (f"(globalThis.__PYODIDE_EMBED ||= {{}}).sources = {sources};\n"
            f"globalThis.__PYODIDE_EMBED.data = {data_json};\n")


def messages_script(language: dict) -> str:
    """messages-<lang>.js: one language's compiled messages (sitebuild/messages.py) as JSON text, in UTF-8 (a
    Cyrillic or Arabic catalog is a third of its size written as ASCII escapes). Only that language's pages load it."""
    text = json.dumps(json.dumps(language, ensure_ascii=False), ensure_ascii=False)
    return f"(globalThis.__PYODIDE_EMBED ||= {{}}).messages = {text};\n"


def messages_file(lang: str) -> str:
    return f"messages-{lang}.js"


def content_version(text: str | bytes) -> str:
    """A runtime file's version: the start of the SHA-256 of a script's payload or of a file's bytes."""
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()[:16]


def versioned(text: str, name: str) -> str:
    """The script with a last line recording its own version, which the page checks after loading it:
    the file at `name?v=<version>` must say it is that version (see docs/assets/calculator.js)."""
    return (text + f'(globalThis.__PYODIDE_EMBED.versions ||= {{}})["{name}"] = '
            f'"{content_version(text)}";\n')


def build_runtime(data: dict, pyodide_dir: Path = PYODIDE_DIR) -> dict[str, str | bytes]:
    """Every runtime file, in load order: the scripts (text, each ending with its version line), then
    the raw files for http(s) (bytes, versioned by their SHA-256)."""
    check_runtime(pyodide_dir)
    key, snap, packed = snapshot_files(calculator_sources(), pyodide_dir)
    # The size of the memory it restores, from the sparse snapshot's header.
    scripts = runtime_scripts(pyodide_dir, snapshot_key=key, snapshot_size=snapshot.memory_size(packed))
    scripts["calculators.js"] = calculator_script(data)
    for lang, language in sorted((data.get("messages") or {}).items()):
        scripts[messages_file(lang)] = messages_script(language)
    scripts["snapshot.b64.js"] = snap
    files: dict[str, str | bytes] = {name: versioned(text, name) for name, text in scripts.items()}
    for name in RAW_FILES:
        files[name] = packed if name == SNAPSHOT_FILE else (pyodide_dir / name).read_bytes()
    return files


def script_urls(scripts: dict[str, str | bytes]) -> list[str]:
    """`name?v=<version>` for each file, in load order: a new version is a new address, so no cache
    (the browser's, a proxy's or the service worker's) can answer with another version's file."""
    return [f"{name}?v={version_of(text)}" for name, text in scripts.items()]


def version_of(script: str | bytes) -> str:
    """The version a script records on its last line, or a raw file's content hash."""
    if isinstance(script, bytes):
        return content_version(script)
    return script.rsplit(" = ", 1)[1].strip().strip('";')


def write_runtime(site_dir: Path, data: dict, pyodide_dir: Path = PYODIDE_DIR,
                  scripts: dict[str, str | bytes] | None = None) -> list[str]:
    """Write assets/pyodide/* into the built site; returns the file names in load order."""
    out = site_dir / "assets" / "pyodide"
    out.mkdir(parents=True, exist_ok=True)
    scripts = scripts or build_runtime(data, pyodide_dir)
    for name, text in scripts.items():
        if isinstance(text, bytes):
            (out / name).write_bytes(text)
        else:
            (out / name).write_text(text, encoding="utf-8")
    return list(scripts)
