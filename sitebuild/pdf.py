"""`make pdf`: the handbook and the job-aid pack as paginated, tagged PDFs, made with WeasyPrint.

Both are rendered from the content model (sitebuild.content.load), as the site is: the
same chapters, job aids, glossary, sources and local settings, through this module's own
print templates (templates/pdf/) and stylesheet (templates/pdf/pdf.css), since the site's
theme lays pages out for screens. No text is written twice.

- The handbook (one per language): a cover with the title, version, build date, licence and
  the programme's local settings; a contents list whose page numbers come from CSS
  `target-counter`; every chapter with its citations as numbered notes, each note naming
  its source and section and pointing (with a page number) to the bibliography entry; the
  glossary; the bibliography. Running headers carry the chapter title and "Page N of M".
- The job-aid pack, in A4 and US Letter: every job aid on exactly one page. Each is laid out
  on its own first; one that does not fit is set again in a smaller size, step by step, and
  the single pages are joined into one document.

Both are tagged PDFs (PDF/UA-1) with the document's language and title set.

    python -m sitebuild.pdf site            # writes site/pdf/*.pdf
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, Iterable

import jinja2
import markdown
import yaml
from markdown.extensions.toc import slugify
from markupsafe import Markup

from calculators.vocabulary import Citation, citations_in

from . import content as content_model
from .content import Content, JobAid
from .pages import BuildInfo, Renderer

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates" / "pdf"
STYLESHEET = TEMPLATES / "pdf.css"
LANGUAGE = "en"
PAPER_SIZES = {"a4": "A4", "letter": "letter"}
PDF_VARIANT = "pdf/ua-1"
CHECKSUMS = "SHA256SUMS"
# Type sizes (pt) tried in turn until a job aid fits on one page.
JOB_AID_SIZES = (10, 9.5, 9, 8.5, 8, 7.5, 7, 6.5)
MARKDOWN_EXTENSIONS = ["attr_list", "md_in_html", "admonition", "tables", "toc", "pymdownx.details"]


def handbook_name(language: str = LANGUAGE) -> str:
    return f"oamt-handbook-{language}.pdf"


def job_aids_name(paper: str, language: str = LANGUAGE) -> str:
    return f"oamt-job-aids-{language}-{paper}.pdf"


def file_names(language: str = LANGUAGE) -> list[str]:
    return [handbook_name(language)] + [job_aids_name(p, language) for p in PAPER_SIZES]


# ---------------------------------------------------------------- links from the site's pages

# In a page (docs/*.md, or a generated page's template): where the links to the PDFs go. The build
# fills it when it makes the PDFs (OAMT_PDF=1) and leaves nothing there when it does not, so that a
# copy never links to a PDF it does not hold.
MARKER = "<!-- pdfs -->"


def links_html(page: str, language: str = LANGUAGE) -> str:
    """The links to the PDFs, relative to `page` (a site path such as "job-aids/index.md"). Raw HTML,
    because the PDFs are written after MkDocs checks the pages' Markdown links."""
    from .pages import rel_link

    def a(name: str, text: str) -> str:
        kind = ' type="application/pdf"' if name.endswith(".pdf") else ""
        return f'<a href="{escape(rel_link(page, "pdf/" + name))}"{kind}>{escape(text)}</a>'
    letter, a4 = job_aids_name("letter", language), job_aids_name("a4", language)
    return ('<ul class="pdf-links">\n'
            f'<li>{a(handbook_name(language), "The whole handbook (PDF, A4)")}: cover, contents with page '
            'numbers, every chapter with its notes, the glossary and the bibliography.</li>\n'
            f'<li>The job aids, one per page (PDF): {a(a4, "A4")} or {a(letter, "US Letter")}.</li>\n'
            f'<li>Their SHA-256 checksums: {a(CHECKSUMS, "SHA256SUMS")}.</li>\n'
            '</ul>')


def fill_marker(markdown: str, page: str, built: bool, language: str = LANGUAGE) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, links_html(page, language) if built else "")


# ---------------------------------------------------------------- the site's own settings


class _IgnoreTags(yaml.SafeLoader):
    """mkdocs.yml read for its plain values; a tag such as !!python/name is read as nothing."""


_IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)


def site_config() -> dict[str, Any]:
    return yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_IgnoreTags) or {}


