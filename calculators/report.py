"""HTML for calculator results, built in Python so that one generic script can
show any calculator's answer, and so that the same markup can be rendered at
build time (reference tables) and tested under CPython.

Every value is escaped; nothing here reads or writes anything.
"""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Any, Iterable, Mapping

from .vocabulary import CAUTION, DANGER, INFO, LEVEL_WORDS, Citation, citations_in


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()



def e(value: Any) -> str:
    return escape(str(value), quote=True)


def cite(item: Mapping[str, Any], bibliography_url: str) -> str:
    """A source reference as a link to its bibliography entry."""
    text = item.get("source") or Citation(str(item["source_id"]), str(item.get("section") or "")).text({})
    return f'<a class="cite" href="{e(bibliography_url)}#{e(item["source_id"])}">{e(text)}</a>'


def table(columns: Iterable[str], rows: Iterable[Iterable[Any]], caption: str = "", css: str = "") -> str:
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in rows)
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
            f'<p class="admonition-title">{e(LEVEL_WORDS.get(level, "Caution"))}</p>'
            f'<p>{e(w["text"])} <span class="calc-basis-source">Source: {cite(w, bibliography_url)}</span></p>'
            f"</div>")
    return "".join(items)


def grouped_warnings_html(warnings: list[Mapping[str, Any]], bib: str, title: str) -> str:
    """The warnings for these inputs first, in full; those shown with every result (`standing`) grouped under
    one heading that can be collapsed, so the ones that matter for this patient stand out."""
    specific = [w for w in warnings if not w.get("standing")]
    standing = [w for w in warnings if w.get("standing")]
    html = warnings_html(specific, bib)
    if standing:
        html += (f'<details class="calc-standing-warnings" open><summary>{e(title)} ({len(standing)} warnings)'
                 f"</summary>{warnings_html(standing, bib)}</details>")
    return html


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
    return f'<h3>Basis: the rules applied</h3><ul class="calc-basis">{items}</ul>'


def echo_pairs(echo: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """The inputs a calculator read, as (label, value as a reader sees it): built from the field
    declarations, so no view retypes a label and no internal id reaches the page."""
    return [(item["label"], item["text"]) for item in echo]


def inputs_html(pairs: Iterable[tuple[str, Any]]) -> str:
    rows = "".join(f"<tr><th scope=\"row\">{e(k)}</th><td>{e(v)}</td></tr>" for k, v in pairs)
    return f'<table class="calc-inputs"><caption>Inputs</caption><tbody>{rows}</tbody></table>'


def provenance_html(meta: Mapping[str, Any]) -> str:
    """Which handbook version produced this, when, and a line to sign: for every printed result."""
    programme = ", ".join(e(v) for v in (meta.get("programme"), meta.get("contacts")) if v)
    return (
        '<div class="calc-provenance">'
        + (f'<p class="calc-programme">{programme}</p>' if programme else "")
        + f"<p>Produced by the OAMT handbook {e(meta.get('version', ''))} (built {e(meta.get('built', ''))}) "
        f"on <span data-today>{e(meta.get('today', ''))}</span>. Decision support for a trained clinician, "
        "not a prescription: check the basis above and local protocols.</p>"
        '<p class="calc-signature">Clinician: ______________________ &nbsp; Signature: ______________ '
        "&nbsp; Date: ____________</p></div>")


def actions_html(downloads: Iterable[Mapping[str, str]], sheets: Iterable[tuple[str, str]]) -> str:
    links = "".join(f'<a class="md-button" data-download="{e(d["filename"])}" download="{e(d["filename"])}" '
                    f'href="#">Download {e(d["label"])}</a> ' for d in downloads)
    buttons = "".join(f'<button type="button" class="md-button" data-print="{e(key)}">Print {e(label)}</button> '
                      for key, label in sheets)
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
            f'<text x="{width - right}" y="{height - 1}" text-anchor="end" font-size="11">day</text></svg>')
