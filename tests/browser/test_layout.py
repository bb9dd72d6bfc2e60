"""Every page fits the screen: no sideways scrolling and nothing cut off at the right edge, on a
small phone (360 × 740) and a laptop (1280 × 800); the calculator pages also with a result shown."""

from __future__ import annotations


from tests.datafiles import load_case

from .calc_checks import CASES, enter
from .support import open_page, submit
from .test_site import browser_pages

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 800}
# A little more than the smallest phone as well, for the calculator pages (the widest content).
PHONES = [PHONE, {"width": 390, "height": 844}]

# What sticks out past the right edge of the viewport. Elements inside a box that clips them
# (overflow hidden, auto, scroll or clip, itself inside the viewport) do not count: they cannot widen
# the page, and a box that scrolls on its own is a choice (the wide taper tables of the job aids).
# Visually hidden text (1 px, clipped) and what is not rendered do not count either.
OVERFLOW = """() => {
  const vw = window.innerWidth;
  const clippedByAncestor = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (/(hidden|auto|scroll|clip)/.test(getComputedStyle(a).overflowX)
          && a.getBoundingClientRect().right <= vw + 1) return true;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  // The closed navigation drawer waits off-canvas on the side the text starts from: left in English,
  // right in Arabic. It is not part of the page's width (the scrollWidth check above still holds).
  const drawer = document.getElementById('__drawer');
  const drawerClosed = !(drawer && drawer.checked);
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (drawerClosed && el.closest('.md-sidebar--primary')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= vw + 1) continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const s = getComputedStyle(el);
    if (s.position === 'absolute' && r.width <= 1 && r.height <= 1) continue;  // visually hidden
    if (clippedByAncestor(el)) continue;
    out.push(`${name(el)} reaches ${Math.round(r.right)} px`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, past: out};
}"""


END_TRANSITIONS = "() => document.getAnimations().filter(a => a instanceof CSSTransition).forEach(a => a.finish())"


def problems(page) -> list[str]:
    facts = page.evaluate(OVERFLOW)
    found = []
    if facts["scrollWidth"] > facts["innerWidth"] + 1:
        found.append(f"the page is {facts['scrollWidth']} px wide in a {facts['innerWidth']} px window")
    found += facts["past"][:8]
    return found


def test_every_page_fits_a_phone_and_a_laptop(browser, http_url, site_dir):
    pages = browser_pages(site_dir)
    assert len(pages) > 10
    failures = {}
    # A plain context: routing every request through the test (support.open_page) would slow each
    # page down, and tests/browser/test_site.py already checks that no page asks another origin.
    context = browser.new_context()
    page = context.new_page()
    try:
        for rel in pages:
            # Loaded once, on a phone, then widened to a laptop's window; what the theme moves to its new width
            # with a transition (the search box) is taken to where it ends, as a reader sees it a moment later.
            page.set_viewport_size(PHONE)
            page.goto(http_url + rel, wait_until="load")
            for viewport in (PHONE, LAPTOP):
                page.set_viewport_size(viewport)
                page.evaluate(END_TRANSITIONS)
                found = problems(page)
                if found:
                    failures[f"{rel} at {viewport['width']} px"] = found
    finally:
        context.close()
    assert not failures, failures


def test_calculator_results_fit_a_phone_and_a_laptop(browser, http_url):
    failures = {}
    context, page, watch = open_page(browser, http_url + "index.html")
    try:
        for calculator, case in CASES.items():
            page.set_viewport_size(PHONE)
            page.goto(http_url + f"calculators/{calculator}.html", wait_until="load")
            enter(page, calculator, load_case(case)["inputs"])
            submit(page, calculator)
            state = page.locator(f'form[data-calculator="{calculator}"] [data-calculator-status]').get_attribute("data-state")
            assert state == "done", f"{calculator}: no result ({state})"
            for viewport in (*PHONES, LAPTOP):
                page.set_viewport_size(viewport)
                page.wait_for_timeout(400)  # the theme's header animates to its new width
                found = problems(page)
                if found:
                    failures[f"{calculator} with a result at {viewport['width']} px"] = found
    finally:
        context.close()
    assert not failures, failures
    assert watch.page_errors == []