def build_info(site: Path | None = None) -> BuildInfo:
    """The version and build date the site shows: read from a built site when there is one (so
    the PDFs and the pages agree), otherwise worked out as the build does."""
    from .mkdocs_hook import _build_date, _version

    version = ""
    if site is not None and (site / "index.html").exists():
        from .offline import version_of
        version = version_of(site)
    if not version or version == "unknown":
        version = _version()
    return BuildInfo(version=version, built=_build_date(), pyodide_version="")


# ---------------------------------------------------------------- notes and links


class Notes:
    """Citations as numbered notes, one number per source and section within a part (a chapter,
    the glossary, a job aid). Each number links to its note; each note names the source and
    section, the passages cited, and links to the bibliography entry."""

    def __init__(self, content: Content, prefix: str):
        self.content, self.prefix = content, prefix
        self.order: list[tuple[str, str]] = []
        self.passages: dict[tuple[str, str], list[str]] = {}

    def render(self, text: str, link: bool = True) -> str:
        """Markdown with each citation replaced by a note number (inline HTML)."""
        out, last = [], 0
        for match, citation in citations_in(text):
            out.append(text[last:match.start()])
            key = (citation.source_id, citation.section)
            if key not in self.order:
                self.order.append(key)
            number = self.order.index(key) + 1
            phrase = " ".join(citation.anchor.split())
            if phrase and phrase not in self.passages.setdefault(key, []):
                self.passages[key].append(phrase)
            if link:
                out.append(f'<sup class="note-ref"><a href="#{self.prefix}-{number}" aria-label="Note {number}">'
                           f'{number}</a></sup>')
            else:   # a one-page sheet: its sources line resolves the numbers
                out.append(f'<sup class="note-ref">{number}</sup>')
            last = match.end()
        out.append(text[last:])
        # The number sits against the word before it: "dependence¹", not "dependence ¹".
        return re.sub(r"[ \t]+(<sup class=\"note-ref\">)", r"\1", "".join(out))

    def items(self) -> list[dict[str, Any]]:
        names = self.content.short_names
        return [{"number": n, "id": f"{self.prefix}-{n}", "source": key[0],
                 "label": Citation(*key).text(names), "passages": self.passages.get(key, [])}
                for n, key in enumerate(self.order, 1)]


_HREF = re.compile(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', re.S)


def link_targets(content: Content) -> dict[str, str]:
    """Site paths (without .md) of the pages that are in the handbook PDF → their ids there."""
    from .routes import path_of

    targets = {path_of("chapter", c).removesuffix(".md"): f"ch-{c.slug}" for c in content.chapters}
    targets.update({path_of(name).removesuffix(".md"): name for name in ("glossary", "bibliography")})
    return targets


def _fall_back_to_chapters(html: str) -> str:
    """A link to a heading the chapter does not have (any more) leads to the chapter itself."""
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    return re.sub(r'href="#(ch-[a-z0-9-]+?)--([^"]+)"',
                  lambda m: m.group(0) if f"{m.group(1)}--{m.group(2)}" in ids else f'href="#{m.group(1)}"', html)


def rewrite_links(html: str, page_dir: str, targets: dict[str, str]) -> str:
    """Links between pages of the site → links inside the PDF (with the page number in print), or,
    for pages the PDF does not hold (calculators, job aids in the handbook), plain words marked
    with where to find them. Web addresses stay links."""
    import posixpath

    def replace(match: re.Match[str]) -> str:
        href, rest, text = match.group(1), match.group(2), match.group(3)
        if href.startswith(("https://", "http://", "mailto:", "#")):
            return match.group(0)
        path, _, fragment = href.partition("#")
        path = posixpath.normpath(posixpath.join(page_dir, path)) if path else page_dir
        path = re.sub(r"\.(md|html)$", "", path)
        if path in targets:
            base = targets[path]
            if fragment and base.startswith("ch-"):
                target = f"{base}--{fragment}"
            elif fragment and base == "glossary":
                target = f"gl-{fragment}"
            elif fragment and base == "bibliography":
                target = f"src-{fragment}"
            else:
                target = base
            return f'<a class="xref" href="#{target}"{rest}>{text}</a>'
        kind = path.split("/")[0]
        where = {"job-aids": "job aid", "calculators": "calculator"}.get(kind, "page")
        return f'<span class="elsewhere" data-where="{where}">{text}</span>'
    return _HREF.sub(replace, html)


def markdown_html(text: str, id_prefix: str = "") -> str:
    """Content Markdown → HTML, with the site's Markdown extensions; heading ids carry the prefix
    so that they are unique in a document that holds every chapter."""
    config = {"toc": {"slugify": (lambda value, sep: f"{id_prefix}--{slugify(value, sep)}") if id_prefix
                      else slugify, "permalink": False}}
    return markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS, extension_configs=config)


