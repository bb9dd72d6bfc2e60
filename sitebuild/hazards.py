"""The clinical hazard log (content/hazards.yml), in the style of a DCB0129 hazard log.

Each hazard names its cause, its effect, the worst credible harm, the controls in
the design and, for each control, the tests that show it works. The build checks
the shape of the file; `tests/test_hazard_log.py` checks that every named test
exists, so the log cannot promise a test that is not there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

FIELDS = ("id", "title", "cause", "effect", "severity", "controls", "residual")
OPTIONAL = ("source",)
SEVERITIES = ("death or serious injury", "harm needing treatment", "delay or inconvenience")
# tests/test_x.py::test_name, optionally with a parameter id: tests/test_x.py::test_name[case]
TEST_NAME = re.compile(r"^tests/(?:[a-z_]+/)*test_[a-z0-9_]+\.py::test_[a-z0-9_]+(?:\[[^\]]+\])?$")
HAZARD_ID = re.compile(r"^H[0-9]{2}$")


@dataclass(frozen=True)
class Control:
    text: str
    tests: tuple[str, ...]


@dataclass(frozen=True)
class Hazard:
    id: str
    title: str
    cause: str
    effect: str
    severity: str
    controls: tuple[Control, ...]
    residual: str
    source: str = ""


def read(data: Any, check: Any, index: Any) -> tuple[Hazard, ...]:
    """Validates the parsed YAML (a list of hazards); problems go to `check` (a content.Checker)."""
    if data is None:
        return ()
    if not isinstance(data, list) or not data:
        check.add("(top level)", "expected a list of hazards.", "write each hazard as '- id: H01' with its fields.")
        return ()
    hazards, seen = [], set()
    for i, item in enumerate(data):
        where = f"[{i}]"
        if not check.fields(item, FIELDS, OPTIONAL, where):
            continue
        hid = str(item.get("id"))
        if not HAZARD_ID.match(hid):
            check.add(f"{where}.id", f"'{hid}' is not a hazard id.", "use H and two digits, for example H07.")
        elif hid in seen:
            check.add(f"{where}.id", f"'{hid}' is used twice.", "give each hazard its own id.")
        seen.add(hid)
        severity = item.get("severity")
        if severity not in SEVERITIES:
            check.add(f"{where}.severity", f"'{severity}' is not a severity.", f"use one of: {', '.join(SEVERITIES)}.")
        texts = {name: check.text(item, name, where) for name in ("title", "cause", "effect", "residual", "source")}
        for name, text in texts.items():
            index.check_text(check, f"{where}.{name}", text)
        controls = []
        raw_controls = item.get("controls")
        if not isinstance(raw_controls, list) or not raw_controls:
            check.add(f"{where}.controls", "expected a list of controls.",
                      "list each control as '- text: ...' with 'tests: [...]'.")
            raw_controls = []
        for j, control in enumerate(raw_controls):
            cwhere = f"{where}.controls[{j}]"
            if not check.fields(control, ("text", "tests"), (), cwhere):
                continue
            tests = control.get("tests")
            if not isinstance(tests, list) or not tests:
                check.add(f"{cwhere}.tests", "expected a list of test names.",
                          "name at least one test, as tests/test_file.py::test_name.")
                tests = []
            for k, name in enumerate(tests):
                if not isinstance(name, str) or not TEST_NAME.match(name):
                    check.add(f"{cwhere}.tests[{k}]", f"'{name}' is not a test name.",
                              "write it as pytest shows it: tests/test_file.py::test_name (or with [case]).")
            text = check.text(control, "text", cwhere)
            index.check_text(check, f"{cwhere}.text", text)
            controls.append(Control(text, tuple(str(t) for t in tests)))
        hazards.append(Hazard(id=hid, title=texts["title"], cause=texts["cause"], effect=texts["effect"],
                              severity=str(severity), controls=tuple(controls), residual=texts["residual"],
                              source=texts["source"]))
    return tuple(hazards)
