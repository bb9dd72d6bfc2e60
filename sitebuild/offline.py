"""`make offline`: one zip of the built site that works when unzipped and opened
from disk, with its SHA-256 checksum and the changelog, in dist/. The PDFs of `make pdf`
(site/pdf/, with their SHA256SUMS) are in the zip, and copied next to it with a .sha256 each
for the release.

The zip is made to be opened from disk, so it leaves out the runtime files only a copy served over
http(s) uses (pyodide_embed.RAW_FILES: the same runtime, unwrapped, for streaming compilation). If
someone serves the unzipped folder anyway, the calculators boot from the embedded scripts instead
(docs/assets/calculator.js, startRuntime), a little slower."""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import zipfile
from pathlib import Path

from sitebuild import pyodide_embed

REPO = Path(__file__).resolve().parent.parent
# Fixed timestamps inside the zip, so the same site gives the same bytes.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def version_of(site: Path) -> str:
    html = (site / "index.html").read_text(encoding="utf-8")
    match = re.search(r'data-version="([^"]+)"', html)
    return match.group(1) if match else "unknown"


def served_only(site: Path, path: Path) -> bool:
    """A file only a copy served over http(s) uses."""
    return path.parent == site / "assets" / "pyodide" and path.name in pyodide_embed.RAW_FILES


def make_zip(site: Path, dist: Path) -> Path:
    version = version_of(site)
    dist.mkdir(parents=True, exist_ok=True)
    folder = f"oamt-handbook-{version}"
    target = dist / f"{folder}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(site.rglob("*")):
            if path.is_file() and not served_only(site, path):
                info = zipfile.ZipInfo(f"{folder}/{path.relative_to(site).as_posix()}", ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, path.read_bytes())
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    (dist / f"{folder}.zip.sha256").write_text(f"{digest}  {target.name}\n", encoding="ascii")
    for pdf in sorted((site / "pdf").glob("*.pdf")):
        data = pdf.read_bytes()
        (dist / pdf.name).write_bytes(data)
        (dist / f"{pdf.name}.sha256").write_text(f"{hashlib.sha256(data).hexdigest()}  {pdf.name}\n",
                                                 encoding="ascii")
    changes = REPO / "CHANGES.md"
    if changes.exists():
        (dist / "CHANGES.md").write_text(changes.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("site", type=Path)
    parser.add_argument("dist", type=Path)
    args = parser.parse_args(argv)
    target = make_zip(args.site, args.dist)
    print(f"Wrote {target} ({target.stat().st_size / 1e6:.1f} MB) and its .sha256")
    for pdf in sorted(args.dist.glob("*.pdf")):
        print(f"Copied {pdf} ({pdf.stat().st_size / 1e6:.1f} MB) and its .sha256")
    return 0


if __name__ == "__main__":
    sys.exit(main())
