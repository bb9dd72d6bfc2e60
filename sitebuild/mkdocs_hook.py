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
import re
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import File

from sitebuild import content as content_model
from sitebuild import i18n
from sitebuild import citation_report, links, pages, pyodide_embed
from sitebuild import manifest, messages, search_ranking, service_worker
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
    # Languages (mkdocs-static-i18n builds each in turn, English first at the root, the others in <lang>/):
    # the English content and situations, the language being built, and which pages are translated.
    english: content_model.Content | None = None
    english_situations: situations_model.Situations | None = None
    lang: str = i18n.DEFAULT
    report: i18n.Report | None = None
    site_name: str = ""
    sitemap: dict[str, bytes] | None = None     # the English build's sitemap.xml(.gz), kept from the later builds


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


def _language(config) -> str:
    """The language being built: the i18n plugin's (it builds English, then each other language in turn)."""
    plugin = config.plugins.get("i18n")
    return getattr(plugin, "current_language", None) or i18n.DEFAULT


def on_config(config):
    if getattr(config.plugins.get("i18n"), "building", False) and _state.english is not None:
        # A further language's build (mkdocs-static-i18n runs them inside the English one): content is loaded.
        return _configure_language(config, _language(config))
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
    _state.english, _state.english_situations = loaded, _state.situations
    _state.report = i18n.Report()
    _state.site_name = config["site_name"]
    _configure_language(config, _language(config))
    config["extra"]["handbook_version"] = _state.info.version
    config["extra"]["handbook_built"] = _state.info.built.isoformat()
    config["extra"]["programme"] = _state.renderer.programme_facts()
    # Filled in after the build (sitebuild.service_worker.finish_site): the build's id, and the
    # hashes of the inline scripts each page carries, in place of 'unsafe-inline'.
    config["extra"]["handbook_build"] = service_worker.BUILD_PLACEHOLDER
    if service_worker.SCRIPT_HASHES_PLACEHOLDER not in config["extra"]["content_security_policy"]:
        config["extra"]["content_security_policy"] = service_worker.policy_with_hashes(
            config["extra"]["content_security_policy"])
    # The published address (the Pages workflow sets it). Pages link relatively and do not need
    # it, but the not-found page does: GitHub Pages serves 404.html at any missing address under
    # the project's sub-path, so its links must start with that sub-path, not with "/".
    if os.environ.get("OAMT_SITE_URL") and not config.get("site_url"):
        config["site_url"] = os.environ["OAMT_SITE_URL"].rstrip("/") + "/"
    return config


def _configure_language(config, lang: str):
    """The content, renderer, navigation and interface words of one language's build."""
    _state.lang = lang
    _state.content = i18n.localize(_state.english, lang, _state.report)
    _state.situations = i18n.localize_situations(_state.english_situations, lang, report=_state.report)
    _state.renderer = pages.Renderer(_state.content, _state.info, lang)
    _state.renderer.situations = _state.situations   # the home page's <!-- situations -->
    t = _state.renderer.t
    prefix = "" if lang == i18n.DEFAULT else f"{lang}/"
    # The header's emergency link on every page (overrides/main.html), from content/situations.yml.
    emergency = _state.situations.emergency
    config["extra"]["emergency_link"] = ({"label": emergency.label, "url": prefix + emergency.url}
                                         if emergency else None)
    config["nav"] = _state.renderer.nav()
    config["site_name"] = t(_state.site_name)
    # The footer's words in this language (overrides/main.html), and WHO's statement for translations.
    config["extra"]["i18n"] = {
        "lang": lang, "prefix": prefix, "dir": i18n.LANGUAGES[lang][1],
        "copyright": t(config.get("copyright") or ""), "about": t("About and licence"),
        "version": t("Version"), "built": t("built"), "build": t("Build"),
        "supports": t("Supports trained clinicians; not a substitute for local protocols."),
        "statement": "" if lang == i18n.DEFAULT else t(i18n.WHO_STATEMENT)}
    # The not-found page is the English one (the other languages' builds would overwrite it).
    if lang == i18n.DEFAULT:
        config.theme.static_templates.add("404.html")
    else:
        config.theme.static_templates.discard("404.html")
        site = Path(config["site_dir"])
        if _state.sitemap is None:      # before the first other language overwrites the English one
            _state.sitemap = {n: (site / n).read_bytes() for n in ("sitemap.xml", "sitemap.xml.gz") if (site / n).is_file()}
    return config


def on_env(env, config, files):
    """The theme's own sitemap (every page of this language), not mkdocs-static-i18n's, which needs site_url."""
    env.loader.searchpath[:] = [p for p in env.loader.searchpath if "custom_i18n_sitemap" not in p]
    return env


