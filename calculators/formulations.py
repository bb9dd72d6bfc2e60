"""Formulations: how a dose is rounded and measured.

The data is `content/formulations.yml`; the build validates it with
`validate` (every problem as (where, what is wrong, how to fix it)), and the
calculators read it with `parse`. `measure` turns a dose in mg into what is
given: a volume, or the fewest tablets or films that make it up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from .fields import dec
from .interface import DataSet
from .messages import locale, tr
from .medicines import MEDICINE_IDS as MEDICINES
from .vocabulary import CITATION_MARKUP as CITATION
from .vocabulary import Citation

VOLUME, UNITS = "volume", "units"
MAX_ML_DECIMALS = 3

REQUIRED = ("id", "medicine", "label", "step_mg", "measure", "source")
OPTIONAL = ("default", "mg_per_ml", "ml_decimals", "units", "note")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DECIMAL = re.compile(r"^[0-9]{1,6}(\.[0-9]{1,6})?$")
# Strengths and steps: positive, at most MAX_MG, with at most MAX_DECIMALS decimal places.
MAX_MG, MAX_DECIMALS = Decimal(1000), 3

# The medicines' usual formulations, the same as the entries marked
# `default: true` in content/formulations.yml (a test keeps them equal), so the
# calculators work without the content files (the CLI outside the repository).
DEFAULT_ITEMS: tuple[dict[str, Any], ...] = (
    {"id": "methadone-oral-solution-1", "medicine": "methadone", "label": "Methadone oral solution 1 mg/mL",
     "step_mg": "1", "measure": VOLUME, "mg_per_ml": "1", "ml_decimals": 0, "default": True,
     "source": "[@this-handbook §Formulations]"},
    # 2 and 8 mg tablets, not 0.4 mg: 0.4 mg tablets are not available everywhere, and without them a dose such
    # as 7.6 mg cannot be given. A programme that has them lists them first in formulations_in_use.
    {"id": "buprenorphine-2-8", "medicine": "buprenorphine",
     "label": "Buprenorphine sublingual tablets, 2 and 8 mg only", "step_mg": "2", "measure": UNITS,
     "units": [{"mg": "8", "name": "8 mg tablet"}, {"mg": "2", "name": "2 mg tablet"}],
     "default": True, "source": "[@this-handbook §Formulations]"},
)


@dataclass(frozen=True)
class Unit:
    """One tablet, film or piece of a tablet."""

    mg: Decimal
    name: str


@dataclass(frozen=True)
class Formulation:
    id: str
    medicine: str
    label: str
    step_mg: Decimal
    measure: str
    source: Citation
    default: bool = False
    mg_per_ml: Decimal | None = None
    ml_decimals: int = 0
    units: tuple[Unit, ...] = ()  # largest first
    note: str = ""
    note_source: Citation | None = None


Problem = tuple[str, str, str]


def _received(value: Any) -> str:
    return f"{type(value).__name__} {value!r}" if value is not None else "nothing"


def _decimal(value: Any) -> Decimal | None:
    """A positive decimal from a quoted string or a whole number; never a binary float. At most MAX_DECIMALS
    decimal places and at most MAX_MG, so every dose, volume and count stays small and exact."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str) and _DECIMAL.match(value.strip()):
        number = Decimal(value.strip())
    else:
        return None
    if not 0 < number <= MAX_MG or -number.as_tuple().exponent > MAX_DECIMALS:
        return None
    return number


