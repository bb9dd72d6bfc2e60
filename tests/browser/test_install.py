"""The handbook as an installable app, and "Keep everything offline" (issue 19).

- The web app manifest is valid: the fields browsers need, icons that load at the sizes they ask for
  (maskable too), a start URL and a scope relative to the manifest; every page links it, and under a
  GitHub Pages-like sub-path it resolves inside the sub-path.
- "Keep everything offline" shows the total before it starts, reaches 100 %, and the size it reports is
  the size of what the Cache Storage holds; then, with the network cut, every page and every file it names
  is served, a page of each kind in each language opens (the app's start URL included) and every
  calculator computes.
- Cancelling leaves no version marked complete; the persistence answer and the storage estimate are shown.
- A copy opened from disk offers no button and says the folder is the offline copy.
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from urllib.parse import urljoin

import pytest

from sitebuild.manifest import KEEP_OFFLINE_MARKER

from .calc_checks import CASES, check_case
from .support import goto_offline

BOX = "[data-keep-offline]"
CACHE_FACTS = """() => caches.keys().then(names => {
    const ours = names.filter(n => n.startsWith('oamt-'));
    return caches.open(ours[0]).then(c => c.keys().then(reqs => Promise.all(reqs.map(r =>
        c.match(r).then(res => res.blob()).then(b => [r.url, b.size]))))).then(entries => ({names: ours, entries}));
})"""


# Run in a page while the network is cut: fetches each page (`paths`, relative to the page's folder) and every
# file of this site it names, all answered by the service worker; lists what is missing or not a page.
OFFLINE_CRAWL = """async (paths) => {
    const problems = [], files = new Set();
    const named = 'img[src], script[src], link[rel~=stylesheet][href], link[rel~=icon][href], ' +
        'link[rel~=apple-touch-icon][href], link[rel~=manifest][href], a[href$=".pdf"]';
    for (const path of paths) {
        const url = new URL(path, location.href);
        let response;
        try { response = await fetch(url); } catch (e) { problems.push(path + ': ' + e); continue; }
        if (!response.ok) { problems.push(path + ': ' + response.status); continue; }
        const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
        if (!doc.querySelector('.md-content')) problems.push(path + ': not a handbook page');
        for (const el of doc.querySelectorAll(named)) {
            const file = new URL(el.getAttribute('src') || el.getAttribute('href'), url);
            if (file.origin === location.origin) files.add(file.href.split('#')[0]);
        }
    }
    for (const file of files) {
        try {
            const response = await fetch(file);
            if (!response.ok) problems.push(file + ': ' + response.status);
            else if (!(await response.arrayBuffer()).byteLength) problems.push(file + ': empty');
        } catch (e) { problems.push(file + ': ' + e); }
    }
    return {problems, pages: paths.length, files: [...files].map(f => f.slice(location.origin.length))};
}"""


def pages_of_each_kind(pages: list[str]) -> list[str]:
    """Every page at the top, and the first page of each folder (a language's, its chapters', its job aids', its
    calculators'): every kind of page in every language, once."""
    chosen, seen = [], set()
    for path in pages:
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        if "/" not in path or folder not in seen:
            chosen.append(path)
            seen.add(folder)
    return chosen


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def manifest_of(site_dir: Path) -> dict:
    return json.loads((site_dir / "manifest.webmanifest").read_text(encoding="utf-8"))


def test_the_manifest_is_valid_and_its_icons_are_there(site_dir):
    m = manifest_of(site_dir)
    for key in ("name", "short_name", "start_url", "scope", "display", "icons", "theme_color", "background_color"):
        assert m.get(key), key
    assert len(m["short_name"]) <= 15 and m["display"] == "standalone"
    # Relative, so the same manifest works at a root and under a sub-path.
    for key in ("start_url", "scope", "id"):
        assert not re.match(r"^(/|[a-z]+:)", m[key]), (key, m[key])
    assert (site_dir / m["start_url"]).is_file()
    sizes = {}
    for icon in m["icons"]:
        assert not icon["src"].startswith(("/", "http")), icon
        w, h = png_size((site_dir / icon["src"]).read_bytes())
        assert icon["sizes"] == f"{w}x{h}" and icon["type"] == "image/png"
        sizes.setdefault(icon["purpose"], set()).add(w)
    assert {192, 512} <= sizes["any"] and {192, 512} <= sizes["maskable"]


def test_every_page_links_the_manifest_and_the_theme_colours(site_dir):
    pages = sorted(site_dir.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        html = page.read_text(encoding="utf-8")
        link = re.search(r'<link rel="manifest" href="([^"]+)"', html)
        assert link, f"{page.name} does not link the manifest"
        if page.name == "404.html":  # served at any address: its links start from the site's address
            assert link.group(1).endswith("/manifest.webmanifest")
        else:
            assert (page.parent / link.group(1)).resolve() == (site_dir / "manifest.webmanifest").resolve(), page
        assert re.search(r'<meta name="theme-color" media="\(prefers-color-scheme: light\)"', html), page
        assert re.search(r'<meta name="theme-color" media="\(prefers-color-scheme: dark\)"', html), page


def test_the_service_worker_knows_everything_it_keeps(site_dir):
    sw = (site_dir / "sw.js").read_text(encoding="utf-8")
    keep = json.loads(re.search(r"var KEEP = (\[.*?\]\]);", sw, re.S).group(1))
    listed = {rel.split("?")[0]: size for rel, size in keep}
    for rel, size in listed.items():
        assert (site_dir / rel).stat().st_size == size, rel
    for must in ("index.html", "manifest.webmanifest", "assets/icons/maskable-512.png", "assets/keep-offline.js"):
        assert must in listed, must
    assert any(r.startswith("assets/pyodide/") for r in listed)
    assert [p.relative_to(site_dir).as_posix() for p in site_dir.glob("pdf/*.pdf")
            if p.relative_to(site_dir).as_posix() not in listed] == []
    assert "<!-- keep-offline -->" == KEEP_OFFLINE_MARKER


def test_under_a_sub_path_the_manifest_and_icons_load(browser, subpath_site):
    base, seen = subpath_site
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "handbook/index.html")
    href = page.evaluate("() => document.querySelector('link[rel=manifest]').href")
    assert href == base + "manifest.webmanifest"
    m = page.evaluate("u => fetch(u).then(r => r.ok ? r.json() : null)", href)
    assert m and urljoin(href, m["start_url"]) == base + "index.html" and urljoin(href, m["scope"]) == base
    for icon in m["icons"]:
        url = urljoin(href, icon["src"])
        assert url.startswith(base)
        width = page.evaluate("""u => new Promise(done => { const i = new Image();
            i.onload = () => done(i.naturalWidth); i.onerror = () => done(0); i.src = u; })""", url)
        assert f"{width}x{width}" == icon["sizes"], url
    context.close()


@pytest.mark.parametrize("where", ["root", "sub-path"])
def test_chromium_finds_the_handbook_installable(browser, http_url, subpath_site, tmp_path, where):
    """Chromium's own installability check (what Lighthouse's removed PWA audits reported), in a
    profile that is not incognito: no errors, and the manifest parses without complaint."""
    from tests.conftest import CHROME_FLAGS, CHROMIUM

    base = http_url if where == "root" else subpath_site[0]
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROME_FLAGS, headless=True)
    try:
        page = context.new_page()
        page.goto(base + "calculators/index.html")
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"] == base + "manifest.webmanifest" and manifest["errors"] == []
    finally:
        context.close()


