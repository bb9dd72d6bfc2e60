"""Programme stock planner: will the stock last until resupply, and if not, what reduction makes it last?

A planning figure for a programme manager, not a prescription. The cohort is
given as dose bands (a dose, how many patients take it, whether they are
protected). Protected patients, WHO's high-risk clients, keep their dose.
Every other patient follows the proportional taper of `taper.py` from their
dose, with the stop dose at `floor_mg`: after it they stay on its last dose
when the floor is above 0, or stop when it is 0. WHO 2025 notes that
proportional tapering reduces higher doses faster, which stretches the stock.

All arithmetic is in whole numbers of rounding steps: exact, and fast enough
to try every percentage on the 0.1 … 99.9 grid in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .fields import BOOLEAN, CHOICE, DECIMAL, INTEGER, ROWS, Field, Reader, dec, is_missing
from .formulations import DEFAULTS as USUAL_FORMULATIONS
from .interface import Calculator, fixed_fields
from .medicines import ABSURD_DOSE_MG, MEDICINES, WHO_MINIMUM_DAYS, WHO_REFERENCE_DAYS
from .result import failure, success
from .stock_view import stock as view
from .tapering import GRID_TENTHS, MIN_STEP_MG, in_steps, proportional_units, taper_safety_warnings
from .vocabulary import CAUTION, DANGER, HANDBOOK_DESIGN, HANDBOOK_STOCK, WHO_WITHDRAWAL, Rule, Warning

NAME = "stock"
TITLE = "Programme stock planner"

MAX_HORIZON_DAYS = 365
MAX_ROWS = 50
MAX_PATIENTS = 100_000
MAX_STOCK_MG = Decimal(1_000_000_000)
LABEL = "Planning figure, not a prescription."
# The rounding step when none is given: that of each medicine's usual formulation.
DEFAULT_STEP_MG = {f.medicine: f.step_mg for f in USUAL_FORMULATIONS}

DESIGN = "[@this-handbook §Stock planning]"
WITHDRAWAL = "[@who-2025 §Assisted withdrawal management]"

COHORT_COLUMNS: tuple[Field, ...] = (
    Field("dose_mg", "Daily dose", DECIMAL, unit="mg", minimum=Decimal(0), minimum_exclusive=True,
          help="The daily dose of this band of patients.", source=DESIGN),
    Field("patients", "Patients", INTEGER, minimum=Decimal(1), maximum=Decimal(MAX_PATIENTS),
          help="How many patients take this dose.", source=DESIGN),
    Field("protected", "Protected (keeps the dose)", BOOLEAN, required=False,
          help="High-risk clients whom WHO advises keeping on OAMT as long as possible.", source=WITHDRAWAL),
)

FIELDS: tuple[Field, ...] = (
    Field("medicine", "Medicine", CHOICE, choices=MEDICINES, default="methadone",
          help="The medicine whose stock is planned.", source=DESIGN),
    Field("stock_mg", "Stock in hand", DECIMAL, unit="mg", minimum=Decimal(0), maximum=MAX_STOCK_MG,
          help="All the medicine in hand now, in mg.", source=DESIGN),
    Field("safety_stock_mg", "Safety stock kept back", DECIMAL, unit="mg", default="0", minimum=Decimal(0),
          maximum=MAX_STOCK_MG, help="Held back for emergencies; it is not planned for use.", source=DESIGN),
    Field("horizon_days", "Days until resupply", INTEGER, unit="days", minimum=Decimal(1),
          maximum=Decimal(MAX_HORIZON_DAYS), help="How many days the stock must last.", source=DESIGN),
    Field("cohort", "Patients by dose", ROWS, columns=COHORT_COLUMNS,
          help="One row per dose band: the dose, how many patients take it, and whether they are protected.",
          source=DESIGN),
    Field("floor_mg", "Hold tapered patients at", DECIMAL, unit="mg", default="0", minimum=Decimal(0),
          help="The low, stable dose that tapered patients stay on; 0 tapers them to cessation.", source=WITHDRAWAL),
    Field("step_mg", "Rounding step", DECIMAL, unit="mg", required=False,
          minimum=MIN_STEP_MG, maximum=Decimal(100),
          help="Doses are rounded to a multiple of this. Empty: 1 mg for methadone, 0.4 mg for buprenorphine.",
          source="[@this-handbook §Formulations]"),
)


@dataclass(frozen=True)
class Band:
    """Patients on one dose, in whole rounding steps."""

    row: int  # the row's index in the input, for messages
    dose: int
    patients: int
    protected: bool


@dataclass(frozen=True)
class StockInputs:
    medicine: str
    stock_mg: Decimal
    safety_stock_mg: Decimal
    horizon_days: int
    floor_mg: Decimal
    step_mg: Decimal
    bands: tuple[Band, ...]
    echo: tuple[dict[str, Any], ...] = ()


# ---------------------------------------------------------------- reading the inputs


def _read_cohort(r: Reader, medicine: str | None, step: Decimal | None) -> list[Band]:
    """The rows of the cohort (`cohort.<n>.dose_mg`, `.patients`, `.protected`), errors under the same names."""
    rows = r.rows("cohort")
    if len(rows) > MAX_ROWS:
        r.error("cohort", f"Use at most {MAX_ROWS} rows: group patients into dose bands.")
        return []
    bands: list[Band] = []
    for number, row in rows:
        if all(is_missing(row.get(c.name)) or row.get(c.name) is False for c in COHORT_COLUMNS):
            continue  # an empty row left in the form
        cells = Reader(COHORT_COLUMNS, row)
        dose, patients, protected = cells.get("dose_mg"), cells.get("patients"), cells.get("protected")
        if dose is not None and medicine and dose > ABSURD_DOSE_MG[medicine]:
            cells.error("dose_mg", f"{dec(dose)} mg of {medicine} a day is not a credible daily dose (the limit "
                        f"here is {dec(ABSURD_DOSE_MG[medicine])} mg).")
        elif dose is not None and step is not None and not in_steps(dose, step)[1]:
            cells.error("dose_mg", f"{dec(dose)} mg cannot be measured in steps of {dec(step)} mg; check the dose "
                        "or the rounding step.")
        for name, message in cells.errors.items():
            r.error(f"cohort.{number}.{name}", message)
        if not cells.errors and step is not None:
            bands.append(Band(number, in_steps(dose, step)[0], patients, bool(protected)))
    if not bands and not any(k.startswith("cohort") for k in r.errors):
        r.error("cohort", "Add at least one row: a dose, a number of patients, and whether they are protected.")
    return bands


def read_inputs(raw: Mapping[str, Any]) -> tuple[StockInputs | None, dict[str, str]]:
    r = Reader(FIELDS, raw)
    medicine, stock, safety = r.get("medicine"), r.get("stock_mg"), r.get("safety_stock_mg")
    horizon, floor, step = r.get("horizon_days"), r.get("floor_mg"), r.get("step_mg")
    if medicine and step is None and "step_mg" not in r.errors:
        step = DEFAULT_STEP_MG[medicine]
    if stock is not None and safety is not None and safety > stock:
        r.error("safety_stock_mg", "The safety stock cannot be more than the stock in hand.")
    if medicine and floor is not None and floor > ABSURD_DOSE_MG[medicine]:
        r.error("floor_mg", f"Enter a dose of at most {dec(ABSURD_DOSE_MG[medicine])} mg.")
    bands = _read_cohort(r, medicine, step if "step_mg" not in r.errors else None)
    if r.errors:
        return None, r.errors
    return StockInputs(medicine, stock, safety, horizon, floor, step, tuple(bands), tuple(r.echo())), {}


# ---------------------------------------------------------------- the plan


def band_taper(band: Band, tenths: int, floor: int, floor_is_zero: bool, horizon: int) -> tuple[list[int], int]:
    """An unprotected band's taper at `tenths`/10 % (in steps, at most `horizon` doses) and the dose after it."""
    doses = proportional_units(band.dose, (1000 - tenths, 1000), floor, horizon)
    if floor_is_zero:
        after = 0
    elif doses:
        after = doses[-1]
    else:  # at or below the floor already (it keeps its dose), or the first reduced dose would be 0
        after = band.dose if band.dose <= floor else 0
    return doses, after


