"""Situations (content/situations.yml) and the search index they shape (issue #15).

The situations are validated at build time: every link names a page the build writes, and a bad
file fails with the file, the field and the reason. The built index leaves the whole-handbook print
page out, ranks pages about the handbook last, and carries each situation's words on the pages it
links to. The ranking itself, as Material's lunr search computes it in the browser, is tested in
tests/browser/test_search.py; the home page and the header link in tests/browser/test_home.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sitebuild import content as content_model
from sitebuild import i18n, search_ranking, situations
from sitebuild.content import ContentError
from sitebuild.routes import path_of

# The six situations of issue #15, by id.
ISSUE_SITUATIONS = {"overdose", "stock-running-out", "clinic-closing", "missed-doses", "take-home", "come-off"}
ADMIN_PAGES = ("hosting.html", "writing-a-profile.html", "hazard-log.html", "checking-sources.html",
               "using-offline.html", "about.html", "about-this-handbook.html")


@pytest.fixture(scope="module")
def content():
    return content_model.load()


@pytest.fixture(scope="module")
def loaded(content):
    return situations.load(content)


@pytest.fixture(scope="module")
def index(site_dir) -> dict:
    return json.loads((site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the data


def test_the_situations_of_the_issue_are_there_with_a_first_step_and_one_to_three_links(loaded):
    assert {s.id for s in loaded.items} == ISSUE_SITUATIONS
    for s in loaded.items:
        assert s.title and s.first_step.endswith(".") and "\n" not in s.first_step
        assert 1 <= len(s.links) <= 3, s.id
        assert s.keywords, s.id
    assert [s.id for s in loaded.items if s.urgent] == ["overdose"]


def test_the_emergency_link_is_the_overdose_job_aid(content, loaded):
    aid = next(a for a in content.job_aids if a.slug == "overdose-naloxone")
    assert loaded.emergency is not None and loaded.emergency.label == "Overdose"
    assert loaded.emergency.path == path_of("job-aid", aid)


def test_every_situation_link_is_a_built_page(loaded, site_dir):
    for s in loaded.items:
        for link in s.links:
            assert (site_dir / link.url).is_file(), f"{s.id}: {link.url}"


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "situations.yml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("text, field, reason", [
    ("situations:\n  - id: a\n    title: A\n    first_step: Do it.\n    links:\n      - job-aid: no-such-aid\n",
     "situations[0].links[0].job-aid", "not a job aid of the site"),
    ("situations:\n  - id: a\n    title: A\n    first_step: Do it.\n    links:\n      - chapter: no-such-chapter\n",
     "situations[0].links[0].chapter", "not a chapter of the site"),
    ("situations:\n  - id: a\n    title: A\n    first_step: Do it.\n    links:\n      - calculator: taper\n        job-aid: overdose-naloxone\n",
     "situations[0].links[0]", "more than one page"),
    ("situations:\n  - id: a\n    title: A\n    first_step: Do it\n    links:\n      - calculator: taper\n",
     "situations[0].first_step", "full stop"),
    ("situations:\n  - id: a\n    title: A\n    first_step: 'See [@who-2025 §Key messages].'\n    links:\n      - calculator: taper\n",
     "situations[0].first_step", "citation"),
    ("situations:\n  - id: a\n    title: A\n    links:\n      - calculator: taper\n",
     "situations[0].first_step", "missing"),
    ("situations:\n  - id: a\n    title: A\n    first_step: Do it.\n    links: []\n",
     "situations[0].links", "missing"),
    ("situations:\n  - id: a\n    title: A\n    first_step: Do it.\n    links:\n" + "      - calculator: taper\n" * 4,
     "situations[0].links", "1 to 3 links"),
    ("situations:\n  - id: a\n    title: A\n    first_step: Do it.\n    colour: red\n    links:\n      - calculator: taper\n",
     "situations[0].colour", "not a known field"),
    ("emergency:\n  page: nowhere\nsituations: []\n", "emergency.page", "not a page of the site"),
])
def test_a_bad_file_names_the_file_the_field_and_the_reason(content, tmp_path, text, field, reason):
    with pytest.raises(ContentError) as raised:
        situations.load(content, _write(tmp_path, text))
    problems = raised.value.problems
    assert any(p.file.endswith("situations.yml") and p.field == field and reason in p.reason for p in problems), \
        [str(p) for p in problems]


def test_a_chapter_may_be_named_with_or_without_its_number(content, tmp_path):
    text = ("situations:\n  - id: a\n    title: A\n    first_step: Do it.\n    links:\n"
            "      - chapter: 12-assisted-withdrawal\n      - chapter: assisted-withdrawal\n        label: Same page\n")
    found = situations.load(content, _write(tmp_path, text))
    first, second = found.items[0].links
    assert first.path == second.path == "handbook/12-assisted-withdrawal.md"
    assert first.label == "Assisted withdrawal management" and second.label == "Same page"


def test_the_home_page_shows_every_situation_with_its_links(loaded, site_dir):
    home = (site_dir / "index.html").read_text(encoding="utf-8")
    assert situations.MARKER not in home and home.count('class="situation ') + home.count('class="situation"') \
        == len(loaded.items)
    for s in loaded.items:
        assert f'id="situation-{s.id}"' in home
        for link in s.links:
            assert f'href="{link.url}"' in home, (s.id, link.url)
    # What the project is and how to host it are below the situations.
    article = home.split("<article", 1)[1]
    assert article.index('id="situations"') < article.index('href="about-this-handbook.html"')


TRANSLATED = set(i18n.LANGUAGES) - {"en"}


def test_every_page_has_the_emergency_link_in_its_header_and_it_is_relative(loaded, site_dir):
    target = (site_dir / loaded.emergency.url).resolve()
    pages = [p for p in site_dir.rglob("*.html") if not p.relative_to(site_dir).as_posix().startswith("assets/")]
    assert len(pages) > 30
    for page in pages:
        if page.name == "404.html":
            continue   # served at any missing address: its links start from the site's root
        html = page.read_text(encoding="utf-8")
        header = html.split('<header class="md-header', 1)[1].split("</header>", 1)[0]
        found = re.findall(r'<a class="handbook-emergency" href="([^"]+)"', header)
        assert len(found) == 1, page
        href = found[0]
        assert not href.startswith(("/", "http")), (page, href)
        # A page in a language folder (fr/, ru/ ...) links to that language's overdose steps.
        first = page.relative_to(site_dir).parts[0]
        expected = (site_dir / first / loaded.emergency.url).resolve() if first in TRANSLATED else target
        assert (page.parent / href).resolve() == expected, (page, href)


# ---------------------------------------------------------------- the index


def test_the_print_page_and_the_home_page_are_left_out_of_the_search_index(index):
    assert not [d for d in index["docs"] if d["location"].split("#")[0] in ("handbook/print.html", "index.html")]


def test_pages_about_the_handbook_rank_below_every_chapter(index, content):
    boosts = {d["location"]: d.get("boost", 1) for d in index["docs"]}
    for page in ADMIN_PAGES:
        assert page in boosts, page
        assert all(b <= 0.0001 for loc, b in boosts.items() if loc.split("#")[0] == page), page
    for ch in content.chapters:
        assert boosts[path_of("chapter", ch).replace(".md", ".html")] == 1


def test_situation_words_are_on_the_pages_they_lead_to(index, loaded):
    fields = index["config"]["fields"]
    assert fields["keywords"]["boost"] > fields["title"]["boost"] > fields["text"]["boost"]
    assert fields["related"]["boost"] > fields["title"]["boost"]
    docs = {d["location"]: d for d in index["docs"]}
    for s in loaded.items:
        first, *others = s.links
        assert all(word in docs[first.url]["keywords"] for word in s.keywords), s.id
        for link in others:
            assert all(word in docs[link.url]["related"] for word in s.keywords), (s.id, link.url)
    # Only on the page's own entry, never on its sections.
    assert not [d for d in index["docs"] if "#" in d["location"] and ("keywords" in d or "related" in d)]


def test_the_offline_copy_of_the_index_is_the_same(site_dir, index):
    script = (site_dir / "search" / "search_index.js").read_text(encoding="utf-8")
    assert script.startswith(search_ranking.JS_PREFIX)
    assert json.loads(script[len(search_ranking.JS_PREFIX):]) == index


def test_adjust_leaves_other_entries_alone():
    raw = {"config": {"fields": {"title": {"boost": 1000}}}, "docs": [
        {"location": "handbook/print.html", "title": "All", "text": ""},
        {"location": "hosting.html", "title": "Hosting", "text": ""},
        {"location": "x.html", "title": "X", "text": "x"},
        {"location": "x.html#a", "title": "A", "text": "a"}]}
    out = search_ranking.adjust(raw, {"x.html": ("run out", "stock")})
    assert [d["location"] for d in out["docs"]] == ["hosting.html", "x.html", "x.html#a"]
    assert out["docs"][0]["boost"] < 0.1 and "boost" not in out["docs"][1]
    assert out["docs"][1]["keywords"] == "run out stock" and "keywords" not in out["docs"][2]
    assert raw["docs"][2] == {"location": "x.html", "title": "X", "text": "x"}   # the input is not changed
