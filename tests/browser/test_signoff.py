"""The local clinical lead's sign-off (content/settings.yml `clinical_signoff`), as a reader sees it.

Three copies of the real content: one with no sign-off, one reviewed for the version it is built
as (OAMT_VERSION), and the same settings built as a later version. Calculator pages show the
notice on screen; job aids, a calculator's printed result sheet and the whole-handbook print
carry it on paper.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, build_site, prebuilt, serving, site_builder

from .support import open_page

FIXTURE = REPO / "tests" / "fixtures" / "local-settings" / "settings.yml"
NOT_REVIEWED = "This copy has not been reviewed by a local clinical lead."
REVIEWED = ("Reviewed for local use by Dr A. Mensah (Clinical lead, Harbour City OAMT service) on 2026-11-20, "
            "for handbook version v2026.1.")


def _build(root: Path, name: str, signoff: bool, version: str) -> Path:
    content = root / name / "content"
    shutil.copytree(REPO / "content", content)
    settings = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    assert settings["clinical_signoff"]["handbook_version"] == "v2026.1"
    if not signoff:
        settings["clinical_signoff"] = None
    (content / "settings.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    site = root / name / "site"
    done = build_site(site, env={"OAMT_CONTENT_DIR": str(content), "OAMT_VERSION": version})
    assert done.returncode == 0, f"the {name} copy did not build:\n{done.stdout}\n{done.stderr}"
    return site


COPIES = {"absent": (False, "v2026.1"), "reviewed": (True, "v2026.1"), "stale": (True, "v2026.2")}


@site_builder("signoff", users=("copies",))
def _build_copies(root: Path) -> None:
    for name, (signoff, version) in COPIES.items():
        _build(root, name, signoff, version)


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    root = prebuilt(tmp_path_factory, "signoff")   # tests/conftest.py: built once, ahead of the tests
    sites = {name: root / name / "site" for name in COPIES}
    with serving(root) as url:
        yield {name: f"{url}{name}/site/" for name in sites}, sites


def _notice(page):
    notice = page.locator(".signoff-notice")
    assert notice.count() == 1
    return notice


def _printed(page, media: str = "print") -> str:
    page.emulate_media(media=media)
    return _notice(page).inner_text() if _notice(page).is_visible() else ""


def test_with_no_signoff_the_calculator_page_says_so_on_screen(browser, copies):
    urls, _ = copies
    context, page, watch = open_page(browser, urls["absent"] + "calculators/taper.html")
    notice = _notice(page)
    assert notice.is_visible()
    assert notice.inner_text().startswith(NOT_REVIEWED)
    # Under the page's title and its meta line, before the form.
    assert page.evaluate("""() => {
        const n = document.querySelector('.signoff-notice'), f = document.querySelector('form.calc-form');
        return !!(n.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING); }""")
    page.locator(".signoff-notice a").click()
    page.wait_for_url("**/hosting.html#clinical-review")
    assert page.locator("#clinical-review").is_visible()
    context.close()
    assert watch.offsite == [] and watch.page_errors == []


@pytest.mark.parametrize("path", ["job-aids/methadone-taper-table.html", "job-aids/overdose-naloxone.html",
                                  "handbook/print.html"])
def test_with_no_signoff_every_printed_sheet_says_so(browser, copies, path):
    urls, _ = copies
    context, page, watch = open_page(browser, urls["absent"] + path)
    text = _printed(page)
    assert text.startswith(NOT_REVIEWED) and "What this means" not in text   # the link is for screens only
    context.close()
    assert watch.offsite == []


@pytest.mark.parametrize("sheet", ["clinician", "patient"])
def test_a_calculator_sheet_printed_on_its_own_keeps_the_notice(browser, copies, sheet):
    """Printing one result sheet hides the rest of the page, but not this line."""
    urls, _ = copies
    context, page, watch = open_page(browser, urls["absent"] + "calculators/taper.html")
    page.evaluate("s => document.body.dataset.printing = s", sheet)
    assert _printed(page).startswith(NOT_REVIEWED)
    assert not page.locator("form.calc-form").is_visible()
    context.close()


def test_a_reviewed_copy_names_the_reviewer_version_and_date(browser, copies):
    urls, _ = copies
    for path in ("calculators/takehome.html", "job-aids/methadone-taper-table.html"):
        context, page, watch = open_page(browser, urls["reviewed"] + path)
        assert _notice(page).inner_text() == REVIEWED, path
        assert "not been reviewed" not in page.locator("body").inner_text()
        assert _printed(page) == REVIEWED, path
        context.close()
        assert watch.offsite == [] and watch.page_errors == []


def test_after_a_version_change_the_notice_returns_naming_the_older_review(browser, copies):
    urls, _ = copies
    context, page, watch = open_page(browser, urls["stale"] + "calculators/stock.html")
    text = _notice(page).inner_text()
    assert _notice(page).is_visible()
    assert text.startswith("This version (v2026.2) has not been reviewed by a local clinical lead.")
    assert "by Dr A. Mensah (Clinical lead, Harbour City OAMT service) on 2026-11-20" in text
    assert "was for an older version (v2026.1)" in text
    context.close()
    context, page, watch = open_page(browser, urls["stale"] + "job-aids/high-risk-clients.html")
    assert "has not been reviewed by a local clinical lead" in _printed(page)
    context.close()


def test_the_longest_notice_still_leaves_a_job_aid_on_one_page(browser, copies, tmp_path):
    urls, _ = copies
    context, page, watch = open_page(browser, urls["stale"] + "job-aids/methadone-taper-table.html")
    pdf = tmp_path / "aid.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    context.close()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "has not been reviewed by a local clinical lead" in text