def band_days(band: Band, tenths: int | None, floor: int, floor_is_zero: bool, horizon: int) -> list[int]:
    """The band's dose on each day of the horizon (in steps), at `tenths`/10 % (None: no reduction)."""
    if band.protected or tenths is None:
        return [band.dose] * horizon
    doses, after = band_taper(band, tenths, floor, floor_is_zero, horizon)
    return doses + [after] * (horizon - len(doses))


def band_use(band: Band, tenths: int, floor: int, floor_is_zero: bool, horizon: int) -> int:
    """What one unprotected patient of the band uses over the horizon (in steps)."""
    doses, after = band_taper(band, tenths, floor, floor_is_zero, horizon)
    return sum(doses) + after * (horizon - len(doses))


def use_at(bands: tuple[Band, ...], tenths: int, floor: int, floor_is_zero: bool, horizon: int) -> int:
    """The cohort's use over the horizon at `tenths`/10 %, in steps."""
    total, per_dose = 0, {}
    for band in bands:
        if band.protected:
            total += band.dose * horizon * band.patients
        else:
            key = band.dose
            if key not in per_dose:  # bands on the same dose share one schedule
                per_dose[key] = band_use(band, tenths, floor, floor_is_zero, horizon)
            total += per_dose[key] * band.patients
    return total