def on_page_markdown(markdown, page, config, files):
    # Hand-written pages (docs/) may hold markers the build fills from content, such as the
    # programme's local settings on the home page.
    # `<!-- keep-offline -->`: the "Keep everything offline" control (docs/assets/keep-offline.js).
    # `<!-- pdfs -->`: links to the PDFs, in builds that make them (OAMT_PDF=1, sitebuild/pdf.py).
    from sitebuild import pdf

    lang = _state.lang
    markdown = pdf.fill_marker(markdown, _prefix(lang) + page.file.src_uri, os.environ.get("OAMT_PDF") == "1")
    if lang != i18n.DEFAULT and page.file.generated_by is None:     # a hand-written page (docs/)
        state = _state.report.status(lang, page.file.src_uri)
        if state in i18n.NOTICES:
            markdown = i18n.insert_after_title(markdown, i18n.notice_html(state, _state.renderer.t))
    return _state.renderer.fill_markers(manifest.fill_marker(markdown), page.file.src_uri)


def _prefix(lang: str) -> str:
    return "" if lang == i18n.DEFAULT else f"{lang}/"


@event_priority(-200)  # after mkdocs-static-i18n (-100) has placed docs/ pages in this language's folder
def on_files(files, config):
    lang = _state.lang
    if lang != i18n.DEFAULT:
        docs_dir = Path(config["docs_dir"])
        for file in files.documentation_pages():
            text = i18n.docs_page(lang, file.src_uri, docs_dir, report=_state.report)
            if text is not None:
                file.content_string = text
    rendered = i18n.mark_pages(_state.renderer.pages(), lang, _state.report, _state.renderer.t)
    for path, text in rendered.items():
        if lang == i18n.DEFAULT:
            files.append(File.generated(config, path, content=text))
            continue
        # The same source path as in English (links between pages resolve alike), written under <lang>/.
        file = File(path, None, config["site_dir"], config["use_directory_urls"],
                    dest_uri=_prefix(lang) + pages.md_to_html_url(path))
        file.generated_by = "sitebuild"
        file.content_string = text
        files.append(file)
    return files


@event_priority(-200)  # after mkdocs-static-i18n, which sets its own switcher links
def on_page_context(context, page, config, nav):
    """The language switcher (Material's extra.alternate) keeps the reader on this page in every language:
    site-relative links, which the theme's `url` filter makes relative to the page (file://, sub-paths)."""
    lang = _state.lang
    here = page.file.dest_uri[len(_prefix(lang)):] if page.file.dest_uri.startswith(_prefix(lang)) \
        else page.file.dest_uri
    alternate = [{"name": name, "lang": code, "link": _prefix(code) + here}
                 for code, (name, _dir) in i18n.LANGUAGES.items()]
    config.extra["alternate"] = alternate
    config.extra.alternate = alternate       # the plugin sets the attribute, which the theme's templates read first
    state = _state.report.status(lang, page.file.src_uri) if lang != i18n.DEFAULT else None
    page.meta["translation"] = state or ""
    return context


_ALTERNATE_LINK = re.compile(r'<link rel="alternate" href="[^"]*" hreflang="[^"]*">\s*')


def on_post_page(output, page, config):
    """Every off-site link marked as needing a connection (sitebuild.links); the search dialog named."""
    from urllib.parse import urlsplit

    own = urlsplit(config.get("site_url") or "").hostname
    output = pages.name_search_dialog(links.mark_external_links(output, {own} if own else set()))
    # The theme fetches "sitemap.xml" next to every <link rel="alternate"> in the head, expecting
    # language roots; ours point at the same page in each language (which also works from file://),
    # so those fetches would fail on every page. The language menu in the header keeps its links.
    output = _ALTERNATE_LINK.sub("", output)
    if page is not None and _state.lang != i18n.DEFAULT:
        # The search of a page in another language reads that language's index (<lang>/search/) and
        # opens its results there: the theme finds both from `base`, so it points at the language's folder.
        output = _CONFIG_BASE.sub(lambda m: m.group(1) + _lang_base(m.group(2), _state.lang) + m.group(3), output, 1)
        if i18n.LANGUAGES[_state.lang][1] == "rtl":   # the theme marks <body>; the whole document is right to left
            output = output.replace(f'<html lang="{_state.lang}"', f'<html lang="{_state.lang}" dir="rtl"', 1)
    return output


_CONFIG_BASE = __import__("re").compile(r'(<script id="__config" type="application/json">[^<]*?"base":\s*")([^"]*)(")')


def _lang_base(base: str, lang: str) -> str:
    import posixpath
    return posixpath.normpath(posixpath.join(base, lang)) + "/"   # a folder: the theme resolves names inside it


def on_post_template(output, template_name, config):
    # The not-found page is a template, not a page: give it the same treatment.
    return on_post_page(output, None, config) if template_name.endswith(".html") else output


