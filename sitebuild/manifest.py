"""The handbook as an installable web app: site/manifest.webmanifest, its icons, and the
"Keep everything offline" control that hand-written pages place with `<!-- keep-offline -->`.

**Manifest.** Written into the built site by the build (sitebuild/mkdocs_hook.py), before the build id
and the service worker's file list are computed, so both include it. Its addresses are relative to
the manifest itself (start URL `index.html`, scope `./`): the same manifest works at a domain's root,
under a GitHub Pages sub-path (`https://<org>.github.io/<repo>/`) and behind any other prefix. The
installed app opens the home page; the service worker serves it from the device with no connection.

**Icons** are small PNGs kept in docs/assets/icons/ (MkDocs copies them into the site). They are drawn
by this module, with no image library and no network, and only need drawing again if the design
changes:

    .venv/bin/python -m sitebuild.manifest docs/assets/icons

"any" icons have rounded corners on a transparent background; "maskable" ones fill the square and
keep the book inside the central circle (radius 40 % of the size) that every mask leaves visible.
"""

from __future__ import annotations

import json
import struct
import sys
import zlib
from pathlib import Path

ICON_DIR = "assets/icons/"
# Material's indigo (mkdocs.yml palette), and its darker shade for the browser bar in dark mode.
THEME_LIGHT = "#4051b5"
THEME_DARK = "#303fa1"
BACKGROUND = "#ffffff"
INDIGO = (0x40, 0x51, 0xB5, 255)
WHITE = (255, 255, 255, 255)
SHADE = (0xC5, 0xCA, 0xE9, 255)
# file name → (size in pixels, purpose)
ICONS = {
    "icon-192.png": (192, "any"),
    "icon-512.png": (512, "any"),
    "maskable-192.png": (192, "maskable"),
    "maskable-512.png": (512, "maskable"),
    "apple-touch-icon.png": (180, "apple"),  # iOS puts its own mask on a full square
}

KEEP_OFFLINE_MARKER = "<!-- keep-offline -->"


# ---------------------------------------------------------------- manifest


def manifest(name: str, description: str, short_name: str = "OAMT handbook") -> dict:
    icons = [{"src": ICON_DIR + file, "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}
             for file, (size, purpose) in ICONS.items() if purpose != "apple"]
    return {
        "name": name,
        "short_name": short_name,
        "description": " ".join(description.split()),
        "id": "./",
        "start_url": "index.html",
        "scope": "./",
        "display": "standalone",
        "orientation": "any",
        "lang": "en",
        "dir": "ltr",
        "background_color": BACKGROUND,
        "theme_color": THEME_LIGHT,
        "categories": ["medical", "education", "books"],
        "icons": icons,
    }


def write_manifest(site_dir: Path, name: str, description: str) -> Path:
    target = site_dir / "manifest.webmanifest"
    target.write_text(json.dumps(manifest(name, description), indent=2) + "\n", encoding="utf-8")
    return target


# ---------------------------------------------------------------- the "keep everything" control


def keep_offline_html() -> str:
    """What `<!-- keep-offline -->` becomes: the box docs/assets/keep-offline.js fills in on a hosted
    copy. Without a service worker (a copy opened from disk, or scripts off) it says why none is needed."""
    return (
        '<div class="admonition info keep-offline print-only-hide" data-keep-offline>\n'
        '<p class="admonition-title">Offline on this device</p>\n'
        '<p class="keep-offline__explain" data-keep-offline-file>'
        "This copy is a folder on this device (its address starts with <code>file://</code>): "
        "the folder itself is the offline copy, with every page, the search and the calculators. "
        "There is nothing more to store. Keep the folder, or the zip it came in, to use the handbook "
        "with no connection.</p>\n"
        "</div>\n")


def fill_marker(markdown: str) -> str:
    return markdown.replace(KEEP_OFFLINE_MARKER, keep_offline_html()) if KEEP_OFFLINE_MARKER in markdown \
        else markdown


# ---------------------------------------------------------------- icons


def _in_round_rect(x: float, y: float, x0: float, y0: float, x1: float, y1: float, r: float) -> bool:
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _shapes(purpose: str) -> list[tuple[tuple, tuple]]:
    """(rounded rectangle x0, y0, x1, y1, radius in units of the icon's side; colour), painted in order."""
    full = purpose in ("maskable", "apple")
    shapes = [((0.0, 0.0, 1.0, 1.0, 0.0 if full else 0.18), INDIGO)]
    # An open book: two pages either side of the spine, resting on a cover; lines of text on each.
    shapes.append(((0.19, 0.70, 0.81, 0.76, 0.02), SHADE))
    for x0, x1 in ((0.22, 0.485), (0.515, 0.78)):
        shapes.append(((x0, 0.27, x1, 0.72, 0.025), WHITE))
        for i, y in enumerate((0.36, 0.44, 0.52, 0.60)):
            width = 0.17 if i < 3 else 0.11
            shapes.append(((x0 + 0.045, y, x0 + 0.045 + width, y + 0.03, 0.012), INDIGO))
    return shapes


def draw_icon(size: int, purpose: str, samples: int = 4) -> bytes:
    """RGBA pixels, `samples`² points per pixel for smooth edges."""
    shapes = _shapes(purpose)
    out = bytearray()
    step = 1.0 / (size * samples)
    for py in range(size):
        for px in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(samples):
                y = (py * samples + sy + 0.5) * step
                for sx in range(samples):
                    x = (px * samples + sx + 0.5) * step
                    colour = None
                    for (x0, y0, x1, y1, r), c in reversed(shapes):
                        if _in_round_rect(x, y, x0, y0, x1, y1, r):
                            colour = c
                            break
                    if colour:
                        a = colour[3] / 255
                        for k in range(3):
                            acc[k] += colour[k] * a
                        acc[3] += a
            n = samples * samples
            alpha = acc[3] / n
            if alpha == 0:
                out += b"\0\0\0\0"
            else:
                out += bytes(round(acc[k] / acc[3]) for k in range(3)) + bytes([round(alpha * 255)])
    return bytes(out)


def png(size: int, rgba: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\0" + rgba[y * size * 4:(y + 1) * size * 4] for y in range(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def write_icons(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for file, (size, purpose) in ICONS.items():
        path = folder / file
        path.write_bytes(png(size, draw_icon(size, purpose)))
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_icons(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/assets/icons")):
        print(p, p.stat().st_size)
