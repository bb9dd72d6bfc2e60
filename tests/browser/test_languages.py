"""Languages in the browser (issue 18): the switcher keeps the reader on the same page (over http and from
file://), Arabic pages are right to left and fit a 360 px phone, French and Arabic pages pass axe, and a
search for each language's word for naloxone finds that language's overdose pages first."""

from __future__ import annotations

import pytest

from .support import open_page
from .test_site import axe_violations

CHAPTER = "handbook/11-overdose-and-naloxone.html"
OVERDOSE_PAGES = ("job-aids/overdose-naloxone.html", "handbook/11-overdose-and-naloxone.html",
                  "handbook/20-overdose-response-details.html")
NALOXONE = {"en": "naloxone", "fr": "naloxone", "ru": "налоксон", "uk": "налоксон", "ar": "نالوكسون"}


def _switch(page, lang: str) -> None:
    """Choose a language in the header's language menu (the theme opens it on hover; a click on the link is what
    a reader's tap does)."""
    link = page.locator(f"a.md-select__link[hreflang='{lang}']").first
    with page.expect_navigation():
        link.evaluate("a => a.click()")


@pytest.mark.parametrize("where", ["http", "file"])
def test_switching_language_keeps_the_page(browser, http_url, file_url, where):
    root = http_url if where == "http" else file_url
    context, page, watch = open_page(browser, root + CHAPTER)
    try:
        for lang in ("fr", "ru", "uk", "ar", "en"):
            _switch(page, lang)
            prefix = "" if lang == "en" else f"{lang}/"
            assert page.url == root + prefix + CHAPTER, f"{lang}: {page.url}"
            assert page.evaluate("() => document.documentElement.lang") == lang
        assert not watch.offsite and not watch.page_errors, (watch.offsite, watch.page_errors)
    finally:
        context.close()


def test_switcher_on_a_generated_and_a_handwritten_page(browser, http_url):
    for rel in ("fr/calculators/taper.html", "fr/hosting.html", "fr/index.html"):
        context, page, _watch = open_page(browser, http_url + rel)
        try:
            _switch(page, "uk")
            assert page.url == http_url + "uk/" + rel[3:]
        finally:
            context.close()


ARABIC = ("ar/index.html", "ar/job-aids/overdose-naloxone.html", "ar/calculators/taper.html",
          "ar/glossary.html", "ar/" + CHAPTER)


@pytest.mark.parametrize("rel", ARABIC)
def test_arabic_is_right_to_left_and_fits_a_phone(browser, http_url, rel):
    context = browser.new_context(viewport={"width": 360, "height": 780})
    page = context.new_page()
    try:
        page.goto(http_url + rel, wait_until="load")
        assert page.evaluate("() => document.documentElement.lang") == "ar"
        assert page.evaluate("() => document.documentElement.dir") == "rtl"
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{rel}: {overflow} px wider than a 360 px screen"
    finally:
        context.close()


@pytest.mark.parametrize("rel", ["ar/job-aids/overdose-naloxone.html", "ar/calculators/taper.html",
                                 "fr/" + CHAPTER, "fr/job-aids/overdose-naloxone.html"])
def test_axe_clean_in_french_and_arabic(browser, http_url, rel):
    context, page, _watch = open_page(browser, http_url + rel)
    try:
        found = axe_violations(page)
        assert not found, f"{rel}: " + "; ".join(f"{v['id']}: {v['help']}" for v in found)
    finally:
        context.close()


def search_pages(page, query: str) -> list[str]:
    """The pages the search lists for `query`, best first (as tests/browser/test_search.py, plus a key press at the
    end: Playwright enters characters that are not on a US keyboard without key events, and the theme searches
    on keyup)."""
    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator("input.md-search__input")
    box.fill("")
    box.focus()
    page.keyboard.type(query, delay=20)
    page.keyboard.press("End")
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    page.wait_for_timeout(300)
    return page.evaluate("""() => [...document.querySelectorAll('.md-search-result__item')]
        .map(item => item.querySelector('.md-search-result__link').href.replace(/[?#].*$/, ''))""")


@pytest.mark.parametrize("lang", list(NALOXONE))
def test_search_for_naloxone_finds_that_languages_overdose_page(browser, http_url, lang):
    prefix = "" if lang == "en" else f"{lang}/"
    context, page, _watch = open_page(browser, http_url + prefix + "index.html")
    try:
        found = search_pages(page, NALOXONE[lang])
        assert found, f"{lang}: nothing found for {NALOXONE[lang]}"
        first = found[0]
        assert first.startswith(http_url + prefix), f"{lang}: the first result is in another language: {first}"
        assert first[len(http_url + prefix):] in OVERDOSE_PAGES, f"{lang}: first result {first}"
    finally:
        context.close()
