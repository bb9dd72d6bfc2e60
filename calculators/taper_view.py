"""The taper's result on the page, the clinician sheet and the patient handout."""

from __future__ import annotations

from typing import Any, Mapping

from .fields import date_text, number_text, plural
from .medicines import MEDICINES
from .messages import marked, tr
from .report import (actions_html, patient_line, basis_html, csv_text, e, echo_pairs, grouped_warnings_html,
                     inputs_html, key_result_html, provenance_html, release, table)


# The patient handout names the medicine in whole sentences (a name inside a sentence changes its form in some
# languages): one set of sentences per medicine.
HANDOUT = {
    "methadone": {
        "title": marked("Your methadone plan"),
        "intro": marked("Your dose of methadone will go down step by step, as agreed with your clinic. Take the dose for "
                        "each day as written. Tick the last column when you have taken it."),
        "from_date": marked("From {date} you will not take methadone."),
        "from_day": marked("From day {day} you will not take methadone."),
    },
    "buprenorphine": {
        "title": marked("Your buprenorphine plan"),
        "intro": marked("Your dose of buprenorphine will go down step by step, as agreed with your clinic. Take the dose "
                        "for each day as written. Tick the last column when you have taken it."),
        "from_date": marked("From {date} you will not take buprenorphine."),
        "from_day": marked("From day {day} you will not take buprenorphine."),
    },
}
# The column left out of the paper schedule when it is printed in two halves.
CHANGE_COLUMN = marked("Change (mg)")


def _medicine_label(medicine: str) -> str:
    """The medicine's name as it starts a sentence, in the reader's language: 'Methadone'."""
    return tr(next((c.label for c in MEDICINES if c.value == medicine), medicine.capitalize()))


def _last_dose_text(result: Mapping[str, Any]) -> str:
    """'40 mg on day 12' (with its date when the schedule has dates)."""
    dates = [d.get("date") for d in result["schedule"] if d.get("date")]
    dose, day = number_text(result["last_dose_mg"]), number_text(result["days"])
    if dates:
        return tr("{dose} mg on day {day}, {date}", dose=dose, day=day, date=date_text(dates[-1]))
    return tr("{dose} mg on day {day}", dose=dose, day=day)


def key_result(result: Mapping[str, Any]) -> str:
    """The answer first: how many days, how much in all, the last dose and when the medicine ends."""
    days, cessation = result["days"], result.get("cessation_day")
    facts = [(tr("Days of dosing"), plural(days, "days")), (tr("Total"), f"{number_text(result['total_mg'])} mg")]
    if cessation is None:
        facts.append((tr("Dose"), tr("{dose} mg a day, held throughout",
                                     dose=number_text(result["schedule"][-1]["dose_mg"]))
                      if result.get("schedule") else tr("held throughout")))
        sentence = e(tr("The current dose is held to the resupply day; no taper is needed."))
    else:
        facts.append((tr("Last dose"), _last_dose_text(result)))
        first_free = (tr("day {day}, {date}", day=number_text(cessation), date=date_text(result["cessation_date"]))
                      if result.get("cessation_date") else tr("day {day}", day=number_text(cessation)))
        facts.append((tr("First day without medicine"), first_free))
        sentence = e(tr("{medicine} from {start} mg on day 1 down to {last}.", medicine=_medicine_label(result["medicine"]),
                        start=number_text(result["schedule"][0]["dose_mg"]), last=_last_dose_text(result)))
    if result.get("stock_headline"):
        sentence = f"{e(result['stock_headline'])} {sentence}"
    level = "danger" if any(w.get("level") == "danger" and not w.get("standing") for w in result["warnings"]) else ""
    return key_result_html(tr("Taper schedule: the answer"), facts, sentence, level)


