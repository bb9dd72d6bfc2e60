"""What each calculator's result looks like on the page and on paper.

`render(name, result, context)` returns `{"html", "downloads"}`. `context`
carries page facts the calculator cannot know: the bibliography's URL
relative to the page, the handbook version and build date, today's date.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Callable, Mapping

from .report import actions_html, basis_html, e, inputs_html, provenance_html, table, warnings_html


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
    summary = (f"{e(result['days'])} dosing days, {e(result['total_mg'])} mg in total; "
               f"first day without medicine: day {e(result.get('cessation_day', result['days'] + 1))}.")
    inputs = [("Medicine", result["medicine"]), ("Current daily dose", f"{result['start_dose_mg']} mg"),
              ("Method", result["mode"]), ("Reduction per step", f"{result['percent']} %"),
              ("Stop at or below", f"{result['stop_dose_mg']} mg"), ("Rounding step", f"{result['step_mg']} mg"),
              ("Days at each dose", result["step_days"])]
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
        f"{actions_html(downloads, [('clinician', 'clinician sheet')])}")
    return {"html": html, "downloads": [{k: v for k, v in d.items() if k != 'label'} for d in downloads]}


VIEWS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]] = {"taper": taper}


def render(name: str, result: Mapping[str, Any], ctx: Mapping[str, Any]) -> dict[str, Any]:
    return VIEWS[name](result, ctx)
