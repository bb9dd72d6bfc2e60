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
Inputs are strict: a name no field declares is an error under that name
(the page shows an error it has no place for at the top of the form), and a
row number beyond `fields.MAX_ROW_NUMBER` an error under the table's name.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import pkgutil
from typing import Any, Mapping

from .fields import Field, flatten, strict_errors
from .interface import Calculator, DataSet
from .messages import marked, speaking, tr
from .vocabulary import with_source_names

INTERNAL_ERROR = marked("The calculator could not work this out. This is a fault in the calculator, not in what you "
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
    """Run calculator `name` on a dict of inputs; an unknown name is a form error, not an exception.

    Inputs are strict: a name that no field of the calculator declares is an error naming it (and the
    nearest declared name), never ignored. The calculator still reads the rest, so every error is
    reported at once; with any such error there is no result.
    """
    calculator = CALCULATORS.get(name)
    if not isinstance(inputs, Mapping):
        return {"ok": False, "errors": {"_form": tr("The inputs must be a JSON object of field names and values.")},
                "result": None}
    if calculator is None:
        return {"ok": False, "errors": {"_form": tr("There is no calculator called {name}.", name=repr(name))},
                "result": None}
    data = data or {}
    fields = calculator.fields(data)
    unknown, names = strict_errors(fields, inputs)
    if unknown:
        inputs = {k: v for k, v in flatten(inputs, fields).items() if k not in names}
    response = calculator.run(inputs, data)
    if unknown:
        errors = dict(response["errors"])
        for key, message in unknown.items():
            errors.setdefault(key, message)
        return {"ok": False, "errors": errors, "result": None}
    if response["ok"]:
        response["result"] = with_source_names(response["result"], data.get("sources") or {})
    return response


def respond(name: str, inputs: Any, data: Mapping[str, Any] | None = None,
            context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`run`, plus the result as HTML and its downloads: what the page shows."""
    data = data or {}
    # In the reader's language (context "lang"), when the data has its messages; otherwise in the language being
    # spoken already (run_json's), English by default.
    language = (data.get("messages") or {}).get(str((context or {}).get("lang") or ""))
    with speaking(language) if language else contextlib.nullcontext():
        response = run(name, inputs, data)
        response["html"], response["downloads"] = "", []
        if response["ok"]:
            ctx = {**(context or {}), "short_names": data.get("sources") or {}}
            view = CALCULATORS[name].view(response["result"], ctx)
            response["html"], response["downloads"] = view["html"], view["downloads"]
    return response


def _failure_json(message: str) -> str:
    return json.dumps({"ok": False, "errors": {"_form": message}, "result": None, "html": "", "downloads": []})


def read_json(text: str, what: str = "The inputs") -> tuple[Any, str | None]:
    """JSON text → (value, None), or (None, a message) for text that is not JSON or cannot be read."""
    inputs = what == "The inputs"  # what the page sends: said in the reader's language
    try:
        return json.loads(text), None
    except RecursionError:
        if inputs:
            return None, tr("The inputs are nested too deeply to read: send an object of field names and values.")
        return None, f"{what} are nested too deeply to read: send an object of field names and values."
    except ValueError as e:  # includes integers longer than Python reads
        if inputs:
            return None, tr("The inputs are not valid JSON ({problem}).", problem=str(e)[:120])
        return None, f"{what} are not valid JSON ({str(e)[:120]})."


_READ: dict[str, list[Any]] = {"data": ["{}", {}], "messages": ["", {}]}  # the last text of each, and its reading


def _read_once(kind: str, text: str) -> Mapping[str, Any]:
    """The content data (or the page's messages), read once: the page sends the same text with every calculation,
    and the data sets parsed from it (DataSet.typed) are remembered only while it is the same object."""
    if text != _READ[kind][0]:
        value = json.loads(text) if text else {}
        _READ[kind][:] = [text, value if isinstance(value, Mapping) else {}]
    return _READ[kind][1]


def run_json(name: str, inputs_json: str, data_json: str = "{}", context_json: str = "{}",
             messages_json: str = "") -> str:
    """The browser's entry point: JSON in, JSON out, so nothing crosses the
    Python/JavaScript boundary but plain text. It never raises; every message is in the page's language:
    `messages_json` is that language's compiled messages (a page loads only its own), or the data's for it."""
    try:
        data, context = _read_once("data", data_json), json.loads(context_json)
        context = context if isinstance(context, Mapping) else {}
        language = (data.get("messages") or {}).get(str(context.get("lang") or "")) or \
            _read_once("messages", messages_json)
    except Exception:  # the page's own data: a fault, never the user's input
        return _failure_json(INTERNAL_ERROR)
    with speaking(language):
        inputs, problem = read_json(inputs_json)
        if problem:
            return _failure_json(problem)
        try:
            response = respond(name, inputs, data, context)
            text = json.dumps(response, ensure_ascii=False)
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate sent back in a message: written as an escape instead
                text = json.dumps(response)
            return text
        except Exception:  # a fault in a calculator must never reach the user as a stack trace or a partial result
            return _failure_json(tr(INTERNAL_ERROR))