def two_column_schedule(columns: list[str], rows: list[list[Any]]) -> str:
    """The schedule for paper: the days in two side-by-side halves when they are many, so that 30 days and more
    fit one page with the inputs, the warnings and the signature lines."""
    if len(rows) <= 16:
        return table(columns, rows, caption=tr("Day-by-day schedule"), css="calc-schedule-paper calc-schedule-print")
    # On paper the change from the day before is left out (the screen and the CSV have it): room for the dose
    # and how to give it, side by side.
    keep = [i for i, c in enumerate(columns) if c != tr(CHANGE_COLUMN)]
    columns, rows = [columns[i] for i in keep], [[row[i] for i in keep] for row in rows]
    half = (len(rows) + 1) // 2
    pairs = [left + [""] + (rows[i + half] if i + half < len(rows) else [""] * len(columns))
             for i, left in enumerate(rows[:half])]
    return table(columns + [""] + columns, pairs, caption=tr("Day-by-day schedule (two columns of days)"),
                 css="calc-schedule-paper calc-schedule-print calc-schedule-two")


def taper(result: Mapping[str, Any], ctx: Mapping[str, Any]) -> dict[str, Any]:
    bib = ctx.get("bibliography_url", "bibliography.html")
    has_date = any("date" in d for d in result["schedule"])
    has_measure = any("measure" in d for d in result["schedule"])
    columns = [tr("Day")] + ([tr("Date")] if has_date else []) + [tr("Dose (mg)"), tr(CHANGE_COLUMN)] + (
        [tr("How to give it")] if has_measure else [])
    rows = []
    for d in result["schedule"]:
        row = [d["day"]] + ([d.get("date", "")] if has_date else []) + [d["dose_mg"], d.get("change_mg", "")]
        if has_measure:
            m = d.get("measure", "")
            row.append(m.get("text", "") if isinstance(m, Mapping) else m)
        rows.append(row)
    cessation = result.get("cessation_day")
    days, total = plural(result["days"], "days"), number_text(result["total_mg"])
    summary = e(tr("{days}, {total} mg in total; first day without medicine: day {day}.", days=days, total=total,
                   day=number_text(cessation)) if cessation is not None
                else tr("{days}, {total} mg in total; the current dose is held throughout; no taper is needed.",
                        days=days, total=total))
    if result.get("stock_headline"):
        summary = f"{e(result['stock_headline'])} {summary}"
    formulation = result.get("formulation")
    inputs = echo_pairs(result["echo"])
    read = {item["name"] for item in result["echo"]}
    if "formulation" not in read and isinstance(formulation, Mapping):
        inputs.insert(1, (tr("Formulation"), tr(formulation.get("label", ""))))
    if result.get("percent") is not None and "percent" not in read:
        inputs.append((tr("Reduction per step, worked out"), f"{number_text(result['percent'])} %"))
    if "step_mg" not in read:
        inputs.append((tr("Rounding step"), tr("{step} mg (the formulation's)", step=number_text(result["step_mg"]))))
    arithmetic = "".join(f"<li>{e(line)}</li>" for line in result.get("arithmetic", []))
    csv_body = csv_text(columns, rows)
    downloads = [{"filename": "taper-schedule.csv", "mime": "text/csv", "text": csv_body, "label": "CSV"}]
    html = (
        f"{key_result(result)}"
        f'<section class="calc-sheet" data-sheet="clinician" aria-label="{e(tr("Taper schedule"))}">'
        f'<div class="calc-sheet-head calc-print-only"><h2 class="calc-sheet-title">{e(tr("Taper schedule"))}</h2>'
        f"{patient_line()}</div>"
        f'<p class="calc-summary calc-print-only">{summary}</p>'
        f"{grouped_warnings_html(result['warnings'], bib, tr('Always with a taper'))}"
        f"{inputs_html(inputs)}"
        f"{table(columns, rows, caption=tr('Day-by-day schedule'), css='calc-schedule calc-schedule-screen')}"
        f"{two_column_schedule(columns, rows)}"
        + (f'<h3 class="calc-detail">{e(tr("How the doses were worked out"))}</h3>'
           f'<p class="calc-method calc-detail">{e(result["method"])}</p>' if result.get("method") else "")
        + f'<h3 class="calc-detail">{e(tr("Check the first steps by hand"))}</h3>'
        f'<ol class="calc-arithmetic calc-detail">{arithmetic}</ol>'
        f'<div class="calc-detail">{basis_html(result["basis"], bib)}</div>'
        f"{provenance_html(ctx, who=tr('Prescriber'))}"
        "</section>"
        f"{patient_handout(result, rows, has_date, ctx)}"
        f"{actions_html(downloads, [('clinician', tr('clinician sheet')), ('patient', tr('patient handout'))])}")
    return {"html": html, "downloads": [{k: v for k, v in d.items() if k != 'label'} for d in downloads]}


