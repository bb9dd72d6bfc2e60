"""The content model: the real content is valid and complete, and each kind of
broken content fails the build with the file, the field and the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

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
        assert all(source_id in ids for source_id, _ in cited), chapter.file


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
    # One for each data set a calculator declares (calculators.data_sets()).
    "formulations-bad-step": ("formulations.yml", "[2].step_mg", "write it quoted"),
    "formulations-unknown-source": ("formulations.yml", "[2].source", "use one of the ids in content/sources.yml"),
    "profile-unknown-field": ("takehome/zz-broken.yml", "review_every", "remove it or correct its spelling"),
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
    assert f"field '{field}'" in line, line
    assert "Fix: " in line and fix in line, line


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
