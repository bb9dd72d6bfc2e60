"""The content model: the real content is valid and complete, and each kind of
broken content fails the build with the file, the field and the fix."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from sitebuild import content as content_model
from sitebuild.content import ContentError

from .conftest import REPO, build_site

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "broken-content"

# Every section of WHO 2025 must have its own chapter.
WHO_2025_SECTIONS = (
    "Key messages", "Introduction", "Global opioid use", "Opioid agonist maintenance treatment",
    "Long-term perspective for opioid dependence treatment", "Uninterrupted OAMT is critical",
    "Mitigation measures in case of unplanned interruptions",
    "Ensuring the continuity and integration of OAMT in times of crisis",
    "Community-led resilience and multi-stakeholder coordination in OAMT disruptions",
    "Consideration of take-home doses", "Overdose management", "Assisted withdrawal management",
    "Relapse prevention with other forms of evidence-based pharmacotherapy", "Psychosocial support",
)
SUPPORTING_SOURCES = ("steiro-2024", "rehm-fischer-2008", "mitchell-2020")


@pytest.fixture(scope="module")
def content():
    return content_model.load()


def test_every_who_2025_section_has_a_chapter(content):
    covered = {c.who_section for c in content.chapters}
    missing = [s for s in WHO_2025_SECTIONS if s not in covered]
    assert not missing, f"no chapter covers: {missing}"


def test_each_supporting_paper_has_a_chapter(content):
    for source_id in SUPPORTING_SOURCES:
        assert any(ref.id == source_id for c in content.chapters if c.part == "Supporting evidence"
                   for ref in c.sources), source_id


def test_every_chapter_cites_a_source_that_exists(content):
    ids = {s.id for s in content.sources}
    for chapter in content.chapters:
        assert chapter.sources, chapter.file
        assert all(ref.id in ids for ref in chapter.sources), chapter.file
        cited = content_model.CITATION.findall(chapter.body)
        assert cited, f"{chapter.file} cites nothing in its text"
        assert all(source_id in ids for source_id, *_ in cited), chapter.file


def test_the_job_aids_exist(content):
    assert {a.slug for a in content.job_aids} >= {
        "disruption-checklist", "take-home-safety", "overdose-naloxone", "withdrawal-monitoring",
        "high-risk-clients", "talking-without-stigma", "methadone-taper-table", "buprenorphine-taper-table"}


def with_fixture(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "content"
    shutil.copytree(REPO / "content", target)
    shutil.copytree(FIXTURES / name, target, dirs_exist_ok=True)
    return target


BROKEN = {
    # fixture: (file named, field named, words of the fix)
    "unknown-source": ("chapters/98-broken.md", "sources[0].id", "use one of the ids in content/sources.yml"),
    "missing-field": ("chapters/98-broken.md", "summary", "add 'summary:'"),
    "bad-date": ("chapters/98-broken.md", "last_reviewed", "write the date as YYYY-MM-DD"),
    "broken-link": ("chapters/98-broken.md", "body", "correct the link"),
    "unknown-section": ("chapters/98-broken.md", "body", "use one of:"),
    "job-aid-bad-kind": ("job-aids/broken.yml", "blocks[0].kind", "use one of: checklist"),
    "taper-table-bad-dose": ("job-aids/broken.yml", "blocks[0].start_doses_mg[2]", "correct or remove this starting dose"),
    "taper-table-bad-formulation": ("job-aids/broken.yml", "blocks[0].formulation", "correct this setting"),
    "settings-bad-phone": ("settings.yml", "contacts[0].phone", "put any words in 'label'"),
    "settings-unknown-formulation": ("settings.yml", "formulations_in_use[1]", "use ids from content/formulations.yml"),
    "html-in-job-aid": ("job-aids/broken.yml", "blocks[0].items[1]", "write it in Markdown"),
    # One for each data set a calculator declares (calculators.data_sets()).
    "formulations-bad-step": ("formulations.yml", "[2].step_mg", "write it quoted"),
    "formulations-unknown-source": ("formulations.yml", "[2].source", "use one of the ids in content/sources.yml"),
    "profile-unknown-field": ("takehome/zz-broken.yml", "review_every", "remove it or correct its spelling"),
    # Issue 13: content mistakes that passed silently or crashed. A field of "" is a problem of the whole file
    # (the line or byte is in the message).
    "non-utf8-chapter": ("chapters/98-broken.md", "", "save the file as UTF-8"),
    "non-utf8-profile": ("takehome/zz-broken.yml", "", "save the file as UTF-8"),
    "bad-yaml-date": ("chapters/98-broken.md", "", "dates as YYYY-MM-DD"),
    "duplicate-key": ("job-aids/broken.yml", "title", "keep one 'title:'"),
    "duplicate-key-front-matter": ("chapters/98-broken.md", "summary", "keep one 'summary:'"),
    "malformed-citation": ("chapters/98-broken.md", "body", "with a source-id from content/sources.yml"),
    "formulations-zero-step": ("formulations.yml", "[2].step_mg", "more than 0"),
    "formulations-zero-strength": ("formulations.yml", "[1].mg_per_ml", "more than 0"),
    "glossary-missing-definition": ("glossary.yml", "[1].definition", "add 'definition:'"),
    "profile-id-not-file-name": ("takehome/zz-broken.yml", "id", "rename the file to zz-other.yml"),
    "profile-less-stable-above-max": ("takehome/zz-broken.yml", "limits[1].less_stable_max_days", "use at most 28"),
    "profile-early-methadone-above-limit": ("takehome/zz-broken.yml", "early_methadone.max_days", "use at most 7"),
    "settings-wrong-type": ("settings.yml", "contacts", "write each contact"),
    "job-aid-wrong-type": ("job-aids/broken.yml", "blocks[0].items", "write it as a list"),
    "hazards-wrong-type": ("hazards.yml", "[0].controls", "list each control"),
    "sources-wrong-type": ("sources.yml", "[1].short", "write it as text"),
}


def test_every_declared_data_set_has_a_broken_fixture():
    """A calculator that declares a new data set must come with a fixture that breaks it."""
    from calculators import data_sets

    named = {file for file, _, _ in BROKEN.values()}
    for data_set in data_sets().values():
        pattern = data_set.files
        assert any(Path(file).match(pattern) for file in named), f"no broken fixture for {pattern}"


@pytest.mark.parametrize("name", ["formulations-bad-step", "profile-unknown-field"])
def test_a_broken_data_set_fails_the_real_build_without_a_traceback(tmp_path, name):
    done = build_site(tmp_path / "site", env={"OAMT_CONTENT_DIR": str(with_fixture(tmp_path, name))})
    output = done.stdout + done.stderr
    file, field, fix = BROKEN[name]
    assert done.returncode != 0
    assert "Traceback" not in output, output
    assert f"{file}: field '{field}'" in output and fix in output, output
    # Only the data set's own problem: nothing that reads it complains as well.
    assert "settings.yml" not in output and "job-aids/" not in output, output


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_content_names_file_field_and_fix(tmp_path, name):
    file, field, fix = BROKEN[name]
    with pytest.raises(ContentError) as raised:
        content_model.load(with_fixture(tmp_path, name))
    message = str(raised.value)
    line = next((ln for ln in message.splitlines() if file in ln), "")
    assert line, f"the message does not name {file}:\n{message}"
    if field:
        assert f"{file}: field '{field}'" in line, line
    else:
        assert f"{file}: " in line and "field '" not in line, line
    assert "Fix: " in line and fix in line, line
    assert "Traceback" not in message


def test_every_fixture_has_an_expectation():
    assert sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) == sorted(BROKEN)


def test_a_broken_file_fails_the_real_build(tmp_path):
    done = build_site(tmp_path / "site", env={"OAMT_CONTENT_DIR": str(with_fixture(tmp_path, "unknown-source"))})
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "chapters/98-broken.md: field 'sources[0].id'" in output and "Fix:" in output


def test_all_problems_of_a_file_are_reported_together(tmp_path):
    target = with_fixture(tmp_path, "missing-field")
    text = (target / "chapters" / "98-broken.md").read_text().replace("2026-01-01", "someday")
    (target / "chapters" / "98-broken.md").write_text(text)
    with pytest.raises(ContentError) as raised:
        content_model.load(target)
    fields = {p.field for p in raised.value.problems if p.file.endswith("98-broken.md")}
    assert {"summary", "last_reviewed"} <= fields


def test_a_new_profile_file_appears_in_the_form_with_no_code_change(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(REPO / "content", target)
    profile = (REPO / "content" / "takehome" / "who-2009.yml").read_text(encoding="utf-8")
    profile = profile.replace("id: who-2009", "id: xx-national-2026").replace(
        'title: "WHO 2009: take-home doses for stable patients"', 'title: "Country X national guideline 2026"')
    (target / "takehome" / "xx-national-2026.yml").write_text(profile, encoding="utf-8")
    done = build_site(tmp_path / "site", env={"OAMT_CONTENT_DIR": str(target)})
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "site" / "calculators" / "takehome.html").read_text(encoding="utf-8")
    assert 'value="xx-national-2026"' in page and "Country X national guideline 2026" in page


def test_a_broken_profile_fails_the_build_naming_file_field_and_fix(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(REPO / "content", target)
    broken = (REPO / "content" / "takehome" / "who-2009.yml").read_text(encoding="utf-8")
    broken = broken.replace("id: who-2009", "id: broken-profile\nunexpected_field: 1")
    (target / "takehome" / "broken-profile.yml").write_text(broken, encoding="utf-8")
    done = build_site(tmp_path / "site", env={"OAMT_CONTENT_DIR": str(target)})
    output = done.stdout + done.stderr
    assert done.returncode != 0
    line = next(ln for ln in output.splitlines() if "broken-profile.yml" in ln)
    assert "unexpected_field" in line and "Fix:" in line, line


BROKEN_PROFILES = sorted((FIXTURES.parent / "broken-profiles").glob("*.yml"))


@pytest.mark.parametrize("profile", BROKEN_PROFILES, ids=lambda p: p.stem)
def test_every_broken_profile_fails_the_content_load_with_file_field_and_fix(tmp_path, profile):
    """The take-home profile fixtures run here too, through the same loader as the build."""
    target = tmp_path / "content"
    shutil.copytree(REPO / "content", target)
    shutil.copy(profile, target / "takehome" / f"zz-{profile.name}")
    with pytest.raises(ContentError) as raised:
        content_model.load(target)
    mine = [p for p in raised.value.problems if p.file.endswith(f"takehome/zz-{profile.name}")]
    assert mine and all(p.reason and p.fix for p in mine), raised.value


# ---------------------------------------------------------------- issue 13: nothing silent, no traceback


def _problems_of(tmp_path: Path, name: str) -> list[str]:
    with pytest.raises(ContentError) as raised:
        content_model.load(with_fixture(tmp_path, name))
    return [str(p) for p in raised.value.problems]


def test_a_file_that_is_not_utf8_names_the_byte_and_the_line(tmp_path):
    (line,) = _problems_of(tmp_path, "non-utf8-chapter")
    assert line.startswith("content/chapters/98-broken.md: is not UTF-8 text: byte 244 (0xe9, line 14, column 6)")


def test_a_key_given_twice_names_the_key_and_both_lines(tmp_path):
    (line,) = _problems_of(tmp_path / "a", "duplicate-key")
    assert "field 'title': 'title' is given twice, on lines 1 and 7" in line
    # In front matter the lines are the file's own, counting the opening '---'.
    (line,) = _problems_of(tmp_path / "b", "duplicate-key-front-matter")
    assert "field 'summary': 'summary' is given twice, on lines 3 and 8" in line


@pytest.mark.parametrize(("text", "problems"), [
    ("a: 1\nb:\n  - {c: 1, c: 2}\n", ["b[0].c: 'c' is given twice, on lines 3 and 3"]),
    ("a: 1\nb: [{x: 1}, {y: 1, z: 2, y: 3}]\n", ["b[1].y: 'y' is given twice, on lines 2 and 2"]),
    ("true: 1\nyes: 2\n", ["True: 'True' is given twice, on lines 1 and 2"]),          # the same key to YAML
    ("1: a\n'1': b\n", []),                                                             # a number and a text
    ("base: &b {x: 1}\nmore:\n  <<: *b\n  x: 2\n", []),                                 # a merge may be overridden
    ("a: &a [*a]\n", []),                                                               # a cycle is not a loop
])
def test_duplicate_keys_anywhere(text, problems):
    check = content_model.Checker("x.yml")
    ok, _ = content_model.parse_yaml(text, check)
    assert ok
    assert [f"{p.field}: {p.reason}"[:len(w)] for p, w in zip(check.problems, problems)] == problems
    assert len(check.problems) == len(problems)


@pytest.mark.parametrize("text", [
    "last_reviewed: 2026-02-30\n",      # a date that does not exist: PyYAML raises ValueError
    "a: [" * 5000 + "]" * 5000 + "\n",  # nested too deeply: RecursionError
    "a: !!python/object:os.system {}\n",
    "a: 1\n---\nb: 2\n",
    "a: b: c\n",
])
def test_yaml_that_cannot_be_read_is_a_problem_not_an_exception(text):
    check = content_model.Checker("x.yml")
    assert content_model.parse_yaml(text, check) == (False, None)
    assert len(check.problems) == 1 and check.problems[0].fix


def test_a_byte_order_mark_is_allowed(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(REPO / "content", target)
    chapter = target / "chapters" / "01-key-messages.md"
    chapter.write_bytes(b"\xef\xbb\xbf" + chapter.read_bytes())
    assert content_model.load(target).chapters[0].title


@pytest.mark.parametrize(("markup", "reason"), [
    ("[@WHO 2025 §Key messages]", "the source id has a space in it"),
    ("[@WHO-2025 §Key messages]", "'WHO-2025' is not a source id"),
    ("[@ §Key messages]", "the source id is missing"),
    ("[@]", "the source id is missing"),
    ("[@who-2025 §]", "there is a '§' but no section"),
    ("[@who-2025 Key messages]", "there is no '§' before the section"),
    ("[@who-2025, p. 12]", "it is not [@source-id]"),
    ("[@who-2025 §Key messages", "is not closed with ']'"),
])
def test_a_malformed_citation_is_reported_with_the_fix(markup, reason):
    index = content_model.SourceIndex(content_model.load_sources(REPO / "content" / "sources.yml", []))
    check = content_model.Checker("x.md")
    index.check_text(check, "body", f"Text {markup} more text.")
    assert len(check.problems) == 1, check.problems
    assert reason in check.problems[0].reason and "[@source-id §Section]" in check.problems[0].fix


def test_well_formed_citations_pass():
    index = content_model.SourceIndex(content_model.load_sources(REPO / "content" / "sources.yml", []))
    check = content_model.Checker("x.md")
    index.check_text(check, "body", "[@who-2025 §Key messages] and [@who-2025] and "
                                    "[@us-42cfr8-2024 §§8.12(i) Take-home doses].")
    assert check.problems == []


@pytest.mark.parametrize("folder", ["takehome", "job-aids"])
def test_an_empty_file_is_reported(tmp_path, folder):
    target = tmp_path / "content"
    shutil.copytree(REPO / "content", target)
    (target / folder / "zz-empty.yml").write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ContentError, match=rf"{folder}/zz-empty.yml: is empty\. Fix:"):
        content_model.load(target)


@pytest.mark.parametrize("name", ["non-utf8-chapter", "duplicate-key"])
def test_issue_13_mistakes_fail_the_real_build_without_a_traceback(tmp_path, name):
    done = build_site(tmp_path / "site", env={"OAMT_CONTENT_DIR": str(with_fixture(tmp_path, name))})
    output = done.stdout + done.stderr
    file, field, fix = BROKEN[name]
    assert done.returncode != 0
    assert "Traceback" not in output, output
    assert file in output and fix in output, output


@pytest.mark.parametrize("name", ["non-utf8-profile", "formulations-zero-step"])
def test_issue_13_mistakes_fail_the_command_line_without_a_traceback(tmp_path, name):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "sitebuild.calculate", "taper", "--start-dose-mg", "80"],
                          cwd=REPO, env={**os.environ, "OAMT_CONTENT_DIR": str(with_fixture(tmp_path, name))},
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    output = done.stdout + done.stderr
    file, _, fix = BROKEN[name]
    assert done.returncode != 0
    assert "Traceback" not in output, output
    assert file in output and fix in output, output


# Every field of every content file, one at a time, replaced by a value of the wrong type: the load reports
# problems (ContentError) or accepts the value, and never raises anything else.
WRONG_TYPES = (None, "", 0, -1, True, 1.5, "x", [], {}, ["x"], [None], {"x": 1})


def _field_paths(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """The path of the value, of every field in it, and of the first item of every list (every item at the
    top, so each entry of a list file is reached)."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _field_paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if i == 0 or not path:
                yield from _field_paths(item, (*path, i))


