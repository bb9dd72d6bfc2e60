"""The zip as a reader gets it: unzipped into a folder with a space and an
accent in its name, opened from disk (file://) with every network request
refused. Search and every calculator work, and the footer says which copy it is.
The zip leaves out the runtime files only http(s) uses; served over http anyway, the copy's
calculators boot from the embedded scripts.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sitebuild import pyodide_embed
from sitebuild.offline import make_zip, version_of
from tests.conftest import serving

from .calc_checks import CASES, check_case
from .test_handbook import search_titles

FOLDER = "Dr Müller copy (1)"  # a space, a non-ASCII letter and brackets, as a real download folder has
LOCAL = {"file", "data", "blob", "about"}  # none of these reaches a network


def unzip_copy(site_dir: Path, work: Path) -> Path:
    """`make offline`'s zip of the build, unzipped under `work`/FOLDER; returns the copy's folder."""
    archive = make_zip(site_dir, work / "dist")
    target = work / FOLDER
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(target)
    (copy,) = [p for p in target.iterdir() if p.is_dir()]
    assert (copy / "index.html").is_file()
    return copy


def build_date(site_dir: Path) -> str:
    """The build date the build wrote into the home page's footer."""
    match = re.search(r'data-built="(\d{4}-\d{2}-\d{2})"', (site_dir / "index.html").read_text(encoding="utf-8"))
    assert match, "no build date in the footer"
    return match.group(1)


@pytest.fixture(scope="module")
def copy_dir(site_dir, tmp_path_factory) -> Path:
    return unzip_copy(site_dir, tmp_path_factory.mktemp("download"))


@pytest.fixture(scope="module")
def no_network(browser):
    """A context that lets file://, data: and blob: through and refuses (and records) anything else;
    yields (context, refused URLs, page and console errors)."""
    context = browser.new_context()
    refused: list[str] = []
    errors: list[str] = []

    def route(r):
        if urlparse(r.request.url).scheme in LOCAL:
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    context.on("request", lambda r: None if urlparse(r.url).scheme in LOCAL else refused.append(r.url))
    context.on("page", lambda p: (p.on("pageerror", lambda e: errors.append(str(e))),
                                  p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)))
    yield context, refused, errors
    context.close()


def test_the_copy_opens_from_disk_and_searches(copy_dir, no_network, site_dir):
    context, refused, errors = no_network
    assert "%20" in copy_dir.as_uri() and "%C3%BC" in copy_dir.as_uri()
    page = context.new_page()
    page.goto(copy_dir.as_uri() + "/index.html")
    assert page.url.startswith("file://")

    version, built = version_of(site_dir), build_date(site_dir)
    assert version != "unknown"
    footer = " ".join(page.locator(".handbook-footer__version").inner_text().split())
    assert f"Version {version}, built {built}." in footer

    for query, chapter in (("naloxone", "naloxone"), ("take-home", "take-home")):
        titles = search_titles(page, query)
        assert any(chapter in t.lower() for t in titles[:3]), f"{query!r}: first results were {titles[:5]}"
        page.keyboard.press("Escape")

    # The link from the home page to the contents opens from the copy too.
    page.get_by_role("link", name="Handbook contents", exact=True).first.click()
    page.wait_for_load_state()
    assert page.url.startswith(copy_dir.as_uri()) and "Handbook contents" in page.locator("h1").inner_text()
    page.close()
    assert refused == [], "the copy on disk asked for the network"
    assert errors == []


@pytest.mark.parametrize("calculator", sorted(CASES))
def test_every_calculator_works_from_the_copy(copy_dir, no_network, calculator):
    context, refused, errors = no_network
    page = context.new_page()
    page.goto(f"{copy_dir.as_uri()}/calculators/{calculator}.html")
    check_case(page, calculator)
    page.close()
    assert refused == [], "the copy on disk asked for the network"
    assert errors == []


def test_the_copy_leaves_out_the_served_only_runtime_and_still_computes_when_served(copy_dir, browser):
    runtime = copy_dir / "assets" / "pyodide"
    assert not [name for name in pyodide_embed.RAW_FILES if (runtime / name).exists()]
    assert (runtime / "pyodide.asm.wasm.b64.js").is_file()
    with serving(copy_dir) as url:
        context = browser.new_context(service_workers="block")
        errors: list[str] = []
        context.on("page", lambda p: p.on("pageerror", lambda e: errors.append(str(e))))
        page = context.new_page()
        page.goto(url + "calculators/stock.html")
        check_case(page, "stock")
        # The fetched boot found no raw files; the embedded scripts booted instead, from the snapshot.
        assert page.evaluate("() => document.documentElement.dataset.calculatorBoot") == "snapshot embedded"
        assert errors == []
        context.close()
