"""The screenshots of "Using this handbook offline": every image the page
refers to is a small PNG in the repository, has alt text, and is in the built page.
(`python -m sitebuild.screenshots site docs/assets/screenshots` takes them.)"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from sitebuild.screenshots import SHOTS

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "using-offline.md"
SHOT_DIR = REPO / "docs" / "assets" / "screenshots"
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def images() -> list[tuple[str, str]]:
    return IMAGE.findall(PAGE.read_text(encoding="utf-8"))


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_every_image_is_a_small_png_with_alt_text():
    found = images()
    assert len(found) >= 4, "the page should show the disk copy, a calculator, the offline notice and the footer"
    for alt, src in found:
        path = (PAGE.parent / src).resolve()
        assert path.is_file(), f"{src} does not exist"
        width, height = png_size(path)
        assert 300 <= width <= 1000 and 40 <= height <= 1200, f"{src} is {width}×{height}"
        assert 1_000 < path.stat().st_size < 150_000, f"{src} is {path.stat().st_size} bytes"
        assert len(alt.split()) >= 5 and not alt.lower().endswith(".png"), f"{src}: alt text {alt!r} says too little"


def test_the_screenshots_folder_holds_what_the_script_takes_and_the_page_uses():
    on_disk = {p.name for p in SHOT_DIR.glob("*")}
    used = {Path(src).name for _, src in images() if "screenshots/" in src}
    assert on_disk == set(SHOTS) == used


def test_the_built_page_shows_them(site_dir):
    html = (site_dir / "using-offline.html").read_text(encoding="utf-8")
    shown = re.findall(r'<img alt="([^"]*)" src="([^"]+)"', html)
    assert {Path(src).name for _, src in shown} == set(SHOTS)
    for _, src in shown:
        assert (site_dir / src).is_file(), src


README = REPO / "README.md"
README_IMAGE = re.compile(r'!\[([^\]]*)\]\(([^)\s]+)\)|<img alt="([^"]*)" src="([^"]+)"')


def test_every_image_in_the_readme_exists_with_alt_text():
    found = [(m.group(1) or m.group(3) or "", m.group(2) or m.group(4)) for m in
             README_IMAGE.finditer(README.read_text(encoding="utf-8"))]
    assert len(found) >= 4
    for alt, src in found:
        path = REPO / src
        assert path.is_file(), f"README.md shows {src}, which does not exist"
        assert path.read_bytes()[:8] == PNG_SIGNATURE, src
        assert path.stat().st_size < 300_000, f"{src} is {path.stat().st_size} bytes"
        assert len(alt.split()) >= 5, f"{src}: alt text {alt!r} says too little"