def _replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    value = copy.deepcopy(value)
    here = value
    for step in path[:-1]:
        here = here[step]
    here[path[-1]] = new
    return value


def test_wrong_types_in_any_content_field_give_problems_never_an_exception(tmp_path, monkeypatch):
    from sitebuild import reference_tables

    root = REPO / "content"
    # Parsed once: the loader under test sees the parsed data, so no time goes on reading YAML again.
    real_parse, parsed, target = content_model.parse_yaml, {}, {}

    def parse(text, check, line_offset=0, what="is not valid YAML"):
        if text == target.get("text"):
            return True, target["data"]
        if text not in parsed:
            parsed[text] = real_parse(text, check, line_offset, what)
        return parsed[text]

    real_table, tables = reference_tables.taper_table, {}

    def table(block, data):
        key = (repr(block), repr((data or {}).get("formulations")))
        if key not in tables:
            tables[key] = real_table(block, data)
        return tables[key]

    monkeypatch.setattr(content_model, "parse_yaml", parse)
    monkeypatch.setattr(reference_tables, "taper_table", table)
    files = sorted(p for p in root.rglob("*.yml")) + sorted((root / "chapters").glob("*.md"))[:3] + sorted(
        (root / "calculators").glob("*.md"))
    failures, turn = [], 0
    for path in files:
        rel = path.relative_to(root)
        # The file with what every load needs (sources and the calculators' data sets), not the whole handbook.
        folder = tmp_path / rel.as_posix().replace("/", "_") / "content"
        for needed in ("sources.yml", "formulations.yml", "takehome"):
            copy_ = shutil.copytree if (root / needed).is_dir() else shutil.copy
            (folder / needed).parent.mkdir(parents=True, exist_ok=True)
            if not (folder / needed).exists():
                copy_(root / needed, folder / needed)
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / rel)
        text = path.read_text(encoding="utf-8")
        text = content_model.split_front_matter(text)[0] if path.suffix == ".md" else text
        base = real_parse(text, content_model.Checker(str(rel)))[1]
        for field_path in _field_paths(base):
            # Wrong types in turn, so that every type meets every kind of field: three for each field at the top
            # of a file or entry, one deeper down (kept under ~15 s; a full run of every type took five minutes).
            count = 3 if len(field_path) <= 2 else 1
            for new in [WRONG_TYPES[(turn + 4 * j) % len(WRONG_TYPES)] for j in range(count)]:
                target.update(text=text, data=_replaced(base, field_path, new))
                try:
                    content_model.load(folder)
                except ContentError:
                    pass
                except Exception as e:  # noqa: BLE001 - the point of the test
                    failures.append(f"{rel} {field_path} = {new!r}: {type(e).__name__}: {e}")
            turn += 1
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize(("name", "where", "fix"), [
    ("less-stable-above-max", "limits[0].less_stable_max_days", "use at most 7"),
    ("programme-max-days-unused", "asks", "remove programme_max_days from 'asks'"),
    ("less-stable-unused", "asks", "remove less_stable_but_safe from 'asks'"),
])
def test_contradictory_profile_limits(name, where, fix):
    import yaml

    from calculators.profiles import validate_profile

    profile = yaml.safe_load((FIXTURES.parent / "broken-profiles" / f"{name}.yml").read_text(encoding="utf-8"))
    problems = validate_profile(profile)
    assert [(w, fix in f) for w, _, f in problems] == [(where, True)], problems


def test_the_less_stable_tier_may_exceed_none_but_not_the_most_a_stable_patient_gets():
    """max_days 0 with a 'less stable' allowance is the tier relaxing time in treatment (us-covid-2020); it may
    not give more than any range of the medicine gives a stable patient."""
    import yaml

    from calculators.profiles import validate_profile

    profile = yaml.safe_load((REPO / "content" / "takehome" / "us-covid-2020.yml").read_text(encoding="utf-8"))
    assert validate_profile(profile) == []
    profile["limits"][0]["less_stable_max_days"] = 35
    assert [w for w, _, _ in validate_profile(profile)] == ["limits[0].less_stable_max_days"]