# ---------------------------------------------------------------- HTML documents


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["date"] = lambda d: d.isoformat() if hasattr(d, "isoformat") else str(d)
    return env


@dataclass(frozen=True)
class Common:
    title: str
    description: str
    licence: str
    info: BuildInfo
    language: str


def _common(info: BuildInfo, language: str) -> Common:
    config = site_config()
    return Common(title=str(config.get("site_name", "OAMT handbook")),
                  description=" ".join(str(config.get("site_description", "")).split()),
                  licence=" ".join(str(config.get("copyright", "")).split()), info=info, language=language)


def _programme(content: Content, info: BuildInfo, page: str) -> dict[str, Any]:
    """The local settings for a cover or a sheet: programme, contacts, naloxone, newer copy, review."""
    renderer = Renderer(content, info)
    s = content.settings
    notes = Notes(content, "cover-note")
    return {"name": s.programme_name, "contacts": [(c.label, c.phone) for c in s.contacts],
            "naloxone": Markup(markdown_html(notes.render(s.naloxone, link=False))) if s.naloxone else "",
            "newer_copy": s.newer_copy, "line": renderer.programme_facts()["line"],
            "protocols": [(p.title, p.url) for p in s.local_protocols if p.url.startswith("https://")],
            "signoff": renderer.signoff_notice(page)}


def handbook_html(content: Content, info: BuildInfo, language: str = LANGUAGE) -> str:
    common = _common(info, language)
    targets = link_targets(content)
    chapters = []
    for ch in content.chapters:
        notes = Notes(content, f"n-{ch.slug}")
        body = markdown_html(notes.render(ch.body), id_prefix=f"ch-{ch.slug}")
        body = rewrite_links(body, "handbook", targets)
        chapters.append({"chapter": ch, "id": f"ch-{ch.slug}", "body": Markup(body), "notes": notes.items()})
    glossary_notes = Notes(content, "n-glossary")
    glossary = [{"entry": g, "id": f"gl-{g.slug}",
                 "definition": Markup(rewrite_links(markdown_html(glossary_notes.render(g.definition)), ".", targets))}
                for g in content.glossary]
    parts: dict[str, list[dict[str, Any]]] = {}
    for item in chapters:
        parts.setdefault(item["chapter"].part, []).append(item)
    return _fall_back_to_chapters(_environment().get_template("handbook.html.j2").render(
        doc=common, chapters=chapters, parts=parts, glossary=glossary, glossary_notes=glossary_notes.items(),
        sources=content.sources, programme=_programme(content, info, "handbook/print.md"),
        job_aids=content.job_aids, pdf_names={"job_aids": [job_aids_name(p, language) for p in PAPER_SIZES]}))


def job_aid_html(content: Content, info: BuildInfo, aid: JobAid, paper: str, type_size: float,
                 language: str = LANGUAGE) -> str:
    common = _common(info, language)
    notes = Notes(content, f"n-{aid.slug}")

    def md(text: str) -> Markup:
        html = markdown_html(notes.render(str(text), link=False)).strip()
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]   # one paragraph: its words, so an item or a cell holds no empty line
        return Markup(rewrite_links(html, "job-aids", {}))

    return _environment().get_template("job_aid.html.j2").render(
        doc=common, aid=aid, md=md, notes=notes.items, paper=PAPER_SIZES[paper], type_size=type_size,
        programme=_programme(content, info, f"job-aids/{aid.slug}.md"))


# ---------------------------------------------------------------- rendering


def _weasyprint():
    import weasyprint  # imported here: only `make pdf` and its tests need it
    return weasyprint


# Tagged PDF/UA-1: structure tags, the document's language and title, embedded fonts.
OPTIONS = {"pdf_variant": PDF_VARIANT, "pdf_tags": True, "custom_metadata": True}


def render_handbook(content: Content, info: BuildInfo, language: str = LANGUAGE):
    """The laid-out handbook (a weasyprint Document)."""
    wp = _weasyprint()
    html = wp.HTML(string=handbook_html(content, info, language), base_url=str(TEMPLATES))
    return html.render(stylesheets=[wp.CSS(filename=str(STYLESHEET))], **OPTIONS)


