"""What each calculator's result looks like on the page and on paper.

`render(name, result, context)` returns `{"html", "downloads"}`. `context`
carries page facts the calculator cannot know: the bibliography's URL
relative to the page, the handbook version and build date, today's date.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Callable, Mapping

from .report import (actions_html, basis_html, cite, e, inputs_html, line_chart_svg, markup_html, provenance_html,
                     table, warnings_html)


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


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
    end = (f"first day without medicine: day {e(cessation)}." if cessation is not None
           else "the current dose is held throughout; no taper is needed.")
    summary = f"{e(result['days'])} days, {e(result['total_mg'])} mg in total; {end}"
    formulation = result.get("formulation")
    inputs = [("Medicine", result["medicine"])]
    if isinstance(formulation, Mapping):
        inputs.append(("Formulation", formulation.get("label", "")))
    inputs += [("Current daily dose", f"{result['start_dose_mg']} mg"), ("Method", result["mode"])]
    if result.get("percent") is not None:
        inputs.append(("Reduction per step", f"{result['percent']} %"))
    for key, label, unit in (("amount_mg", "Reduction per step", "mg"), ("target_days", "Target dosing steps", ""),
                             ("stock_mg", "Stock for this patient", "mg"), ("horizon_days", "Days to cover", "")):
        if result.get(key) is not None:
            inputs.append((label, f"{result[key]} {unit}".strip()))
    inputs += [("Stop at or below", f"{result['stop_dose_mg']} mg"), ("Rounding step", f"{result['step_mg']} mg"),
               ("Days at each dose", result["step_days"])]
    if result.get("high_risk"):
        inputs.append(("High-risk flags (acknowledged)", ", ".join(result["high_risk"])))
    arithmetic = "".join(f"<li>{e(line)}</li>" for line in result.get("arithmetic", []))
    csv_text = _csv(columns, rows)
    downloads = [{"filename": "taper-schedule.csv", "mime": "text/csv", "text": csv_text, "label": "CSV"}]
    html = (
        '<section class="calc-sheet" data-sheet="clinician" aria-label="Taper schedule">'
        f'<h2>Taper schedule</h2>'
        f"{warnings_html(result['warnings'], bib)}"
        f'<p class="calc-summary">{summary}</p>'
        f"{inputs_html(inputs)}"
        f"{table(columns, rows, caption='Day-by-day schedule', css='calc-schedule')}"
        f"<h3>Check the first steps by hand</h3><ol class=\"calc-arithmetic\">{arithmetic}</ol>"
        f"{basis_html(result['basis'], bib)}"
        f"{provenance_html(ctx)}"
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
        f"<tr><td>{e(row[1] if has_date else 'Day ' + str(row[0]))}</td><td>{e(row[2 if has_date else 1])} mg</td>"
        f"<td></td></tr>" for row in rows)
    cessation = result.get("cessation_date") or (
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
        + "</section>")


def takehome(result: Mapping[str, Any], ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The assessment and a printable record: profile, inputs, outcome, reasons, safeguards, sources."""
    bib = ctx.get("bibliography_url", "bibliography.html")
    profile = result["profile"]
    eligible = result["status"] == "eligible"
    if eligible and result.get("max_days") is not None:
        outcome = f"Eligible for take-home doses: up to {result['max_days']} days at a time."
    elif eligible:
        outcome = f"Eligible for take-home doses; the number of days is {result.get('max_days_reason', 'set locally')}."
    else:
        outcome = "Not eligible for take-home doses under this profile now."
    inputs = result["inputs"]
    yes_no = {True: "yes", False: "no", None: "not asked"}
    pairs = [("Policy profile", f"{profile['title']} ({profile['jurisdiction']}, {profile['status']})"),
             ("Medicine", inputs.get("medicine", "")), ("Days in treatment", inputs.get("days_in_treatment", ""))]
    for key in ("programme_max_days", "less_stable_but_safe"):
        if inputs.get(key) is not None:
            pairs.append((key.replace("_", " ").capitalize(), yes_no.get(inputs[key], inputs[key])))
    for key in ("children_in_home", "safe_storage", "naloxone_given", "sedative_or_alcohol_use"):
        if key in inputs:
            pairs.append((key.replace("_", " ").capitalize(), yes_no.get(inputs[key], inputs[key])))
    criteria_rows = "".join(
        f"<tr><td>{e(c['question'])}</td><td>{'Met' if c['met'] else '<strong>Not met</strong>'}</td>"
        f"<td>{cite(c, bib)}</td></tr>" for c in result["criteria"])
    criteria = (f'<table class="calc-table calc-criteria"><caption>Criteria</caption><thead><tr>'
                f'<th scope="col">Question</th><th scope="col">Answer</th><th scope="col">Source</th></tr></thead>'
                f"<tbody>{criteria_rows}</tbody></table>")
    reasons = "".join(f"<li>{e(r)}</li>" for r in result.get("reasons", []))
    safeguards = "".join(
        f'<li class="calc-safeguard calc-safeguard--{e(g.get("level", "routine"))}">'
        f'{"<strong>Before any take-home dose:</strong> " if g.get("level") == "danger" else ""}{e(g["text"])} '
        f'<span class="calc-basis-source">({cite(g, bib)})</span></li>' for g in result["safeguards"])
    notes = "".join(f"<li>{markup_html(n, bib)}</li>" for n in profile.get("notes", []))
    review = result.get("review_in_days")
    html = (
        '<section class="calc-sheet" data-sheet="record" aria-label="Take-home assessment record">'
        "<h2>Take-home assessment record</h2>"
        f'<p class="calc-outcome calc-outcome--{e(result["status"])}"><strong>{e(outcome)}</strong></p>'
        f"{warnings_html(result.get('warnings', []), bib)}"
        f"<h3>Reasons</h3><ul>{reasons}</ul>"
        f"{inputs_html(pairs)}{criteria}"
        f'<h3>Safeguards to put in place and document</h3><ul class="calc-safeguards">{safeguards}</ul>'
        + (f"<p>Review this decision within <strong>{e(review)} days</strong>.</p>" if review else "")
        + (f"<h3>Notes on this profile</h3><ul>{notes}</ul>" if notes else "")
        + f"{basis_html(result['basis'], bib)}"
        f"{provenance_html(ctx)}"
        "</section>"
        f"{actions_html([], [('record', 'record')])}")
    return {"html": html, "downloads": []}


