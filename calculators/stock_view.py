"""The stock plan on the page and in print: a planning figure, never a prescription."""

from __future__ import annotations

from typing import Any, Mapping

from .fields import number_text as n
from .fields import plural
from .messages import locale, marked, tr
from .report import (actions_html, basis_html, csv_text, e, echo_pairs, grouped_warnings_html, inputs_html,
                     key_result_html, line_chart_svg, provenance_html, table)


PRINTED_DAYS = 31  # a longer plan prints its days weekly

# Each option's name inside a sentence ("Recommended: hold at a lower, stable dose (12.5 %)"), by its id.
OPTION_NAMES = {
    "no_change": marked("no change"),
    "hold_lower": marked("hold at a lower, stable dose"),
    "taper_to_floor": marked("proportional taper to the floor"),
    "shortfall": marked("floor for everyone: stock short"),
}


def _plain(value: Any) -> str:
    """A number as the result has it (no thousands separator), with the reader's decimal mark."""
    return str(value).replace(".", locale().decimal)


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
        return tr("No change needed: the usable stock lasts {covered} at current doses and reaches resupply on day "
                  "{day}.", covered=covered, day=n(horizon))
    if lead is not None and lead["id"] == "shortfall":
        return tr("Even the floor for everyone does not last {days}: the shortfall is {shortfall} mg (the stock covers "
                  "{covered}). Request an emergency supply or redistribution from other sites.",
                  days=plural(horizon, "days"), shortfall=n(lead["shortfall_mg"]),
                  covered=plural(lead["days_covered"], "days"))
    if lead is not None:
        option = tr(OPTION_NAMES[lead["id"]]) if lead["id"] in OPTION_NAMES else lead["title"].lower()
        return tr("Recommended: {option} ({percent} %). At current doses the stock lasts {covered} of {horizon}; this "
                  "option reaches resupply with {left} mg left and keeps every patient at {dose} mg or more.",
                  option=option, percent=n(lead["percent"]), covered=covered, horizon=n(horizon),
                  left=n(lead["stock_left_mg"]), dose=n(lead["min_dose_mg"]))
    return tr("At current doses the stock lasts {covered} of {horizon}.", covered=covered, horizon=n(horizon))


def _key_facts(result: Mapping[str, Any]) -> list[tuple[str, str]]:
    lead = next((o for o in result.get("options", []) if o["id"] == result.get("recommended")), None)
    facts = [(tr("Usable stock"), f"{n(result['usable_stock_mg'])} mg"),
             (tr("Daily use now"), f"{n(result['daily_mg_now'])} mg"),
             (tr("Lasts at current doses"), tr("{days} of {horizon}",
                                               days=plural(result["days_covered_at_current_doses"], "days"),
                                               horizon=n(result["horizon_days"])))]
    if lead is not None and not result["reaches_resupply"]:
        facts.append((tr("Recommended option"), lead["title"]))
    return facts


def options_html(result: Mapping[str, Any]) -> str:
    """The options side by side: one column each, the recommended one first and marked."""
    options = sorted(result.get("options", []), key=lambda o: o["id"] != result.get("recommended"))
    if not options:
        return ""
    horizon = result["horizon_days"]
    head = ["", *(tr("{option} (shown first)", option=o["title"]) if o["id"] == result.get("recommended")
                  else o["title"] for o in options)]
    rows: list[list[Any]] = [
        [tr("Reduction"), *(f"{n(o['percent'])} %" if o.get("percent") is not None else tr("none") for o in options)],
        [tr("Reaches resupply"), *(tr("yes") if o["reaches_resupply"]
                                   else tr("no: covers {days}", days=plural(o["days_covered"], "days"))
                                   for o in options)],
        [tr("Daily total, day 1 (mg)"), *(o["daily_totals_mg"][0] if o["daily_totals_mg"] else "" for o in options)],
        [tr("Daily total, day {day} (mg)", day=n(horizon)), *(o["daily_totals_mg"][-1] if o["daily_totals_mg"] else ""
                                                               for o in options)],
        [tr("Stock left on the resupply day (mg)"), *(o["stock_left_mg"] for o in options)],
        [tr("Lowest dose of any patient (mg)"), *(o["min_dose_mg"] for o in options)],
        [tr("Patients who stop before resupply"), *(o.get("patients_stopping", 0) for o in options)],
    ]
    # Each row's dose on day 1 and on the resupply day, in each option.
    labels: dict[tuple[int, bool], str] = {}
    cells: dict[tuple[int, bool], dict[str, str]] = {}
    for o in options:
        for b in o["bands"]:
            key = (b["row"], bool(b.get("kept_on_last_dose")))
            dose, protected, kept = n(b["dose_mg"]), b.get("protected"), b.get("kept_on_last_dose")
            if protected and kept:
                labels[key] = tr("{dose} mg (protected), kept on last dose", dose=dose)
            elif protected:
                labels[key] = tr("{dose} mg (protected)", dose=dose)
            elif kept:
                labels[key] = tr("{dose} mg, kept on last dose", dose=dose)
            else:
                labels[key] = f"{dose} mg"
            days = b.get("doses_on_days", [])
            first, last = (days[0]["dose_mg"], days[-1]["dose_mg"]) if days else ("", "")
            cells.setdefault(key, {})[o["id"]] = (f"{n(b['patients'])} × {n(first)}" if first == last
                                                  else f"{n(b['patients'])} × {n(first)} → {n(last)}")
    for key in sorted(labels):
        rows.append([tr("Row {row}: {band} (day 1 → day {day})", row=n(key[0] + 1), band=labels[key], day=n(horizon)),
                     *(cells[key].get(o["id"], "") for o in options)])
    html = (f"<h3>{e(tr('Options compared'))}</h3>"
            + table(head, rows, caption=tr("The options side by side"), css="calc-options", labels=True))
    if result.get("recommendation"):
        html += (f'<p class="calc-recommendation"><strong>{e(tr("Why this one first:"))}</strong> '
                 f'{e(result["recommendation"])}</p>')
    return html