def _why(value: Any) -> str:
    """Why a number that reads as a decimal is still refused, as a sentence (or "")."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return ""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return ""
    if not number.is_finite():
        return ""
    if number <= 0:
        return " It must be more than 0: nothing can be given in steps or strengths of 0."
    if number > MAX_MG:
        return f" It must be at most {MAX_MG}."
    if -number.as_tuple().exponent > MAX_DECIMALS:
        return f" It may have at most {MAX_DECIMALS} decimals."
    return ""


def _citation(text: Any) -> Citation | None:
    """The citation of a formulation or its note; it must name a section (the build checks the id and
    section against content/sources.yml)."""
    found = Citation.parse(text) if isinstance(text, str) else None
    return found if found is not None and found.section else None


def _is_multiple(value: Decimal, step: Decimal) -> bool:
    try:
        quotient = value / step
    except InvalidOperation:  # pragma: no cover - step is positive
        return False
    return quotient == quotient.to_integral_value()


def validate(items: Any) -> list[Problem]:
    """Every problem of the formulations file, as (where, what is wrong, how to fix it); [] when valid."""
    if not isinstance(items, list) or not items:
        return [("", f"Expected a list of formulations, but received {_received(items)}.",
                 "start each entry with '- id:'; see the comment at the top of content/formulations.yml.")]
    problems: list[Problem] = []
    seen: set[str] = set()
    defaults: dict[str, int] = {m: 0 for m in MEDICINES}
    for i, item in enumerate(items):
        where = f"[{i}]"
        if not isinstance(item, Mapping):
            problems.append((where, f"Expected a formulation (a mapping of fields), but received {_received(item)}.",
                             "give id, medicine, label, step_mg, measure and source."))
            continue
        problems.extend(_validate_item(item, where, seen, defaults))
    for medicine, count in defaults.items():
        if count != 1:
            problems.append(("default", f"{medicine} has {count} formulations marked 'default: true'.",
                             f"mark exactly one {medicine} formulation (its usual one) with 'default: true'."))
    return problems


def _validate_item(item: Mapping[str, Any], where: str, seen: set[str], defaults: dict[str, int]) -> list[Problem]:
    problems: list[Problem] = []
    missing = [k for k in REQUIRED if k not in item]
    unknown = sorted(str(k) for k in item if k not in REQUIRED + OPTIONAL)
    if missing:
        problems.append((where, f"Missing field(s): {', '.join(missing)}.", f"add {', '.join(missing)}."))
    if unknown:
        problems.append((where, f"Unknown field(s): {', '.join(unknown)}.",
                         f"remove them or use one of: {', '.join(REQUIRED + OPTIONAL)}."))
    fid = item.get("id")
    if "id" in item:
        if not isinstance(fid, str) or not _ID.match(fid):
            problems.append((f"{where}.id", (f"Expected an id of lower-case letters, digits and hyphens, "
                             f"but received {_received(fid)}."), "use an id such as methadone-tablets-5."))
        elif fid in seen:
            problems.append((f"{where}.id", f"'{fid}' is the id of another formulation too.", "give each its own id."))
        else:
            seen.add(fid)
    medicine = item.get("medicine")
    if "medicine" in item and (not isinstance(medicine, str) or medicine not in MEDICINES):
        problems.append((f"{where}.medicine", f"Expected a medicine, but received {_received(medicine)}.",
                         f"use one of: {', '.join(MEDICINES)}."))
    if "label" in item and (not isinstance(item["label"], str) or not item["label"].strip()):
        problems.append((f"{where}.label", f"Expected a label, but received {_received(item['label'])}.",
                         "give the name a clinician would recognise, with the strength."))
    step = _decimal(item.get("step_mg"))
    if "step_mg" in item and step is None:
        problems.append((f"{where}.step_mg", (f"Expected a positive decimal in quotes, but received "
                         f"{_received(item['step_mg'])}.{_why(item['step_mg'])}"),
                         f'write it quoted, more than 0 and at most {MAX_MG} mg with at most {MAX_DECIMALS} '
                         'decimals, for example step_mg: "0.4".'))
    if "source" in item and _citation(item["source"]) is None:
        problems.append((f"{where}.source", (f"Expected a citation with a section, but received "
                         f"{_received(item['source'])}."),
                         "write [@id §Section] with an id and a section from content/sources.yml."))
    default = item.get("default", False)
    if not isinstance(default, bool):
        problems.append((f"{where}.default", f"Expected true or false, but received {_received(default)}.",
                         "write default: true for the medicine's usual formulation, or leave it out."))
    elif default and isinstance(medicine, str) and medicine in defaults:
        defaults[medicine] += 1
    if "note" in item and (not isinstance(item["note"], str) or not item["note"].strip()):
        problems.append((f"{where}.note", f"Expected text, but received {_received(item['note'])}.",
                         "write the note as text, or leave it out."))
    measure = item.get("measure")
    if measure == VOLUME:
        problems.extend(_validate_volume(item, where, step))
    elif measure == UNITS:
        problems.extend(_validate_units(item, where, step))
    elif "measure" in item:
        problems.append((f"{where}.measure", f"Expected a way of measuring, but received {_received(measure)}.",
                         f"use '{VOLUME}' (with mg_per_ml and ml_decimals) or '{UNITS}' (with units)."))
    return problems


def _validate_volume(item: Mapping[str, Any], where: str, step: Decimal | None) -> list[Problem]:
    problems: list[Problem] = []
    strength = _decimal(item.get("mg_per_ml"))
    if strength is None:
        problems.append((f"{where}.mg_per_ml", (f"Expected the strength in mg per mL as a positive decimal in "
                         f"quotes, but received {_received(item.get('mg_per_ml'))}.{_why(item.get('mg_per_ml'))}"),
                         f'write for example mg_per_ml: "10" (more than 0, at most {MAX_MG}, at most '
                         f'{MAX_DECIMALS} decimals).'))
    places = item.get("ml_decimals")
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= MAX_ML_DECIMALS:
        problems.append((f"{where}.ml_decimals", (f"Expected a whole number from 0 to {MAX_ML_DECIMALS}, but "
                         f"received {_received(places)}."), ("give how many decimals of a mL can be measured, "
                         "for example 1 for 0.1 mL.")))
    elif strength is not None and step is not None:
        volume = step / strength
        if volume != volume.quantize(Decimal(1).scaleb(-places)):
            problems.append((f"{where}.step_mg", (f"A step of {dec(step)} mg is {dec(volume)} mL, which cannot be "
                             f"measured to {places} decimal(s) of a mL."),
                             "make the step a multiple of what can be measured, or raise ml_decimals."))
    if "units" in item:
        problems.append((f"{where}.units", "A liquid has no units.", "remove units, or use measure: units."))
    return problems


def _validate_units(item: Mapping[str, Any], where: str, step: Decimal | None) -> list[Problem]:
    problems: list[Problem] = []
    units = item.get("units")
    if not isinstance(units, list) or not units:
        return [(f"{where}.units", f"Expected a list of units, but received {_received(units)}.",
                 'list each tablet or film as {mg: "8", name: "8 mg tablet"}.')]
    strengths = []
    for j, unit in enumerate(units):
        here = f"{where}.units[{j}]"
        mg = _decimal(unit.get("mg")) if isinstance(unit, Mapping) else None
        name = unit.get("name") if isinstance(unit, Mapping) else None
        if mg is None or not isinstance(name, str) or not name.strip() or set(unit) != {"mg", "name"}:
            problems.append((here, (f"Expected {{mg, name}} with a positive decimal in quotes (at most {MAX_MG} mg, "
                             f"{MAX_DECIMALS} decimals), but received {_received(unit)}."
                             f"{_why(unit.get('mg')) if isinstance(unit, Mapping) else ''}"),
                             'write for example {mg: "8", name: "8 mg tablet"}.'))
            continue
        strengths.append(mg)
        if step is not None and not _is_multiple(mg, step):
            problems.append((f"{here}.mg", f"{dec(mg)} mg is not a multiple of the step of {dec(step)} mg.",
                             "make every unit a multiple of step_mg, or correct step_mg."))
    if step is not None and strengths and min(strengths) != step:
        problems.append((f"{where}.step_mg", (f"The smallest unit is {dec(min(strengths))} mg, not the step of "
                         f"{dec(step)} mg, so some multiples of the step could not be made up."),
                         "make step_mg the strength of the smallest unit."))
    if len(set(strengths)) != len(strengths):
        problems.append((f"{where}.units", "Two units have the same strength.", "list each strength once."))
    if "mg_per_ml" in item or "ml_decimals" in item:
        problems.append((where, "Tablets and films have no mg_per_ml or ml_decimals.",
                         "remove them, or use measure: volume."))
    return problems


def parse(items: Sequence[Mapping[str, Any]]) -> tuple[Formulation, ...]:
    """Validated items → formulations; raises ValueError naming the problems when they are not valid."""
    problems = validate(list(items))
    if problems:
        raise ValueError("; ".join(f"{w}: {m} Fix: {f}" for w, m, f in problems))
    parsed = []
    for item in items:
        note = str(item.get("note") or "").strip()
        units = sorted((Unit(Decimal(str(u["mg"])), str(u["name"])) for u in item.get("units") or ()),
                       key=lambda u: u.mg, reverse=True)
        source = _citation(item["source"])
        assert source is not None  # validated above
        parsed.append(Formulation(
            id=item["id"], medicine=item["medicine"], label=item["label"].strip(),
            step_mg=Decimal(str(item["step_mg"])), measure=item["measure"], source=source,
            default=bool(item.get("default", False)),
            mg_per_ml=Decimal(str(item["mg_per_ml"])) if item["measure"] == VOLUME else None,
            ml_decimals=int(item.get("ml_decimals") or 0), units=tuple(units),
            note=re.sub(r" ([.,;:])", r"\1", " ".join(CITATION.sub("", note).split())), note_source=_citation(note) if note else None))
    return tuple(parsed)


DEFAULTS: tuple[Formulation, ...] = parse(DEFAULT_ITEMS)

# content/formulations.yml, as the taper and the stock planner read it; the built-in defaults without it.
FORMULATIONS = DataSet("formulations", "formulations.yml", validate, parse, default=DEFAULTS)


def default_for(formulations: Sequence[Formulation], medicine: str) -> Formulation:
    """The medicine's usual formulation (the one marked default)."""
    for f in formulations:
        if f.medicine == medicine and f.default:
            return f
    return next(f for f in DEFAULTS if f.medicine == medicine)


