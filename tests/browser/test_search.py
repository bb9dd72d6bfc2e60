"""Search as a clinician uses it (issue #15): the words people type for a situation find the page that
answers it among the first three, in the real search (mkdocs-material's lunr, in Chromium, typed key by
key), and no page about the handbook itself or the whole-handbook print view outranks a chapter."""

from __future__ import annotations

import pytest

from sitebuild import content as content_model
from sitebuild.routes import path_of

from .support import open_page, wait_for_answer
from .test_snapshot import link_to

# What a clinician or pharmacist types → (kind, slug) of the page that must be among the first three.
SEARCHES = {
    "run out": ("calculator", "stock"),
    "running out": ("calculator", "stock"),
    "weeks of methadone left": ("calculator", "stock"),
    "stock-out": ("calculator", "stock"),
    "shortage": ("calculator", "stock"),
    "supply": ("calculator", "stock"),
    "closing": ("job-aid", "disruption-checklist"),
    "closure": ("job-aid", "disruption-checklist"),
    "clinic closing": ("job-aid", "disruption-checklist"),
    "missed": ("job-aid", "missed-doses-and-restart"),
    "missed dose": ("job-aid", "missed-doses-and-restart"),
    "restart": ("chapter", "missed-doses-and-restarting"),
    "vomited": ("job-aid", "missed-doses-and-restart"),
    "overdose": ("job-aid", "overdose-naloxone"),
    "take-home": ("calculator", "takehome"),
    "come off": ("calculator", "taper"),
    "taper": ("calculator", "taper"),
}
# From a copy opened from disk the search runs through the iframe-worker shim: a few of the same.
ON_DISK = ("weeks of methadone left", "closure", "missed dose", "overdose")
# Pages about the handbook rather than about patients, and the print view: never above a chapter.
LAST = ("handbook/print.html", "hosting.html", "writing-a-profile.html", "hazard-log.html",
        "checking-sources.html", "using-offline.html", "about.html", "about-this-handbook.html", "index.html")


def search_pages(page, query: str) -> list[str]:
    """The pages the search lists for `query`, best first, as full URLs (one per page, without ?h= and #section)."""
    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator("input.md-search__input")
    box.fill("")
    box.focus()
    page.keyboard.type(query, delay=20)  # real keystrokes: fill() can race the search worker
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    # Settle: the list is redrawn as each key arrives; read it once it holds the whole query's answer.
    page.wait_for_timeout(300)
    return page.evaluate("""() => [...document.querySelectorAll('.md-search-result__item')]
        .map(item => item.querySelector('.md-search-result__link').href.replace(/[?#].*$/, ''))""")


def _site_root_of(page) -> str:
    """The site's root URL: the folder above assets/."""
    return page.evaluate("() => new URL('..', document.querySelector('script[src$=\"offline.js\"]').src).href")


def _expected(content, kind: str, slug: str) -> str:
    items = {"chapter": content.chapters, "job-aid": content.job_aids, "calculator": content.calculator_pages}[kind]
    item = next(i for i in items if i.slug == slug)
    return path_of(kind, item).replace(".md", ".html")


def _is_content(path: str) -> bool:
    return path.startswith(("handbook/", "job-aids/", "calculators/")) and not path.endswith(
        ("index.html", "print.html"))


def _relative(found: list[str], root: str) -> list[str]:
    return [p[len(root):] if p.startswith(root) else p for p in found]


@pytest.fixture(scope="module")
def content():
    return content_model.load()


def test_situation_words_find_the_page_that_answers_them(browser, http_url, content):
    context, page, watch = open_page(browser, http_url + "index.html")
    root = _site_root_of(page)
    failures, shown = {}, {}
    try:
        for query, (kind, slug) in SEARCHES.items():
            found = _relative(search_pages(page, query), root)
            shown[query] = found[:3]
            expected = _expected(content, kind, slug)
            if expected not in found[:3]:
                failures[query] = f"expected {expected} in the first three, got {found[:5]}"
            # No print or administration page above any chapter, job aid or calculator.
            last_content = max((i for i, p in enumerate(found) if _is_content(p)), default=-1)
            above = [p for p in found[:last_content] if p in LAST]
            if above:
                failures[query + " (order)"] = f"{above} above a chapter in {found}"
            page.keyboard.press("Escape")
    finally:
        context.close()
    print("\n".join(f"{q!r}: {r}" for q, r in shown.items()))
    assert len(SEARCHES) >= 10
    assert failures == {}
    assert watch.offsite == []


def test_the_same_from_a_copy_opened_from_disk(browser, file_url, content):
    context, page, watch = open_page(browser, file_url + "index.html")
    root = _site_root_of(page)
    try:
        for query in ON_DISK:
            found = _relative(search_pages(page, query), root)
            assert _expected(content, *SEARCHES[query]) in found[:3], (query, found[:5])
            page.keyboard.press("Escape")
    finally:
        context.close()
    assert watch.offsite == []


# The theme's search worker builds the index as a page loads; on a calculator page it waits until the calculator's
# runtime has booted and the page is idle (docs/assets/search-after-calculator.js), unless the reader opens the
# search first. Ordering, not timing: the worker's script is requested after the runtime is ready.
SEARCH_WORKER_AND_READY = """() => [performance.getEntriesByName('calculator-ready')[0],
  performance.getEntriesByType('resource').find(e => /\\/workers\\/search\\.[^/]*\\.js/.test(e.name))]
  .map(e => e ? e.startTime : null)"""


def test_on_a_shared_calculator_link_the_search_index_waits_for_the_answer(browser, http_url, content):
    context, page, watch = open_page(browser, http_url + link_to("taper"))
    try:
        assert wait_for_answer(page, "taper", timeout=120_000) == "done"
        page.wait_for_function(f"() => ({SEARCH_WORKER_AND_READY})().every(t => t !== null)", timeout=30_000)
        ready, worker = page.evaluate(SEARCH_WORKER_AND_READY)
        assert worker >= ready, f"the search worker started at {worker} ms, the calculator was ready at {ready} ms"
        found = _relative(search_pages(page, "overdose"), _site_root_of(page))
        assert _expected(content, *SEARCHES["overdose"]) in found[:3], found[:5]
    finally:
        context.close()
    assert watch.offsite == [] and watch.page_errors == []


@pytest.mark.parametrize("where", ["http", "file"])
def test_the_search_works_on_a_calculator_page_at_once(browser, http_url, file_url, content, where):
    """Opening the search starts its worker, whether or not the calculator is ready yet."""
    root = http_url if where == "http" else file_url
    context, page, watch = open_page(browser, root + "calculators/stock.html")
    try:
        found = _relative(search_pages(page, "missed dose"), _site_root_of(page))
        assert _expected(content, *SEARCHES["missed dose"]) in found[:3], found[:5]
    finally:
        context.close()
    assert watch.offsite == [] and watch.page_errors == []