def stock(result: Mapping[str, Any], ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The stock plan: a planning figure for the programme, never a per-patient prescription."""
    bib = ctx.get("bibliography_url", "bibliography.html")
    headline = _headline(result)
    inputs = echo_pairs(result["echo"])
    read = {item["name"] for item in result["echo"]}
    if "step_mg" not in read:
        inputs.append((tr("Rounding step"), tr("{step} mg (the usual formulation's)", step=n(result["step_mg"]))))
    inputs += [(tr("Usable stock (stock less safety stock)"), f"{n(result['usable_stock_mg'])} mg"),
               (tr("Daily use now"), f"{n(result['daily_mg_now'])} mg")]
    band_days = sorted({d["day"] for b in result.get("bands", []) for d in b.get("doses_on_days", [])})
    band_rows = []
    for b in result.get("bands", []):
        by_day = {d["day"]: d["dose_mg"] for d in b.get("doses_on_days", [])}
        band = f"{n(b['dose_mg'])} mg × {n(b['patients'])}"
        if b.get("protected") and b.get("kept_on_last_dose"):
            band = tr("{band} (protected) (kept on last dose)", band=band)
        elif b.get("protected"):
            band = tr("{band} (protected)", band=band)
        elif b.get("kept_on_last_dose"):
            band = tr("{band} (kept on last dose)", band=band)
        band_rows.append([band] + [by_day.get(day, "") for day in band_days])
    bands = table([tr("Dose band")] + [tr("Day {day}", day=n(d)) for d in band_days], band_rows,
                  caption=tr("Option shown first: dose of each band on selected days (mg)"),
                  css="calc-bands", labels=True) if band_rows else ""
    remaining = result.get("stock_remaining_mg", [])
    usable = result.get("usable_stock_remaining_mg", [])
    daily = result.get("daily_totals_mg", [])

    def at(values: list[Any], i: int) -> Any:
        return values[i] if i < len(values) else ""

    day_rows = [[i + 1, at(daily, i), at(remaining, i), at(usable, i)]
                for i in range(max(len(daily), len(remaining), len(usable)))]
    chart = line_chart_svg(usable, tr("Usable stock left at the end of each day (mg): stock in hand less the safety "
                                      "stock of {safety_stock} mg", safety_stock=_plain(result["safety_stock_mg"])),
                           tr("mg left"), threshold=0, threshold_label=tr("usable stock used up")) if usable else ""
    next_steps = "".join(f"<li>{e(o['text'] if isinstance(o, Mapping) else o)}</li>"
                         for o in result.get("next_steps", []))
    arithmetic = "".join(f"<li>{e(line)}</li>" for line in result.get("arithmetic", []))
    columns = [tr("Day"), tr("Total use (mg)"), tr("Stock in hand, safety stock included (mg)"),
               tr("Usable stock left, less the safety stock (mg)")]
    csv_body = csv_text(columns, day_rows)
    days_table = table(columns, day_rows, caption=tr("Day by day (option shown first)"),
                       css="calc-days" + (" calc-schedule-screen" if len(day_rows) > PRINTED_DAYS else ""), labels=True)
    if len(day_rows) > PRINTED_DAYS:
        # On paper, a long plan shows day 1, each week and the resupply day, so it stays within two pages;
        # the CSV download has every day.
        shown = set(snapshot_days(len(day_rows)))
        days_table += table(columns, [r for r in day_rows if r[0] in shown],
                            caption=tr("Day 1, each week and the resupply day (option shown first; the CSV has "
                                       "every day)"),
                            css="calc-days-paper calc-schedule-print")
    downloads = [{"filename": "stock-plan.csv", "mime": "text/csv", "text": csv_body, "label": "CSV"}]
    plan = tr("Stock plan")
    html = (
        f"{key_result_html(tr('Stock plan: the answer'), _key_facts(result), e(headline))}"
        f'<section class="calc-sheet" data-sheet="plan" aria-label="{e(plan)}">'
        f'<h2 class="calc-print-only">{e(plan)}</h2>'
        f'<p class="calc-planning-label"><strong>{e(tr("Planning figure, not a prescription."))}</strong></p>'
        f'<p class="calc-summary calc-print-only">{e(headline)}</p>'
        f"{grouped_warnings_html(result.get('warnings', []), bib, tr('Always with a stock plan'))}"
        f"{options_html(result)}"
        + (f"<h3>{e(tr('What to do now'))}</h3><ul>{next_steps}</ul>" if next_steps else "")
        + f"{inputs_html(inputs)}{bands}"
        f'<h3 class="calc-screen-only">{e(tr("Usable stock left by day"))}</h3>'
        f'<div class="calc-screen-only">{chart}</div>'
        f'<div class="calc-days-wrap">{days_table}</div>'
        f'<h3>{e(tr("Check the arithmetic"))}</h3><ol class="calc-arithmetic">{arithmetic}</ol>'
        f"{basis_html(result['basis'], bib)}"
        f"{provenance_html(ctx)}"
        "</section>"
        f"{actions_html(downloads, [('plan', tr('plan'))])}")
    return {"html": html, "downloads": [{k: v for k, v in d.items() if k != 'label'} for d in downloads]}