def measure(formulation: Formulation, dose_mg: Decimal) -> dict[str, Any]:
    """How to give `dose_mg`: `{"text", "exact", "ml"}` for a liquid, `{"text", "exact", "units"}` for
    tablets or films (the fewest that make the dose). `exact` is false when the dose cannot be
    measured or made up with this formulation (for example after a finer rounding step was chosen)."""
    found = _measure(formulation, dose_mg)
    shown = {"text": _measure_text(formulation, dose_mg, found)}  # in the reader's language: never cached
    if "units" in found:
        return {**shown, **found, "units": [dict(u) for u in found["units"]]}
    return {**shown, **found}


def _amount(value: Decimal) -> str:
    """A volume or strength as dec writes it (no thousands separator), with the reader's decimal mark."""
    return dec(value).replace(".", locale().decimal)


def _measure_text(formulation: Formulation, dose_mg: Decimal, found: dict[str, Any]) -> str:
    """What is given, as a reader reads it: '2.5 mL', '1 × 8 mg tablet + 1 × 2 mg tablet'."""
    if formulation.measure == VOLUME:
        ml = _amount(Decimal(found["ml"]))
        if found["exact"]:
            return f"{ml} mL"  # units stay as they are in every language
        if formulation.ml_decimals == 0:
            return tr("{ml} mL (cannot be measured: whole mL only)", ml=ml)
        return tr("{ml} mL (cannot be measured: to {step} mL only)", ml=ml,
                  step=_amount(Decimal(1).scaleb(-formulation.ml_decimals)))
    if not found["exact"]:
        return tr("{dose} mg cannot be made up from {formulation}", dose=_amount(dose_mg),
                  formulation=tr(formulation.label))
    # The names of tablets and films are content (content/formulations.yml): the catalog translates those it has.
    return " + ".join(tr("{count} × {unit}", count=str(u["count"]), unit=tr(u["name"]))
                      for u in found["units"]) or tr("none")