def wait_state(page, states, timeout=240_000):
    try:
        page.wait_for_function("states => states.includes(document.querySelector('[data-keep-offline]').dataset.state)",
                               arg=states, timeout=timeout)
    except Exception as e:
        # What the box says, and whether a service worker controls the page: what a timeout leaves unsaid.
        facts = page.evaluate("""() => ({state: document.querySelector('[data-keep-offline]').dataset.state,
            status: document.querySelector('[data-keep-status]').innerText,
            controlled: !!navigator.serviceWorker.controller, online: navigator.onLine})""")
        raise AssertionError(f"the box never reached {states}: {facts}") from e
    return page.locator(BOX).get_attribute("data-state")


def controlled_page(browser, url):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
    return context, page, errors


def test_keep_everything_then_everything_works_offline(browser, http_url, site_dir):
    context, page, errors = controlled_page(browser, http_url + "using-offline.html")
    assert wait_state(page, ["partial", "refresh"], 60_000) == "partial"
    total = page.locator("[data-keep-total]")
    files, size = int(total.get_attribute("data-files")), int(total.get_attribute("data-bytes"))
    assert f"{size / 1e6:.1f} MB" in total.inner_text() and f"{files} files" in total.inner_text()
    assert "MB" in page.locator("[data-keep-storage]").inner_text()

    page.get_by_role("button", name="Keep everything offline").click()
    assert wait_state(page, ["complete", "failed", "cancelled"]) == "complete", page.locator("[data-keep-status]").inner_text()
    progress = page.locator(".keep-offline__progress")
    assert progress.get_attribute("data-percent") == "100"
    assert f"{files} of {files} files" in progress.inner_text()
    status = page.locator("[data-keep-status]").inner_text()
    version = page.locator('meta[name="oamt-build"]').get_attribute("data-version")
    assert status.startswith(f"Everything is available offline: {size / 1e6:.1f} MB, version {version}"), status
    # The size shown is what the Cache Storage holds: every listed file, and nothing else but the marker.
    facts = page.evaluate(CACHE_FACTS)
    assert len(facts["names"]) == 1
    stored = {u: n for u, n in facts["entries"] if not u.endswith("__keep-everything__")}
    assert len(stored) == files and sum(stored.values()) == size
    assert int(page.locator(BOX).get_attribute("data-bytes")) == size
    # The browser's answer to persist(), whatever it is, is the one shown.
    persisted = page.evaluate("() => navigator.storage.persisted()")
    assert page.locator("[data-keep-persist]").get_attribute("data-persisted") == ("yes" if persisted else "no")
    assert page.locator("[data-keep-persist]").inner_text().strip()

    assert errors == []

    # No network: every page opens, the installed app's start URL included, and every calculator computes.
    # (Page errors are not counted from here: under Playwright's offline emulation the theme's request
    # for the search index fails although the service worker holds it; test_subpath checks the search.)
    context.set_offline(True)
    start = json.loads((site_dir / "manifest.webmanifest").read_text())["start_url"]
    goto_offline(page, http_url + start)
    assert page.locator("h1").count() and page.locator("#handbook-offline").is_visible()
    pages = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html"))
    # Every page, and every file a page names (styles, scripts, images, icons, PDFs), is served with no network.
    found = page.evaluate(OFFLINE_CRAWL, pages)
    assert found["problems"] == [], found["problems"][:20]
    assert found["pages"] == len(pages), found
    for named in ("/manifest.webmanifest", "/assets/handbook.css", "/assets/offline.js", "/assets/images/favicon.png"):
        assert any(f.endswith(named) for f in found["files"]), (named, found["files"])
    # And opened as a reader opens them: one page of each kind in each language.
    for path in pages_of_each_kind(pages):
        response = page.goto(http_url + path)
        assert response and response.ok, path
        assert page.locator(".md-content h1").count(), path
        assert page.evaluate("() => [...document.styleSheets].some(s => s.href && s.href.includes('/handbook.css'))"), path
    for calculator in CASES:
        page.goto(http_url + f"calculators/{calculator}.html")
        check_case(page, calculator)
    # Reopened offline, the box still says everything is kept.
    goto_offline(page, http_url + "using-offline.html")
    assert wait_state(page, ["complete", "partial", "refresh"], 30_000) == "complete"
    context.close()


