"""The taper's result on the page, the clinician sheet and the patient handout."""

from __future__ import annotations

from typing import Any, Mapping

from .fields import date_text, number_text, plural
from .report import (PATIENT_LINE, actions_html, basis_html, csv_text, e, echo_pairs, grouped_warnings_html,
                     inputs_html, key_result_html, provenance_html, release, table)


def _last_day_text(result: Mapping[str, Any]) -> str:
    days, dates = result["days"], [d.get("date") for d in result["schedule"] if d.get("date")]
    return f"day {number_text(days)}" + (f", {date_text(dates[-1])}" if dates else "")


def key_result(result: Mapping[str, Any]) -> str:
    """The answer first: how many days, how much in all, the last dose and when the medicine ends."""
    days, cessation = result["days"], result.get("cessation_day")
    facts = [("Days of dosing", plural(days, "days")), ("Total", f"{number_text(result['total_mg'])} mg")]
    if cessation is None:
        facts.append(("Dose", f"{number_text(result['schedule'][-1]['dose_mg'])} mg a day, held throughout"
                      if result.get("schedule") else "held throughout"))
        sentence = "The current dose is held to the resupply day; no taper is needed."
    else:
        facts.append(("Last dose", f"{number_text(result['last_dose_mg'])} mg on {_last_day_text(result)}"))
        first_free = f"day {number_text(cessation)}" + (
            f", {date_text(result['cessation_date'])}" if result.get("cessation_date") else "")
        facts.append(("First day without medicine", first_free))
        sentence = (f"{e(result['medicine']).capitalize()} from {e(number_text(result['schedule'][0]['dose_mg']))} mg "
                    f"on day 1 down to {e(number_text(result['last_dose_mg']))} mg on {e(_last_day_text(result))}.")
    if result.get("stock_headline"):
        sentence = f"{e(result['stock_headline'])} {sentence}"
    level = "danger" if any(w.get("level") == "danger" and not w.get("standing") for w in result["warnings"]) else ""
    return key_result_html("Taper schedule: the answer", facts, sentence, level)


def two_column_schedule(columns: list[str], rows: list[list[Any]]) -> str:
    """The schedule for paper: the days in two side-by-side halves when they are many, so that 30 days and more
    fit one page with the inputs, the warnings and the signature lines."""
    if len(rows) <= 16:
        return table(columns, rows, caption="Day-by-day schedule", css="calc-schedule-paper calc-schedule-print")
    # On paper the change from the day before is left out (the screen and the CSV have it): room for the dose
    # and how to give it, side by side.
    keep = [i for i, c in enumerate(columns) if c != "Change (mg)"]
    columns, rows = [columns[i] for i in keep], [[row[i] for i in keep] for row in rows]
    half = (len(rows) + 1) // 2
    pairs = [left + [""] + (rows[i + half] if i + half < len(rows) else [""] * len(columns))
             for i, left in enumerate(rows[:half])]
    return table(columns + [""] + columns, pairs, caption="Day-by-day schedule (two columns of days)",
                 css="calc-schedule-paper calc-schedule-print calc-schedule-two")


