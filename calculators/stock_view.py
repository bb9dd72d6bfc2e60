"""The stock plan on the page and in print: a planning figure, never a prescription."""

from __future__ import annotations

from typing import Any, Mapping

from .fields import number_text as n
from .fields import plural
from .report import (actions_html, basis_html, csv_text, e, echo_pairs, grouped_warnings_html, inputs_html,
                     key_result_html, line_chart_svg, provenance_html, table)


PRINTED_DAYS = 31  # a longer plan prints its days weekly


def snapshot_days(horizon: int) -> list[int]:
    """Day 1, each week, and the resupply day (as calculators.stock.snapshot_days)."""
    days = [1] + list(range(7, horizon + 1, 7))
    return days if days[-1] == horizon else days + [horizon]


def _headline(result: Mapping[str, Any]) -> str:
    """The recommended option in one sentence."""
    horizon = result["horizon_days"]
    lead = next((o for o in result.get("options", []) if o["id"] == result.get("recommended")), None)
    covered = plural(result["days_covered_at_current_doses"], "days")
    if result["reaches_resupply"]:
        return (f"No change needed: the usable stock lasts {covered} at current doses and reaches resupply on "
                f"day {n(horizon)}.")
    if lead is not None and lead["id"] == "shortfall":
        return (f"Even the floor for everyone does not last {plural(horizon, 'days')}: the shortfall is "
                f"{n(lead['shortfall_mg'])} mg (the stock covers {plural(lead['days_covered'], 'days')}). Request an "
                "emergency supply or redistribution from other sites.")
    if lead is not None:
        return (f"Recommended: {lead['title'].lower()} ({lead['percent']} %). At current doses the stock lasts "
                f"{covered} of {n(horizon)}; this option reaches resupply with {n(lead['stock_left_mg'])} mg left "
                f"and keeps every patient at {n(lead['min_dose_mg'])} mg or more.")
    return f"At current doses the stock lasts {covered} of {n(horizon)}."


def _key_facts(result: Mapping[str, Any]) -> list[tuple[str, str]]:
    lead = next((o for o in result.get("options", []) if o["id"] == result.get("recommended")), None)
    facts = [("Usable stock", f"{n(result['usable_stock_mg'])} mg"),
             ("Daily use now", f"{n(result['daily_mg_now'])} mg"),
             ("Lasts at current doses", f"{plural(result['days_covered_at_current_doses'], 'days')} of "
                                        f"{n(result['horizon_days'])}")]
    if lead is not None and not result["reaches_resupply"]:
        facts.append(("Recommended option", lead["title"]))
    return facts


def options_html(result: Mapping[str, Any]) -> str:
    """The options side by side: one column each, the recommended one first and marked."""
    options = sorted(result.get("options", []), key=lambda o: o["id"] != result.get("recommended"))
    if not options:
        return ""
    horizon = result["horizon_days"]
    head = ["", *(o["title"] + (" (shown first)" if o["id"] == result.get("recommended") else "") for o in options)]
    rows: list[list[Any]] = [
        ["Reduction", *(f"{n(o['percent'])} %" if o.get("percent") is not None else "none" for o in options)],
        ["Reaches resupply", *("yes" if o["reaches_resupply"] else f"no: covers {plural(o['days_covered'], 'days')}"
                               for o in options)],
        ["Daily total, day 1 (mg)", *(o["daily_totals_mg"][0] if o["daily_totals_mg"] else "" for o in options)],
        [f"Daily total, day {horizon} (mg)", *(o["daily_totals_mg"][-1] if o["daily_totals_mg"] else ""
                                               for o in options)],
        ["Stock left on the resupply day (mg)", *(o["stock_left_mg"] for o in options)],
        ["Lowest dose of any patient (mg)", *(o["min_dose_mg"] for o in options)],
        ["Patients who stop before resupply", *(o.get("patients_stopping", 0) for o in options)],
    ]
    # Each row's dose on day 1 and on the resupply day, in each option.
    labels: dict[tuple[int, bool], str] = {}
    cells: dict[tuple[int, bool], dict[str, str]] = {}
    for o in options:
        for b in o["bands"]:
            key = (b["row"], bool(b.get("kept_on_last_dose")))
            labels[key] = (f"{n(b['dose_mg'])} mg" + (" (protected)" if b.get("protected") else "")
                           + (", kept on last dose" if b.get("kept_on_last_dose") else ""))
            days = b.get("doses_on_days", [])
            first, last = (days[0]["dose_mg"], days[-1]["dose_mg"]) if days else ("", "")
            cells.setdefault(key, {})[o["id"]] = (f"{n(b['patients'])} × {n(first)}" if first == last
                                                  else f"{n(b['patients'])} × {n(first)} → {n(last)}")
    for key in sorted(labels):
        rows.append([f"Row {key[0] + 1}: {labels[key]} (day 1 → day {horizon})",
                     *(cells[key].get(o["id"], "") for o in options)])
    html = "<h3>Options compared</h3>" + table(head, rows, caption="The options side by side", css="calc-options", labels=True)
    if result.get("recommendation"):
        html += f'<p class="calc-recommendation"><strong>Why this one first:</strong> {e(result["recommendation"])}</p>'
    return html


