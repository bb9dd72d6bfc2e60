"""The take-home assessment on the page and as a printed record.

It opens with the outcome and, when the patient is not plainly eligible, the
reasons and the conditions to meet, before anything else; then the warnings
(danger first), the inputs and criteria, the safeguards and the basis.
"""

from __future__ import annotations

from typing import Any, Mapping

from .fields import plural
from .report import (actions_html, basis_html, cite, e, echo_pairs, grouped_warnings_html,
                     inputs_html, key_result_html, markup_html, provenance_html)

# Safeguards that say the same as a condition: the condition is shown instead.
SAME_AS_A_CONDITION = {"safe_storage": ("children_without_safe_storage", "no_safe_storage"),
                       "naloxone_kit": ("give_naloxone",)}


def outcome_text(result: Mapping[str, Any]) -> str:
    """The outcome in one sentence. Anything short of plainly eligible begins 'Not eligible', so that no reader
    takes it for permission to send doses home today."""
    status, days = result["status"], result.get("max_days")
    if status == "eligible" and days is not None:
        return f"Eligible for take-home doses: up to {plural(days, 'days')} at a time."
    if status == "eligible":
        return f"Eligible for take-home doses; the number of days is {result.get('max_days_reason', 'set locally')}."
    if status == "eligible_after_conditions":
        then = f"up to {plural(days, 'days')} at a time" if days is not None else "the number of days set locally"
        return (f"Not eligible until the conditions below are met; then eligible for take-home doses, {then}. "
                "No dose goes home before then.")
    return "Not eligible for take-home doses under this profile now."


def _conditions_html(conditions: list[Mapping[str, Any]], bib: str, heading: str) -> str:
    if not conditions:
        return ""
    items = "".join(f'<li class="calc-condition" data-code="{e(c["id"])}">{e(c["text"])} '
                    f'<span class="calc-basis-source">({cite(c, bib)})</span></li>' for c in conditions)
    return f'<h3>{e(heading)}</h3><ol class="calc-conditions">{items}</ol>'


def takehome(result: Mapping[str, Any], ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The assessment and a printable record: outcome, reasons, conditions, warnings, inputs, safeguards, sources."""
    bib = ctx.get("bibliography_url", "bibliography.html")
    profile = result["profile"]
    plainly_eligible = result["status"] == "eligible"
    conditions = list(result.get("conditions") or [])
    # The criteria are listed in their own table below; the other answers as the form asked them.
    pairs = [("Policy profile", f"{profile['title']} ({profile['jurisdiction']}, {profile['status']})")]
    pairs += [pair for item, pair in zip(result["echo"], echo_pairs(result["echo"]))
              if item["name"] != "profile" and not item["name"].startswith("criteria.")]
    tiered = any("less_stable_may_waive" in c for c in result["criteria"])
    criteria_rows = "".join(
        f'<tr><td data-label="Question">{e(c["question"])}</td>'
        f'<td data-label="Answer">{"Met" if c["met"] else "<strong>Not met</strong>"}</td>'
        + (f'<td data-label="Can the \'less stable\' tier waive it?">'
           f'{"Yes" if c.get("less_stable_may_waive") else "No (safety)"}</td>' if tiered else "")
        + f'<td data-label="Source">{cite(c, bib)}</td></tr>' for c in result["criteria"])
    waiver_head = '<th scope="col">Can the \'less stable\' tier waive it?</th>' if tiered else ""
    criteria = (f'<table class="calc-table calc-criteria"><caption>Criteria</caption><thead><tr>'
                f'<th scope="col">Question</th><th scope="col">Answer</th>{waiver_head}<th scope="col">Source</th>'
                f"</tr></thead><tbody>{criteria_rows}</tbody></table>")
    reasons_list = "".join(f"<li>{e(r)}</li>" for r in result.get("reasons", []))
    reasons = f'<h3>Reasons</h3><ul class="calc-reasons">{reasons_list}</ul>'
    why = ("" if plainly_eligible or not reasons_list else
           f'<p class="calc-key-result__why">Why:</p><ul class="calc-reasons calc-key-reasons">{reasons_list}</ul>')
    card = key_result_html("Take-home doses: the answer", (), f"<strong>{e(outcome_text(result))}</strong>",
                           "eligible" if plainly_eligible else "not-eligible", why)
    hidden = {s for c in conditions for s in SAME_AS_A_CONDITION.get(c["id"], ())}
    safeguards = "".join(
        f'<li class="calc-safeguard calc-safeguard--{e(g.get("level", "routine"))}">'
        f'{"<strong>Before any take-home dose:</strong> " if g.get("level") == "danger" else ""}{e(g["text"])} '
        f'<span class="calc-basis-source">({cite(g, bib)})</span></li>'
        for g in result["safeguards"] if g["id"] not in hidden)
    notes = "".join(f"<li>{markup_html(n, bib, ctx.get('short_names') or {})}</li>" for n in profile.get("notes", []))
    review = result.get("review_in_days")
    # Plainly eligible: the warnings come before the reasons. Otherwise the reasons and conditions open the record.
    heading = ("Conditions: all must be met before any dose goes home"
               if result["status"] == "eligible_after_conditions" else "Also needed before any dose could go home")
    opening, later_reasons = ("", reasons) if plainly_eligible else (
        '<div class="calc-print-only">' + reasons + "</div>" + _conditions_html(conditions, bib, heading), "")
    html = (
        f"{card}"
        '<section class="calc-sheet" data-sheet="record" aria-label="Take-home assessment record">'
        '<h2 class="calc-print-only">Take-home assessment record</h2>'
        f'<p class="calc-outcome calc-outcome--{e(result["status"])} calc-print-only">'
        f'<strong>{e(outcome_text(result))}</strong></p>'
        f"{opening}"
        f"{grouped_warnings_html(list(result.get('warnings', [])), bib, 'Shown with every take-home result')}"
        f"{later_reasons}"
        f"{inputs_html(pairs)}{criteria}"
        f'<h3>Safeguards to put in place and document</h3><ul class="calc-safeguards">{safeguards}</ul>'
        + (f"<p>Review this decision within <strong>{e(plural(review, 'days'))}</strong>.</p>" if review else "")
        + (f"<h3>Notes on this profile</h3><ul>{notes}</ul>" if notes else "")
        + f"{basis_html(result['basis'], bib)}"
        f"{provenance_html(ctx)}"
        "</section>"
        f"{actions_html([], [('record', 'record')])}")
    return {"html": html, "downloads": []}
