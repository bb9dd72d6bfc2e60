"""Calculators for opioid agonist maintenance treatment.

Pure Python, standard library only, so the same code runs under CPython (tests,
CLI, build-time tables) and under Pyodide in the browser. Each calculator is a
module with `NAME`, `TITLE`, `FIELDS` (its declared inputs) and
`run(inputs, data) -> {"ok", "errors", "result"}`; `data` carries content the
build validated (for example formulations), never anything from the user.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any, Mapping

from . import stock, takehome, taper

INTERNAL_ERROR = ("The calculator could not work this out. This is a fault in the calculator, not in what you "
                  "entered: no result is shown. Please report it with the inputs (the page address holds them).")

CALCULATORS: dict[str, ModuleType] = {m.NAME: m for m in (taper, takehome, stock)}


def run(name: str, inputs: Mapping[str, Any], data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run calculator `name` on a dict of inputs; an unknown name is a form error, not an exception."""
    module = CALCULATORS.get(name)
    if not isinstance(inputs, Mapping):
        return {"ok": False, "errors": {"_form": "The inputs must be a JSON object of field names and values."},
                "result": None}
    if module is None:
        return {"ok": False, "errors": {"_form": f"There is no calculator called {name!r}."}, "result": None}
    return module.run(inputs, data or {})


def respond(name: str, inputs: Any, data: Mapping[str, Any] | None = None,
            context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`run`, plus the result as HTML and its downloads: what the page shows."""
    response = run(name, inputs, data)
    response["html"], response["downloads"] = "", []
    if response["ok"]:
        from .views import render

        view = render(name, response["result"], context or {})
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
