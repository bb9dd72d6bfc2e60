"""The take-home assessment on the page and as a printed record."""

from __future__ import annotations

from typing import Any, Mapping

from .report import actions_html, echo_pairs, basis_html, cite, e, inputs_html, markup_html, provenance_html, warnings_html


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
    # The criteria are listed in their own table below; the other answers as the form asked them.
    pairs = [("Policy profile", f"{profile['title']} ({profile['jurisdiction']}, {profile['status']})")]
    pairs += [pair for item, pair in zip(result["echo"], echo_pairs(result["echo"]))
              if item["name"] != "profile" and not item["name"].startswith("criteria.")]
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
    notes = "".join(f"<li>{markup_html(n, bib, ctx.get('short_names') or {})}</li>" for n in profile.get("notes", []))
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
