"""The citation report counts correctly, and the handbook's citations of stored sources carry anchors
where they must: every rule of the calculators and every job-aid item, and every sentence of a
chapter that states a number (the brief's rule: "any sentence with a number MUST carry an anchor")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from calculators.vocabulary import CITATION_MARKUP
from sitebuild import citation_report, content
from sitebuild.citation_report import citations_of

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def stored_ids() -> set[str]:
    return {s.id for s in content.load().sources if s.stored}


# ---------------------------------------------------------------- counting, on a tiny folder


def _fixture(root: Path) -> None:
    (root / "content" / "chapters").mkdir(parents=True)
    (root / "content" / "chapters" / "01-a.md").write_text(
        "---\ntitle: A\n---\n"
        'Taper over at least 3 days [@who-2025 §Assisted withdrawal management ^"at least 3 days"].\n'
        "Keep naloxone at hand [@who-2025 §Overdose management] and on the label "
        "[@dailymed-methadone §Boxed warning].\n"
        'Second anchored [@mitchell-2020 §What you need to know ^"strongest predictor"] and the same again '
        '[@who-2025 §Overdose management ^"naloxone"].\n', encoding="utf-8")
    (root / "content" / "glossary.yml").write_text("- term: X\n  definition: none cited here\n", encoding="utf-8")
    (root / "calculators").mkdir()
    (root / "calculators" / "rule.py").write_text(
        '"""Shows the markup [@who-2025 §Section] in a docstring: not counted."""\n'
        "# nor in a comment: [@who-2025 §Key messages]\n"
        'WHO = Citation.parse(\'[@who-2025 §Assisted withdrawal management ^"the previous day"]\')\n'
        "OTHER = Citation.parse('[@who-2009 §Take-home doses]')\n", encoding="utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "page.md").write_text('Not counted [@who-2025 §Key messages].\n', encoding="utf-8")


def test_the_report_counts_each_kind_of_citation_per_file(tmp_path):
    _fixture(tmp_path)
    report = citation_report.count(tmp_path, stored_ids={"who-2025", "mitchell-2020"})
    by_file = {f.file: (f.anchored, f.unanchored, f.not_stored) for f in report.files}
    assert by_file == {"calculators/rule.py": (1, 0, 1), "content/chapters/01-a.md": (3, 1, 1)}
    totals = report.totals
    assert (totals.anchored, totals.unanchored, totals.not_stored) == (4, 1, 2)
    assert report.share_anchored() == pytest.approx(0.8)
    assert "4 of 5 citations of stored sources are anchored (80%)" in report.summary()


def test_the_report_writes_json_and_a_table(tmp_path):
    _fixture(tmp_path)
    report = citation_report.count(tmp_path, stored_ids={"who-2025", "mitchell-2020"})
    citation_report.write_json(report, tmp_path / "citation-report.json")
    data = json.loads((tmp_path / "citation-report.json").read_text(encoding="utf-8"))
    assert data["totals"] == {"anchored": 4, "unanchored": 1, "not_stored": 2, "share_anchored": 0.8}
    assert {"file": "calculators/rule.py", "anchored": 1, "unanchored": 0, "not_stored": 1} in data["files"]
    lines = citation_report.table(report).splitlines()
    assert lines[0].split() == ["file", "anchored", "unanchored", "not", "stored"]
    assert lines[-3].split() == ["total", "4", "1", "2"]


def test_the_bibliography_lists_each_anchored_passage_with_the_pages_citing_it():
    loaded = content.load()
    passages = citation_report.anchored_passages(loaded)
    stored = {s.id for s in loaded.sources if s.stored}
    assert set(passages) <= stored
    for source_id, items in passages.items():
        assert len({(p.section, p.anchor) for p in items}) == len(items), "each passage once"
        for p in items:
            assert p.anchor and p.section
            assert all(path.endswith(".md") for path, _title in p.pages)


# ---------------------------------------------------------------- coverage: anchors where they must be


def _unanchored(paths, stored_ids) -> list[str]:
    return [f"{p.relative_to(REPO)}:{line}: {c.markup}" for p in paths for line, c in citations_of(p)
            if c.source_id in stored_ids and not c.anchor]


def test_every_calculator_rule_citing_a_stored_source_is_anchored(stored_ids):
    missing = _unanchored(sorted((REPO / "calculators").glob("*.py")), stored_ids)
    assert not missing, f"{len(missing)} unanchored citation(s) of stored sources:\n" + "\n".join(missing)


def test_every_job_aid_citation_of_a_stored_source_is_anchored(stored_ids):
    missing = _unanchored(sorted((REPO / "content" / "job-aids").glob("*.yml")), stored_ids)
    assert not missing, f"{len(missing)} unanchored citation(s) of stored sources:\n" + "\n".join(missing)


# A number in running text: a digit not inside a word or a name (COVID-19, alpha-2, WHO 2025 is text
# of the citation, which is masked first).
_NUMBER = re.compile(r"(?<![\w-])\d")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^a-z\s])")


def chapter_sentences(text: str):
    """(line, sentence with citations masked as ⟦n⟧, the citations) for each sentence of a chapter's body."""
    lines = text.split("\n")
    start = 0
    if lines and lines[0].strip() == "---":
        start = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), 0) + 1
    for number, line in enumerate(lines[start:], start + 1):
        citations = []

        def mask(match: re.Match[str]) -> str:
            citations.append(match)
            return f"⟦{len(citations) - 1}⟧"
        masked = CITATION_MARKUP.sub(mask, line)
        masked = _LINK_TARGET.sub("]", masked)
        masked = re.sub(r"^\s*(?:[-*+]|\d+\.|#+|>)\s+", "", masked)  # list markers and headings
        # a citation that follows the full stop belongs to the sentence before it
        masked = re.sub(r"([.!?])\s+((?:⟦\d+⟧\s*)+)", r" \2\1 ", masked)
        for sentence in _SENTENCE_END.split(masked):
            if not sentence.strip():
                continue
            cited = [citations[int(i)] for i in re.findall(r"⟦(\d+)⟧", sentence)]
            yield number, sentence, cited


