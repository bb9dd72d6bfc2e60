"""The take-home assessment on the page and as a printed record.

It opens with the outcome and, when the patient is not plainly eligible, the
reasons and the conditions to meet, before anything else; then the warnings
(danger first), the inputs and criteria, the safeguards and the basis.
"""

from __future__ import annotations

from html import escape
from typing import Any, Mapping

from .fields import plural
from .messages import marked, tr
from .report import (actions_html, basis_html, cite, e, echo_pairs, grouped_warnings_html,
                     inputs_html, key_result_html, markup_html, provenance_html)

# Safeguards that say the same as a condition: the condition is shown instead.
SAME_AS_A_CONDITION = {"safe_storage": ("children_without_safe_storage", "no_safe_storage"),
                       "naloxone_kit": ("give_naloxone",)}
# A profile's status (a value of the profile file) as a reader reads it.
STATUS_WORDS = {"current": marked("current"), "historical precedent": marked("historical precedent")}


def _text(value: Any) -> str:
    """Text in an element, escaped (an apostrophe stays as it is)."""
    return escape(str(value), quote=False)


def _attr(value: Any) -> str:
    """Text in a double-quoted attribute, escaped (an apostrophe stays as it is)."""
    return _text(value).replace('"', "&quot;")


def outcome_text(result: Mapping[str, Any]) -> str:
    """The outcome in one sentence. Anything short of plainly eligible begins 'Not eligible', so that no reader
    takes it for permission to send doses home today."""
    status, days = result["status"], result.get("max_days")
    if status == "eligible" and days is not None:
        return tr("Eligible for take-home doses: up to {days} at a time.", days=plural(days, "days"))
    if status == "eligible":
        reason = result["max_days_reason"] if "max_days_reason" in result else tr("set locally")
        return tr("Eligible for take-home doses; the number of days is {reason}.", reason=reason)
    if status == "eligible_after_conditions":
        if days is not None:
            return tr("Not eligible until the conditions below are met; then eligible for take-home doses, up to "
                      "{days} at a time. No dose goes home before then.", days=plural(days, "days"))
        return tr("Not eligible until the conditions below are met; then eligible for take-home doses, the number "
                  "of days set locally. No dose goes home before then.")
    return tr("Not eligible for take-home doses under this profile now.")


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
    status = STATUS_WORDS.get(profile["status"])
    pairs = [(tr("Policy profile"), tr("{profile} ({jurisdiction}, {status})", profile=tr(profile["title"]),
                                      jurisdiction=tr(profile["jurisdiction"]),
                                      status=tr(status) if status else profile["status"]))]
    pairs += [pair for item, pair in zip(result["echo"], echo_pairs(result["echo"]))
              if item["name"] != "profile" and not item["name"].startswith("criteria.")]
    tiered = any("less_stable_may_waive" in c for c in result["criteria"])
    question, answer, source = tr("Question"), tr("Answer"), tr("Source")
    waiver = tr("Can the 'less stable' tier waive it?")
    met, not_met = _text(tr("Met")), f"<strong>{_text(tr('Not met'))}</strong>"
    yes, no_safety = _text(tr("Yes")), _text(tr("No (safety)"))
    criteria_rows = "".join(
        f'<tr><td data-label="{_attr(question)}">{e(tr(c["question"]))}</td>'
        f'<td data-label="{_attr(answer)}">{met if c["met"] else not_met}</td>'
        + (f'<td data-label="{_attr(waiver)}">'
           f'{yes if c.get("less_stable_may_waive") else no_safety}</td>' if tiered else "")
        + f'<td data-label="{_attr(source)}">{cite(c, bib)}</td></tr>' for c in result["criteria"])
    waiver_head = f'<th scope="col">{_text(waiver)}</th>' if tiered else ""
    criteria = (f'<table class="calc-table calc-criteria"><caption>{_text(tr("Criteria"))}</caption><thead><tr>'
                f'<th scope="col">{_text(question)}</th><th scope="col">{_text(answer)}</th>{waiver_head}'
                f'<th scope="col">{_text(source)}</th>'
                f"</tr></thead><tbody>{criteria_rows}</tbody></table>")
    reasons_list = "".join(f"<li>{e(r)}</li>" for r in result.get("reasons", []))
    reasons = f'<h3>{_text(tr("Reasons"))}</h3><ul class="calc-reasons">{reasons_list}</ul>'
    why = ("" if plainly_eligible or not reasons_list else
           f'<p class="calc-key-result__why">{_text(tr("Why:"))}</p>'
           f'<ul class="calc-reasons calc-key-reasons">{reasons_list}</ul>')
    card = key_result_html(tr("Take-home doses: the answer"), (), f"<strong>{e(outcome_text(result))}</strong>",
                           "eligible" if plainly_eligible else "not-eligible", why)
    hidden = {s for c in conditions for s in SAME_AS_A_CONDITION.get(c["id"], ())}
    before = f"<strong>{_text(tr('Before any take-home dose:'))}</strong> "
    safeguards = "".join(
        f'<li class="calc-safeguard calc-safeguard--{e(g.get("level", "routine"))}">'
        f'{before if g.get("level") == "danger" else ""}{e(g["text"])} '
        f'<span class="calc-basis-source">({cite(g, bib)})</span></li>'
        for g in result["safeguards"] if g["id"] not in hidden)
    notes = "".join(f"<li>{markup_html(tr(n), bib, ctx.get('short_names') or {})}</li>"
                    for n in profile.get("notes", []))
    review = result.get("review_in_days")
    # Plainly eligible: the warnings come before the reasons. Otherwise the reasons and conditions open the record.
    heading = (tr("Conditions: all must be met before any dose goes home")
               if result["status"] == "eligible_after_conditions" else
               tr("Also needed before any dose could go home"))
    record = tr("Take-home assessment record")
    review_html = ""
    if review:  # the number of days in bold, inside the translated sentence
        sentence = tr("Review this decision within {days}.", days="\x00")
        review_html = "<p>" + _text(sentence).replace("\x00", f"<strong>{e(plural(review, 'days'))}</strong>") + "</p>"
    opening, later_reasons = ("", reasons) if plainly_eligible else (
        '<div class="calc-print-only">' + reasons + "</div>" + _conditions_html(conditions, bib, heading), "")
    html = (
        f"{card}"
        f'<section class="calc-sheet" data-sheet="record" aria-label="{_attr(record)}">'
        f'<h2 class="calc-print-only">{_text(record)}</h2>'
        f'<p class="calc-outcome calc-outcome--{e(result["status"])} calc-print-only">'
        f'<strong>{e(outcome_text(result))}</strong></p>'
        f"{opening}"
        f"{grouped_warnings_html(list(result.get('warnings', [])), bib, tr('Shown with every take-home result'))}"
        f"{later_reasons}"
        f"{inputs_html(pairs)}{criteria}"
        f'<h3>{_text(tr("Safeguards to put in place and document"))}</h3><ul class="calc-safeguards">{safeguards}</ul>'
        + review_html
        + (f'<h3>{_text(tr("Notes on this profile"))}</h3><ul>{notes}</ul>' if notes else "")
        + f"{basis_html(result['basis'], bib)}"
        f"{provenance_html(ctx)}"
        "</section>"
        f"{actions_html([], [('record', tr('record'))])}")
    return {"html": html, "downloads": []}
