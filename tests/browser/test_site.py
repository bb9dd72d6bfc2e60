"""Every page of the built site, in Chromium: nothing leaves the site, no
serious accessibility violation, and print shows the content only."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .support import open_page

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def site_pages(site_dir: Path) -> list[str]:
    return sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html")
                  if not p.relative_to(site_dir).as_posix().startswith("assets/"))


# In the other languages' folders, one page of each kind, with the chapters that hold the widest tables
# and the longest words: the templates, the styles and the scripts are the same as in English, and the
# whole language folders loaded in a browser would double the suite's time. Every page still gets the
# checks that need no browser (test_every_page_carries_the_policy, tests/test_i18n.py).
LANGUAGE_SAMPLE = re.compile(r"(index|about|glossary|bibliography)\.html|calculators/[\w-]+\.html"
                             r"|job-aids/(index|overdose-naloxone|methadone-taper-table|talking-without-stigma)\.html"
                             r"|handbook/(index|01-[\w-]+|12-[\w-]+|15-[\w-]+|21-[\w-]+)\.html")


def browser_pages(site_dir: Path) -> list[str]:
    """Every English page, and a sample of each other language's pages (LANGUAGE_SAMPLE)."""
    pages = []
    for rel in site_pages(site_dir):
        first, _, rest = rel.partition("/")
        if rest and (site_dir / first / "index.html").is_file() and len(first) == 2:
            if not LANGUAGE_SAMPLE.fullmatch(rest):
                continue
        pages.append(rel)
    return pages


def axe_violations(page) -> list[dict]:
    # Evaluated through the driver: an injected <script> would be refused by the policy (no inline script).
    # Unless the context already has it on every page (axe_on_every_page).
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    # Only the violations are reported in full: the passes are not needed, and collecting them is most of axe's work.
    result = page.evaluate("opts => axe.run(document, opts)",
                           {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def axe_on_every_page(context) -> None:
    """axe in every page the context opens, before the page's own scripts (by the driver, so the policy allows it)."""
    context.add_init_script(path=str(AXE))


def test_every_page_stays_on_its_origin_and_passes_axe(browser, http_url, site_dir):
    pages = browser_pages(site_dir)
    assert len(pages) > 10
    failures = {}
    context, page, watch = open_page(browser, http_url + "index.html", route=False)
    axe_on_every_page(context)
    for rel in pages:
        watch.offsite.clear()
        watch.page_errors.clear()
        watch.console_errors.clear()
        page.goto(http_url + rel, wait_until="load")
        violations = axe_violations(page)
        cookies = context.cookies()
        storage = page.evaluate("() => Object.keys(localStorage)")
        problems = []
        if watch.offsite:
            problems.append(f"offsite requests: {watch.offsite}")
        if watch.page_errors:
            problems.append(f"page errors: {watch.page_errors}")
        refused = [m for m in watch.console_errors if "Content Security Policy" in m]
        if refused:
            problems.append(f"refused by the content security policy: {refused}")
        if violations:
            problems.append("axe: " + "; ".join(f"{v['id']} ({len(v['nodes'])})" for v in violations))
        if cookies:
            problems.append(f"cookies: {cookies}")
        # The theme's own keys ("__palette" for light or dark, "__search"...) may be prefixed with the
        # site's path ("/.__palette"): they hold a display choice, never what a reader typed.
        if [k for k in storage if not k.rsplit(".", 1)[-1].startswith("__")]:
            problems.append(f"local storage: {storage}")
        if problems:
            failures[rel] = problems
    context.close()
    assert not failures, failures


def test_no_page_names_another_host_for_assets(site_dir):
    """Request recording cannot see a preconnect; the HTML itself must not name another host."""
    import re

    pattern = re.compile(r"<(?:link|script|img|iframe|source)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    offenders = [p for p in site_dir.rglob("*.html") if pattern.search(p.read_text(encoding="utf-8"))]
    assert not offenders, offenders


@pytest.mark.parametrize("rel", ["index.html", "handbook/index.html", "calculators/taper.html"])
def test_print_hides_navigation(browser, http_url, rel, tmp_path):
    context, page, _ = open_page(browser, http_url + rel)
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.md-header', '.md-sidebar--primary', '.md-sidebar--secondary', '.md-footer']
        .map(s => document.querySelector(s)).filter(Boolean).every(e => getComputedStyle(e).display === 'none')""")
    page.emulate_media(media=None)
    pdf = tmp_path / "page.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    context.close()
    assert hidden
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Skip to content" not in text


# What a source list may name: the site itself and the local schemes the runtime needs; never a host.
ALLOWED_SOURCES = {"'self'", "'none'", "'unsafe-inline'", "'wasm-unsafe-eval'", "blob:", "data:"}


def policy_of(page) -> str:
    return page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")


@pytest.mark.parametrize("base", ["http", "file"])
def test_content_security_policy_allows_only_the_site(browser, http_url, file_url, base):
    context, page, _ = open_page(browser, (http_url if base == "http" else file_url) + "index.html")
    policy = policy_of(page)
    directives = dict((d.split()[0], d.split()[1:]) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert "'unsafe-eval'" not in policy
    assert all(source in ALLOWED_SOURCES or source.startswith("'sha256-")
               for sources in directives.values() for source in sources), policy
    # Inline script only by hash (tests/browser/test_csp.py): never 'unsafe-inline' for scripts.
    assert "'unsafe-inline'" not in directives["script-src"], policy
    # The policy is in force: an image from another origin is refused before any request is made.
    blocked = page.evaluate("""() => new Promise(done => {
        document.addEventListener('securitypolicyviolation', e => done(e.effectiveDirective), {once: true});
        const img = new Image(); img.src = 'http://198.51.100.7/pixel.png'; document.body.append(img);
        setTimeout(() => done(null), 5000);
    })""")
    context.close()
    assert blocked == "img-src"


def test_every_page_carries_the_policy(site_dir):
    pages = site_pages(site_dir)
    missing = [rel for rel in pages if 'http-equiv="Content-Security-Policy"' not in
               (site_dir / rel).read_text(encoding="utf-8").split("<script", 1)[0]]
    assert not missing, f"no policy before the first script: {missing}"


def test_the_search_dialog_has_an_accessible_name(site_dir):
    unnamed = [rel for rel in site_pages(site_dir) if 'role="dialog">' in (site_dir / rel).read_text(encoding="utf-8")]
    assert not unnamed, unnamed
