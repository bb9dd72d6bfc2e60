"""Languages in the browser (issue 18): the switcher keeps the reader on the same page (over http and from
file://), Arabic pages are right to left and fit a 360 px phone, French and Arabic pages pass axe, and a
search for each language's word for naloxone finds that language's overdose pages first.

Each calculator answers in the page's language: a shared link opened in French, Russian, Ukrainian or Arabic
shows what CPython renders in that language (result, warnings, printed sheet and handout) with no English
sentence left and the same numbers as in English; a link with a bad value shows the message next to its field
in that language; the status line speaks it too."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

import calculators
from calculators.fields import flatten
from tests.datafiles import calculator_data, load_case
from tests.test_calculator_messages import numbers_in
from tests.test_i18n import english_runs
from sitebuild.i18n import interface as interface_words

from .calc_checks import CASES, SENT_CONTEXT, SPY_ON_CONTEXT, TEXT_OF, words
from .support import open_page, wait_for_answer
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


# The text of an element without its source references (a.cite), spaces collapsed but no-break spaces kept.
WITHOUT_CITATIONS = """selector => {
  const all = document.querySelectorAll(selector.split(" >> nth=")[0]);
  const n = selector.includes(" >> nth=") ? Number(selector.split(" >> nth=")[1]) : 0;
  const copy = all[n].cloneNode(true);
  copy.querySelectorAll("a.cite").forEach(a => a.remove());
  return copy.textContent.replace(/[ \\t\\r\\n]+/g, " ");
}"""


def link_fragment(calculator: str, inputs: dict) -> str:
    """A shared link's fragment: the flat contract names and values, the same in every language."""
    flat = flatten(inputs, calculators.fields_for(calculator, calculator_data()))
    return urlencode({k: ("true" if v is True else "false" if v is False else str(v)) for k, v in flat.items()})


def cpython_text(page, calculator: str, inputs: dict) -> tuple[dict, str]:
    """CPython's response for the inputs with the page facts the page sent (its language among them)."""
    context = page.evaluate(SENT_CONTEXT)
    assert context, "the page sent no calculation"
    response = calculators.respond(calculator, inputs, calculator_data(), context)
    return response, words(page.evaluate(TEXT_OF, response["html"]))


@pytest.mark.parametrize("lang", ["fr", "ru", "uk", "ar"])
def test_each_calculator_answers_in_the_readers_language(browser, http_url, lang):
    context, page, watch = open_page(browser, http_url + f"{lang}/index.html")
    context.add_init_script(f"({SPY_ON_CONTEXT})()")
    said = interface_words(lang)
    try:
        for calculator, case in sorted(CASES.items()):
            inputs = load_case(case)["inputs"]
            fragment = link_fragment(calculator, inputs)
            english_numbers = None
            for where in ("", f"{lang}/"):  # the same link in English, then in the reader's language
                page.goto("about:blank")
                page.goto(f"{http_url}{where}calculators/{calculator}.html#{fragment}")
                assert wait_for_answer(page, calculator, timeout=120_000) == "done"
                raw_text = page.locator(f"#result-{calculator}").text_content()
                shown = words(raw_text)
                response, expected = cpython_text(page, calculator, inputs)
                assert shown == expected
                if not where:
                    english_numbers = numbers_in(raw_text, "en")
                    continue
                assert page.evaluate(SENT_CONTEXT)["lang"] == lang
                # Every message is translated, so the page does not say that results are partly in English.
                assert page.get_by_text(said["Results partly in English"]).count() == 0
                # No English sentence, leaving out the source references (they quote their English sources).
                readable = page.evaluate(WITHOUT_CITATIONS, f"#result-{calculator}")
                assert not english_runs(readable), english_runs(readable)[:3]
                assert numbers_in(raw_text, lang) == english_numbers
                # The printed sheet (and the patient handout, where the calculator has one) in that language.
                sheets = page.locator(f"#result-{calculator} [data-sheet]").count()
                assert sheets >= 1
                for n in range(sheets):
                    text = page.evaluate(WITHOUT_CITATIONS, f"#result-{calculator} [data-sheet] >> nth={n}")
                    assert text.strip() and not english_runs(text, 6), english_runs(text, 6)[:3]
                status = page.locator(f'form[data-calculator="{calculator}"] [data-calculator-status]')
                assert status.inner_text().strip() == said["Result ready below."]

        # A bad value in a link: the message beside its field, in that language, and no result.
        page.goto("about:blank")  # a new document, not a change of the fragment of the page already open
        page.goto(f"{http_url}{lang}/calculators/taper.html#medicine=methadone&start_dose_mg=eighty")
        assert wait_for_answer(page, "taper", timeout=120_000) == "invalid"
        error = page.locator('[data-error-for="start_dose_mg"]')
        assert error.is_visible()
        expected = calculators.respond("taper", {"medicine": "methadone", "start_dose_mg": "eighty"},
                                       calculator_data(), {"lang": lang})["errors"]["start_dose_mg"]
        assert error.inner_text().strip() == expected
        assert expected != calculators.respond("taper", {"medicine": "methadone", "start_dose_mg": "eighty"},
                                               calculator_data())["errors"]["start_dose_mg"]
        assert page.locator("#result-taper").is_hidden()
        assert not watch.page_errors and not watch.offsite, (watch.page_errors, watch.offsite)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "ru", "uk", "ar"])
