"""The stock plan on the page and in print: a planning figure, never a prescription."""

from __future__ import annotations

from typing import Any, Mapping

from .report import actions_html, echo_pairs, basis_html, csv_text, e, inputs_html, line_chart_svg, table, warnings_html, provenance_html


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
    inputs = echo_pairs(result["echo"])
    read = {item["name"] for item in result["echo"]}
    if "step_mg" not in read:
        inputs.append(("Rounding step", f"{result['step_mg']} mg (the usual formulation's)"))
    inputs += [("Usable stock (stock less safety stock)", f"{result['usable_stock_mg']} mg"),
               ("Daily use now", f"{result['daily_mg_now']} mg")]
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
    csv_body = csv_text(["Day", "Total use (mg)", "Stock remaining (mg)"], day_rows)
    downloads = [{"filename": "stock-plan.csv", "mime": "text/csv", "text": csv_body, "label": "CSV"}]
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