# A schedule repeats the same doses day after day; working each out once keeps long schedules fast.
# Only numbers are cached here: the text, in the reader's language, is written by measure each time.
@lru_cache(maxsize=4096)
def _measure(formulation: Formulation, dose_mg: Decimal) -> dict[str, Any]:
    if formulation.measure == VOLUME:
        assert formulation.mg_per_ml is not None
        ml = dose_mg / formulation.mg_per_ml
        exact = ml == ml.quantize(Decimal(1).scaleb(-formulation.ml_decimals))
        return {"exact": exact, "ml": dec(ml)}
    counts = fewest_units(tuple(u.mg for u in formulation.units), dose_mg)
    if counts is None:
        return {"exact": False, "units": []}
    units = [{"count": n, "mg": dec(u.mg), "name": u.name} for u, n in zip(formulation.units, counts) if n]
    return {"exact": True, "units": units}


def fewest_units(strengths: tuple[Decimal, ...], dose_mg: Decimal) -> tuple[int, ...] | None:
    """Counts of each strength (largest first) making `dose_mg` with the fewest pieces; None if impossible.

    A dynamic programme over multiples of the smallest strength, not a greedy
    choice: greedy can miss the minimum (for example 16 mg from 12, 8 and 2 mg
    films is 8 + 8, not 12 + 2 + 2). Ties go to larger pieces first.
    """
    grid = min(strengths)
    if dose_mg < 0 or not _is_multiple(dose_mg, grid) or not all(_is_multiple(s, grid) for s in strengths):
        return None
    target = int(dose_mg / grid)
    sizes = [int(s / grid) for s in strengths]
    impossible = target + 1
    fewest = [0] + [impossible] * target
    for amount in range(1, target + 1):
        fewest[amount] = min((fewest[amount - s] + 1 for s in sizes if s <= amount), default=impossible)
    if fewest[target] >= impossible:
        return None
    counts, left = [0] * len(sizes), target
    while left:
        i = next(i for i, s in enumerate(sizes) if s <= left and fewest[left - s] == fewest[left] - 1)
        counts[i] += 1
        left -= sizes[i]
    return tuple(counts)
