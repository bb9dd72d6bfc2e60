"""Loads content/ (placeholder until the full content model lands)."""
from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"


def _load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def calculator_data(content_dir: Path = CONTENT) -> dict:
    """The content the calculators read: formulations and take-home profiles, as plain data."""
    data: dict = {}
    formulations = content_dir / "formulations.yml"
    if formulations.exists():
        data["formulations"] = _load_yaml(formulations)
    profiles = sorted((content_dir / "takehome").glob("*.yml"))
    if profiles:
        data["profiles"] = [_load_yaml(p) for p in profiles]
    return data