def test_cancelling_leaves_nothing_marked_complete(browser, http_url):
    context, page, errors = controlled_page(browser, http_url + "using-offline.html")
    wait_state(page, ["partial"], 60_000)
    # Cancel at once: the run stops after the file being stored, well before the end.
    page.get_by_role("button", name="Keep everything offline").click()
    page.get_by_role("button", name="Cancel").click()
    assert wait_state(page, ["cancelled", "complete", "failed"]) == "cancelled"
    assert "Cancelled" in page.locator("[data-keep-status]").inner_text()
    assert page.locator("[data-keep-persist]").inner_text().strip()
    facts = page.evaluate(CACHE_FACTS)
    assert not [u for u, _ in facts["entries"] if u.endswith("__keep-everything__")], "a cancelled run was marked complete"
    page.reload()
    assert wait_state(page, ["partial", "complete", "refresh"], 60_000) == "partial"
    assert page.get_by_role("button", name="Keep everything offline").is_visible()
    context.close()
    assert errors == []


def test_a_copy_opened_from_disk_offers_no_button(browser, file_url):
    context = browser.new_context()
    page = context.new_page()
    page.goto(file_url + "using-offline.html")
    box = page.locator(BOX)
    assert "folder itself is the offline copy" in box.inner_text()
    assert box.locator("button").count() == 0
    context.close()


