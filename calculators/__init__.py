"""Calculators for opioid agonist maintenance treatment.

Pure Python, standard library only, so the same code runs under CPython (tests,
CLI, build-time tables) and under Pyodide in the browser. Each calculator is a
module that declares itself once, `CALCULATOR = Calculator(...)` (see
`calculators.interface`); `CALCULATORS` is every declaration found in this
package, and everything else (the build, the command line, the tests)
iterates over it.

`run(name, inputs, data)` → `{"ok", "errors", "result"}`. `inputs` uses flat
names (`"cohort.0.dose_mg"`, `"criteria.stable_dose"`); `data` is the content
the build validated, as JSON: the data sets the calculators read
(formulations, profiles) and `sources`, the bibliography's short names.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any, Mapping

from .fields import Field
from .interface import Calculator, DataSet
from .vocabulary import with_source_names

INTERNAL_ERROR = ("The calculator could not work this out. This is a fault in the calculator, not in what you "
                  "entered: no result is shown. Please report it with the inputs (the page address holds them).")


def _declared() -> dict[str, Calculator]:
    """Every `CALCULATOR` declared by a module of this package, by name."""
    found: dict[str, Calculator] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        declared = getattr(importlib.import_module(f"{__name__}.{info.name}"), "CALCULATOR", None)
        if isinstance(declared, Calculator):
            if declared.name in found:
                raise ValueError(f"Two calculators are called {declared.name!r}")
            found[declared.name] = declared
    return found


CALCULATORS: dict[str, Calculator] = _declared()


def data_sets() -> dict[str, DataSet]:
    """Every content data set some calculator reads, by name (a set read by several is listed once)."""
    return {d.name: d for c in CALCULATORS.values() for d in c.data_sets}


def fields_for(name: str, data: Mapping[str, Any] | None = None) -> tuple[Field, ...]:
    """The fields of calculator `name`'s form, given the content data."""
    return CALCULATORS[name].fields(data or {})


def run(name: str, inputs: Mapping[str, Any], data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run calculator `name` on a dict of inputs; an unknown name is a form error, not an exception."""
    calculator = CALCULATORS.get(name)
    if not isinstance(inputs, Mapping):
        return {"ok": False, "errors": {"_form": "The inputs must be a JSON object of field names and values."},
                "result": None}
    if calculator is None:
        return {"ok": False, "errors": {"_form": f"There is no calculator called {name!r}."}, "result": None}
    data = data or {}
    response = calculator.run(inputs, data)
    if response["ok"]:
        response["result"] = with_source_names(response["result"], data.get("sources") or {})
    return response


def respond(name: str, inputs: Any, data: Mapping[str, Any] | None = None,
            context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`run`, plus the result as HTML and its downloads: what the page shows."""
    data = data or {}
    response = run(name, inputs, data)
    response["html"], response["downloads"] = "", []
    if response["ok"]:
        ctx = {**(context or {}), "short_names": data.get("sources") or {}}
        view = CALCULATORS[name].view(response["result"], ctx)
        response["html"], response["downloads"] = view["html"], view["downloads"]
    return response


def run_json(name: str, inputs_json: str, data_json: str = "{}", context_json: str = "{}") -> str:
    """The browser's entry point: JSON in, JSON out, so nothing crosses the
    Python/JavaScript boundary but plain text."""
    try:
        inputs = json.loads(inputs_json)
    except ValueError:
        return json.dumps({"ok": False, "errors": {"_form": "The inputs are not valid JSON."}, "result": None,
                           "html": "", "downloads": []})
    try:
        response = respond(name, inputs, json.loads(data_json), json.loads(context_json))
    except Exception:  # a fault in a calculator must never reach the user as a stack trace or a partial result
        response = {"ok": False, "errors": {"_form": INTERNAL_ERROR}, "result": None, "html": "", "downloads": []}
    return json.dumps(response, ensure_ascii=False)
