"""The PDFs of `make pdf` (sitebuild.pdf): the handbook and the job-aid pack in A4 and US Letter.

The PDFs are made here, into a temporary folder, from content/ (nothing depends on a
`make pdf` run), and read back with poppler's pdfinfo and pdftotext, as a reader's tools would.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import time
import zlib
from pathlib import Path

import pytest

try:
    import weasyprint  # noqa: F401
except ImportError:
    pytest.skip("WeasyPrint is installed by `make install` (pyproject.toml, group pdf)", allow_module_level=True)
except OSError as e:   # Pango is missing
    pytest.skip(f"WeasyPrint's system libraries are missing ({e}): `make pdf-libs`", allow_module_level=True)
if not shutil.which("pdfinfo") or not shutil.which("pdftotext"):
    pytest.skip("poppler-utils (pdfinfo, pdftotext) is installed by `make browsers`", allow_module_level=True)

from sitebuild import content as content_model
from sitebuild import pdf
from sitebuild.pages import BuildInfo
from sitebuild.settings import Contact

# The handbook is 63 pages today (21 chapters, glossary, bibliography); a range, so that
# ordinary edits pass and a layout that breaks (one page, or a page per paragraph) does not.
HANDBOOK_PAGES = range(40, 121)
MM = 72 / 25.4
PRINTABLE_INSET = 5 * MM      # what most printers cannot print at the paper's edge


@pytest.fixture(scope="module")
def content():
    return content_model.load()


@pytest.fixture(scope="module")
def info():
    return BuildInfo(version="0.1.0+test", built=content_model.dt.date(2026, 11, 30), pyodide_version="")


@pytest.fixture(scope="module")
def made(tmp_path_factory, content, info):
    out = tmp_path_factory.mktemp("pdf")
    start = time.perf_counter()
    report = pdf.build(out, content, info)
    report["seconds"] = time.perf_counter() - start
    print(f"\nPDFs made in {report['seconds']:.1f} s: "
          + ", ".join(f"{n} {r['pages']} pages" for n, r in report.items() if isinstance(r, dict)))
    return out, report


def pdfinfo(path: Path, *args: str) -> dict[str, str]:
    text = subprocess.run(["pdfinfo", *args, str(path)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def page_texts(path: Path, *args: str) -> list[str]:
    """The text of each page, in order (pdftotext puts a form feed after every page)."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", *args, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1]


def flat(text: str) -> str:
    return " ".join(text.split())


def languages(path: Path) -> set[str]:
    """Every /Lang of the file, in its plain and its compressed objects."""
    data = path.read_bytes()
    found = set(re.findall(rb"/Lang\s*\(([^)]*)\)", data))
    for match in re.finditer(rb"stream\r?\n", data):
        try:
            found |= set(re.findall(rb"/Lang\s*\(([^)]*)\)", zlib.decompressobj().decompress(data[match.end():])))
        except zlib.error:
            continue
    return {f.decode() for f in found}


