"""The one result shape every calculator returns (mirrored by a JSDoc typedef
in docs/assets/calculator.js):

    {"ok": bool, "errors": {field: message}, "result": {...} | None}

`ok` is true only when `errors` is empty and `result` is complete; a
calculator never returns a partial result next to errors.
"""

from __future__ import annotations

from typing import Any


def failure(errors: dict[str, str]) -> dict[str, Any]:
    return {"ok": False, "errors": dict(errors), "result": None}


def success(result: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "errors": {}, "result": result}