def stock(result: Mapping[str, Any], ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The stock plan: a planning figure for the programme, never a per-patient prescription."""
    bib = ctx.get("bibliography_url", "bibliography.html")
    headline = _headline(result)
    inputs = echo_pairs(result["echo"])
    read = {item["name"] for item in result["echo"]}
    if "step_mg" not in read:
        inputs.append(("Rounding step", f"{result['step_mg']} mg (the usual formulation's)"))
    inputs += [("Usable stock (stock less safety stock)", f"{n(result['usable_stock_mg'])} mg"),
               ("Daily use now", f"{n(result['daily_mg_now'])} mg")]
    band_days = sorted({d["day"] for b in result.get("bands", []) for d in b.get("doses_on_days", [])})
    band_rows = []
    for b in result.get("bands", []):
        by_day = {d["day"]: d["dose_mg"] for d in b.get("doses_on_days", [])}
        band_rows.append([f"{n(b['dose_mg'])} mg × {n(b['patients'])}" + (" (protected)" if b.get("protected") else "")
                          + (" (kept on last dose)" if b.get("kept_on_last_dose") else "")]
                         + [by_day.get(day, "") for day in band_days])
    bands = table(["Dose band"] + [f"Day {d}" for d in band_days], band_rows,
                  caption="Option shown first: dose of each band on selected days (mg)",
                  css="calc-bands", labels=True) if band_rows else ""
    remaining = result.get("stock_remaining_mg", [])
    usable = result.get("usable_stock_remaining_mg", [])
    daily = result.get("daily_totals_mg", [])

    def at(values: list[Any], i: int) -> Any:
        return values[i] if i < len(values) else ""

    day_rows = [[i + 1, at(daily, i), at(remaining, i), at(usable, i)]
                for i in range(max(len(daily), len(remaining), len(usable)))]
    chart = line_chart_svg(usable, "Usable stock left at the end of each day (mg): stock in hand less the safety "
                           f"stock of {result['safety_stock_mg']} mg", "mg left", threshold=0,
                           threshold_label="usable stock used up") if usable else ""
    next_steps = "".join(f"<li>{e(o['text'] if isinstance(o, Mapping) else o)}</li>"
                         for o in result.get("next_steps", []))
    arithmetic = "".join(f"<li>{e(line)}</li>" for line in result.get("arithmetic", []))
    columns = ["Day", "Total use (mg)", "Stock in hand, safety stock included (mg)",
               "Usable stock left, less the safety stock (mg)"]
    csv_body = csv_text(columns, day_rows)
    days_table = table(columns, day_rows, caption="Day by day (option shown first)",
                       css="calc-days" + (" calc-schedule-screen" if len(day_rows) > PRINTED_DAYS else ""), labels=True)
    if len(day_rows) > PRINTED_DAYS:
        # On paper, a long plan shows day 1, each week and the resupply day, so it stays within two pages;
        # the CSV download has every day.
        shown = set(snapshot_days(len(day_rows)))
        days_table += table(columns, [r for r in day_rows if r[0] in shown],
                            caption="Day 1, each week and the resupply day (option shown first; the CSV has every day)",
                            css="calc-days-paper calc-schedule-print")
    downloads = [{"filename": "stock-plan.csv", "mime": "text/csv", "text": csv_body, "label": "CSV"}]
    html = (
        f"{key_result_html('Stock plan: the answer', _key_facts(result), e(headline))}"
        '<section class="calc-sheet" data-sheet="plan" aria-label="Stock plan">'
        '<h2 class="calc-print-only">Stock plan</h2>'
        '<p class="calc-planning-label"><strong>Planning figure, not a prescription.</strong></p>'
        f'<p class="calc-summary calc-print-only">{e(headline)}</p>'
        f"{grouped_warnings_html(result.get('warnings', []), bib, 'Always with a stock plan')}"
        f"{options_html(result)}"
        + (f"<h3>What to do now</h3><ul>{next_steps}</ul>" if next_steps else "")
        + f"{inputs_html(inputs)}{bands}"
        f'<h3 class="calc-screen-only">Usable stock left by day</h3><div class="calc-screen-only">{chart}</div>'
        f'<div class="calc-days-wrap">{days_table}</div>'
        f'<h3>Check the arithmetic</h3><ol class="calc-arithmetic">{arithmetic}</ol>'
        f"{basis_html(result['basis'], bib)}"
        f"{provenance_html(ctx)}"
        "</section>"
        f"{actions_html(downloads, [('plan', 'plan')])}")
    return {"html": html, "downloads": [{k: v for k, v in d.items() if k != 'label'} for d in downloads]}
