"""HTML for calculator results, built in Python so that one generic script can
show any calculator's answer, and so that the same markup can be rendered at
build time (reference tables) and tested under CPython.

Every value is escaped; nothing here reads or writes anything.
"""

from __future__ import annotations

import csv
import io
import re
from html import escape
from decimal import Decimal
from typing import Any, Iterable, Mapping

from .fields import date_text, number_text
from .messages import marked, tr, tr_n
from .vocabulary import CAUTION, DANGER, INFO, LEVEL_WORDS, Citation, citations_in

_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()



def e(value: Any) -> str:
    return escape(str(value), quote=True)


def tr_html(text: str, **html: str) -> str:
    """`tr` for a message whose placeholders are filled with HTML: the message (in the reader's language) is
    escaped, then the HTML, escaped by the caller, is put in its place. Mark the message: tr_html(marked("..."))."""
    template = e(tr(text, **{name: "{" + name + "}" for name in html}))
    return template.format(**html)


def cite(item: Mapping[str, Any], bibliography_url: str) -> str:
    """A source reference as a link to its bibliography entry; with its anchor, the few words of the cited section
    that say it, quoted after the section so that a reader can find them."""
    text = item.get("source") or Citation(str(item["source_id"]), str(item.get("section") or "")).text({})
    anchor = " ".join(str(item.get("anchor") or "").split())
    quoted = f': <span class="calc-anchor">\u201c{e(anchor)}\u201d</span>' if anchor else ""
    return f'<a class="cite" href="{e(bibliography_url)}#{e(item["source_id"])}">{e(text)}{quoted}</a>'


def shown_value(value: Any) -> str:
    """A table cell as a reader writes it: numbers with thousands separators (100,800), ISO dates with their
    weekday (Tue 1 Dec 2026); anything else as it is."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, Decimal)) or (isinstance(value, str) and _PLAIN_NUMBER.match(value)):
        return number_text(value)
    if isinstance(value, str) and _ISO_DATE.match(value):
        return date_text(value)
    return str(value)


def table(columns: Iterable[str], rows: Iterable[Iterable[Any]], caption: str = "", css: str = "",
          labels: bool = False) -> str:
    """A result table. With `labels`, each cell carries its column's heading (data-label), so that on a phone
    handbook.css shows each row as a card of 'heading: value' lines instead of a table wider than the screen."""
    columns = list(columns)
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in columns)

    def cell(i: int, v: Any) -> str:
        label = columns[i] if labels and i < len(columns) and columns[i] else ""
        return f'<td data-label="{e(label)}">{e(shown_value(v))}</td>' if label else f"<td>{e(shown_value(v))}</td>"

    body = "".join("<tr>" + "".join(cell(i, v) for i, v in enumerate(row)) + "</tr>" for row in rows)
    cap = f"<caption>{e(caption)}</caption>" if caption else ""
    return f'<table class="calc-table {e(css)}">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def warnings_html(warnings: Iterable[Mapping[str, Any]], bibliography_url: str) -> str:
    """Warnings in the order given (the calculators put danger first), each stating its level in words."""
    items = []
    for w in warnings:
        level = w.get("level", CAUTION)
        css = {DANGER: "danger", CAUTION: "warning", INFO: "info"}.get(level, "warning")
        items.append(
            f'<div class="admonition {css} calc-warning" data-code="{e(w["id"])}" data-level="{e(level)}">'
            f'<p class="admonition-title">{e(tr(LEVEL_WORDS.get(level, LEVEL_WORDS[CAUTION])))}</p>'
            f'<p>{e(w["text"])} <span class="calc-basis-source">{e(tr("Source:"))} '
            f"{cite(w, bibliography_url)}</span></p>"
            f"</div>")
    return "".join(items)


def grouped_warnings_html(warnings: list[Mapping[str, Any]], bib: str, title: str) -> str:
    """The warnings for these inputs first, in full; those shown with every result (`standing`) grouped under
    one heading that can be collapsed, so the ones that matter for this patient stand out."""
    specific = [w for w in warnings if not w.get("standing")]
    standing = [w for w in warnings if w.get("standing")]
    html = warnings_html(specific, bib)
    if standing:
        summary = tr_n("{title} ({n} warning, the same for every result)",
                       "{title} ({n} warnings, the same for every result)", len(standing),
                       title=title, n=number_text(len(standing)))
        html += (f'<details class="calc-standing-warnings"><summary>{e(summary)}</summary>'
                 f"{warnings_html(standing, bib)}</details>")
    return html


def key_result_html(heading: str, facts: Iterable[tuple[str, Any]] = (), sentence: str = "",
                    level: str = "", extra: str = "") -> str:
    """The answer first: a card that opens every result, with its heading (the place focus moves to after
    Calculate), the key figures, and the answer in one sentence."""
    items = "".join(f'<div class="calc-key-fact"><dt>{e(k)}</dt><dd>{e(v)}</dd></div>' for k, v in facts)
    css = f" calc-key-result--{e(level)}" if level else ""
    return (f'<div class="calc-key-result{css}" data-key-result>'
            f'<h2 class="calc-key-result__title" tabindex="-1">{e(heading)}</h2>'
            + (f'<p class="calc-key-result__sentence">{sentence}</p>' if sentence else "")
            + (f'<dl class="calc-key-facts">{items}</dl>' if items else "") + extra + "</div>")


def markup_html(text: str, bibliography_url: str, short_names: Mapping[str, str]) -> str:
    """Text with content citation markup ([@id §Section]) as escaped HTML with source links."""
    out, last = [], 0
    for match, citation in citations_in(text):
        out.append(e(text[last:match.start()]))
        out.append(f'(<a class="cite" href="{e(bibliography_url)}#{e(citation.source_id)}">'
                   f'{e(citation.text(short_names))}</a>)')
        last = match.end()
    out.append(e(text[last:]))
    return "".join(out)


def basis_html(rules: Iterable[Mapping[str, Any]], bibliography_url: str) -> str:
    items = "".join(f"<li>{e(r['text'])} <span class=\"calc-basis-source\">({cite(r, bibliography_url)})</span></li>"
                    for r in rules)
    return f'<h3>{e(tr("Basis: the rules applied"))}</h3><ul class="calc-basis">{items}</ul>'


def echo_pairs(echo: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """The inputs a calculator read, as (label, value as a reader sees it): built from the field
    declarations, so no view retypes a label and no internal id reaches the page."""
    return [(item["label"], item["text"]) for item in echo]


def inputs_html(pairs: Iterable[tuple[str, Any]]) -> str:
    rows = "".join(f"<tr><th scope=\"row\">{e(k)}</th><td>{e(v)}</td></tr>" for k, v in pairs)
    return f'<table class="calc-inputs"><caption>{e(tr("Inputs"))}</caption><tbody>{rows}</tbody></table>'


def release(version: Any) -> str:
    """The handbook's version as a reader needs it: the release, without the build's commit (0.1.0+abc → 0.1.0)."""
    return str(version or "").split("+", 1)[0]


def patient_line() -> str:
    """The line for the patient's name or number on a patient handout, in the reader's language."""
    return (f'<p class="calc-signature calc-signature--patient">{e(tr("Patient name or number:"))} '
            "________________________________</p>")


DECISION_SUPPORT = marked("Decision support for a trained clinician, not a prescription: check the basis above and "
                          "local protocols.")
# Who signs a printed result (provenance_html's `who`): messages, translated there.
CLINICIAN, PRESCRIBER = marked("Clinician"), marked("Prescriber")


def provenance_html(meta: Mapping[str, Any], who: str = CLINICIAN) -> str:
    """A line to sign (for `who`: the clinician, or the prescriber of a taper), and, small at the foot, which
    handbook version produced this and when: for every printed result. No build hash: a reader checks the
    version and the date. `who` is said in the reader's language (CLINICIAN, PRESCRIBER, or already translated)."""
    programme = ", ".join(e(v) for v in (meta.get("programme"), meta.get("contacts")) if v)
    today = f"<span data-today>{e(date_text(meta.get('today', '')))}</span>"
    return (
        '<div class="calc-provenance">'
        + (f'<p class="calc-programme">{programme}</p>' if programme else "")
        + f"<p>{e(tr(DECISION_SUPPORT))}</p>"
        f'<div class="calc-sign-row"><p class="calc-signature">{e(tr(who))}: ______________________ &nbsp; '
        f'{e(tr("Signature:"))} ______________ &nbsp; {e(tr("Date:"))} ____________</p>'
        '<p class="calc-footer">'
        + tr_html(marked("OAMT handbook {version}, built {built}; printed {today}."),
                  version=e(release(meta.get("version", ""))), built=e(date_text(meta.get("built", ""))), today=today)
        + "</p></div></div>")