@event_priority(-1000)  # after every plugin's (the offline plugin writes search_index.js at -100)
def on_post_build(config):
    site = Path(config["site_dir"])
    lang = _state.lang
    plugin = config.plugins.get("i18n")
    if plugin is not None and getattr(plugin, "building", False):
        # One of the other languages' builds, run by mkdocs-static-i18n inside the English one: its search
        # index (search/ holds this language's entries now) goes to <lang>/search/, and its sitemap (which the
        # theme's language menu reads) to <lang>/. The rest comes once, below.
        _write_search_index(site, lang)
        if (site / "sitemap.xml").is_file():
            shutil.move(site / "sitemap.xml", site / lang / "sitemap.xml")
        (site / "sitemap.xml.gz").unlink(missing_ok=True)     # the root keeps the English one's (restored below)
        return
    _write_search_index(site, i18n.DEFAULT)
    for name, data in (_state.sitemap or {}).items():
        (site / name).write_bytes(data)
    report = _state.report
    report_path = site / "translation-report.json"
    pages = report.as_json()
    # The calculators' messages (sitebuild/messages.py): per language, how many are translated and which are not.
    english = _state.english
    for lang, found in messages.report(content_model.default_content_dir(), english.calculator_data).items():
        pages.setdefault(lang, {})["calculator_messages"] = found
    report_path.write_text(__import__("json").dumps(pages, indent=1, ensure_ascii=False), encoding="utf-8")
    log.info(report.summary())
    log.info("Calculator messages: " + "; ".join(f"{lang}: {m['calculator_messages']['translated']} of "
                                                  f"{m['calculator_messages']['messages']} translated"
                                                  for lang, m in sorted(pages.items()) if "calculator_messages" in m))
    pyodide_embed.write_runtime(site, _state.english.site_data, scripts=_state.runtime)
    vendor = site / "assets" / "vendor" / "iframe-worker"
    vendor.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(IFRAME_WORKER_SHIM, vendor / "shim.js")
    # How many citations name the words of the source they rest on (python -m sitebuild.citation_report).
    report = citation_report.count(stored_ids={s.id for s in _state.english.sources if s.stored})
    citation_report.write_json(report, site / "citation-report.json")
    log.info(report.summary())
    # The web app manifest (installing the handbook), before the service worker lists the files.
    manifest.write_manifest(site, _state.site_name, config.get("site_description") or "")
    # The handbook PDF and the job-aid packs, when asked for (they take several times the rest of the build).
    if os.environ.get("OAMT_PDF") == "1":
        from sitebuild import pdf

        try:
            made = pdf.write_into_site(site, _state.english, _state.info)
        except ValueError as e:
            raise PluginError(str(e)) from None
        log.info("PDFs: " + ", ".join(f"{n} ({r['pages']} pages)" for n, r in made.items()))
    # Last: script hashes, sw.js and the build id are computed over the finished site.
    try:
        _state.build = service_worker.finish_site(site, _state.info.version,
                                                  shim=IFRAME_WORKER_SHIM.read_text(encoding="utf-8"))
    except service_worker.DeployError as e:
        raise PluginError(str(e)) from None


def _write_search_index(site: Path, lang: str) -> None:
    """This language's search index: the entries of its pages (addresses relative to its folder), its
    stemmer (sitebuild.i18n.SEARCH), and the situation words of <lang>/situations.yml, with the ranking
    of sitebuild.search_ranking. English stays in search/; the others go to <lang>/search/."""
    import json

    source = site / "search" / "search_index.json"
    if not source.is_file():
        return
    index = json.loads(source.read_text(encoding="utf-8"))
    prefixes = tuple(f"{code}/" for code in i18n.LANGUAGES if code != i18n.DEFAULT)
    docs = []
    for doc in index["docs"]:
        location = doc["location"]
        if lang == i18n.DEFAULT and not location.startswith(prefixes):
            docs.append(doc)
        elif lang != i18n.DEFAULT and location.startswith(_prefix(lang)):
            docs.append({**doc, "location": location[len(_prefix(lang)):]})
    config = {k: v for k, v in index["config"].items() if k not in ("pipeline",)}
    config.update(i18n.SEARCH[lang])
    if "pipeline" not in config and "pipeline" in index["config"]:
        config["pipeline"] = index["config"]["pipeline"]
    situations = i18n.localize_situations(_state.english_situations, lang)
    adjusted = search_ranking.adjust({**index, "config": config, "docs": docs},
                                     situations.keywords_by_url(first=True), situations.keywords_by_url(first=False))
    folder = site / _prefix(lang) / "search"
    folder.mkdir(parents=True, exist_ok=True)
    data = json.dumps(adjusted, separators=(",", ":"), ensure_ascii=False)
    (folder / "search_index.json").write_text(data, encoding="utf-8")
    (folder / "search_index.js").write_text(search_ranking.JS_PREFIX + data, encoding="utf-8")
