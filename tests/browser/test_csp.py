"""The content security policy allows no inline script but the theme's own, by hash.

The hashes are computed at build time over each final page (sitebuild/service_worker.py). Over http
and from file://: the policy has no 'unsafe-inline' for scripts (nor a script-src-elem/-attr that
adds it back), the theme's scripts, the search (on file://, through the iframe-worker shim's frame)
and a calculator run with no refusal, and script injected into the page is refused.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sitebuild.service_worker import page_script_hashes
from tests.conftest import REPO, build_site, prebuilt, serving, site_builder

from .calc_checks import check_case
from .support import open_page
from .test_handbook import search_titles
from .test_site import policy_of, site_pages

SCRIPT_DIRECTIVES = ("script-src", "script-src-elem", "script-src-attr", "default-src")

# Script written into the page as an attacker would through an unescaped value: an inline element,
# an event handler attribute and a javascript: URL. None may run.
INJECT = """() => new Promise(done => {
    const refused = [];
    document.addEventListener('securitypolicyviolation', e => refused.push(e.effectiveDirective));
    const box = document.createElement('div');
    box.innerHTML = '<img src="data:," onerror="window.__ran = (window.__ran || 0) + 1">';
    document.body.append(box);
    const s = document.createElement('script');
    s.textContent = 'window.__ran = (window.__ran || 0) + 1';
    document.body.append(s);
    const a = document.createElement('a');
    a.href = 'javascript:window.__ran = (window.__ran || 0) + 1';
    document.body.append(a); a.click();
    setTimeout(() => done({ran: window.__ran || 0, refused}), 1500);
})"""


def directives_of(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def test_no_page_allows_unsafe_inline_scripts_and_every_inline_script_is_hashed(site_dir):
    import re

    problems = {}
    for rel in site_pages(site_dir):
        page = (site_dir / rel).read_text(encoding="utf-8")
        policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
        directives = directives_of(policy)
        inline = [s for name in SCRIPT_DIRECTIVES for s in directives.get(name, []) if s == "'unsafe-inline'"]
        missing = [h for h in page_script_hashes(page, None) if h not in directives["script-src"]]
        if inline or missing or "__OAMT" in policy:
            problems[rel] = {"unsafe-inline": inline, "hashes missing": missing}
    assert not problems, problems


@pytest.mark.parametrize("base", ["http", "file"])
def test_the_policy_refuses_injected_script_and_lets_the_site_run(browser, http_url, file_url, base):
    root = http_url if base == "http" else file_url
    context, page, watch = open_page(browser, root + "calculators/taper.html")
    directives = directives_of(policy_of(page))
    assert "'unsafe-inline'" not in [s for n in SCRIPT_DIRECTIVES for s in directives.get(n, [])]
    assert any(s.startswith("'sha256-") for s in directives["script-src"])
    # The theme's inline scripts ran: mkdocs-material's first one defines __md_scope.
    assert page.evaluate("() => typeof __md_scope") == "object"
    # The search works (from file:// through the iframe-worker shim, whose frame script is hashed).
    titles = search_titles(page, "naloxone")
    assert any("naloxone" in t.lower() for t in titles[:3]), titles[:5]
    page.keyboard.press("Escape")
    # A calculator runs (a data: worker importing blob: modules, compiling WebAssembly).
    check_case(page, "taper")
    refused = [m for m in watch.console_errors if "Content Security Policy" in m]
    assert refused == [] and watch.page_errors == [], (refused, watch.page_errors)
    # Script injected into the page does not run, and the policy says why.
    result = page.evaluate(INJECT)
    context.close()
    assert result["ran"] == 0, result
    assert {"script-src-attr", "script-src-elem"} <= set(result["refused"]), result


# Local settings reach every page through the theme (overrides/main.html); MkDocs' theme environment
# does not autoescape, so the template escapes each value itself.
HOSTILE_SETTINGS = """\
programme_name: "Harbour \\"><img src=x onerror=\\"window.__ran=1\\"><script>window.__ran=2</script>"
contacts:
  - label: "Clinic <script>window.__ran=3</script>"
    phone: "+44 20 7946 0000"
naloxone: "Kits at the desk \\" onmouseover=\\"window.__ran=4"
newer_copy: "intranet\\" onmouseover=\\"window.__ran=5"
"""


@site_builder("hostile-settings", users=("hostile_settings_site",))
def _hostile_settings_site(root: Path) -> None:
    content = root / "content"
    shutil.copytree(REPO / "content", content)
    (content / "settings.yml").write_text(HOSTILE_SETTINGS, encoding="utf-8")
    done = build_site(root / "site", env={"OAMT_CONTENT_DIR": str(content)})
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def hostile_settings_site(tmp_path_factory) -> Path:
    return prebuilt(tmp_path_factory, "hostile-settings") / "site"   # tests/conftest.py: built ahead


def test_settings_reach_the_theme_as_text_never_as_markup(browser, hostile_settings_site):
    with serving(hostile_settings_site) as url:
        context, page, watch = open_page(browser, url + "index.html")
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        footer = page.locator(".handbook-footer")
        footer.hover()
        facts = page.evaluate("""() => ({
            ran: window.__ran || 0,
            markup: document.querySelectorAll('.handbook-footer img, .handbook-footer script, '
                                              + '.programme-print img, .programme-print script').length,
            programme: document.querySelector('.handbook-footer__programme').textContent,
            updates: document.querySelector('.handbook-footer__version').dataset.updates,
            attrs: [...document.querySelector('.handbook-footer__version').attributes].map(a => a.name),
        })""")
        context.close()
    # naloxone is Markdown, where the build refuses HTML (tests/test_content.py); quotes stay text.
    assert facts["ran"] == 0 and facts["markup"] == 0 and dialogs == [], facts
    assert '<img src=x onerror="window.__ran=1">' in facts["programme"]
    assert "<script>window.__ran=3</script>" in facts["programme"]
    assert facts["updates"] == 'intranet" onmouseover="window.__ran=5' and "onmouseover" not in facts["attrs"]