@dataclass(frozen=True)
class Search:
    tenths: int | None  # the smallest fitting percentage × 10; None when nothing fits
    used: int  # use over the horizon at that percentage, or at `least_tenths` when nothing fits
    used_one_lower: int | None  # use at the next lower grid percentage (which does not fit)
    least_tenths: int | None  # when nothing fits: the percentage that uses least (the closest plan)


def search(bands: tuple[Band, ...], floor: int, floor_is_zero: bool, horizon: int, budget: int) -> Search:
    """The smallest percentage on the 0.1 … 99.9 grid whose total use until resupply fits `budget`.

    A linear scan that stops at the first fit: rounding makes use over the
    horizon not strictly monotone in the percentage, so bisection could miss
    the smallest fit. Each percentage's total is exact (no early exit inside
    it), so the same pass finds the closest plan when nothing fits.
    """
    previous: int | None = None
    least, least_tenths = None, None
    for tenths in GRID_TENTHS:
        used = use_at(bands, tenths, floor, floor_is_zero, horizon)
        if used <= budget:
            return Search(tenths, used, previous, None)
        previous = used
        if least is None or used < least:  # ties keep the smaller percentage
            least, least_tenths = used, tenths
    # Nothing fits: the plan that comes closest shows the shortfall.
    assert least is not None
    return Search(None, least, None, least_tenths)