def patient_handout(result: Mapping[str, Any], rows: list[list[Any]], has_date: bool,
                    ctx: Mapping[str, Any]) -> str:
    """The same schedule in plain words for the patient: printed only (hidden on screen). The clinic's
    name, numbers and where to get naloxone come from the programme's local settings, when set."""
    said = HANDOUT[result["medicine"]]
    days = "".join(
        f"<tr><td>{e(date_text(row[1]) if has_date else tr('Day {day}', day=str(row[0])))}</td>"
        f"<td>{e(number_text(row[2 if has_date else 1]))} mg</td>"
        f"<td></td></tr>" for row in rows)
    if result.get("cessation_date"):
        after = f"<p>{e(tr(said['from_date'], date=date_text(result['cessation_date'])))}</p>"
    elif result.get("cessation_day") is not None:
        after = f"<p>{e(tr(said['from_day'], day=result['cessation_day']))}</p>"
    else:
        after = ""
    advice = (
        f"<h3>{e(tr('What to expect'))}</h3>"
        "<p>" + e(tr("You may feel some withdrawal: aches, sweating, runny nose, upset stomach, trouble sleeping, "
                     "feeling anxious. Tell the clinic if it is hard to bear: the plan can be slowed or paused."))
        + f"</p><h3>{e(tr('Get help at once if'))}</h3>"
        "<ul><li>" + e(tr("someone is very sleepy, cannot be woken, or breathes slowly or not at all: use naloxone "
                          "if you have it and call for emergency help;"))
        + "</li><li>" + e(tr("you feel you cannot cope, or you start using other drugs or alcohol to get through."))
        + f"</li></ul><h3>{e(tr('Your body loses its tolerance'))}</h3>"
        "<p>" + e(tr("After the doses go down, even your old dose, or a usual amount of another opioid, can stop your "
                     "breathing. Do not go back to your old dose. Keep naloxone at home and show the people you live "
                     "with how to use it. If you want to restart treatment, the clinic will start you on a low dose."))
        + "</p>")
    return (
        f'<section class="calc-sheet calc-handout" data-sheet="patient" aria-label="{e(tr("Patient handout"))}">'
        + (f'<p class="calc-programme">{e(ctx["programme"])}</p>' if ctx.get("programme") else "")
        + f"<h2>{e(tr(said['title']))}</h2>"
        f"<p>{e(tr(said['intro']))}</p>"
        f'<table class="calc-table"><thead><tr><th scope="col">{e(tr("Date") if has_date else tr("Day"))}</th>'
        f'<th scope="col">{e(tr("Dose"))}</th><th scope="col">{e(tr("Taken"))}</th></tr></thead>'
        f"<tbody>{days}</tbody></table>"
        f"{after}"
        f"{advice}"
        + (f"<p><strong>{e(tr('Where to get naloxone:'))}</strong> {e(ctx['naloxone'])}</p>"
           if ctx.get("naloxone") else "")
        + (f'<p class="calc-signature"><strong>{e(tr("Clinic contact:"))}</strong> {e(ctx["contacts"])}</p>'
           if ctx.get("contacts") else
           f'<p class="calc-signature">{e(tr("Clinic contact:"))} ______________________________</p>')
        + f'<p class="calc-footer">{e(tr("OAMT handbook {version}", version=release(ctx.get("version", ""))))}</p>'
        + "</section>")
