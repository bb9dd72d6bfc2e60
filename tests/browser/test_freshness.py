"""Every copy says which version it is and when it was built; a copy older than
180 days says, gently, where to get a newer one."""

from __future__ import annotations

import datetime as dt

import pytest

from ..conftest import serving
from .support import open_page


def age_page(browser, url: str, days: int):
    """Open the page with its clock `days` after the build date shown in its footer."""
    context, page, watch = open_page(browser, url)
    built = page.locator(".handbook-footer__version").get_attribute("data-built")
    page.evaluate("""([built, days]) => {
        const target = Date.parse(built + 'T12:00:00Z') + days * 86400000;
        const offset = target - Date.now();
        const realNow = Date.now.bind(Date);
        Date.now = () => realNow() + offset;
        document.dispatchEvent(new Event('DOMContentLoaded'));
    }""", [built, days])
    return context, page, watch, built


@pytest.mark.parametrize("days, stale", [(30, False), (180, False), (181, True), (400, True)])
def test_an_old_copy_shows_where_to_get_a_newer_one(browser, http_url, days, stale):
    context, page, watch, built = age_page(browser, http_url + "handbook/index.html", days)
    footer = page.locator(".handbook-footer__version").inner_text()
    banner = page.locator("#handbook-stale")
    assert "Version " in footer and built in footer and dt.date.fromisoformat(built)
    if stale:
        assert banner.is_visible()
        text = banner.inner_text()
        assert f"built {days} days ago" in text and "the organisation that gave you this copy" in text
    else:
        assert banner.count() == 0
    context.close()


def test_a_programme_copy_names_its_own_source_of_newer_copies(browser, settings_site_dir):
    with serving(settings_site_dir) as url:
        context, page, _, _ = age_page(browser, url + "index.html", 365)
        assert "get a newer copy from the clinic intranet, page OAMT handbook" in page.locator(
            "#handbook-stale").inner_text()
        context.close()