def test_the_stock_planner_rows_are_cards_on_a_phone(browser, http_url):
    """The dose bands a reader fills in: on a phone each row shows its own labels, all boxes on screen."""
    context, page, _ = open_page(browser, http_url + "calculators/stock.html")
    try:
        page.set_viewport_size(PHONE)
        dose = page.locator("input[name='cohort.0.dose_mg']")
        label = page.locator("label[for='cohort-0-dose_mg']")
        assert label.is_visible() and label.bounding_box()["width"] > 20, "the dose box has no visible label"
        for box in (dose, page.locator("input[name='cohort.0.patients']"), page.locator("input[name='cohort.0.protected']"),
                    page.locator("[data-remove-row]").first):
            b = box.bounding_box()
            assert b and b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"], box
        page.set_viewport_size(LAPTOP)
        assert page.locator("table[data-rows] thead th").first.is_visible(), "the table keeps its headings on a wide screen"
    finally:
        context.close()


def test_the_glossary_shows_several_terms_per_phone_screen(browser, http_url):
    context, page, _ = open_page(browser, http_url + "glossary.html")
    try:
        page.set_viewport_size(PHONE)
        tops = page.evaluate("() => [...document.querySelectorAll('.glossary h2')].map(h => h.getBoundingClientRect().top)")
        assert len(tops) > 5
        # Terms that start within one screen's height, measured from the first term.
        per_screen = sum(1 for t in tops if t - tops[0] < PHONE["height"] - 56)
        assert per_screen > 2.5, f"only {per_screen} terms per screen"
    finally:
        context.close()


def test_loading_indicator_is_drawn_and_still_without_motion(browser, http_url):
    """The status line while the calculator starts shows a small ring drawn in CSS; it does not
    spin for a reader who asks for reduced motion."""
    context, page, _ = open_page(browser, http_url + "calculators/taper.html")
    try:
        status = page.locator('form[data-calculator="taper"] [data-calculator-status]')
        ring_of = """(s, state) => { s.dataset.state = state; const b = getComputedStyle(s, '::before');
                     return {w: parseFloat(b.width), radius: b.borderTopLeftRadius, anim: b.animationName}; }"""
        for state in ("loading", "working"):
            ring = status.evaluate(ring_of, state)
            assert ring["w"] > 4 and ring["radius"] == "50%" and ring["anim"] == "hb-spin", (state, ring)
        page.emulate_media(reduced_motion="reduce")
        ring = status.evaluate(ring_of, "loading")
        assert ring["anim"] == "none", ring
    finally:
        context.close()


# Job aids on paper: body text of at least 11 pt (14.67 CSS px), headings larger than the text,
# black on white, and the version (with its build commit) only in the small line at the foot.
PRINTED_TYPE = """() => {
  const px = el => parseFloat(getComputedStyle(el).fontSize);
  const small = '.job-aid-sources, .job-aid-meta, .job-aid-printed, .taper-reference-wrap, .signoff-notice';
  const body = [...document.querySelectorAll('.job-aid p, .job-aid li, .job-aid td')]
    .filter(el => !el.closest(small) && el.checkVisibility() && el.textContent.trim());
  const meta = document.querySelector('.job-aid-meta');
  return {
    smallest: Math.min(...body.map(px)),
    h1: px(document.querySelector('.job-aid h1')),
    h2: Math.min(...[...document.querySelectorAll('.job-aid h2')].map(px)),
    weight: getComputedStyle(document.querySelector('.job-aid h2')).fontWeight,
    meta: meta.innerText,
    foot: document.querySelector('.job-aid-printed').checkVisibility() ? document.querySelector('.job-aid-printed').innerText : '',
  };
}"""


def test_job_aids_print_in_readable_type(browser, http_url, site_dir):
    aids = sorted(p.name for p in (site_dir / "job-aids").glob("*.html") if p.name != "index.html")
    assert aids
    context = browser.new_context()
    page = context.new_page()
    try:
        page.emulate_media(media="print")
        for name in aids:
            page.goto(http_url + "job-aids/" + name, wait_until="load")
            facts = page.evaluate(PRINTED_TYPE)
            assert facts["smallest"] >= 14.6, (name, facts)
            assert facts["h2"] > facts["smallest"] * 1.1 and facts["h1"] > facts["h2"], (name, facts)
            assert int(facts["weight"]) >= 600, (name, facts)
            assert "Handbook" not in facts["meta"], (name, facts["meta"])
            assert facts["foot"].startswith("Handbook version "), (name, facts["foot"])
    finally:
        context.close()
