"""The calculators' memory snapshot, made at build time (issue #16).

A plain Pyodide boot spends seconds starting CPython and importing modules. Pyodide (pinned,
sitebuild.pyodide_embed.PYODIDE_VERSION) can instead restore a copy of the WebAssembly memory of a
runtime that has already booted: the build boots the same npm package under Node with
`_makeSnapshot`, writes the calculators package (the sources the browser gets,
pyodide_embed.calculator_sources) into site-packages, imports every module of it, and stores
`makeMemorySnapshot()`, sparse and gzipped. The browser restores it (docs/assets/calculator.js) and
falls back to the plain boot if that fails.

Sparse: the snapshot is the whole of Pyodide's memory (about 31 MB), and nearly half of its 4 kB pages
are all zeros. Only the other pages are stored, after a header naming them, so the browser inflates
about half as much (measured in Chromium on this machine: about 0.1 s of a worker's time instead of
0.15 s) into a buffer that starts as zeros. The header: the magic word "OAMTSPRS", then unsigned 32-bit
little-endian numbers: the memory's size, the page size, the number of pages stored and each one's
index, in increasing order. The last page of the memory may be shorter than the page size.

The snapshot is keyed by the runtime (version and the loader, which carries Pyodide's BUILD_ID that
the snapshot must match), the maker script and the calculators' sources, and cached in
.cache/pyodide-embed/ beside the gzipped wasm: a build with a warm cache only reads the file.
`node` is required (it is already needed for `npm ci`).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAKER = Path(__file__).resolve().parent / "make_snapshot.mjs"
KEEP = 4  # cached snapshots kept (the newest), so switching branches back and forth stays fast
MAGIC = b"OAMTSPRS"
PAGE = 4096
HEADER = struct.Struct("<8sIII")  # magic, memory size, page size, pages stored; then their indices


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
                 MAKER.read_bytes(), HEADER.format.encode() + MAGIC + str(PAGE).encode(),
                 json.dumps(sources, sort_keys=True).encode("utf-8")):
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


def sparse(memory: bytes, page: int = PAGE) -> bytes:
    """The memory's pages that are not all zeros, after a header naming them (see the module's docstring)."""
    zero = bytes(page)
    kept = [i for i in range(0, len(memory), page) if memory[i:i + page] != zero[:len(memory) - i]]
    header = HEADER.pack(MAGIC, len(memory), page, len(kept)) + struct.pack(f"<{len(kept)}I", *(i // page for i in kept))
    return header + b"".join(memory[i:i + page] for i in kept)


def unsparse(packed: bytes) -> bytes:
    """The whole memory again (what the browser rebuilds; for tests)."""
    magic, size, page, count = HEADER.unpack_from(packed)
    if magic != MAGIC:
        raise SnapshotError("not a sparse snapshot")
    indices = struct.unpack_from(f"<{count}I", packed, HEADER.size)
    lengths = [min(page, size - index * page) for index in indices]
    if HEADER.size + 4 * count + sum(lengths) != len(packed) or min(lengths, default=1) <= 0:
        raise SnapshotError("a damaged sparse snapshot")
    memory = bytearray(size)
    at = HEADER.size + 4 * count
    for index, length in zip(indices, lengths):
        memory[index * page:index * page + length] = packed[at:at + length]
        at += length
    return bytes(memory)


def memory_size(packed_gz: bytes) -> int:
    """The size of the memory a gzipped sparse snapshot restores (from its header)."""
    with gzip.GzipFile(fileobj=io.BytesIO(packed_gz)) as f:
        magic, size, _page, _count = HEADER.unpack(f.read(HEADER.size))
    if magic != MAGIC:
        raise SnapshotError("not a sparse snapshot")
    return size


def snapshot_gz(sources: dict[str, str], pyodide_dir: Path, cache_dir: Path) -> tuple[str, bytes]:
    """(key, gzipped sparse snapshot), from the cache when the key is there, else made and cached."""
    key = snapshot_key(sources, pyodide_dir)
    cached = cache_dir / f"snapshot-{key}.bin.gz"
    if cached.exists():
        return key, cached.read_bytes()
    # Level 6: 1 % larger than -9 and four times faster (seconds on a 31 MB snapshot).
    packed = gzip.compress(sparse(make_snapshot(sources, key, pyodide_dir)), compresslevel=6, mtime=0)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(packed)
    tmp.replace(cached)  # atomic: a concurrent build never reads half a file
    old = sorted(cache_dir.glob("snapshot-*.bin.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in old[KEEP:]:
        path.unlink(missing_ok=True)
    return key, packed
