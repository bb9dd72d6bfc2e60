"""Local settings (content/settings.yml): a programme's name, contacts, naloxone,
protocols and formulations reach the home page, the footer, printed pages and the
calculators; a bad settings file fails the build with the field and the fix."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

from calculators import CALCULATORS
from sitebuild import content as content_model
from sitebuild.settings import Settings

from .conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "local-settings" / "settings.yml"


def page(site: Path, rel: str) -> str:
    return html.unescape((site / rel).read_text(encoding="utf-8"))


def test_the_shipped_settings_are_valid_and_say_no_programme_is_set(site_dir):
    settings = content_model.load().settings
    assert not settings.configured
    home = page(site_dir, "index.html")
    assert "No local settings in this copy" in home and 'href="hosting.html"' in home
    assert "programme-print" not in home and "handbook-footer__programme" not in home


def test_every_setting_in_the_example_is_documented():
    """The hosting page's table and the shipped file's comments name every setting."""
    from sitebuild.settings import FIELDS

    hosting = (REPO / "docs" / "hosting.md").read_text(encoding="utf-8")
    shipped = (REPO / "content" / "settings.yml").read_text(encoding="utf-8")
    for name in FIELDS:
        assert f"`{name}`" in hosting and f"{name}:" in shipped, name
    assert set(yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))) == set(FIELDS)


def test_the_home_page_shows_the_programme(settings_site_dir):
    home = page(settings_site_dir, "index.html")
    box = home.split('class="programme-box"', 1)[1].split("</div>", 1)[0]
    assert "Harbour City OAMT service" in box
    assert 'href="tel:+442079460000"' in box and "Clinic (weekdays 8-16)" in box and "+44 20 7946 0999" in box
    assert "Free kits at the clinic desk" in box and "bibliography.html#who-2025" in box
    assert 'href="https://example.org/take-home-policy.pdf"' in box
    assert "No local settings" not in home


@pytest.mark.parametrize("rel", ["index.html", "handbook/12-assisted-withdrawal.html", "job-aids/high-risk-clients.html",
                                 "calculators/taper.html"])
def test_every_page_carries_the_programme_in_the_footer_and_for_print(settings_site_dir, rel):
    text = page(settings_site_dir, rel)
    line = "Harbour City OAMT service · Clinic (weekdays 8-16): +44 20 7946 0000; Out of hours: +44 20 7946 0999"
    assert re.search(r'<p class="programme-print">\s*' + re.escape(line), text), rel
    assert re.search(r'<p class="handbook-footer__programme">\s*' + re.escape(line), text), rel
    assert 'data-updates="the clinic intranet, page OAMT handbook"' in text


def test_the_forms_open_with_the_programmes_profile_and_offer_its_formulations(settings_site_dir):
    taper = page(settings_site_dir, "calculators/taper.html")
    select = taper.split('name="formulation"', 1)[1].split("</select>", 1)[0]
    offered = re.findall(r'<option value="([^"]*)"', select)
    assert [o for o in offered if o] == ["methadone-tablets-5", "methadone-oral-solution-1", "buprenorphine-2-8"]
    form = taper.split('<form class="calc-form"', 1)[1].split(">", 1)[0]
    assert 'data-programme="Harbour City OAMT service"' in form and 'data-contacts="Clinic' in form
    assert 'data-naloxone="Free kits at the clinic desk and at the Harbour Street pharmacy."' in form
    takehome = page(settings_site_dir, "calculators/takehome.html")
    assert re.search(r'<option value="uk-nice-2007"[^>]*selected', takehome)


def test_the_site_data_make_the_first_listed_formulation_usual():
    settings = Settings(formulations_in_use=("methadone-tablets-5", "methadone-oral-solution-1", "buprenorphine-2-8"))
    data = settings.apply_to(content_model.calculator_data())
    ids = [f["id"] for f in data["formulations"]]
    assert ids == ["methadone-tablets-5", "methadone-oral-solution-1", "buprenorphine-2-8"]
    assert [f["id"] for f in data["formulations"] if f.get("default")] == ["methadone-tablets-5", "buprenorphine-2-8"]


def test_a_medicine_not_listed_keeps_every_formulation():
    data = Settings(formulations_in_use=("methadone-tablets-5",)).apply_to(content_model.calculator_data())
    medicines = [f["medicine"] for f in data["formulations"]]
    assert medicines.count("methadone") == 1 and medicines.count("buprenorphine") >= 3


def test_printed_sheets_carry_the_programme_and_the_patient_handout_its_numbers():
    from calculators import taper

    result = taper.run({"medicine": "methadone", "start_dose_mg": "40", "mode": "proportional", "percent": "20",
                        "stop_dose_mg": "5"})["result"]
    ctx = {"programme": "Harbour City OAMT service", "contacts": "Clinic: +44 20 7946 0000",
           "naloxone": "Free kits at the clinic desk.", "version": "1", "built": "2026-11-23", "today": "2026-11-23"}
    out = CALCULATORS["taper"].view(result, ctx)["html"]
    clinician, patient = out.split('data-sheet="patient"', 1)
    assert '<p class="calc-programme">Harbour City OAMT service, Clinic: +44 20 7946 0000</p>' in clinician
    assert "Harbour City OAMT service" in patient and "Clinic: +44 20 7946 0000" in patient
    assert "Free kits at the clinic desk." in patient and "______" not in patient.split("Clinic contact")[1]
    bare = CALCULATORS["taper"].view(result, {})["html"]
    assert "calc-programme" not in bare and "Clinic contact: ____" in bare


def test_settings_problems_name_the_field_and_the_fix(tmp_path):
    import shutil

    target = tmp_path / "content"
    shutil.copytree(REPO / "content", target)
    (target / "settings.yml").write_text(
        "programme_name: x\nteam: y\ntakehome_profile: nowhere\n"
        "local_protocols:\n  - title: A\n    url: ftp://example.org/a\n", encoding="utf-8")
    with pytest.raises(content_model.ContentError) as raised:
        content_model.load(target)
    fields = {p.field: p for p in raised.value.problems if p.file.endswith("settings.yml")}
    assert set(fields) == {"team", "takehome_profile", "local_protocols[0].url"}
    assert "uk-nice-2007" in fields["takehome_profile"].fix


@pytest.mark.parametrize("value", [5, True, 1.5, {"x": 1}, ["x"], [None], [{"x": 1}]])
def test_a_setting_of_the_wrong_type_is_a_problem_naming_it_never_an_exception(value):
    from sitebuild.settings import FIELDS

    data = content_model.calculator_data()
    index = content_model.SourceIndex(content_model.load_sources(REPO / "content" / "sources.yml", []))
    for name in FIELDS:
        check = content_model.Checker("content/settings.yml")
        content_model.local_settings.read({name: value}, check, index, data)
        assert check.problems, (name, value)
        assert all(p.field.startswith(name) and p.fix for p in check.problems), (name, value, check.problems)
    check = content_model.Checker("content/settings.yml")
    content_model.local_settings.read(value, check, index, data)
    assert [p.field for p in check.problems] == (["x"] if isinstance(value, dict) else ["(top level)"])


# ---------------------------------------------------------------- clinical sign-off (issue #14)

SIGNOFF = {"name": "Dr A. Mensah", "role": "Clinical lead, Harbour City OAMT service", "date": "2026-11-20",
           "handbook_version": "v2026.1"}


def _signoff_problems(value, today=None):
    import datetime as dt

    from types import SimpleNamespace

    # Only the sign-off is read: no naloxone text to check, no data sets to check against.
    index = SimpleNamespace(check_text=lambda *args: None)
    check = content_model.Checker("content/settings.yml")
    settings = content_model.local_settings.read({"clinical_signoff": value}, check, index, {},
                                                 today=today or dt.date(2026, 11, 30))
    return settings.clinical_signoff, {p.field: p for p in check.problems}


def test_a_complete_signoff_is_read_and_covers_only_its_own_version():
    import datetime as dt

    signoff, problems = _signoff_problems(dict(SIGNOFF, date=dt.date(2026, 11, 20)))
    assert problems == {}
    assert signoff.name == "Dr A. Mensah" and signoff.date == dt.date(2026, 11, 20)
    assert signoff.covers("v2026.1") and not signoff.covers("v2026.2") and not signoff.covers("0.1.0+1a2b3c4")


@pytest.mark.parametrize("empty", [None, {}])
def test_no_signoff_is_not_a_problem(empty):
    assert _signoff_problems(empty) == (None, {})


@pytest.mark.parametrize("date", ["2026-02-30", "20/11/2026", "last week", 20261120])
def test_a_signoff_date_that_is_not_a_day_names_the_field_and_the_format(date):
    signoff, problems = _signoff_problems(dict(SIGNOFF, date=date))
    assert signoff is None and set(problems) == {"clinical_signoff.date"}
    assert "not a date" in problems["clinical_signoff.date"].reason
    assert "YYYY-MM-DD" in problems["clinical_signoff.date"].fix


def test_a_signoff_dated_in_the_future_is_refused():
    signoff, problems = _signoff_problems(dict(SIGNOFF, date="2026-12-01"))
    assert signoff is None and set(problems) == {"clinical_signoff.date"}
    assert "in the future" in problems["clinical_signoff.date"].reason


@pytest.mark.parametrize("missing", ["name", "role", "date", "handbook_version"])
def test_a_signoff_missing_a_field_names_it(missing):
    value = {k: v for k, v in SIGNOFF.items() if k != missing}
    signoff, problems = _signoff_problems(value)
    assert signoff is None and set(problems) == {f"clinical_signoff.{missing}"}
    assert "missing" in problems[f"clinical_signoff.{missing}"].reason


def test_a_signoff_with_an_empty_name_is_missing_its_name():
    signoff, problems = _signoff_problems(dict(SIGNOFF, name=""))
    assert signoff is None and set(problems) == {"clinical_signoff.name"}


def test_an_unknown_signoff_field_is_named_with_the_known_ones():
    signoff, problems = _signoff_problems(dict(SIGNOFF, signed_by="someone"))
    assert signoff is None and set(problems) == {"clinical_signoff.signed_by"}
    assert "name, role, date, handbook_version" in problems["clinical_signoff.signed_by"].fix


@pytest.mark.parametrize("version", [2026.1, 3, "0.1.0 plus changes", "-x"])
def test_a_signoff_version_must_be_quoted_text_as_the_footer_shows_it(version):
    signoff, problems = _signoff_problems(dict(SIGNOFF, handbook_version=version))
    assert signoff is None and set(problems) == {"clinical_signoff.handbook_version"}
    assert "footer" in problems["clinical_signoff.handbook_version"].fix or \
        "quotes" in problems["clinical_signoff.handbook_version"].fix


def test_a_signoff_problem_stops_the_build_naming_the_file(tmp_path):
    import shutil

    target = tmp_path / "content"
    shutil.copytree(REPO / "content", target)
    (target / "settings.yml").write_text(
        "clinical_signoff:\n  name: Dr A. Mensah\n  role: Lead\n  date: 2999-01-01\n  handbook_version: '1'\n",
        encoding="utf-8")
    with pytest.raises(content_model.ContentError) as raised:
        content_model.load(target)
    fields = {p.field for p in raised.value.problems if p.file.endswith("settings.yml")}
    assert fields == {"clinical_signoff.date"}


def _notice(signoff, version: str, page: str = "calculators/taper.md") -> str:
    import datetime as dt

    from sitebuild import pages
    from sitebuild.settings import ClinicalSignoff

    from types import SimpleNamespace

    if signoff:
        signoff = ClinicalSignoff(name=signoff["name"], role=signoff["role"],
                                  date=dt.date.fromisoformat(signoff["date"]),
                                  handbook_version=signoff["handbook_version"])
    # The notice needs the settings only: no whole content load.
    content = SimpleNamespace(settings=Settings(clinical_signoff=signoff))
    info = pages.BuildInfo(version=version, built=dt.date(2026, 11, 30), pyodide_version="0")
    return str(pages.Renderer(content, info).signoff_notice(page))


def test_the_notice_says_plainly_whether_this_version_was_reviewed_and_by_whom():
    absent = _notice(None, "v2026.1")
    assert 'data-signoff="absent"' in absent
    assert "This copy has not been reviewed by a local clinical lead." in absent
    assert 'href="../hosting.html#clinical-review"' in absent
    reviewed = _notice(SIGNOFF, "v2026.1")
    assert 'data-signoff="reviewed"' in reviewed and "not been reviewed" not in reviewed
    assert ("Reviewed for local use by Dr A. Mensah (Clinical lead, Harbour City OAMT service) on 2026-11-20, "
            "for handbook version v2026.1.") in reviewed
    stale = _notice(SIGNOFF, "v2026.2")
    assert 'data-signoff="stale"' in stale
    assert "This version (v2026.2) has not been reviewed by a local clinical lead." in stale
    assert "was for an older version (v2026.1)" in stale and "Dr A. Mensah" in stale


def test_the_reviewers_name_is_text_never_markup():
    notice = _notice(dict(SIGNOFF, name='<img src=x onerror="alert(1)">'), "v2026.1")
    assert "<img" not in notice and "&lt;img" in notice


def test_a_source_may_record_when_it_was_last_checked(tmp_path):
    import datetime as dt

    sources = content_model.load_sources(REPO / "content" / "sources.yml", [])
    by_id = {s.id: s for s in sources}
    assert by_id["nice-ta114-2007"].checked == dt.date(2026, 11, 30)
    assert by_id["who-2009"].checked is None       # not re-checked: the bibliography says so
    assert all(s.checked is None for s in sources if s.stored)
    bad = tmp_path / "sources.yml"
    base = "- id: x-2020\n  short: X\n  title: T\n  published: P\n  licence: L\n  url: https://example.org/\n"
    for value, reason in (("2026-02-30", "not a date"), ("2999-01-01", "in the future")):
        bad.write_text(base + f"  checked: \"{value}\"\n", encoding="utf-8")
        problems: list = []
        content_model.load_sources(bad, problems)
        assert [p.field for p in problems] == ["[0].checked"] and reason in problems[0].reason
    bad.write_text(base + "  stored: 000_5429d6044b1902dc.txt\n  checked: 2026-11-30\n", encoding="utf-8")
    problems = []
    content_model.load_sources(bad, problems)
    assert [p.field for p in problems] == ["[0].checked"]
