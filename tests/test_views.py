"""Every valid data-file case renders to HTML (what the browser shows), with
every value escaped and every source linked; a fault never leaks a traceback."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

import calculators
from tests.datafiles import calculator_data

DATA = Path(__file__).resolve().parent / "data"
CASES = sorted(p for p in DATA.glob("*/valid/*.json") if p.parent.parent.name in calculators.CALCULATORS)
CONTEXT = {"bibliography_url": "../bibliography.html", "version": "test", "built": "2026-11-23", "today": "2026-11-23"}


class _Check(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.cites = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "a" and ("class", "cite") in attrs:
            self.cites += 1
        if tag not in ("br", "img", "input", "line", "polyline", "meta"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):  # <line .../> opens and closes at once
        pass

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> after {self.stack[-3:]}"
        self.stack.pop()


def test_there_are_cases():
    assert CASES, "no valid data files found"


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_valid_case_renders(path):
    case = json.loads(path.read_text())
    name = path.parent.parent.name
    response = calculators.respond(name, case["inputs"], calculator_data(), CONTEXT)
    assert response["ok"], response["errors"]
    check = _Check()
    check.feed(response["html"])
    assert not check.stack, f"unclosed tags: {check.stack}"
    assert check.cites > 0, "the result names no source"
    assert "Signature" in response["html"]


def test_a_fault_is_a_form_message_not_a_traceback(monkeypatch):
    from dataclasses import replace

    broken = replace(calculators.CALCULATORS["taper"], view=lambda *a: 1 / 0)
    monkeypatch.setitem(calculators.CALCULATORS, "taper", broken)
    out = json.loads(calculators.run_json("taper", json.dumps({"start_dose_mg": "80"})))
    assert out["ok"] is False and out["result"] is None
    assert "Traceback" not in json.dumps(out) and "fault in the calculator" in out["errors"]["_form"]


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.parent.name}-{p.stem}")
def test_colour_is_never_the_only_signal(case):
    """Each warning carries its level in words; the chart's stock line is dashed and labelled."""
    import re

    data = json.loads(case.read_text(encoding="utf-8"))
    calculator = case.parent.parent.name
    out = calculators.respond(calculator, data["inputs"], calculator_data(), CONTEXT)
    html = out["html"]
    warnings = re.findall(r'<div class="admonition (\w+) calc-warning"[^>]*><p class="admonition-title">(\w+)</p>', html)
    assert html.count("calc-warning") == len(warnings)
    assert all(title == {"danger": "Danger", "warning": "Caution"}[level] for level, title in warnings), warnings
    for line in re.findall(r'<line [^>]*stroke="#a00000"[^>]*/>', html):
        assert 'stroke-dasharray' in line and 'fill="#a00000">' in html.split(line, 1)[1][:200]
