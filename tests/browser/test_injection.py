"""Markup written into content and settings reaches readers as text, never as markup or script.

A fixture copy of content/ carries a script-bearing value in every text field
of the local settings and in the text fields of each kind of content file
(chapter, job aid, glossary, calculator page, source, take-home profile,
formulation). The real build must escape every one of them; Chromium then
opens the pages and finds the values shown as typed, no dialog and no script
run. Markdown fields refuse HTML outright (tests/test_content.py).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, build_site, prebuilt, serving, site_builder

from .support import open_page

PAYLOAD = '<img src=x onerror="window.__pwned=1">"><script>window.__pwned=2</script>'


def _front_matter(path: Path, **values: str) -> None:
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        # JSON's quoting is valid YAML.
        text = re.sub(rf"^{key}: .*$", lambda m: f"{key}: {json.dumps(value)}", text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")


def _yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")


@pytest.fixture(scope="module")
def injected_site(tmp_path_factory) -> Path:
    return prebuilt(tmp_path_factory, "injected") / "site"   # tests/conftest.py: built ahead of the tests


@site_builder("injected", users=("injected_site",))
def _injected_site(root: Path) -> None:
    content = root / "content"
    shutil.copytree(REPO / "content", content)
    settings = yaml.safe_load((REPO / "tests" / "fixtures" / "local-settings" / "settings.yml").read_text())
    settings.update({"programme_name": f"Clinic {PAYLOAD}", "newer_copy": f"the intranet {PAYLOAD}"})
    settings["contacts"][0]["label"] = f"Desk {PAYLOAD}"
    settings["local_protocols"][0]["title"] = f"Policy {PAYLOAD}"
    (content / "settings.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    _front_matter(content / "chapters" / "01-key-messages.md", title=f"Key messages {PAYLOAD}",
                  summary=f"Five messages {PAYLOAD}.")
    _front_matter(content / "calculators" / "taper.md", title=f"Taper calculator {PAYLOAD}")

    def job_aid(data):
        data["title"] = f"Naloxone {PAYLOAD}"
        data["blocks"][0]["heading"] = f"First {PAYLOAD}"
    _yaml(content / "job-aids" / "overdose-naloxone.yml", job_aid)

    def glossary(data):
        data[0]["term"] = f"{data[0]['term']} {PAYLOAD}"
    _yaml(content / "glossary.yml", glossary)

    def sources(data):
        data[0]["note"] = f"A note {PAYLOAD}"
    _yaml(content / "sources.yml", sources)

    def profile(data):
        data["title"] = f"WHO 2009 {PAYLOAD}"
        data["criteria"][0]["question"] = f"Stable {PAYLOAD}?"
        data["criteria"][0]["help"] = f"Help {PAYLOAD}"
    _yaml(content / "takehome" / "who-2009.yml", profile)

    def formulations(data):
        data[0]["label"] = f"Methadone oral solution {PAYLOAD}"
    _yaml(content / "formulations.yml", formulations)

    done = build_site(root / "site", env={"OAMT_CONTENT_DIR": str(content)})
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_built_pages_hold_the_values_only_escaped(injected_site):
    pages = sorted(injected_site.rglob("*.html"))
    raw = [p.relative_to(injected_site).as_posix() for p in pages if "<img src=x" in p.read_text(encoding="utf-8")]
    assert not raw, f"unescaped markup from content or settings in: {raw}"
    everywhere = [p for p in pages if "&lt;img src=x" in p.read_text(encoding="utf-8")]
    assert len(everywhere) >= len(pages) - 1, "the programme's name is on every page (the footer)"


@pytest.mark.parametrize("path", ["index.html", "handbook/01-key-messages.html", "job-aids/overdose-naloxone.html",
                                  "glossary.html", "bibliography.html", "calculators/taper.html",
                                  "calculators/takehome.html", "hosting.html"])
def test_no_script_runs_and_the_values_read_as_typed(browser, injected_site, path):
    with serving(injected_site) as url:
        context, page, watch = open_page(browser, url + path)
        dialogs = []
        page.on("dialog", lambda d: dialogs.append(d.message) or d.dismiss())
        if path.endswith("takehome.html"):
            page.locator("select[name=profile]").select_option("who-2009")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned") is None, "a script from content or settings ran"
        assert dialogs == []
        assert page.locator('img[src="x"]').count() == 0
        text = page.locator("body").inner_text()
        assert PAYLOAD.split('"')[0] in text, "the value is shown as typed"
        context.close()
    assert watch.offsite == [] and watch.page_errors == []
