"""The data-file cases shared by the unit and the browser tests: tests/data/<calculator>/{valid,invalid}/*.json."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from sitebuild import content

DATA = Path(__file__).resolve().parent / "data"


def data_files(calculator: str, kind: str) -> list[Path]:
    """The case files of one calculator, sorted; kind is "valid" or "invalid"."""
    return sorted((DATA / calculator / kind).glob("*.json"))


def load_case(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def assert_rejected(out: dict[str, Any], case: dict[str, Any]) -> None:
    """No result, and each expected field error contains the expected words."""
    assert out["ok"] is False and out["result"] is None
    for field, message in case["errors"].items():
        assert message in out["errors"].get(field, ""), (field, out["errors"])


@functools.lru_cache(maxsize=1)
def calculator_data() -> dict[str, Any]:
    """The shipped content's calculator data, read once per test run (the calculators never change it)."""
    return content.calculator_data()