def taper(result: Mapping[str, Any], ctx: Mapping[str, Any]) -> dict[str, Any]:
    bib = ctx.get("bibliography_url", "bibliography.html")
    has_date = any("date" in d for d in result["schedule"])
    has_measure = any("measure" in d for d in result["schedule"])
    columns = ["Day"] + (["Date"] if has_date else []) + ["Dose (mg)", "Change (mg)"] + (
        ["How to give it"] if has_measure else [])
    rows = []
    for d in result["schedule"]:
        row = [d["day"]] + ([d.get("date", "")] if has_date else []) + [d["dose_mg"], d.get("change_mg", "")]
        if has_measure:
            m = d.get("measure", "")
            row.append(m.get("text", "") if isinstance(m, Mapping) else m)
        rows.append(row)
    cessation = result.get("cessation_day")
    end = (f"first day without medicine: day {e(number_text(cessation))}." if cessation is not None
           else "the current dose is held throughout; no taper is needed.")
    summary = f"{e(plural(result['days'], 'days'))}, {e(number_text(result['total_mg']))} mg in total; {end}"
    if result.get("stock_headline"):
        summary = f"{e(result['stock_headline'])} {summary}"
    formulation = result.get("formulation")
    inputs = echo_pairs(result["echo"])
    read = {item["name"] for item in result["echo"]}
    if "formulation" not in read and isinstance(formulation, Mapping):
        inputs.insert(1, ("Formulation", formulation.get("label", "")))
    if result.get("percent") is not None and "percent" not in read:
        inputs.append(("Reduction per step, worked out", f"{result['percent']} %"))
    if "step_mg" not in read:
        inputs.append(("Rounding step", f"{result['step_mg']} mg (the formulation's)"))
    arithmetic = "".join(f"<li>{e(line)}</li>" for line in result.get("arithmetic", []))
    csv_body = csv_text(columns, rows)
    downloads = [{"filename": "taper-schedule.csv", "mime": "text/csv", "text": csv_body, "label": "CSV"}]
    html = (
        f"{key_result(result)}"
        '<section class="calc-sheet" data-sheet="clinician" aria-label="Taper schedule">'
        '<div class="calc-sheet-head calc-print-only"><h2 class="calc-sheet-title">Taper schedule</h2>'
        f"{PATIENT_LINE}</div>"
        f'<p class="calc-summary calc-print-only">{summary}</p>'
        f"{grouped_warnings_html(result['warnings'], bib, 'Always with a taper')}"
        f"{inputs_html(inputs)}"
        f"{table(columns, rows, caption='Day-by-day schedule', css='calc-schedule calc-schedule-screen')}"
        f"{two_column_schedule(columns, rows)}"
        + (f'<h3 class="calc-detail">How the doses were worked out</h3><p class="calc-method calc-detail">'
           f'{e(result["method"])}</p>' if result.get("method") else "")
        + f'<h3 class="calc-detail">Check the first steps by hand</h3><ol class="calc-arithmetic calc-detail">'
        f"{arithmetic}</ol>"
        f'<div class="calc-detail">{basis_html(result["basis"], bib)}</div>'
        f"{provenance_html(ctx, who='Prescriber')}"
        "</section>"
        f"{patient_handout(result, rows, has_date, ctx)}"
        f"{actions_html(downloads, [('clinician', 'clinician sheet'), ('patient', 'patient handout')])}")
    return {"html": html, "downloads": [{k: v for k, v in d.items() if k != 'label'} for d in downloads]}


def patient_handout(result: Mapping[str, Any], rows: list[list[Any]], has_date: bool,
                    ctx: Mapping[str, Any]) -> str:
    """The same schedule in plain words for the patient: printed only (hidden on screen). The clinic's
    name, numbers and where to get naloxone come from the programme's local settings, when set."""
    medicine = e(result["medicine"])
    days = "".join(
        f"<tr><td>{e(date_text(row[1]) if has_date else 'Day ' + str(row[0]))}</td>"
        f"<td>{e(number_text(row[2 if has_date else 1]))} mg</td>"
        f"<td></td></tr>" for row in rows)
    cessation = date_text(result["cessation_date"]) if result.get("cessation_date") else (
        f"day {result['cessation_day']}" if result.get("cessation_day") is not None else "")
    after = (f"<p>From {e(cessation)} you will not take {medicine}.</p>" if cessation else "")
    return (
        '<section class="calc-sheet calc-handout" data-sheet="patient" aria-label="Patient handout">'
        + (f'<p class="calc-programme">{e(ctx["programme"])}</p>' if ctx.get("programme") else "")
        + f"<h2>Your {medicine} plan</h2>"
        f"<p>Your dose of {medicine} will go down step by step, as agreed with your clinic. Take the dose "
        "for each day as written. Tick the last column when you have taken it.</p>"
        f'<table class="calc-table"><thead><tr><th scope="col">{"Date" if has_date else "Day"}</th>'
        f'<th scope="col">Dose</th><th scope="col">Taken</th></tr></thead><tbody>{days}</tbody></table>'
        f"{after}"
        "<h3>What to expect</h3><p>You may feel some withdrawal: aches, sweating, runny nose, upset stomach, "
        "trouble sleeping, feeling anxious. Tell the clinic if it is hard to bear: the plan can be slowed or "
        "paused.</p>"
        "<h3>Get help at once if</h3><ul><li>someone is very sleepy, cannot be woken, or breathes slowly or not "
        "at all: use naloxone if you have it and call for emergency help;</li>"
        "<li>you feel you cannot cope, or you start using other drugs or alcohol to get through.</li></ul>"
        "<h3>Your body loses its tolerance</h3><p>After the doses go down, even your old dose, or a usual amount "
        "of another opioid, can stop your breathing. Do not go back to your old dose. Keep naloxone at home and "
        "show the people you live with how to use it. If you want to restart treatment, the clinic will start you "
        "on a low dose.</p>"
        + (f"<p><strong>Where to get naloxone:</strong> {e(ctx['naloxone'])}</p>" if ctx.get("naloxone") else "")
        + (f'<p class="calc-signature"><strong>Clinic contact:</strong> {e(ctx["contacts"])}</p>'
           if ctx.get("contacts") else '<p class="calc-signature">Clinic contact: ______________________________</p>')
        + f'<p class="calc-footer">OAMT handbook {e(release(ctx.get("version", "")))}</p>'
        + "</section>")