def test_each_translated_job_aid_prints_on_one_page(browser, http_url, tmp_path, lang):
    """A4, as the trainers print them; right to left for Arabic. Each page is the translation (its own title)."""
    from sitebuild import content as content_model

    from .test_handbook import pdf_pages

    longer = []
    for aid in content_model.load().job_aids:
        context, page, _ = open_page(browser, f"{http_url}{lang}/job-aids/{aid.slug}.html")
        assert page.evaluate("() => document.documentElement.lang") == lang
        title = page.locator("h1").first.inner_text().strip()
        assert title and title != aid.title, f"{lang}/{aid.slug} is not translated"
        pdf = tmp_path / f"{lang}-{aid.slug}.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        context.close()
        if pdf_pages(pdf) != 1:
            longer.append(f"{aid.slug}: {pdf_pages(pdf)} pages")
    assert longer == [], f"{lang} job aids longer than one A4 page: {longer}"


@pytest.mark.parametrize("lang,mark", [("fr", ","), ("ru", ","), ("en", ".")])
def test_a_decimal_is_typed_with_the_languages_own_mark(browser, http_url, lang, mark):
    """On a French or Russian page 7,5 % is 7.5 %, as the page's results write it; a figure a thousand times
    apart in the two conventions is asked again beside its field, with the word for "Error" in that language."""
    where = "" if lang == "en" else f"{lang}/"
    context, page, watch = open_page(browser, f"{http_url}{where}calculators/taper.html")
    form = page.locator('form[data-calculator="taper"]')
    said = interface_words(lang) if lang != "en" else {}
    try:
        schedules = []
        for percent in ("7.5", f"7{mark}5"):
            form.locator('[name="start_dose_mg"]').fill("60")
            form.locator('[name="percent"]').fill(percent)
            form.locator("button[type=submit]").click()
            assert wait_for_answer(page, "taper") == "done", percent
            schedules.append(page.locator("#result-taper .calc-key-result").inner_text())
        assert schedules[0] == schedules[1]
        form.locator('[name="start_dose_mg"]').fill("1,500")
        form.locator("button[type=submit]").click()
        assert wait_for_answer(page, "taper") == "invalid"
        error = form.locator('[data-error-for="start_dose_mg"]')
        assert "1500" in error.inner_text() and page.locator("#result-taper .calc-key-result").count() == 0
        prefix = error.evaluate("e => getComputedStyle(e, '::before').content")
        assert prefix == f'"{said.get("Error:", "Error:")} "', prefix
        assert watch.page_errors == [] and watch.offsite == []
    finally:
        context.close()
