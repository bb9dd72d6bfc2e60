"""Programme stock planner: will the stock last until resupply, and if not, which options make it last?

A planning figure for a programme manager, not a prescription. The cohort is
given as dose bands (a dose, how many patients take it, whether they are
protected). Protected patients, WHO's high-risk clients, keep their dose.
When current doses do not fit, the options for the other patients are
compared side by side: hold at a lower, stable dose (WHO's "low but stable
doses"), a proportional taper to `floor_mg` on the curve of `tapering.py`,
and, when even the floor for everyone does not fit, the shortfall and the
rows that can be kept. No option goes below the floor, and none stops a
patient while the stock left on the resupply day would have kept them.

All arithmetic is in whole numbers of rounding steps: exact, and fast enough
to search the 0.1 … 99.9 % grid in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .fields import (BOOLEAN, CHOICE, DECIMAL, INTEGER, ROWS, Choice, Field, Reader, dec, is_missing, number_text,
                     plural)
from .formulations import DEFAULTS as USUAL_FORMULATIONS
from .formulations import FORMULATIONS, UNITS, VOLUME, Formulation, default_for
from .interface import Calculator
from .medicines import (ABSURD_DOSE_MG, BUPRENORPHINE, COUNT_LIMIT_MESSAGE, DAYS_LIMIT_MESSAGE, DOSE_LIMIT_MESSAGE,
                        MEDICINES, METHADONE, STOCK_LIMIT_MESSAGE)
from .messages import locale, marked, tr, tr_n
from .result import failure, success
from .stock_view import OPTION_NAMES
from .stock_view import stock as view
from .tapering import MIN_STEP_MG, curve_dose, curve_powers, gentlest_fit, in_steps, taper_safety_warnings
from .vocabulary import (
    CAUTION,
    DANGER,
    HANDBOOK_DESIGN,
    HANDBOOK_STOCK,
    WHO_CONTINUE_OAMT,
    WHO_HIGH_RISK,
    WHO_LOW_STABLE,
    WHO_STRETCHES_STOCK,
    Rule,
    Warning,
    by_level,
    warnings_json,
)

NAME = "stock"
TITLE = "Programme stock planner"

MAX_HORIZON_DAYS = 365
MAX_ROWS = 50
MAX_PATIENTS = 100_000
MAX_STOCK_MG = Decimal(1_000_000_000)
LABEL = marked("Planning figure, not a prescription.")
# The rounding step when none is given: that of each medicine's usual formulation.
DEFAULT_STEP_MG = {f.medicine: f.step_mg for f in USUAL_FORMULATIONS}
DEFAULT_STEPS_TEXT = ", ".join(f"{number_text(f.step_mg)} mg for {f.medicine} ({f.label})" for f in USUAL_FORMULATIONS)

DESIGN = "[@this-handbook §Stock planning]"
HIGH_RISK_CITE = '[@who-2025 §Assisted withdrawal management ^"high-risk clients to be maintained on OAMT"]'
LOW_STABLE_CITE = '[@who-2025 §Assisted withdrawal management ^"Maintaining people on low but stable doses"]'

# How the stock is counted: in mg, in mL of a liquid formulation, or in tablets or films of one strength.
MG, ML, TABLETS = "mg", "ml", "tablets"
STOCK_UNITS = (Choice(MG, "mg"), Choice(ML, "mL of a liquid"), Choice(TABLETS, "tablets or films"))

COHORT_COLUMNS: tuple[Field, ...] = (
    Field("dose_mg", "Daily dose", DECIMAL, unit="mg", minimum=Decimal(0), minimum_exclusive=True,
          help="The daily dose of this band of patients.", source=DESIGN),
    Field("patients", "Patients", INTEGER, minimum=Decimal(1), maximum=Decimal(MAX_PATIENTS),
          limit_message=COUNT_LIMIT_MESSAGE, help="How many patients take this dose.", source=DESIGN),
    Field("protected", "Protected (keeps the dose)", BOOLEAN, required=False,
          help="People WHO wants kept on treatment while any medicine can be given.", source=HIGH_RISK_CITE),
)

FIELDS: tuple[Field, ...] = (
    Field("medicine", "Medicine", CHOICE, choices=MEDICINES, default="methadone",
          help="The medicine whose stock is planned.", source=DESIGN),
    Field("stock_unit", "Stock counted in", CHOICE, choices=STOCK_UNITS, default=MG,
          help="Count the stock as the shelf holds it: in mg, in mL of a liquid, or in tablets or films. The plan "
               "shows the stock in mg.", source=DESIGN),
    Field("stock_mg", "Stock in hand", DECIMAL, unit="mg", minimum=Decimal(0), maximum=MAX_STOCK_MG,
          limit_message=STOCK_LIMIT_MESSAGE, shown_when=(("stock_unit", (MG,)),),
          help="All the medicine in hand now, in mg.", source=DESIGN),
    Field("stock_liquid", "Liquid", CHOICE, shown_when=(("stock_unit", (ML,)),),
          help="The liquid counted, by its strength in mg per mL: check the label on the bottle.", source=DESIGN),
    Field("stock_ml", "Liquid in hand", DECIMAL, unit="mL", minimum=Decimal(0), maximum=MAX_STOCK_MG,
          limit_message=STOCK_LIMIT_MESSAGE, shown_when=(("stock_unit", (ML,)),),
          help="All of this liquid in hand now, in mL, opened bottles included.", source=DESIGN),
    Field("stock_tablet", "Tablet or film", CHOICE, shown_when=(("stock_unit", (TABLETS,)),),
          help="The tablet or film counted, by its strength. If you hold several strengths, add them up in mg "
               "and count the stock in mg instead.",
          source=DESIGN),
    Field("stock_count", "Tablets or films in hand", INTEGER, minimum=Decimal(0), maximum=MAX_STOCK_MG,
          limit_message=STOCK_LIMIT_MESSAGE, shown_when=(("stock_unit", (TABLETS,)),),
          help="How many of these tablets or films are in hand now (whole ones).", source=DESIGN),
    Field("safety_stock_mg", "Safety stock kept back", DECIMAL, unit="mg", default="0", minimum=Decimal(0),
          maximum=MAX_STOCK_MG, limit_message=STOCK_LIMIT_MESSAGE, help="Held back for emergencies; it is not planned for use.", source=DESIGN),
    Field("horizon_days", "Days until resupply", INTEGER, unit="days", minimum=Decimal(1),
          maximum=Decimal(MAX_HORIZON_DAYS),
          help="How many days the stock must last.", source=DESIGN),
    Field("cohort", "Patients by dose", ROWS, columns=COHORT_COLUMNS, maximum=Decimal(MAX_ROWS),
          help=f"One row per dose band (up to {MAX_ROWS} rows): the dose, how many patients take it, and whether they "
               "are protected.",
          source=DESIGN),
    Field("floor_mg", "Hold tapered patients at", DECIMAL, unit="mg", default="0", minimum=Decimal(0),
          help="The low, stable dose that tapered patients stay on; 0 tapers them to cessation.",
          source=LOW_STABLE_CITE),
    Field("step_mg", "Rounding step", DECIMAL, unit="mg", required=False,
          minimum=MIN_STEP_MG, maximum=Decimal(100),
          help="Doses are rounded to a multiple of this. Empty: the step of each medicine's usual formulation, "
               f"{DEFAULT_STEPS_TEXT}.",
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
        r.error("cohort", tr("Use at most {rows} rows: group patients into dose bands.", rows=number_text(MAX_ROWS)))
        return []
    bands: list[Band] = []
    filled = 0
    for number, row in rows:
        if all(is_missing(row.get(c.name)) or row.get(c.name) is False for c in COHORT_COLUMNS):
            continue  # an empty row left in the form
        filled += 1
        cells = Reader(COHORT_COLUMNS, row)
        dose, patients, protected = cells.get("dose_mg"), cells.get("patients"), cells.get("protected")
        if dose is not None and medicine and dose > ABSURD_DOSE_MG[medicine]:
            cells.error("dose_mg", tr(NOT_CREDIBLE[medicine], dose=number_text(dose)) + " " + tr(DOSE_LIMIT_MESSAGE))
        elif dose is not None and step is not None and not in_steps(dose, step)[1]:
            cells.error("dose_mg", tr("{dose} mg cannot be measured in steps of {step} mg; check the dose or the "
                                      "rounding step.", dose=number_text(dose), step=number_text(step)))
        for name, message in cells.errors.items():
            r.error(f"cohort.{number}.{name}", message)
        if not cells.errors and step is not None:
            bands.append(Band(number, in_steps(dose, step)[0], patients, bool(protected)))
    if not filled and not any(k.startswith("cohort") for k in r.errors):
        r.error("cohort", tr("Add at least one row: a dose, a number of patients, and whether they are protected."))
    return bands


# A dose above the medicine's limit, by medicine (one sentence each: the medicine's name is declined in some
# languages).
NOT_CREDIBLE = {
    METHADONE: marked("{dose} mg of methadone a day is not a credible daily dose."),
    BUPRENORPHINE: marked("{dose} mg of buprenorphine a day is not a credible daily dose."),
}
# Stock counted in a formulation of the other medicine, by (the formulation's medicine, the plan's medicine).
OTHER_LIQUID = {
    (METHADONE, BUPRENORPHINE): marked("{liquid} is a methadone liquid; the plan is for buprenorphine."),
    (BUPRENORPHINE, METHADONE): marked("{liquid} is a buprenorphine liquid; the plan is for methadone."),
}
OTHER_TABLET = {
    (METHADONE, BUPRENORPHINE): marked("{formulation} is methadone; the plan is for buprenorphine."),
    (BUPRENORPHINE, METHADONE): marked("{formulation} is buprenorphine; the plan is for methadone."),
}


def liquid_choices(formulations: tuple[Formulation, ...]) -> tuple[Choice, ...]:
    """The liquid formulations, by id: stock in mL of one of them."""
    return tuple(Choice(f.id, f.label) for f in formulations if f.measure == VOLUME)


def tablet_choices(formulations: tuple[Formulation, ...]) -> dict[str, tuple[Formulation, Decimal, Choice]]:
    """Each strength of tablet or film once, as `<formulation id>/<mg>`: stock counted in tablets or films."""
    out: dict[str, tuple[Formulation, Decimal, Choice]] = {}
    seen: set[tuple[str, str]] = set()
    for f in formulations:
        if f.measure != UNITS:
            continue
        for u in f.units:
            if (f.medicine, u.name) in seen or u.name.split()[0] in ("half", "quarter"):  # stock is counted whole
                continue
            seen.add((f.medicine, u.name))
            value = f"{f.id}/{dec(u.mg)}"
            out[value] = (f, u.mg, Choice(value, f"{u.name} ({f.label})"))
    return out


def fields(data: Mapping[str, Any] | None) -> tuple[Field, ...]:
    """The form's fields: the liquids, tablets and films, and each medicine's usual rounding step, from the
    content data (the programme's formulations in use), or the built-in defaults."""
    from dataclasses import replace
    formulations = FORMULATIONS.typed(data)
    usual = [default_for(formulations, m.value) for m in MEDICINES]
    steps = ", ".join(f"{number_text(f.step_mg)} mg for {f.medicine} ({f.label})" for f in usual)
    out = []
    for f in FIELDS:
        if f.name == "stock_liquid":
            f = replace(f, choices=liquid_choices(formulations))
        elif f.name == "stock_tablet":
            f = replace(f, choices=tuple(c for _, _, c in tablet_choices(formulations).values()))
        elif f.name == "step_mg":
            f = replace(f, help="Doses are rounded to a multiple of this. Empty: the step of each medicine's usual "
                                f"formulation, {steps}.")
        out.append(f)
    return tuple(out)


def _stock_in_mg(r: Reader, medicine: str | None, formulations: tuple[Formulation, ...]) -> Decimal | None:
    """The stock in mg, from mg, from mL of a liquid, or from tablets or films; the conversion joins the echo."""
    unit = r.get("stock_unit")
    if unit == ML:
        chosen, ml = r.get("stock_liquid"), r.get("stock_ml")
        liquid = next((f for f in formulations if f.id == chosen), None)
        if liquid is None or ml is None:
            return None
        if medicine and liquid.medicine != medicine:
            text = OTHER_LIQUID.get((liquid.medicine, medicine))
            r.error("stock_liquid", tr(text, liquid=tr(liquid.label)) if text else
                    tr("{liquid} is a {liquid_medicine} liquid; the plan is for {medicine}.", liquid=tr(liquid.label),
                       liquid_medicine=liquid.medicine, medicine=medicine))
            return None
        assert liquid.mg_per_ml is not None
        mg = ml * liquid.mg_per_ml
        r.note("stock_mg", tr("Stock in hand, in mg"),
               f"{number_text(mg)} mg ({number_text(ml)} mL × {number_text(liquid.mg_per_ml)} mg/mL)", mg)
        return mg
    if unit == TABLETS:
        chosen, count = r.get("stock_tablet"), r.get("stock_count")
        found = tablet_choices(formulations).get(chosen or "")
        if found is None or count is None:
            return None
        formulation, strength, _ = found
        if medicine and formulation.medicine != medicine:
            text = OTHER_TABLET.get((formulation.medicine, medicine))
            r.error("stock_tablet", tr(text, formulation=tr(formulation.label)) if text else
                    tr("{formulation} is {formulation_medicine}; the plan is for {medicine}.",
                       formulation=tr(formulation.label), formulation_medicine=formulation.medicine, medicine=medicine))
            return None
        mg = strength * count
        name = formulation.units[[u.mg for u in formulation.units].index(strength)].name
        r.note("stock_mg", tr("Stock in hand, in mg"), f"{number_text(mg)} mg ({number_text(count)} × {tr(name)})", mg)
        return mg
    return r.get("stock_mg")


def read_inputs(raw: Mapping[str, Any], data: Mapping[str, Any] | None = None
                ) -> tuple[StockInputs | None, dict[str, str]]:
    formulations = FORMULATIONS.typed(data)
    r = Reader(fields(data), raw)
    medicine = r.get("medicine")
    stock, safety = _stock_in_mg(r, medicine, formulations), r.get("safety_stock_mg")
    horizon, floor, step = r.get("horizon_days"), r.get("floor_mg"), r.get("step_mg")
    if medicine and step is None and "step_mg" not in r.errors:
        # the step of the medicine's usual formulation: the programme's (formulations_in_use), else the default
        step = default_for(formulations, medicine).step_mg
    if stock is not None and safety is not None and safety > stock:
        r.error("safety_stock_mg", tr("The safety stock cannot be more than the stock in hand."))
    if medicine and floor is not None and floor > ABSURD_DOSE_MG[medicine]:
        r.error("floor_mg", tr(DOSE_LIMIT_MESSAGE))
    bands = _read_cohort(r, medicine, step if "step_mg" not in r.errors else None)
    if r.errors:
        return None, r.errors
    return StockInputs(medicine, stock, safety, horizon, floor, step, tuple(bands), tuple(r.echo())), {}


# ---------------------------------------------------------------- the options


NO_CHANGE, HOLD_LOWER, TAPER_TO_FLOOR, SHORTFALL = "no_change", "hold_lower", "taper_to_floor", "shortfall"
# The order ties are broken in: keep doses as they are, then a single cut held steady, then a taper.
OPTION_ORDER = (NO_CHANGE, HOLD_LOWER, TAPER_TO_FLOOR, SHORTFALL)
OPTION_TITLES = {
    NO_CHANGE: marked("No change"),
    HOLD_LOWER: marked("Hold at a lower, stable dose"),
    TAPER_TO_FLOOR: marked("Proportional taper to the floor"),
    SHORTFALL: marked("Floor for everyone: stock short"),
}


@dataclass
class Group:
    """Patients of one row who follow the same doses in an option (a row splits when some are kept on their
    last dose with the stock left over)."""

    band: Band
    patients: int
    days: list[int]  # the dose on each day until resupply, in steps
    kept: bool = False  # kept on the last dose instead of stopping, with stock that would otherwise be left


@dataclass
class Option:
    id: str
    tenths: int | None  # the percentage × 10 (hold_lower, taper_to_floor); None otherwise
    groups: list[Group]
    budget: int  # usable stock in steps

    @property
    def daily(self) -> list[int]:
        horizon = len(self.groups[0].days) if self.groups else 0
        return [sum(g.days[d] * g.patients for g in self.groups) for d in range(horizon)]

    @property
    def used(self) -> int:
        return sum(sum(g.days) * g.patients for g in self.groups)

    @property
    def reaches(self) -> bool:
        return self.used <= self.budget

    @property
    def min_dose(self) -> int:
        return min(min(g.days) for g in self.groups)


def floor_steps(floor_mg: Decimal, step: Decimal) -> int:
    """The floor in whole steps, rounded up: no dose is ever below floor_mg."""
    steps, whole = in_steps(floor_mg, step)
    return steps if whole else steps + 1


def held_dose(dose: int, tenths: int, floor: int) -> int:
    """hold_lower: the dose cut once by tenths/10 %, rounded to the step (halves up), never below the floor
    nor below one step (holding at 0 is stopping, not a lower dose); a dose at or below the floor is kept."""
    if dose <= floor:
        return dose
    return max((2 * dose * (1000 - tenths) + 1000) // 2000, floor, 1)


def taper_days(dose: int, powers: list[tuple[int, int]], floor: int) -> list[int]:
    """taper_to_floor: day n's dose is the rounded curve dose × keep^n, held at the floor once it reaches it
    (0 from the first day the curve rounds to 0 when the floor is 0); a dose at or below the floor is kept."""
    horizon = len(powers)
    if dose <= floor:
        return [dose] * horizon
    days: list[int] = []
    for power in powers:
        today = curve_dose(dose, power)
        if today <= floor:
            break
        days.append(today)
    return days + [floor] * (horizon - len(days))


def option_at(option_id: str, bands: tuple[Band, ...], tenths: int | None, floor: int, horizon: int,
              budget: int) -> Option:
    """An option's doses for every row, before any patient is kept on with the stock left over."""
    powers = curve_powers((1000 - tenths, 1000), horizon) if option_id == TAPER_TO_FLOOR and tenths else []
    shared: dict[int, list[int]] = {}  # rows on the same dose share one schedule
    groups = []
    for band in bands:
        if band.protected or option_id == NO_CHANGE:
            days = [band.dose] * horizon
        elif band.dose in shared:
            days = shared[band.dose]
        else:
            if option_id == HOLD_LOWER:
                assert tenths is not None
                days = [held_dose(band.dose, tenths, floor)] * horizon
            elif option_id == TAPER_TO_FLOOR:
                days = taper_days(band.dose, powers, floor)
            else:  # SHORTFALL: the floor for everyone (protected rows keep their dose)
                days = [min(band.dose, floor)] * horizon
            shared[band.dose] = days
        groups.append(Group(band, band.patients, days))
    return Option(option_id, tenths, groups, budget)


def use_of(option_id: str, bands: tuple[Band, ...], tenths: int, floor: int, horizon: int) -> int:
    """The cohort's use until resupply (in steps) for an option at tenths/10 %: what the search compares."""
    return option_at(option_id, bands, tenths, floor, horizon, 0).used


def keep_on_with_what_is_left(option: Option) -> Option:
    """No patient stops (0 mg) before resupply while the stock left on the resupply day would have kept them on
    their last dose: those who stop are kept on it, fewest mg needed first, while the stock left allows."""
    left = option.budget - option.used
    if left <= 0:
        return option
    stopping = []
    for index, group in enumerate(option.groups):
        if 0 in group.days:
            first_zero = group.days.index(0)
            last = group.days[first_zero - 1] if first_zero else group.band.dose
            stopping.append((last * (len(group.days) - first_zero), index, first_zero, last))
    groups = list(option.groups)
    extra: list[tuple[int, Group]] = []
    for need, index, first_zero, last in sorted(stopping):
        group = groups[index]
        kept = min(group.patients, left // need) if need else group.patients
        if not kept:
            continue
        left -= kept * need
        days = group.days[:first_zero] + [last] * (len(group.days) - first_zero)
        if kept == group.patients:
            groups[index] = Group(group.band, kept, days, kept=True)
        else:
            groups[index] = Group(group.band, group.patients - kept, group.days)
            extra.append((index, Group(group.band, kept, days, kept=True)))
    for index, group in sorted(extra, key=lambda item: -item[0]):
        groups.insert(index + 1, group)
    return Option(option.id, option.tenths, groups, option.budget)


def gentlest(option_id: str, bands: tuple[Band, ...], floor: int, horizon: int, budget: int) -> Option | None:
    """The option at the gentlest percentage on the 0.1 % grid whose use until resupply fits; None if none."""
    tenths = gentlest_fit(lambda t: use_of(option_id, bands, t, floor, horizon), budget)
    if tenths is None:
        return None
    return keep_on_with_what_is_left(option_at(option_id, bands, tenths, floor, horizon, budget))


def options_for(bands: tuple[Band, ...], floor: int, horizon: int, budget: int) -> list[Option]:
    """no_change when current doses fit; otherwise hold_lower and taper_to_floor where they fit, and the
    floor for everyone (with its shortfall) when neither does."""
    now = option_at(NO_CHANGE, bands, None, floor, horizon, budget)
    if now.reaches:
        return [now]
    found = [o for o in (gentlest(HOLD_LOWER, bands, floor, horizon, budget),
                         gentlest(TAPER_TO_FLOOR, bands, floor, horizon, budget)) if o is not None]
    if not found:
        found.append(keep_on_with_what_is_left(option_at(SHORTFALL, bands, None, floor, horizon, budget)))
    return found


def recommended(options: list[Option]) -> Option:
    """The option that keeps every patient's lowest dose highest, among those that reach resupply; ties go to
    no_change, then hold_lower."""
    reaching = [o for o in options if o.reaches] or options
    return max(reaching, key=lambda o: (o.min_dose, -OPTION_ORDER.index(o.id)))


def rows_that_can_be_kept(bands: tuple[Band, ...], floor: int, horizon: int, budget: int) -> list[Band]:
    """With too little stock even for the floor: the rows that can be kept in treatment until resupply (protected
    rows on their dose, the others at the floor), protected rows first in the order given, then the others,
    lowest need first."""
    def daily(band: Band) -> int:
        return band.patients * (band.dose if band.protected else min(band.dose, floor))

    order = [b for b in bands if b.protected] + sorted((b for b in bands if not b.protected), key=daily)
    kept, used = [], 0
    for band in order:
        need = daily(band) * horizon
        if used + need <= budget:
            kept.append(band)
            used += need
    return kept


# ---------------------------------------------------------------- the result


def run(raw: Mapping[str, Any], data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Inputs as a plain dict (JSON values) → `{"ok", "errors", "result"}`."""
    inputs, errors = read_inputs(raw, data)
    if inputs is None:
        return failure(errors)
    return success(plan(inputs))


SNAPSHOT_WEEK = 7


def snapshot_days(horizon: int) -> list[int]:
    """Day 1, each week, and the resupply day."""
    days = [1] + list(range(SNAPSHOT_WEEK, horizon + 1, SNAPSHOT_WEEK))
    return days if days[-1] == horizon else days + [horizon]


def _runs(days: list[int], step: Decimal) -> list[dict[str, Any]]:
    """A row's doses as runs of equal days: the whole schedule, compactly."""
    out: list[dict[str, Any]] = []
    for day, dose in enumerate(days, start=1):
        if out and out[-1]["dose_mg"] == dec(dose * step):
            out[-1]["to_day"] = day
        else:
            out.append({"from_day": day, "to_day": day, "dose_mg": dec(dose * step)})
    return out


def _group_json(group: Group, step: Decimal, shown: list[int]) -> dict[str, Any]:
    days, b = group.days, group.band
    changed = days[-1] != b.dose
    return {
        "row": b.row, "dose_mg": dec(b.dose * step), "patients": group.patients, "protected": b.protected,
        "kept_on_last_dose": group.kept,
        "doses_on_days": [{"day": d, "dose_mg": dec(days[d - 1] * step)} for d in shown],
        "dose_at_resupply_mg": dec(days[-1] * step),
        "lowest_dose_mg": dec(min(days) * step),
        # the first day on the dose it keeps until resupply (0 mg: the first day without medicine)
        "final_dose_from_day": days.index(days[-1]) + 1 if changed else None,
        "runs": _runs(days, step),
    }


def _option_json(option: Option, inputs: StockInputs, usable: Decimal) -> dict[str, Any]:
    step, horizon = inputs.step_mg, inputs.horizon_days
    daily = option.daily
    used = sum(daily)
    left, covered = usable, 0
    for total in daily:
        left -= total * step
        if left >= 0:
            covered += 1
    out: dict[str, Any] = {
        "id": option.id,
        "title": tr(OPTION_TITLES[option.id]),
        "percent": None if option.tenths is None else dec(Decimal(option.tenths) / 10),
        "daily_totals_mg": [dec(t * step) for t in daily],
        "total_use_mg": dec(used * step),
        "stock_left_mg": dec(usable - used * step),
        "reaches_resupply": option.reaches,
        "days_covered": covered,
        "shortfall_mg": dec(max(used * step - usable, Decimal(0))),
        "min_dose_mg": dec(option.min_dose * step),
        "patients_stopping": sum(g.patients for g in option.groups if 0 in g.days),
        "bands": [_group_json(g, step, snapshot_days(horizon)) for g in option.groups],
    }
    if option.id == SHORTFALL:
        budget, _ = in_steps(usable, step)
        kept = rows_that_can_be_kept(inputs.bands, floor_steps(inputs.floor_mg, step), horizon, budget)
        out["rows_kept"] = [b.row for b in kept]
        out["next_steps"] = [{"code": c, "text": tr(t)} for c, t in NEXT_STEPS]
    return out


def plan(inputs: StockInputs) -> dict[str, Any]:
    step, horizon, bands = inputs.step_mg, inputs.horizon_days, inputs.bands
    usable = inputs.stock_mg - inputs.safety_stock_mg
    budget, _ = in_steps(usable, step)  # use ≤ usable ⟺ use in steps ≤ floor(usable / step)
    floor = floor_steps(inputs.floor_mg, step)
    daily_now = sum(b.dose * b.patients for b in bands)
    days_covered_now = budget // daily_now if daily_now else horizon
    reaches = daily_now * horizon <= budget
    options = options_for(bands, floor, horizon, budget)
    chosen = recommended(options)
    option_results = [_option_json(o, inputs, usable) for o in options]
    lead = next(r for r in option_results if r["id"] == chosen.id)
    arithmetic = [
        tr("Now: {terms} = {total} mg a day",
           terms=" + ".join(f"{_plain(b.patients)} × {number_text(b.dose * step)} mg" for b in bands),
           total=number_text(daily_now * step)),
        tr("Usable stock: {stock} − {safety_stock} = {usable} mg; at {daily} mg a day it lasts {days}",
           stock=number_text(inputs.stock_mg), safety_stock=number_text(inputs.safety_stock_mg),
           usable=number_text(usable), daily=number_text(daily_now * step),
           days=tr_n("{n} whole day", "{n} whole days", days_covered_now, n=number_text(days_covered_now))),
    ]
    if reaches:
        arithmetic.append(tr("{daily} mg × {days} = {total} mg ≤ {usable} mg: no reduction is needed",
                             daily=number_text(daily_now * step), days=plural(horizon, "days"),
                             total=number_text(daily_now * horizon * step), usable=number_text(usable)))
    for o in options:
        if o.id in (HOLD_LOWER, TAPER_TO_FLOOR) and o.tenths is not None:
            used = o.used * step
            if o.tenths > 1:
                lower = use_of(o.id, bands, o.tenths - 1, floor, horizon) * step
                line = tr("{option}: the gentlest reduction on the 0.1 % grid that fits is {percent} % ({used} mg "
                          "until resupply); {lower_percent} % would use {lower_used} mg",
                          option=tr(OPTION_TITLES[o.id]), percent=number_text(Decimal(o.tenths) / 10),
                          used=number_text(used), lower_percent=number_text(Decimal(o.tenths - 1) / 10),
                          lower_used=number_text(lower))
            else:
                line = tr("{option}: the gentlest reduction on the 0.1 % grid that fits is {percent} % ({used} mg "
                          "until resupply)", option=tr(OPTION_TITLES[o.id]),
                          percent=number_text(Decimal(o.tenths) / 10), used=number_text(used))
            arithmetic.append(line)
    # At the end of each day: all the stock in hand (safety stock included), and the usable stock left (in hand
    # less the safety stock), which is what the plan spends; below 0 the safety stock is being used.
    remaining, usable_remaining, left = [], [], inputs.stock_mg
    for total in chosen.daily:
        left -= total * step
        remaining.append(dec(left))
        usable_remaining.append(dec(left - inputs.safety_stock_mg))
    feasible = chosen.reaches
    result: dict[str, Any] = {
        "label": tr(LABEL),
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
        "options": option_results,
        "recommended": chosen.id,
        "recommendation": _recommendation_text(chosen, options, inputs),
        # The recommended option, under the keys of the earlier issues (scripts read them).
        "percent": lead["percent"] if chosen.id != NO_CHANGE else "0",
        "feasible": feasible,
        "daily_totals_mg": lead["daily_totals_mg"],
        "total_use_mg": lead["total_use_mg"],
        "shortfall_mg": lead["shortfall_mg"],
        "days_covered": lead["days_covered"],
        "stock_remaining_mg": remaining,  # in hand, safety stock included
        "usable_stock_remaining_mg": usable_remaining,  # in hand less the safety stock
        "bands": lead["bands"],
        "method": tr(METHOD),
        "arithmetic": arithmetic,
        "warnings": _warnings(inputs, reaches, chosen, options, lead),
        "basis": [{**rule.to_json(), "text": tr(rule.text), "rule": tr(rule.text)} for rule in BASIS],
        "echo": list(inputs.echo),
    }
    if chosen.id == SHORTFALL:
        result["rows_kept"] = lead["rows_kept"]
        result["next_steps"] = lead["next_steps"]
    return result


def _plain(value: Any) -> str:
    """A number as the result has it (no thousands separator), with the reader's decimal mark."""
    return str(value).replace(".", locale().decimal)


def _in_sentence(option_id: str) -> str:
    """An option's name inside a sentence ('hold at a lower, stable dose')."""
    return tr(OPTION_NAMES[option_id]) if option_id in OPTION_NAMES else tr(OPTION_TITLES[option_id]).lower()


def _recommendation_text(chosen: Option, options: list[Option], inputs: StockInputs) -> str:
    step = inputs.step_mg
    if chosen.id == NO_CHANGE:
        return tr("The usable stock covers everyone's current dose until resupply: no change is needed.")
    if chosen.id == SHORTFALL:
        return tr("Even the floor for everyone does not last until resupply: the shortfall must be met by an emergency "
                  "supply or by redistribution from other sites; until then, keep the rows listed, protected first.")
    others = [o for o in options if o is not chosen and o.reaches]
    option, dose = tr(OPTION_TITLES[chosen.id]), number_text(chosen.min_dose * step)
    if not others:
        return tr("{option} is shown first: it keeps every patient's lowest dose highest ({dose} mg).",
                  option=option, dose=dose)
    compared = "; ".join(tr("{option} would take someone to {dose} mg", option=_in_sentence(o.id),
                            dose=number_text(o.min_dose * step)) for o in others)
    if any(o.min_dose == chosen.min_dose for o in others):
        return tr("{option} is shown first: it keeps every patient's lowest dose highest ({dose} mg); {others} (a tie "
                  "goes to the option that changes doses least).", option=option, dose=dose, others=compared)
    return tr("{option} is shown first: it keeps every patient's lowest dose highest ({dose} mg); {others}.",
              option=option, dose=dose, others=compared)


METHOD = marked("Use now is each band's dose times its patients. If the usable stock (stock less safety stock) covers "
                "that use on every day until resupply, nothing changes. Otherwise two options are worked out for the "
                "unprotected patients, each at the gentlest percentage on the 0.1 % grid that fits the usable stock: "
                "hold at a lower, stable dose (every dose cut once by the same percentage, rounded to the step, never "
                "below the floor, and held until resupply), and a proportional taper (day n's dose is the dose × "
                "(1 − percent/100)^n rounded to the step, held at the floor once it reaches it). The page leads with "
                "the option that keeps every patient's lowest dose highest. A patient is never stopped while the stock "
                "left on the resupply day would have kept them on their last dose. Protected patients keep their dose.")

NEXT_STEPS = (
    ("emergency_supply", marked("Request an emergency supply, or bring the resupply forward.")),
    ("redistribute", marked("Redistribute stock from other sites or programmes.")),
    ("review_protected", marked("Review who is protected: WHO wants people at high risk kept on treatment while any "
                                "medicine can be given.")),
)
# The name of the earlier issues, kept for scripts that import it.
OPTIONS = NEXT_STEPS

BASIS = (
    Rule("planning_only", marked("The result is a planning figure for the programme, not a prescription: each "
                                 "patient's dose is decided by their clinician."), HANDBOOK_STOCK),
    Rule("low_stable", marked("A lower dose held steady can ease withdrawal a little and keeps the person in contact "
                              "with the service: the hold-lower option cuts each dose once and holds it until "
                              "resupply."), WHO_LOW_STABLE),
    Rule("proportional", marked("In the taper option each unprotected patient's dose follows the proportional curve; "
                                "proportional tapering reduces higher doses faster, which stretches the stock."),
         WHO_STRETCHES_STOCK),
    Rule("protected", marked("Protected patients, the groups WHO puts first for staying on treatment, keep their dose "
                             "in every option that reaches resupply."), WHO_HIGH_RISK),
    Rule("floor", marked("No option takes a patient below the floor (a floor between two steps counts as the step "
                         "above it); a patient already at or below it keeps their dose. This handbook's rule: a held "
                         "dose is never 0, because holding at 0 is stopping, not a lower dose."), HANDBOOK_STOCK),
    Rule("never_stop", marked("This handbook's rule: no option stops a patient (0 mg) before resupply while the stock "
                              "left on the resupply day would have kept them on their last dose; they are kept on it, "
                              "fewest mg first, because stopping treatment while medicine remains in the store is "
                              "avoidable harm."), HANDBOOK_STOCK),
    Rule("recommended", marked("This handbook's rule: the page leads with the option that keeps every patient's "
                               "lowest dose highest (ties: no change, then hold lower), because the lowest dose is "
                               "where withdrawal and relapse risk are greatest."), HANDBOOK_STOCK),
    Rule("grid", marked("Each option's percentage is the gentlest on the 0.1 % grid whose total use until resupply "
                        "fits the usable stock; on the rounded curve use never rises with the percentage, so a "
                        "bisection of the grid finds it."), HANDBOOK_STOCK),
    Rule("rounding", marked("Each dose is rounded to the nearest multiple of the rounding step, so that it can be "
                            "measured; halves are rounded up."), HANDBOOK_DESIGN),
)


def _warnings(inputs: StockInputs, reaches: bool, chosen: Option, options: list[Option],
              lead: dict[str, Any]) -> list[dict[str, Any]]:
    """Warnings for these inputs (danger first), then those shown with every reduction, marked `standing`."""
    step = inputs.step_mg
    found: list[Warning] = []
    if chosen.id == SHORTFALL:
        short = {"days": plural(inputs.horizon_days, "days"), "shortfall": _plain(lead["shortfall_mg"]),
                 "covered": plural(lead["days_covered"], "days")}
        if lead["rows_kept"]:
            text = tr("The usable stock cannot keep everyone even at the floor for {days}: it is short by {shortfall} "
                      "mg and covers {covered}. Rows that can be kept in treatment until resupply (protected first, "
                      "the others at the floor): {rows}. Request an emergency supply or redistribution from other "
                      "sites now.", rows=", ".join(tr("row {row}", row=_plain(r + 1)) for r in lead["rows_kept"]),
                      **short)
        else:
            text = tr("The usable stock cannot keep everyone even at the floor for {days}: it is short by {shortfall} "
                      "mg and covers {covered}. Rows that can be kept in treatment until resupply (protected first, "
                      "the others at the floor): none. Request an emergency supply or redistribution from other "
                      "sites now.", **short)
        found.append(Warning(DANGER, "stock_short", text, HANDBOOK_STOCK))
    if reaches:
        found.append(Warning(
            CAUTION, "no_reduction_needed",
            tr("The usable stock covers everyone's current dose for all {days} until resupply: no reduction is needed.",
               days=plural(inputs.horizon_days, "days")), WHO_CONTINUE_OAMT))
    if chosen.id == HOLD_LOWER and chosen.tenths is not None:
        found.append(Warning(
            CAUTION, "single_cut",
            tr("Holding at a lower dose means one cut of {percent} % on day 1 for every unprotected patient. This "
               "handbook's advice: a single large cut brings withdrawal on within days, so see each patient in the "
               "first days, score withdrawal, and compare with the taper option, which cuts less at first.",
               percent=number_text(Decimal(chosen.tenths) / 10)), HANDBOOK_STOCK))
    stopping = [g for g in chosen.groups if 0 in g.days]
    if stopping:
        names = "; ".join(tr_n("{n} on {dose} mg stop on day {day}", "{n} on {dose} mg stop on day {day}", g.patients,
                               n=_plain(g.patients), dose=number_text(g.band.dose * step),
                               day=_plain(g.days.index(0) + 1))
                          for g in stopping)
        found.append(Warning(
            DANGER, "patients_stop",
            tr("With a floor of 0 mg some patients stop before resupply ({stopping}): that is abrupt cessation. WHO "
               "names the alternative: keep people on a low but stable dose; set a floor above 0 to see it.",
               stopping=names), WHO_LOW_STABLE))
    protected = sum(b.patients for b in inputs.bands if b.protected)
    if protected:
        found.append(Warning(
            CAUTION, "protected_keep_dose",
            tr_n("{n} protected patient keeps their dose throughout.", "{n} protected patients keep their dose "
                 "throughout.", protected, n=_plain(protected)), WHO_HIGH_RISK))
    elif not reaches:
        found.append(Warning(
            DANGER, "none_protected",
            tr("No patient is marked protected. WHO puts some people first for staying on treatment: pregnancy, a "
               "severely weakened immune system, HIV (ART), HCV or TB medicines begun in the past month, diabetes, "
               "some mental health conditions. Mark their rows as protected."), WHO_HIGH_RISK))
    standing = [Warning(CAUTION, "planning_figure",
                        tr("Planning figure, not a prescription. Each patient's dose is decided by their clinician, "
                           "who can hold a dose when withdrawal is moderate or worse."), HANDBOOK_STOCK)]
    if not reaches:
        standing += [w for w in taper_safety_warnings() if w.id in ("loss_of_tolerance", "restart_after_gap",
                                                                    "naloxone", "monitor_withdrawal")]
    # The planning label leads the standing group; the safety warnings follow, danger first.
    return warnings_json(found, standing[:1] + by_level(standing[1:]))


CALCULATOR = Calculator(name=NAME, title=TITLE, fields=fields, run=run, view=view, data_sets=(FORMULATIONS,))
