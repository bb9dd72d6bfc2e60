"""Printed taper reference tables: computed at build time by the taper calculator,
so the paper table and the on-screen calculator give the same doses."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest

from calculators import taper
from sitebuild import content as content_model
from sitebuild.reference_tables import taper_table




@pytest.fixture(scope="module")
def content():
    return content_model.load()


def taper_blocks(content):
    return [(aid, block) for aid in content.job_aids for block in aid.blocks if block.kind == "taper_table"]


def test_the_trainers_tables_cover_the_who_durations(content):
    tables = {(b.taper.medicine, b.taper.target_days): b.taper for _, b in taper_blocks(content)}
    methadone, buprenorphine = tables[("methadone", 10)], tables[("buprenorphine", 5)]
    assert [r.start_mg for r in methadone.rows] == [str(d) for d in range(20, 121, 10)]
    assert [r.start_mg for r in buprenorphine.rows][0] == "2" and buprenorphine.rows[-1].start_mg == "24"


def test_every_row_is_what_the_calculator_gives_for_that_dose(content):
    for aid, block in taper_blocks(content):
        t = block.taper
        for row in t.rows:
            outcome = taper.run({"medicine": t.medicine, "formulation": t.formulation, "mode": "target_days",
                                 "start_dose_mg": row.start_mg, "target_days": t.target_days,
                                 "stop_dose_mg": t.stop_dose_mg}, content.calculator_data)
            assert outcome["ok"], (aid.file, row.start_mg, outcome["errors"])
            doses = [d["dose_mg"] for d in outcome["result"]["schedule"]]
            assert list(row.doses_mg) == doses, (aid.file, row.start_mg)
            assert Decimal(row.total_mg) == sum(Decimal(d) for d in doses)
            assert Decimal(doses[-1]) <= Decimal(t.stop_dose_mg)
            # The rounded curve never rises; a dose may be held while the curve stays on it (issue 12).
            assert all(Decimal(b) <= Decimal(a) for a, b in zip([row.start_mg, *doses], doses))
            assert Decimal(doses[0]) < Decimal(row.start_mg)


def test_rows_are_padded_and_say_when_rounding_changes_the_length():
    data = content_model.calculator_data()
    table, problems = taper_table({"medicine": "buprenorphine", "formulation": "buprenorphine-sublingual",
                                   "start_doses_mg": ["2", "16"], "target_days": 5, "stop_dose_mg": "0.4"}, data)
    assert not problems
    assert table.columns[-1] == "Total (mg)" and len(table.columns) == 2 + 5 + 1
    short = next(r for r in table.rows if r.start_mg == "2")
    assert len(short.doses_mg) == 4 and table.cells[0][-2] == "–"
    assert table.off_target == (("2", 4),)


def test_a_binary_float_dose_is_refused():
    _, problems = taper_table({"medicine": "methadone", "start_doses_mg": [40.5], "target_days": 10,
                               "stop_dose_mg": "2"}, content_model.calculator_data())
    assert problems and problems[0][0] == "start_doses_mg[0]" and "quote" in problems[0][2]


def test_a_setting_no_row_can_use_is_reported_once_on_that_setting():
    _, problems = taper_table({"medicine": "methadone", "start_doses_mg": ["40", "60", "80"], "target_days": 2,
                               "stop_dose_mg": "2"}, content_model.calculator_data())
    assert [p[0] for p in problems] == ["target_days"]


def test_the_built_page_prints_every_row(site_dir, content):
    for aid, block in taper_blocks(content):
        page = html.unescape((site_dir / "job-aids" / f"{aid.slug}.html").read_text(encoding="utf-8"))
        page = re.sub(r">\s+<", "><", page)
        for row in block.rows:
            cells = re.escape("</td><td>".join(row[1:]))
            assert re.search(rf'<th scope="row">{re.escape(row[0])}</th><td>{cells}</td>', page), (aid.slug, row)
        assert "rounded to the nearest" in page and "Assisted withdrawal management" in page
