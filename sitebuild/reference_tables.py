"""Printable taper reference tables, computed at build time by the taper calculator itself.

A job-aid block of kind `taper_table` names a medicine, a formulation, a list of
starting doses, a number of dosing days and a stop dose. Each starting dose is run
through `calculators.taper.run` in `target_days` mode, so a trainer's printed table
and the on-screen calculator can never disagree. A starting dose the calculator
rejects fails the build with the calculator's own message.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from calculators import taper

FIELDS = ("medicine", "start_doses_mg", "target_days", "stop_dose_mg")
OPTIONAL = ("formulation",)


@dataclass(frozen=True)
class TaperRow:
    start_mg: str
    percent: str
    doses_mg: tuple[str, ...]
    total_mg: str


@dataclass(frozen=True)
class TaperTable:
    medicine: str
    formulation: str
    formulation_label: str
    step_mg: str
    target_days: int
    stop_dose_mg: str
    rows: tuple[TaperRow, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        days = max(len(r.doses_mg) for r in self.rows)
        return ("Start (mg)", "% less each day", *(f"Day {d}" for d in range(1, days + 1)), "Total (mg)")

    @property
    def cells(self) -> tuple[tuple[str, ...], ...]:
        """Rows padded to the longest schedule; a dash marks a day after the last dose."""
        width = max(len(r.doses_mg) for r in self.rows)
        return tuple((r.start_mg, r.percent, *r.doses_mg, *("–",) * (width - len(r.doses_mg)), r.total_mg)
                     for r in self.rows)

    @property
    def off_target(self) -> tuple[tuple[str, int], ...]:
        """(starting dose, dosing days) where rounding makes the schedule longer or shorter than the target."""
        return tuple((r.start_mg, len(r.doses_mg)) for r in self.rows if len(r.doses_mg) != self.target_days)


def one_decimal(percent: Any) -> str:
    """20.6, 33.0: one decimal in every row, so the column reads evenly."""
    return str(Decimal(str(percent)).quantize(Decimal("0.1")))


def taper_table(block: Mapping[str, Any], data: Mapping[str, Any] | None) -> tuple[TaperTable | None, list[tuple[str, str, str]]]:
    """A block's settings → (table, problems); problems are (field, reason, fix) relative to the block."""
    problems: list[tuple[str, str, str]] = []
    starts = block.get("start_doses_mg")
    if not isinstance(starts, list) or not starts:
        return None, [("start_doses_mg", "expected a list of starting doses.",
                       "write them as a list of quoted decimals, for example [\"20\", \"40\", \"60\"].")]
    common = {"medicine": block.get("medicine"), "mode": taper.TARGET_DAYS,
              "target_days": block.get("target_days"), "stop_dose_mg": block.get("stop_dose_mg")}
    if block.get("formulation") is not None:
        common["formulation"] = block.get("formulation")
    rows, first = [], None
    failures: dict[tuple[str, str], list[int]] = {}    # (field, message) → the rows it failed
    for i, start in enumerate(starts):
        if isinstance(start, float):
            problems.append((f"start_doses_mg[{i}]", f"{start!r} was read as a binary number.",
                             "quote the dose, for example \"20\"."))
            continue
        outcome = taper.run({**common, "start_dose_mg": start}, data)
        if not outcome["ok"]:
            for field_name, message in outcome["errors"].items():
                failures.setdefault((field_name, message), []).append(i)
            continue
        result = outcome["result"]
        first = first or result
        rows.append(TaperRow(start_mg=str(result["start_dose_mg"]), percent=one_decimal(result["percent"]),
                             doses_mg=tuple(str(d["dose_mg"]) for d in result["schedule"]),
                             total_mg=str(result["total_mg"])))
    for (field_name, message), failed in failures.items():
        if field_name != "start_dose_mg" and len(failed) == len(starts):
            # A shared setting (medicine, days, formulation) that no starting dose can work with.
            problems.append((field_name, message, "correct this setting of the table."))
        else:
            for i in failed:
                problems.append((f"start_doses_mg[{i}]", f"starting dose {starts[i]} mg: {message}",
                                 "correct or remove this starting dose."))
    if problems or first is None:
        return None, problems
    formulation = first["formulation"]
    return TaperTable(medicine=str(first["medicine"]), formulation=str(formulation["id"]),
                      formulation_label=str(formulation["label"]), step_mg=str(first["step_mg"]),
                      target_days=int(first["target_days"]), stop_dose_mg=str(first["stop_dose_mg"]),
                      rows=tuple(rows)), []

