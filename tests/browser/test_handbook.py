"""The handbook as a reader and a trainer use it: search, job aids on one
printed page, and the whole-handbook print view."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from sitebuild import content as content_model

from .support import open_page

# What a clinician would type → the chapter that must come first or among the first three.
SEARCHES = {
    "take-home": "take-home",
    "naloxone": "naloxone",
    "lofexidine": "withdrawal",
    "pregnant": "withdrawal",
    "stigma": "stigma",
}


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def search_titles(page, query: str) -> list[str]:
    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator("input.md-search__input")
    box.fill("")
    box.focus()
    page.keyboard.type(query, delay=20)  # real keystrokes: fill() can race the search worker
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    return page.locator(".md-search-result__item > .md-search-result__link article h1").all_inner_texts()


@pytest.mark.parametrize("base", ["http", "file"])
def test_search_finds_the_chapter(browser, http_url, file_url, base):
    content = content_model.load()
    url = (http_url if base == "http" else file_url) + "index.html"
    context, page, watch = open_page(browser, url)
    try:
        for query, words in SEARCHES.items():
            titles = search_titles(page, query)
            chapter_titles = [c.title for c in content.chapters if words in c.title.lower()]
            assert chapter_titles, f"no chapter title contains {words!r}"
            assert any(t in chapter_titles for t in titles[:3]), f"{query!r}: first results were {titles[:5]}"
            page.keyboard.press("Escape")
    finally:
        context.close()
    assert watch.offsite == []


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_each_job_aid_prints_on_one_page(browser, http_url, tmp_path, paper):
    content = content_model.load()
    assert content.job_aids
    for aid in content.job_aids:
        context, page, _ = open_page(browser, f"{http_url}job-aids/{aid.slug}.html")
        pdf = tmp_path / f"{aid.slug}-{paper}.pdf"
        page.pdf(path=str(pdf), format=paper, print_background=True)
        context.close()
        text = pdf_text(pdf)
        assert pdf_pages(pdf) == 1, f"{aid.slug} prints on {pdf_pages(pdf)} {paper} pages"
        assert aid.title in " ".join(text.split()), aid.slug
        assert "Skip to content" not in text and "OAMT Continuity Handbook" not in text.split(aid.title)[0]


def test_whole_handbook_print_view_has_every_chapter_in_order(browser, http_url, tmp_path):
    content = content_model.load()
    context, page, _ = open_page(browser, f"{http_url}handbook/print.html")
    titles = page.locator("h2.print-chapter-title").all_inner_texts()
    pdf = tmp_path / "handbook.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    context.close()
    assert [t.strip() for t in titles] == [c.title for c in content.chapters]
    text = " ".join(pdf_text(pdf).split())
    positions = [text.find(c.title, text.find("Contents") + 1) for c in content.chapters]
    assert all(p >= 0 for p in positions)
    assert pdf_pages(pdf) > len(content.chapters) // 2
