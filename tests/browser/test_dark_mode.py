"""Dark mode: the reader's preference chooses the theme's slate scheme, the header toggle switches
it from the keyboard, and the pages a clinician uses most pass axe in both schemes."""

from __future__ import annotations

import pytest

from tests.datafiles import load_case

from .calc_checks import CASES, enter
from .support import submit
from .test_site import axe_violations

SCHEME = "() => document.body.getAttribute('data-md-color-scheme')"
# The pages checked with axe: the home page, a chapter, a job aid; each calculator with a result.
PAGES = ["index.html", "handbook/11-overdose-and-naloxone.html", "job-aids/overdose-naloxone.html", "glossary.html"]


@pytest.mark.parametrize("preference, scheme", [("dark", "slate"), ("light", "default")])
def test_the_readers_preference_chooses_the_scheme(browser, http_url, preference, scheme):
    context = browser.new_context(color_scheme=preference)
    try:
        page = context.new_page()
        page.goto(http_url + "index.html")
        assert page.evaluate(SCHEME) == scheme
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert (background != "rgb(255, 255, 255)") == (scheme == "slate"), background
    finally:
        context.close()


def test_the_toggle_works_from_the_keyboard(browser, http_url):
    context = browser.new_context(color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(http_url + "index.html")
        assert page.evaluate(SCHEME) == "slate"
        for _ in range(10):  # Tab from the top of the page to the toggle
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.name") == "__palette":
                break
        else:
            pytest.fail("Tab never reached the light/dark toggle")
        assert page.evaluate("() => document.activeElement.getAttribute('aria-label')").startswith("Switch to")
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => ({SCHEME})() === 'default'")
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => ({SCHEME})() === 'slate'")
        # The choice holds on the next page.
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => ({SCHEME})() === 'default'")
        page.goto(http_url + "glossary.html")
        assert page.evaluate(SCHEME) == "default"
    finally:
        context.close()


def test_print_uses_light_colours_in_dark_mode(browser, http_url):
    context = browser.new_context(color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(http_url + "job-aids/overdose-naloxone.html")
        assert page.evaluate(SCHEME) == "slate"
        page.emulate_media(media="print")
        colours = page.evaluate("""() => ({
            body: getComputedStyle(document.body).backgroundColor,
            text: getComputedStyle(document.querySelector('.md-typeset p')).color,
            heading: getComputedStyle(document.querySelector('.job-aid h2')).color })""")
        assert colours["body"] == "rgb(255, 255, 255)", colours
        assert colours["text"] == "rgb(0, 0, 0)" and colours["heading"] == "rgb(0, 0, 0)", colours
    finally:
        context.close()


@pytest.mark.parametrize("preference", ["light", "dark"])
def test_axe_passes_in_both_schemes(browser, http_url, preference):
    failures = {}
    context = browser.new_context(color_scheme=preference)
    try:
        page = context.new_page()
        for rel in PAGES:
            page.goto(http_url + rel, wait_until="load")
            found = axe_violations(page)
            if found:
                failures[rel] = [(v["id"], [n["target"] for n in v["nodes"][:4]]) for v in found]
        for calculator, case in CASES.items():
            page.goto(http_url + f"calculators/{calculator}.html", wait_until="load")
            enter(page, calculator, load_case(case)["inputs"])
            submit(page, calculator)
            found = axe_violations(page)
            if found:
                failures[f"calculators/{calculator}.html with a result"] = [
                    (v["id"], [n["target"] for n in v["nodes"][:4]]) for v in found]
    finally:
        context.close()
    assert not failures, failures