def words_with_boxes(path: Path) -> list[tuple[int, float, float, list[tuple[str, float, float, float, float]]]]:
    """(page number, width, height, [(word, xMin, yMin, xMax, yMax)]) from pdftotext -bbox."""
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for n, match in enumerate(re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S), 1):
        words = [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>', match.group(3))]
        pages.append((n, float(match.group(1)), float(match.group(2)), words))
    return pages


def handbook(made) -> Path:
    return made[0] / pdf.handbook_name()


# ---------------------------------------------------------------- the handbook


def test_the_three_pdfs_are_made_with_title_language_and_tags(made):
    out, _ = made
    assert sorted(p.name for p in out.glob("*.pdf")) == sorted(pdf.file_names())
    for name in pdf.file_names():
        facts = pdfinfo(out / name)
        assert facts["Title"].strip().startswith("OAMT Continuity Handbook"), name
        assert facts["Tagged"].strip() == "yes", f"{name} is not a tagged PDF"
        assert languages(out / name) == {"en"}, f"{name}: document language {languages(out / name)}"
        meta = subprocess.run(["pdfinfo", "-meta", str(out / name)], capture_output=True, text=True).stdout
        assert 'pdfuaid:part="1"' in meta, f"{name} does not declare PDF/UA-1"


def test_the_handbook_has_a_page_count_in_range_on_a4(made):
    facts = pdfinfo(handbook(made))
    assert int(facts["Pages"]) in HANDBOOK_PAGES, f"the handbook has {facts['Pages']} pages"
    assert "(A4)" in facts["Page size"]


def test_the_cover_names_the_version_date_and_licence(made, info):
    cover = flat(page_texts(handbook(made))[0])
    assert "OAMT Continuity Handbook" in cover
    assert info.version in cover and info.built.isoformat() in cover
    assert "CC BY-NC-SA 3.0 IGO" in cover


def test_the_contents_page_numbers_are_where_each_chapter_starts(made, content):
    pages = page_texts(handbook(made))
    contents = flat(pages[1])
    assert contents.startswith("Contents")
    entries = [(f"Chapter {ch.order}", ch.title) for ch in content.chapters]
    entries += [("Glossary", "Glossary"), ("Bibliography", "Bibliography")]
    starts = []
    for marker, title in entries:
        match = re.search(re.escape(title) + r" ?\.{3,} ?(\d+)\b", contents)
        assert match, f"the contents do not list {title!r} with a page number"
        number = int(match.group(1))
        starts.append(number)
        page = flat(pages[number - 1])
        # Its page opens with the running header, then (for a chapter) "PART · CHAPTER n" and the title.
        assert title in page, f"{title!r} is not on page {number}, where the contents say it starts"
        if marker.startswith("Chapter"):
            assert f"CHAPTER {marker.split()[1]} {title}" in page, f"chapter {title!r} does not start on page {number}"
            assert f"CHAPTER {marker.split()[1]} " not in flat(pages[number - 2]), \
                f"{title!r} starts before page {number}"
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_every_chapter_glossary_term_and_source_is_in_the_handbook(made, content):
    text = flat(" ".join(page_texts(handbook(made))))
    for ch in content.chapters:
        assert ch.title in text and ch.summary[:60] in text, ch.title
    for entry in content.glossary:
        assert entry.term in text, entry.term
    for source in content.sources:
        assert source.short in text, source.id


def test_running_headers_and_page_n_of_m(made, content):
    pages = page_texts(handbook(made))
    total = len(pages)
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {total}" in page, f"page {number} has no 'Page {number} of {total}'"
    chapter = content.chapters[0]
    start = next(i for i, p in enumerate(pages) if f"CHAPTER {chapter.order} {chapter.title}" in flat(p))
    assert flat(pages[start]).startswith(f"{chapter.title} OAMT Continuity Handbook")


def test_citations_are_numbered_notes_that_point_to_the_bibliography(made, content, info):
    pages = page_texts(handbook(made))
    text = flat(" ".join(pages))
    bibliography = next(i for i, p in enumerate(pages, 1) if flat(p).startswith("Bibliography OAMT") and
                        "Bibliography Every note" in flat(p))
    cited = [int(n) for n in re.findall(r"Bibliography, p\. (\d+)", text)]
    assert len(cited) > 100
    assert all(bibliography <= n <= len(pages) for n in cited), "a note points to a page outside the bibliography"
    assert "[@" not in text, "a citation was left as markup"
    # In the document: every note number links to its note, every note to a bibliography entry.
    html = pdf.handbook_html(content, info)
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    links = re.findall(r'href="#([^"]+)"', html)
    assert links and not [link for link in links if link not in ids], "links inside the handbook that lead nowhere"
    assert {s.id for s in content.sources if f"#src-{s.id}" in html} <= {i[4:] for i in ids if i.startswith("src-")}


def test_nothing_is_written_outside_the_printable_area(made):
    for name in pdf.file_names():
        margin = 18 * MM if name == pdf.handbook_name() else 13 * MM
        for number, width, height, words in words_with_boxes(made[0] / name):
            for word, x0, y0, x1, y1 in words:
                where = f"{name} page {number}: {word!r} at ({x0:.0f}, {y0:.0f})–({x1:.0f}, {y1:.0f})"
                assert margin - 1 <= x0 and x1 <= width - margin + 1, f"{where} runs into the side margin"
                assert PRINTABLE_INSET <= y0 and y1 <= height - PRINTABLE_INSET, f"{where} is off the page"


def test_the_cover_shows_the_local_settings_when_a_copy_has_them(content, info):
    if not content.settings.programme_name and not content.settings.contacts:
        assert "cover__programme" not in pdf.handbook_html(content, info).split("</section>")[0]
    local = dataclasses.replace(content, settings=dataclasses.replace(
        content.settings, programme_name="Harbour City OAMT service",
        contacts=(Contact("Clinic (weekdays 8-16)", "+44 20 7946 0000"),), newer_copy="the clinic's intranet"))
    cover = pdf.handbook_html(local, info).split("</section>")[0]
    for words in ("Harbour City OAMT service", "Clinic (weekdays 8-16)", "+44 20 7946 0000",
                  "the clinic&#39;s intranet"):
        assert words in cover, words


# ---------------------------------------------------------------- the job-aid pack


@pytest.mark.parametrize("paper, size", [("a4", "(A4)"), ("letter", "(letter)")])
def test_each_job_aid_is_exactly_one_page_in_both_sizes(made, content, paper, size):
    path = made[0] / pdf.job_aids_name(paper)
    facts = pdfinfo(path)
    assert size in facts["Page size"]
    pages = page_texts(path)
    assert len(pages) == len(content.job_aids)
    for aid, page in zip(content.job_aids, pages):
        text = flat(page)
        assert text.startswith(aid.title), f"page for {aid.slug} starts {text[:60]!r}"
        assert "Sources:" in text, f"{aid.slug}: the sources line is not on its page"
        for other in content.job_aids:
            if other is not aid:
                assert not text.startswith(other.title)
    structure = subprocess.run(["pdfinfo", "-struct", str(path)], capture_output=True, text=True).stdout
    assert structure.count("H1") == len(content.job_aids), "every sheet's heading is tagged"


def test_the_taper_sheets_hold_the_calculators_tables(made, content):
    pages = page_texts(made[0] / pdf.job_aids_name("a4"), "-layout")   # a table row as one line
    for aid, page in zip(content.job_aids, pages):
        for block in aid.blocks:
            if block.kind == "taper_table":
                text = flat(page)
                for row in block.rows:
                    assert " ".join(row) in text, f"{aid.slug}: row {row[0]} mg is not on the sheet"


def test_a_job_aid_too_long_for_a_page_fails_with_a_message(content, info):
    aid = content.job_aids[0]
    block = dataclasses.replace(aid.blocks[-1], kind="bullets", items=tuple(f"Item {i} " * 30 for i in range(80)))
    long_aid = dataclasses.replace(aid, blocks=(block,))
    with pytest.raises(ValueError, match="does not fit on one"):
        pdf.render_job_aid(content, info, long_aid, "a4")


# ---------------------------------------------------------------- in the copy and the release


def test_the_offline_zip_and_the_release_carry_the_pdfs_with_checksums(made, tmp_path):
    import hashlib
    import zipfile

    from sitebuild import offline

    site = tmp_path / "site"
    (site / "pdf").mkdir(parents=True)
    (site / "index.html").write_text('<html data-version="0.1.0+test"></html>', encoding="utf-8")
    for name in pdf.file_names():
        shutil.copyfile(made[0] / name, site / "pdf" / name)
    pdf.write_checksums(site / "pdf", pdf.file_names())
    target = offline.make_zip(site, tmp_path / "dist")
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
        sums = zf.read("oamt-handbook-0.1.0+test/pdf/SHA256SUMS").decode()
    for name in pdf.file_names():
        assert f"oamt-handbook-0.1.0+test/pdf/{name}" in names
        digest = hashlib.sha256((made[0] / name).read_bytes()).hexdigest()
        assert f"{digest}  {name}\n" in sums
        assert (tmp_path / "dist" / name).read_bytes() == (made[0] / name).read_bytes()
        assert (tmp_path / "dist" / f"{name}.sha256").read_text() == f"{digest}  {name}\n"


def test_pages_link_the_pdfs_only_when_the_build_made_them():
    text = f"Before.\n\n{pdf.MARKER}\n\nAfter."
    assert pdf.MARKER not in pdf.fill_marker(text, "index.md", built=False)
    assert "pdf/" not in pdf.fill_marker(text, "index.md", built=False)
    links = re.findall(r'href="([^"]+)"', pdf.fill_marker(text, "job-aids/index.md", built=True))
    assert links == [f"../pdf/{name}" for name in pdf.file_names()] + ["../pdf/SHA256SUMS"]
    links = re.findall(r'href="([^"]+)"', pdf.fill_marker(text, "index.md", built=True))
    assert links[0] == f"pdf/{pdf.handbook_name()}"