def actions_html(downloads: Iterable[Mapping[str, str]], sheets: Iterable[tuple[str, str]]) -> str:
    links = "".join(f'<a class="md-button" data-download="{e(d["filename"])}" download="{e(d["filename"])}" '
                    f'href="#">{e(tr("Download {what}", what=d["label"]))}</a> ' for d in downloads)
    buttons = "".join(f'<button type="button" class="md-button" data-print="{e(key)}">'
                      f'{e(tr("Print {what}", what=label))}</button> ' for key, label in sheets)
    return f'<p class="calc-actions">{buttons}{links}</p>'


def line_chart_svg(values: list[Any], title: str, y_label: str, threshold: Any = None,
                   threshold_label: str = "") -> str:
    """A small SVG line chart of one series by day, drawn here so the site needs no chart library.

    The figures are also in the table beside it: the chart is never the only way to read them.
    """
    from decimal import Decimal

    nums = [Decimal(str(v)) for v in values]
    if not nums:
        return ""
    width, height, left, bottom, top, right = 640, 240, 56, 32, 16, 12
    top_value = max(max(nums), Decimal(threshold) if threshold is not None else Decimal(0), Decimal(1))
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(nums)

    def x(i: int) -> float:
        return left + (plot_w * i / max(n - 1, 1))

    def y(v: Decimal) -> float:
        return top + plot_h * (1 - float(max(v, Decimal(0)) / top_value))

    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(nums))
    ticks = []
    for k in range(5):
        value = top_value * k / 4
        ticks.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                     f'stroke="#ddd"/><text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{e(f"{value:.0f}")}</text>')
    step = max(1, n // 8)
    for i in range(0, n, step):
        ticks.append(f'<text x="{x(i):.1f}" y="{height - 12}" text-anchor="middle" font-size="11">{i + 1}</text>')
    line = ""
    if threshold is not None:
        ty = y(Decimal(threshold))
        line = (f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#a00000" '
                f'stroke-dasharray="6 4"/><text x="{width - right}" y="{ty - 4:.1f}" text-anchor="end" '
                f'font-size="11" fill="#a00000">{e(threshold_label)}</text>')
    return (f'<svg class="calc-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}">'
            f"<title>{e(title)}</title>{''.join(ticks)}{line}"
            f'<polyline fill="none" stroke="#1a4fd6" stroke-width="2.5" points="{points}"/>'
            f'<text x="{left}" y="{top - 4}" font-size="11">{e(y_label)}</text>'
            f'<text x="{width - right}" y="{height - 1}" text-anchor="end" font-size="11">{e(tr("day"))}</text></svg>')