def test_after_an_update_everything_is_kept_for_the_new_version(browser, builds, tmp_path):
    """Everything kept for build A; B is deployed while one of B's files cannot be fetched: B's worker
    takes over without marking B complete, and the box says the copy needs refreshing (offline too);
    once the file is there, opening the page with a connection finishes it, and the box names B."""
    import shutil

    from .test_update import Host, page_build, wait_for

    (site_a, _, build_a), (site_b, _, build_b) = builds["A"], builds["B"]
    host = Host(tmp_path / "served", sub_path=False)
    try:
        host.deploy(site_a)
        context, page, errors = controlled_page(browser, host.base + "using-offline.html")
        wait_state(page, ["partial"], 60_000)
        page.get_by_role("button", name="Keep everything offline").click()
        assert wait_state(page, ["complete", "failed"]) == "complete"
        assert build_a in page.locator("[data-keep-status]").inner_text()
        version = page.locator('meta[name="oamt-build"]').get_attribute("data-version")

        host.deploy(site_b)
        held_back = host.folder / "assets" / "pyodide" / "calculators.js"
        held_back.unlink()
        page.goto(host.base + "index.html")
        wait_for(page, "name => caches.keys().then(k => k.length === 1 && k[0] === name)", f"oamt-{build_b}", 120)
        context.set_offline(True)
        goto_offline(page, host.base + "using-offline.html")
        assert page_build(page) == build_b
        assert wait_state(page, ["refresh", "complete", "partial"], 60_000) == "refresh"
        status = page.locator("[data-keep-status]").inner_text()
        assert "needs refreshing" in status and build_a in status and build_b in status, status
        assert f"version {version}" in status

        shutil.copy(site_b / "assets" / "pyodide" / "calculators.js", held_back)
        context.set_offline(False)
        page.goto(host.base + "using-offline.html")
        assert wait_state(page, ["complete", "failed"], 240_000) == "complete"
        status = page.locator("[data-keep-status]").inner_text()
        assert build_b in status and build_a not in status, status
        marker = page.evaluate("""name => caches.open(name).then(c => c.match(new URL('__keep-everything__',
            location.href).href)).then(r => r && r.json())""", f"oamt-{build_b}")
        assert marker and marker["build"] == build_b
        context.close()
        # (The theme's search index request fails under Playwright's offline emulation: see above.)
        assert [e for e in errors if e != "Network error"] == []
    finally:
        host.close()