def stock(result: Mapping[str, Any], ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The stock plan: a planning figure for the programme, never a per-patient prescription."""
    bib = ctx.get("bibliography_url", "bibliography.html")
    horizon = result["horizon_days"]
    if result["reaches_resupply"]:
        headline = (f"The usable stock lasts {result['days_covered_at_current_doses']} days at current doses: "
                    f"it reaches resupply on day {horizon} with no change.")
    elif result.get("feasible"):
        headline = (f"At current doses the stock lasts {result['days_covered_at_current_doses']} of {horizon} days. "
                    f"A proportional reduction of {result['percent']} % per day for unprotected patients makes "
                    "it last until resupply.")
    else:
        headline = (f"No reduction on the grid makes the stock last {horizon} days: the shortfall is "
                    f"{result['shortfall_mg']} mg (the stock covers {result.get('days_covered', '?')} days). "
                    "Consider the options below.")
    inputs = [("Medicine", result["medicine"]), ("Stock on hand", f"{result['stock_mg']} mg"),
              ("Safety stock", f"{result['safety_stock_mg']} mg"), ("Usable stock", f"{result['usable_stock_mg']} mg"),
              ("Days until resupply", horizon), ("Floor dose", f"{result['floor_mg']} mg"),
              ("Rounding step", f"{result['step_mg']} mg"), ("Daily use now", f"{result['daily_mg_now']} mg")]
    band_days = sorted({d["day"] for b in result.get("bands", []) for d in b.get("doses_on_days", [])})
    band_rows = []
    for b in result.get("bands", []):
        by_day = {d["day"]: d["dose_mg"] for d in b.get("doses_on_days", [])}
        band_rows.append([f"{b['dose_mg']} mg × {b['patients']}" + (" (protected)" if b.get("protected") else "")]
                         + [by_day.get(day, "") for day in band_days])
    bands = table(["Dose band"] + [f"Day {d}" for d in band_days], band_rows,
                  caption="Dose of each band on selected days (mg)", css="calc-bands") if band_rows else ""
    remaining = result.get("stock_remaining_mg", [])
    daily = result.get("daily_totals_mg", [])
    day_rows = [[i + 1, daily[i] if i < len(daily) else "", remaining[i] if i < len(remaining) else ""]
                for i in range(max(len(daily), len(remaining)))]
    chart = line_chart_svg(remaining, "Usable stock remaining at the end of each day (mg)", "mg left",
                           threshold=0, threshold_label="empty") if remaining else ""
    options = "".join(f"<li>{e(o['text'] if isinstance(o, Mapping) else o)}</li>" for o in result.get("options", []))
    arithmetic = "".join(f"<li>{e(line)}</li>" for line in result.get("arithmetic", []))
    csv_text = _csv(["Day", "Total use (mg)", "Stock remaining (mg)"], day_rows)
    downloads = [{"filename": "stock-plan.csv", "mime": "text/csv", "text": csv_text, "label": "CSV"}]
    html = (
        '<section class="calc-sheet" data-sheet="plan" aria-label="Stock plan">'
        "<h2>Stock plan</h2>"
        '<p class="calc-planning-label"><strong>Planning figure, not a prescription.</strong></p>'
        f"{warnings_html(result.get('warnings', []), bib)}"
        f'<p class="calc-summary">{e(headline)}</p>'
        + (f"<h3>Options</h3><ul>{options}</ul>" if options else "")
        + f"{inputs_html(inputs)}{bands}"
        f"<h3>Stock remaining by day</h3>{chart}"
        f"{table(['Day', 'Total use (mg)', 'Stock remaining (mg)'], day_rows, caption='Day by day', css='calc-days')}"
        f'<h3>Check the arithmetic</h3><ol class="calc-arithmetic">{arithmetic}</ol>'
        f"{basis_html(result['basis'], bib)}"
        f"{provenance_html(ctx)}"
        "</section>"
        f"{actions_html(downloads, [('plan', 'plan')])}")
    return {"html": html, "downloads": [{k: v for k, v in d.items() if k != 'label'} for d in downloads]}


VIEWS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]] = {
    "taper": taper, "takehome": takehome, "stock": stock}


def render(name: str, result: Mapping[str, Any], ctx: Mapping[str, Any]) -> dict[str, Any]:
    return VIEWS[name](result, ctx)
