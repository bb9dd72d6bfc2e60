"""A programme's copy (tests/fixtures/local-settings): its name and numbers on printed
job aids and calculator sheets, and the taper using the formulation its clinics have."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest

from ..conftest import serving
from .support import fill_form, open_page, submit


def pdf_text(path) -> str:
    return " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


@pytest.fixture(scope="module")
def programme_url(settings_site_dir):
    with serving(settings_site_dir) as url:
        yield url


def test_a_printed_job_aid_names_the_programme_and_still_fits_one_page(browser, programme_url, tmp_path):
    context, page, watch = open_page(browser, programme_url + "job-aids/methadone-taper-table.html")
    pdf = tmp_path / "aid.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    context.close()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
    assert "Harbour City OAMT service · Clinic (weekdays 8-16): +44 20 7946 0000" in pdf_text(pdf)
    assert watch.offsite == []


def test_the_taper_uses_the_programmes_formulation_and_its_sheets_carry_its_numbers(browser, programme_url, tmp_path):
    context, page, watch = open_page(browser, programme_url + "calculators/taper.html")
    fill_form(page, "taper", {"medicine": "methadone", "start_dose_mg": "60", "percent": "25", "stop_dose_mg": "0"})
    submit(page, "taper")
    doses = page.locator(".calc-schedule tbody tr td:nth-child(2)").all_inner_texts()
    # Methadone 5 mg tablets are this programme's usual methadone: every dose is whole tablets.
    assert doses and all(Decimal(d) % 5 == 0 for d in doses), doses
    assert "5 mg tablets" in page.locator(".calc-result").inner_text()
    sheets = {}
    for sheet in ("clinician", "patient"):
        page.evaluate("s => document.body.dataset.printing = s", sheet)
        pdf = tmp_path / f"{sheet}.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        page.evaluate("() => delete document.body.dataset.printing")
        sheets[sheet] = pdf_text(pdf)
    context.close()
    assert "Harbour City OAMT service, Clinic (weekdays 8-16): +44 20 7946 0000" in sheets["clinician"]
    assert "Clinic contact: Clinic (weekdays 8-16): +44 20 7946 0000; Out of hours: +44 20 7946 0999" in sheets["patient"]
    assert "Where to get naloxone: Free kits at the clinic desk" in sheets["patient"]
    assert watch.offsite == [] and watch.page_errors == [] and watch.console_errors == []