def run(raw: Mapping[str, Any], data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Inputs as a plain dict (JSON values) → `{"ok", "errors", "result"}`."""
    inputs, errors = read_inputs(raw)
    if inputs is None:
        return failure(errors)
    return success(plan(inputs))


def plan(inputs: StockInputs) -> dict[str, Any]:
    step, horizon, bands = inputs.step_mg, inputs.horizon_days, inputs.bands
    usable = inputs.stock_mg - inputs.safety_stock_mg
    budget, _ = in_steps(usable, step)  # use ≤ usable ⟺ use in steps ≤ floor(usable / step)
    floor, _ = in_steps(inputs.floor_mg, step)
    floor_is_zero = inputs.floor_mg == 0
    daily_now = sum(b.dose * b.patients for b in bands)
    days_covered_now = budget // daily_now if daily_now else horizon
    reaches = daily_now * horizon <= budget
    arithmetic = [
        "Now: " + " + ".join(f"{b.patients} × {dec(b.dose * step)} mg" for b in bands)
        + f" = {dec(daily_now * step)} mg a day",
        (f"Usable stock: {dec(inputs.stock_mg)} − {dec(inputs.safety_stock_mg)} = {dec(usable)} mg; at "
        f"{dec(daily_now * step)} mg a day it lasts {days_covered_now} whole days"),
    ]
    if reaches:
        found = Search(None, daily_now * horizon, None, None)
        tenths = None
        arithmetic.append(f"{dec(daily_now * step)} mg × {horizon} days = {dec(daily_now * horizon * step)} mg "
                          f"≤ {dec(usable)} mg: no reduction is needed")
    else:
        found = search(bands, floor, floor_is_zero, horizon, budget)
        tenths = found.tenths if found.tenths is not None else found.least_tenths
        if found.tenths is not None:
            line = (f"The smallest reduction on the 0.1 % grid that fits: {dec(Decimal(found.tenths) / 10)} % "
                    f"({dec(found.used * step)} mg over {horizon} days)")
            if found.used_one_lower is not None:
                line += (f"; at {dec(Decimal(found.tenths - 1) / 10)} % the plan would use "
                         f"{dec(found.used_one_lower * step)} mg")
            arithmetic.append(line)
    per_band = [band_days(b, tenths, floor, floor_is_zero, horizon) for b in bands]
    daily = [sum(days[d] * b.patients for b, days in zip(bands, per_band)) for d in range(horizon)]
    remaining, left, days_covered = [], inputs.stock_mg, 0
    usable_left = usable
    for total in daily:
        left -= total * step
        usable_left -= total * step
        remaining.append(dec(left))
        if usable_left >= 0:
            days_covered += 1
    feasible = reaches or found.tenths is not None
    shortfall = Decimal(0) if feasible else found.used * step - usable
    percent = Decimal(0) if reaches else (Decimal(found.tenths) / 10 if found.tenths is not None else None)
    snapshot_days = [1] + list(range(7, horizon + 1, 7))
    band_results = []
    for b, days in zip(bands, per_band):
        changed = days[-1] != b.dose
        band_results.append({
            "row": b.row, "dose_mg": dec(b.dose * step), "patients": b.patients, "protected": b.protected,
            "doses_on_days": [{"day": d, "dose_mg": dec(days[d - 1] * step)} for d in snapshot_days],
            "dose_at_resupply_mg": dec(days[-1] * step),
            # the first day on the dose it keeps until resupply (0 mg: the first day without medicine)
            "final_dose_from_day": days.index(days[-1]) + 1 if changed else None,
        })
    result: dict[str, Any] = {
        "label": LABEL,
        "medicine": inputs.medicine,
        "step_mg": dec(step),
        "stock_mg": dec(inputs.stock_mg),
        "safety_stock_mg": dec(inputs.safety_stock_mg),
        "usable_stock_mg": dec(usable),
        "horizon_days": horizon,
        "floor_mg": dec(inputs.floor_mg),
        "daily_mg_now": dec(daily_now * step),
        "days_covered_at_current_doses": days_covered_now,
        "reaches_resupply": reaches,
        "percent": None if percent is None else dec(percent),
        "feasible": feasible,
        "daily_totals_mg": [dec(t * step) for t in daily],
        "total_use_mg": dec(sum(daily) * step),
        "shortfall_mg": dec(shortfall),
        "days_covered": days_covered,
        "stock_remaining_mg": remaining,
        "bands": band_results,
        "method": METHOD,
        "arithmetic": arithmetic,
        "warnings": [w.to_json() for w in _warnings(inputs, reaches, found, tenths, per_band, shortfall,
                                                       days_covered)],
        "basis": [rule.to_json() for rule in BASIS],
        "echo": list(inputs.echo),
    }
    if not feasible:
        result["closest_percent"] = dec(Decimal(tenths or 0) / 10)
        result["options"] = [{"code": c, "text": t} for c, t in OPTIONS]
    return result


METHOD = ("Use now is each band's dose times its patients. If the usable stock (stock less safety stock) covers "
          "that use on every day until resupply, no reduction is needed. Otherwise every unprotected patient "
          "follows the same proportional taper from their own dose (each dose a percentage below the one before, "
          "rounded to the step with halves up, at least one step lower), down to the floor; the percentage is the "
          "smallest of 0.1 %, 0.2 %, … 99.9 % for which the cohort's use until resupply fits the usable stock. "
          "Protected patients keep their dose.")

OPTIONS = (
    ("review_protected", ("Review who is protected, knowing that WHO advises keeping high-risk clients on OAMT as "
                         "long as possible.")),
    ("redistribute", "Redistribute stock between sites or programmes."),
    ("emergency_supply", "Request an emergency supply, or bring the resupply forward."),
)

BASIS = (
    Rule("planning_only", "The result is a planning figure for the programme, not a prescription: each patient's "
         "dose is decided by their clinician.", HANDBOOK_STOCK),
    Rule("proportional", "Each unprotected patient's dose is a fixed percentage lower than the dose before it; "
         "proportional tapering reduces higher doses faster, which stretches the stock.", WHO_WITHDRAWAL),
    Rule("protected", "High-risk clients are kept on OAMT as long as possible: protected patients keep their dose.",
         WHO_WITHDRAWAL),
    Rule("floor", "Maintaining people on low but stable doses may give limited relief while preserving the "
         "therapeutic relationship: with a floor above 0, tapered patients stay on the last dose of their taper.",
         WHO_WITHDRAWAL),
    Rule("grid", "The percentage is the smallest on the 0.1 % grid whose total use until resupply fits the usable "
         "stock; rounding makes use not strictly monotone in the percentage, so every grid value is tried in "
         "order.", HANDBOOK_STOCK),
    Rule("rounding", "Each dose is rounded to the nearest multiple of the rounding step; halves are rounded up; "
         "each dose is at least one step lower than the dose before it.", HANDBOOK_DESIGN),
)


def _warnings(inputs: StockInputs, reaches: bool, found: Search, tenths: int | None, per_band: list[list[int]],
              shortfall: Decimal, days_covered: int) -> list[Warning]:
    step = inputs.step_mg
    found_list: list[Warning] = [Warning(
        CAUTION, "planning_figure", f"{LABEL} Each patient's dose is decided by their clinician, who can hold a dose "
        "when withdrawal is moderate or worse.", HANDBOOK_STOCK)]
    if not reaches and found.tenths is None:
        found_list.append(Warning(
            DANGER, "stock_short",
            f"The usable stock cannot last {inputs.horizon_days} days, even with the largest reductions: it is "
            f"short by {dec(shortfall)} mg and covers {days_covered} days. Options: review who is protected, "
            "redistribute stock, or get an emergency supply.", HANDBOOK_STOCK))
    if reaches:
        found_list.append(Warning(
            CAUTION, "no_reduction_needed", f"The usable stock covers everyone's current dose for all {inputs.horizon_days} "
            "days until resupply: no reduction is needed.", WHO_WITHDRAWAL))
    protected = sum(b.patients for b in inputs.bands if b.protected)
    if protected:
        found_list.append(Warning(
            CAUTION, "protected_keep_dose", f"{protected} protected patient(s) keep their dose throughout.", WHO_WITHDRAWAL))
    elif not reaches:
        found_list.append(Warning(
            DANGER, "none_protected", "No patient is marked protected. WHO advises keeping high-risk clients (pregnancy, "
            "serious immunocompromise, ART, hepatitis C or TB treatment started in the last month, diabetes, "
            "certain mental health conditions) on OAMT as long as possible.", WHO_WITHDRAWAL))
    if not reaches and tenths is not None:
        percent = dec(Decimal(tenths) / 10)
        for b, days in zip(inputs.bands, per_band):
            if b.protected:
                continue
            dose = dec(b.dose * step)
            if not days[0]:
                found_list.append(Warning(
                    DANGER, "band_stops_at_once", f"At {percent} %, patients on {dose} mg would stop at once: the first "
                    "reduced dose rounds to 0.", WHO_WITHDRAWAL))
            elif inputs.floor_mg == 0 and 0 in days:
                stop_day = days.index(0)  # dosing days before the first day without medicine
                reference = WHO_REFERENCE_DAYS[inputs.medicine]
                if stop_day < reference:
                    found_list.append(Warning(
                        DANGER if stop_day < WHO_MINIMUM_DAYS else CAUTION, "band_faster_than_reference",
                        f"At {percent} %, patients on {dose} mg stop after {stop_day} day(s): "
                        + ("shorter than WHO's minimum of 3 days and " if stop_day < WHO_MINIMUM_DAYS else "")
                        + f"faster than the about {reference} days WHO gives for {inputs.medicine}.",
                        WHO_WITHDRAWAL))
    if not reaches:
        found_list += [w for w in taper_safety_warnings() if w.id in ("loss_of_tolerance", "naloxone",
                                                                  "monitor_withdrawal")]
    return found_list


CALCULATOR = Calculator(name=NAME, title=TITLE, fields=fixed_fields(FIELDS), run=run, view=view)
