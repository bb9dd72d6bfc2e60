"""The only module that touches MkDocs' plugin API (a `hooks:` entry in mkdocs.yml).

Keep it thin: it loads and validates content/, hands the generated pages to
MkDocs, and writes the Pyodide runtime into the built site. The logic lives in
sitebuild.content, sitebuild.pages and sitebuild.pyodide_embed, which tests
import directly. Moving to a MkDocs 1.x continuation or to another generator
means rewriting this file only.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import File

from sitebuild import content as content_model
from sitebuild import citation_report, links, pages, pyodide_embed
from sitebuild import manifest, search_ranking, service_worker
from sitebuild import situations as situations_model

log = get_plugin_logger(__name__)  # on the mkdocs logger tree, so --strict sees its warnings

REPO = Path(__file__).resolve().parent.parent
IFRAME_WORKER_SHIM = REPO / "node_modules" / "iframe-worker" / "shim" / "index.js"


class _State:
    content: content_model.Content | None = None
    renderer: pages.Renderer | None = None
    info: pages.BuildInfo | None = None
    runtime: dict[str, str] | None = None
    build: str | None = None
    situations: situations_model.Situations | None = None


_state = _State()


def _version() -> str:
    """The handbook's version: OAMT_VERSION if set (releases), else the git commit."""
    if os.environ.get("OAMT_VERSION"):
        return os.environ["OAMT_VERSION"]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True, check=True).stdout.strip()
        return f"0.1.0+{commit}"
    except (OSError, subprocess.CalledProcessError):
        return "0.1.0"


def _build_date() -> dt.date:
    # SOURCE_DATE_EPOCH makes builds reproducible; tests use it to build an "old" copy.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date() if epoch else dt.date.today()


def on_config(config):
    content_dir = content_model.default_content_dir()
    try:
        pyodide_embed.check_runtime()
        loaded = content_model.load(content_dir)
        _state.situations = situations_model.load(loaded, content_dir)
    except (content_model.ContentError, pyodide_embed.RuntimeMissing) as e:
        raise PluginError(str(e)) from None
    # The runtime scripts are made now so that pages can name each by its content hash.
    _state.runtime = pyodide_embed.build_runtime(loaded.site_data)
    runtime_scripts = tuple(pyodide_embed.script_urls(_state.runtime))
    _state.info = pages.BuildInfo(version=_version(), built=_build_date(),
                                  pyodide_version=pyodide_embed.PYODIDE_VERSION, runtime_scripts=runtime_scripts)
    _state.content = loaded
    _state.renderer = pages.Renderer(loaded, _state.info)
    _state.renderer.situations = _state.situations   # the home page's <!-- situations -->
    # The header's emergency link on every page (overrides/main.html), from content/situations.yml.
    emergency = _state.situations.emergency
    config["extra"]["emergency_link"] = {"label": emergency.label, "url": emergency.url} if emergency else None
    config["nav"] = _state.renderer.nav()
    config["extra"]["handbook_version"] = _state.info.version
    config["extra"]["handbook_built"] = _state.info.built.isoformat()
    config["extra"]["programme"] = _state.renderer.programme_facts()
    # Filled in after the build (sitebuild.service_worker.finish_site): the build's id, and the
    # hashes of the inline scripts each page carries, in place of 'unsafe-inline'.
    config["extra"]["handbook_build"] = service_worker.BUILD_PLACEHOLDER
    config["extra"]["content_security_policy"] = service_worker.policy_with_hashes(
        config["extra"]["content_security_policy"])
    # The published address (the Pages workflow sets it). Pages link relatively and do not need
    # it, but the not-found page does: GitHub Pages serves 404.html at any missing address under
    # the project's sub-path, so its links must start with that sub-path, not with "/".
    if os.environ.get("OAMT_SITE_URL") and not config.get("site_url"):
        config["site_url"] = os.environ["OAMT_SITE_URL"].rstrip("/") + "/"
    return config


def on_page_markdown(markdown, page, config, files):
    # Hand-written pages (docs/) may hold markers the build fills from content, such as the
    # programme's local settings on the home page.
    # `<!-- keep-offline -->`: the "Keep everything offline" control (docs/assets/keep-offline.js).
    # `<!-- pdfs -->`: links to the PDFs, in builds that make them (OAMT_PDF=1, sitebuild/pdf.py).
    from sitebuild import pdf

    markdown = pdf.fill_marker(markdown, page.file.src_uri, os.environ.get("OAMT_PDF") == "1")
    return _state.renderer.fill_markers(manifest.fill_marker(markdown), page.file.src_uri)


def on_files(files, config):
    for path, text in _state.renderer.pages().items():
        files.append(File.generated(config, path, content=text))
    return files


def on_post_page(output, page, config):
    """Every off-site link marked as needing a connection (sitebuild.links); the search dialog named."""
    from urllib.parse import urlsplit

    own = urlsplit(config.get("site_url") or "").hostname
    return pages.name_search_dialog(links.mark_external_links(output, {own} if own else set()))


def on_post_template(output, template_name, config):
    # The not-found page is a template, not a page: give it the same treatment.
    return on_post_page(output, None, config) if template_name.endswith(".html") else output


@event_priority(-1000)  # after every plugin's (the offline plugin writes search_index.js at -100)
def on_post_build(config):
    site = Path(config["site_dir"])
    pyodide_embed.write_runtime(site, _state.content.site_data, scripts=_state.runtime)
    vendor = site / "assets" / "vendor" / "iframe-worker"
    vendor.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(IFRAME_WORKER_SHIM, vendor / "shim.js")
    # Situation words, the print page left out, administration pages last (before the hashes below).
    search_ranking.rewrite(site, _state.situations.keywords_by_url(first=True),
                           _state.situations.keywords_by_url(first=False))
    # How many citations name the words of the source they rest on (python -m sitebuild.citation_report).
    report = citation_report.count(stored_ids={s.id for s in _state.content.sources if s.stored})
    citation_report.write_json(report, site / "citation-report.json")
    log.info(report.summary())
    # The web app manifest (installing the handbook), before the service worker lists the files.
    manifest.write_manifest(site, config["site_name"], config.get("site_description") or "")
    # The handbook PDF and the job-aid packs, when asked for (they take several times the rest of the build).
    if os.environ.get("OAMT_PDF") == "1":
        from sitebuild import pdf

        try:
            made = pdf.write_into_site(site, _state.content, _state.info)
        except ValueError as e:
            raise PluginError(str(e)) from None
        log.info("PDFs: " + ", ".join(f"{n} ({r['pages']} pages)" for n, r in made.items()))
    # Last: script hashes, sw.js and the build id are computed over the finished site.
    try:
        _state.build = service_worker.finish_site(site, _state.info.version,
                                                  shim=IFRAME_WORKER_SHIM.read_text(encoding="utf-8"))
    except service_worker.DeployError as e:
        raise PluginError(str(e)) from None
