"""The calculators' memory snapshot, made at build time (issue #16).

A plain Pyodide boot spends seconds starting CPython and importing modules. Pyodide (pinned,
sitebuild.pyodide_embed.PYODIDE_VERSION) can instead restore a copy of the WebAssembly memory of a
runtime that has already booted: the build boots the same npm package under Node with
`_makeSnapshot`, writes the calculators package (the sources the browser gets,
pyodide_embed.calculator_sources) into site-packages, imports every module of it, and stores
`makeMemorySnapshot()` gzipped. The browser restores it (docs/assets/calculator.js) and falls back
to the plain boot if that fails.

The snapshot is keyed by the runtime (version and the loader, which carries Pyodide's BUILD_ID that
the snapshot must match), the maker script and the calculators' sources, and cached in
.cache/pyodide-embed/ beside the gzipped wasm: a build with a warm cache only reads the file.
`node` is required (it is already needed for `npm ci`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAKER = Path(__file__).resolve().parent / "make_snapshot.mjs"
KEEP = 4  # cached snapshots kept (the newest), so switching branches back and forth stays fast


class SnapshotError(RuntimeError):
    pass


def node_path() -> str:
    node = shutil.which("node")
    if not node:
        raise SnapshotError(
            "node was not found on PATH: the build needs it to make the calculators' memory snapshot "
            "(sitebuild/make_snapshot.mjs). Install Node.js (it is already needed for `npm ci`).")
    return node


def snapshot_key(sources: dict[str, str], pyodide_dir: Path) -> str:
    """Changes with the runtime, the maker script or any calculator source."""
    digest = hashlib.sha256()
    for part in ((pyodide_dir / "package.json").read_bytes(), (pyodide_dir / "pyodide.mjs").read_bytes(),
                 MAKER.read_bytes(), json.dumps(sources, sort_keys=True).encode("utf-8")):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


def make_snapshot(sources: dict[str, str], key: str, pyodide_dir: Path) -> bytes:
    """Runs the maker under node; returns the raw snapshot."""
    with tempfile.TemporaryDirectory(prefix="oamt-snapshot-") as tmp:
        src = Path(tmp) / "sources.json"
        out = Path(tmp) / "snapshot.bin"
        src.write_text(json.dumps(sources), encoding="utf-8")
        done = subprocess.run([node_path(), str(MAKER), str(pyodide_dir), str(src), key, str(out)],
                              capture_output=True, text=True)
        if done.returncode != 0 or not out.exists():
            raise SnapshotError(f"making the calculators' memory snapshot failed (node {MAKER.name}, "
                                f"exit {done.returncode}):\n{done.stderr[-3000:]}")
        return out.read_bytes()


def snapshot_gz(sources: dict[str, str], pyodide_dir: Path, cache_dir: Path) -> tuple[str, bytes]:
    """(key, gzipped snapshot), from the cache when the key is there, else made and cached."""
    key = snapshot_key(sources, pyodide_dir)
    cached = cache_dir / f"snapshot-{key}.bin.gz"
    if cached.exists():
        return key, cached.read_bytes()
    # Level 6: 1 % larger than -9 and four times faster (seconds on a 31 MB snapshot).
    packed = gzip.compress(make_snapshot(sources, key, pyodide_dir), compresslevel=6, mtime=0)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(packed)
    tmp.replace(cached)  # atomic: a concurrent build never reads half a file
    old = sorted(cache_dir.glob("snapshot-*.bin.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in old[KEEP:]:
        path.unlink(missing_ok=True)
    return key, packed