def test_in_chapters_every_sentence_with_a_number_citing_a_stored_source_is_anchored(stored_ids):
    from calculators.vocabulary import Citation

    missing = []
    for path in sorted((REPO / "content" / "chapters").glob("*.md")):
        for line, sentence, matches in chapter_sentences(path.read_text(encoding="utf-8")):
            cited = [Citation.from_match(m) for m in matches]
            stored = [c for c in cited if c.source_id in stored_ids]
            text = re.sub(r"⟦\d+⟧", "", sentence)
            if stored and _NUMBER.search(text) and not any(c.anchor for c in stored):
                missing.append(f"{path.relative_to(REPO)}:{line}: {text.strip()[:100]}")
    assert not missing, (f"{len(missing)} sentence(s) with a number cite a stored source without an anchor:\n"
                         + "\n".join(missing))


def test_the_sentence_splitter_keeps_each_citation_with_its_sentence():
    text = ('---\ntitle: T\n---\n- At least 3 days [@who-2025 §A ^"at least 3 days"]. Then 2 more '
            '[@who-2025 §B]. No number here [@who-2025 §C].\n')
    got = [(line, s.strip(), [m.group(0) for m in cited]) for line, s, cited in chapter_sentences(text)]
    assert [g[0] for g in got] == [4, 4, 4]
    assert [len(g[2]) for g in got] == [1, 1, 1]
    assert got[1][2] == ["[@who-2025 §B]"]


# ---------------------------------------------------------------- how citations render


def test_an_anchored_citation_shows_its_words_on_hover_and_focus_and_describes_the_link():
    import markdown

    from sitebuild import pages

    loaded = content.load()
    md = pages.render_citations('Taper [@who-2025 §Assisted withdrawal management ^"at least 3 days"] '
                                'and [@who-2025 §Key messages].', "handbook/x.md", loaded)
    html = markdown.markdown(md, extensions=["attr_list"])
    anchored = re.search(r'<a aria-describedby="([^"]+)" class="cite cite--anchored"[^>]*>(.*?)</a>', html)
    assert anchored, html
    pid, inner = anchored.groups()
    assert inner.startswith("(WHO 2025, Assisted withdrawal management)")
    popup = f'<span class="cite-anchor" id="{pid}" aria-hidden="true">Cited passage: “at least 3 days”</span>'
    assert popup in inner
    assert '<a class="cite" href="../bibliography.md#who-2025">(WHO 2025, Key messages)</a>' in html


def test_chapter_notes_number_each_source_and_section_once_and_list_the_passages():
    import markdown

    from sitebuild import pages

    loaded = content.load()
    notes = pages.NumberedCitations(loaded, "handbook/x.md", notes="note")
    md = notes.render('One [@who-2025 §Key messages ^"first words"]. Two [@who-2025 §Overdose management]. '
                      'Three [@who-2025 §Key messages ^"second words"]. Four [@who-2025 §Key messages].')
    html = markdown.markdown(md, extensions=["attr_list"])
    labels = re.findall(r'aria-label="(Note \d)"', html)
    assert labels == ["Note 1", "Note 2", "Note 1", "Note 1"]
    ids = re.findall(r'id="(note-\d-ref-\d)"', html)
    assert ids == ["note-1-ref-1", "note-2-ref-1", "note-1-ref-2", "note-1-ref-3"]
    assert "One<sup" in html, "the number sits against the word before it"
    listing = str(notes.notes_html())
    assert listing.count("<li") == 2
    assert '<li id="note-1"><a href="../bibliography.html#who-2025">WHO 2025, Key messages</a>' in listing
    assert "“first words”; “second words”" in listing
    assert 'href="#note-1-ref-1" aria-label="Back to the first use of note 1"' in listing