def render_job_aid(content: Content, info: BuildInfo, aid: JobAid, paper: str, language: str = LANGUAGE,
                   font_config: Any = None):
    """One job aid laid out on one page, at the largest type size that fits; (document, size)."""
    wp = _weasyprint()
    css = wp.CSS(filename=str(STYLESHEET), font_config=font_config)
    for size in JOB_AID_SIZES:
        html = wp.HTML(string=job_aid_html(content, info, aid, paper, size, language), base_url=str(TEMPLATES))
        document = html.render(stylesheets=[css], font_config=font_config, **OPTIONS)
        if len(document.pages) == 1:
            return document, size
    raise ValueError(f"the job aid '{aid.slug}' ({aid.file}) does not fit on one {PAPER_SIZES[paper]} page even "
                     f"at {JOB_AID_SIZES[-1]} pt: shorten it or split it into two job aids.")


def write_handbook(content: Content, info: BuildInfo, target: Path, language: str = LANGUAGE) -> int:
    document = render_handbook(content, info, language)
    target.parent.mkdir(parents=True, exist_ok=True)
    document.write_pdf(target, **OPTIONS)
    return len(document.pages)


def write_job_aids(content: Content, info: BuildInfo, target: Path, paper: str,
                   language: str = LANGUAGE) -> list[tuple[str, float]]:
    """The pack: each job aid's single page, in the order of the site's job-aid list; [(slug, type size)]."""
    _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    documents, sizes = [], []
    for aid in content.job_aids:
        document, size = render_job_aid(content, info, aid, paper, language, font_config)
        documents.append(document)
        sizes.append((aid.slug, size))
    pages = [page for document in documents for page in document.pages]
    # The pack's title and language are those of a cover-less document holding every sheet.
    common = _common(info, language)
    pack = documents[0].copy(pages)
    pack.metadata.title = f"{common.title}: job aids ({PAPER_SIZES[paper]})"
    pack.metadata.lang = language
    target.parent.mkdir(parents=True, exist_ok=True)
    pack.write_pdf(target, **OPTIONS)
    return sizes


def build(out: Path, content: Content | None = None, info: BuildInfo | None = None,
          language: str = LANGUAGE) -> dict[str, Any]:
    """Writes the three PDFs into `out`; returns what was made (pages, type sizes, seconds)."""
    content = content or content_model.load()
    info = info or build_info()
    report: dict[str, Any] = {}
    start = time.perf_counter()
    report[handbook_name(language)] = {"pages": write_handbook(content, info, out / handbook_name(language),
                                                               language)}
    report[handbook_name(language)]["seconds"] = round(time.perf_counter() - start, 1)
    for paper in PAPER_SIZES:
        start = time.perf_counter()
        sizes = write_job_aids(content, info, out / job_aids_name(paper, language), paper, language)
        report[job_aids_name(paper, language)] = {"pages": len(sizes), "type_sizes": dict(sizes),
                                                  "seconds": round(time.perf_counter() - start, 1)}
    return report


def write_checksums(out: Path, names: Iterable[str]) -> Path:
    """pdf/SHA256SUMS, in the format `sha256sum -c SHA256SUMS` checks."""
    import hashlib

    lines = [f"{hashlib.sha256((out / name).read_bytes()).hexdigest()}  {name}\n" for name in sorted(names)]
    target = out / CHECKSUMS
    target.write_text("".join(lines), encoding="ascii")
    return target


def write_into_site(site: Path, content: Content, info: BuildInfo, language: str = LANGUAGE) -> dict[str, Any]:
    """The PDFs and their checksums into site/pdf/. The build calls this (OAMT_PDF=1) before it lists
    the site's files for the service worker, so that the PDFs are part of the copy."""
    out = site / "pdf"
    report = build(out, content, info, language)
    write_checksums(out, report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path, help="the built site; the PDFs go into its pdf/ folder")
    parser.add_argument("--if-missing", action="store_true",
                        help="do nothing when the build already wrote the PDFs (OAMT_PDF=1)")
    args = parser.parse_args(argv)
    out = args.site / "pdf"
    if args.if_missing and all((out / name).exists() for name in file_names()):
        print(f"The build wrote the PDFs into {out}.")
        return 0
    try:
        content = content_model.load()
    except content_model.ContentError as e:
        print(e, file=sys.stderr)
        return 1
    try:
        report = write_into_site(args.site, content, build_info(args.site))
    except ValueError as e:
        print(f"PDF: {e}", file=sys.stderr)
        return 1
    for name, facts in report.items():
        size = (out / name).stat().st_size / 1e6
        print(f"Wrote {out / name}: {facts['pages']} pages, {size:.1f} MB, {facts['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
