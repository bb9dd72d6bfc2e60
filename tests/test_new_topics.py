"""The clinical topics of issue #14 (chapters 18 onwards and the missed-doses job aid):
each topic is in the built site, findable by search and on the whole-handbook print
page, and every new page and job-aid item cites its sources."""

from __future__ import annotations

import html
import json
import re

import pytest

from sitebuild import content as content_model

from .conftest import REPO

NEW_CHAPTERS = (
    "18-missed-doses-and-restarting",
    "19-safety-interactions-qt-pregnancy",
    "20-overdose-response-details",
    "21-withdrawal-timelines-scoring-and-relief",
)
JOB_AID = "missed-doses-and-restart"

# topic → (words that must appear in the page text, the page that carries it)
TOPICS = {
    "missed doses": (["missed", "new induction"], "18-missed-doses-and-restarting"),
    "vomited doses": (["vomited"], "18-missed-doses-and-restarting"),
    "restarting buprenorphine": (["precipitated withdrawal", "COWS score above 12"], "18-missed-doses-and-restarting"),
    "re-induction rule labelled as ours": (["This handbook's own rule"], "18-missed-doses-and-restarting"),
    "interactions": (["Rifampicin", "Efavirenz", "Nevirapine"], "19-safety-interactions-qt-pregnancy"),
    "why recent ART or TB is high risk": (["adherence", "within the last month"], "19-safety-interactions-qt-pregnancy"),
    "QT prolongation": (["QT prolongation"], "19-safety-interactions-qt-pregnancy"),
    "pregnancy and split dosing": (["pregnan", "split dose"], "19-safety-interactions-qt-pregnancy"),
    "Annex 12 cautions": (["psychosis", "Respiratory insufficiency", "liver or kidney"],
                          "19-safety-interactions-qt-pregnancy"),
    "naloxone doses and repeats": (["0.4 mg to 2 mg", "every 2 to 3 minutes", "10 mg"], "20-overdose-response-details"),
    "buprenorphine overdose": (["Buprenorphine overdose", "36 to 48 hours"], "20-overdose-response-details"),
    "withdrawal timelines": (["6–24 hours", "days 2–4"], "21-withdrawal-timelines-scoring-and-relief"),
    "COWS items": (["Resting pulse rate", "Gooseflesh skin", "Pupil size"], "21-withdrawal-timelines-scoring-and-relief"),
    "lofexidine and clonidine with blood pressure": (["Lofexidine", "Clonidine", "Blood-pressure checks"],
                                                      "21-withdrawal-timelines-scoring-and-relief"),
    "naltrexone": (["7–10 days", "overdose risk"], "21-withdrawal-timelines-scoring-and-relief"),
}


def _text(markup: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@pytest.fixture(scope="module")
def content():
    return content_model.load()


@pytest.fixture(scope="module")
def search_index(site_dir) -> list[dict]:
    return json.loads((site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]


@pytest.fixture(scope="module")
def print_text(site_dir) -> str:
    return _text((site_dir / "handbook" / "print.html").read_text(encoding="utf-8"))


def test_the_new_chapters_and_job_aid_exist(content):
    slugs = {str(c.file).rsplit("/", 1)[-1].removesuffix(".md") for c in content.chapters}
    assert set(NEW_CHAPTERS) <= slugs, set(NEW_CHAPTERS) - slugs
    assert JOB_AID in {aid.slug for aid in content.job_aids}


@pytest.mark.parametrize("slug", NEW_CHAPTERS)
def test_each_new_chapter_cites_sources_in_its_text(content, slug):
    chapter = next(c for c in content.chapters if str(c.file).endswith(f"{slug}.md"))
    ids = {s.id for s in content.sources}
    assert chapter.sources and all(ref.id in ids for ref in chapter.sources)
    cited = content_model.CITATION.findall(chapter.body)
    assert len(cited) >= 5, f"{slug} cites only {len(cited)} times"
    listed = {ref.id for ref in chapter.sources}
    assert {source_id for source_id, *_ in cited} <= listed, f"{slug} cites a source missing from its front matter"


def test_every_item_of_the_job_aid_cites_a_source(content):
    aid = next(a for a in content.job_aids if a.slug == JOB_AID)
    raw = (REPO / "content" / "job-aids" / f"{JOB_AID}.yml").read_text(encoding="utf-8")
    assert aid.title == "Missed doses and restarting treatment"
    for line in raw.splitlines():
        item = line.strip()
        if item.startswith('- "') or item.startswith('- ["'):
            assert "[@" in item, f"uncited job-aid item: {item}"


def test_the_job_aid_never_gives_buprenorphine_methadone_starting_doses():
    raw = (REPO / "content" / "job-aids" / f"{JOB_AID}.yml").read_text(encoding="utf-8")
    bup = raw.split('heading: "Buprenorphine: restarting"', 1)[1].split("- heading:", 1)[0]
    assert not re.search(r"\b(10|15|20|30|40) mg\b", bup), "methadone starting doses in the buprenorphine block"


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_each_topic_is_in_the_search_index(search_index, topic):
    words, slug = TOPICS[topic]
    docs = [d for d in search_index if d["location"].startswith(f"handbook/{slug}.html")]
    assert docs, f"{slug} is not in the search index"
    text = _text(" ".join(d["title"] + " " + d["text"] for d in docs))
    for word in words:
        assert word.lower() in text.lower(), f"{topic}: {word!r} not found for {slug} in the search index"


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_each_topic_is_on_the_print_page(print_text, topic):
    words, _ = TOPICS[topic]
    for word in words:
        assert word.lower() in print_text.lower(), f"{topic}: {word!r} not on the whole-handbook print page"


def test_the_job_aid_page_is_built_and_cites(site_dir):
    page = (site_dir / "job-aids" / f"{JOB_AID}.html").read_text(encoding="utf-8")
    text = _text(page)
    assert "Missed doses and restarting treatment" in text
    assert "Australian methadone guidelines 2003" in text
    assert "This handbook" in text
