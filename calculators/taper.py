"""Dose taper for one patient: a proportional daily reduction.

WHO 2025 ("Assisted withdrawal management") describes, for extreme
medication shortages, setting each day's dose as a percentage of the previous
day's. This module turns that into a schedule a clinician can check by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

from .basis import HANDBOOK_DESIGN, HANDBOOK_FORMULATIONS, WHO_WITHDRAWAL, Rule, Warning
from .fields import CHOICE, DECIMAL, INTEGER, Choice, Field, Reader, dec
from .result import failure, success

NAME = "taper"
TITLE = "Taper calculator"

MEDICINES = (Choice("methadone", "Methadone"), Choice("buprenorphine", "Buprenorphine"))
MODES = (Choice("proportional", "Proportional: a percentage of the previous dose"),)

# Steps of the usual formulation of each medicine (methadone oral solution
# 1 mg/mL; buprenorphine sublingual tablets of 0.4, 2 and 8 mg).
DEFAULT_STEP_MG = {"methadone": Decimal("1"), "buprenorphine": Decimal("0.4")}
# Doses above these are not credible as a daily dose: most likely a typing or unit error.
ABSURD_DOSE_MG = {"methadone": Decimal("1000"), "buprenorphine": Decimal("64")}
# Doses above these are real but above the usual maintenance range: accepted, with a warning.
USUAL_MAX_DOSE_MG = {"methadone": Decimal("120"), "buprenorphine": Decimal("24")}
# WHO 2025's reference durations with acceptable withdrawal and little rebound.
WHO_REFERENCE_DAYS = {"methadone": 10, "buprenorphine": 5}
WHO_MINIMUM_DAYS = 3

WITHDRAWAL = "[@who-2025 §Assisted withdrawal management]"
DESIGN = "[@this-handbook §Calculator design]"

FIELDS: tuple[Field, ...] = (
    Field("medicine", "Medicine", CHOICE, choices=MEDICINES, default="methadone",
          help="The opioid agonist the patient takes now.", source=WITHDRAWAL),
    Field("mode", "Taper method", CHOICE, choices=MODES, default="proportional",
          help="How each day's dose is worked out from the day before.", source=WITHDRAWAL),
    Field("start_dose_mg", "Current daily dose", DECIMAL, unit="mg",
          minimum=Decimal(0), minimum_exclusive=True, placeholder="e.g. 80",
          help="The dose the patient takes now, in mg (not mL).", source=DESIGN),
    Field("percent", "Reduction per step", DECIMAL, unit="%", default="10",
          minimum=Decimal(0), maximum=Decimal(100), minimum_exclusive=True, maximum_exclusive=True,
          help="Each new dose is the previous dose less this percentage.", source=WITHDRAWAL),
    Field("stop_dose_mg", "Stop at or below", DECIMAL, unit="mg", default="0",
          minimum=Decimal(0),
          help="The taper ends once a dose at or below this has been given; 0 tapers to cessation.",
          source=DESIGN),
    Field("step_mg", "Rounding step", DECIMAL, unit="mg", required=False,
          minimum=Decimal(0), minimum_exclusive=True, maximum=Decimal(100),
          help="Doses are rounded to a multiple of this. Empty: 1 mg for methadone oral solution, "
               "0.4 mg for buprenorphine sublingual tablets.", source="[@this-handbook §Formulations]"),
    Field("step_days", "Days at each dose", INTEGER, unit="days", default="1",
          minimum=Decimal(1), maximum=Decimal(28),
          help="How many days each dose is held before the next reduction.", source=DESIGN),
)


@dataclass(frozen=True)
class TaperInputs:
    medicine: str
    start_dose_mg: Decimal
    percent: Decimal
    stop_dose_mg: Decimal
    step_mg: Decimal
    step_days: int


def round_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Nearest multiple of `step`, halves rounded up (not Python's banker's rounding)."""
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def proportional_doses(inputs: TaperInputs) -> list[Decimal]:
    """The distinct doses of the taper, in order; each is held for step_days days.

    Each dose is the previous one less `percent`, rounded to the nearest step
    (halves up), and at least one step lower than the previous one. The taper
    stops once a dose at or below the stop dose has been given, or when the
    next dose would be zero.
    """
    step, keep = inputs.step_mg, 1 - inputs.percent / 100
    doses: list[Decimal] = []
    previous = inputs.start_dose_mg
    while previous > inputs.stop_dose_mg:
        dose = round_to_step(previous * keep, step)
        if dose > previous - step:
            dose = previous - step
        if dose <= 0:
            break
        doses.append(dose)
        previous = dose
    return doses


def read_inputs(raw: Mapping[str, Any]) -> tuple[TaperInputs | None, dict[str, str]]:
    r = Reader(FIELDS, raw)
    medicine = r.get("medicine")
    r.get("mode")
    start, percent, stop = r.get("start_dose_mg"), r.get("percent"), r.get("stop_dose_mg")
    step, step_days = r.get("step_mg"), r.get("step_days")
    if medicine and step is None and "step_mg" not in r.errors:
        step = DEFAULT_STEP_MG[medicine]
    if medicine and start is not None and start > ABSURD_DOSE_MG[medicine]:
        r.error("start_dose_mg", f"{dec(start)} mg of {medicine} a day is not a credible daily dose; "
                f"check the number and the unit (the limit here is {dec(ABSURD_DOSE_MG[medicine])} mg).")
    if start is not None and stop is not None and "start_dose_mg" not in r.errors and stop >= start:
        r.error("stop_dose_mg", "The stop dose must be lower than the current dose.")
    if start is not None and step is not None and "start_dose_mg" not in r.errors and "step_mg" not in r.errors:
        if step > start:
            r.error("step_mg", "The rounding step must not be larger than the current dose.")
        elif (start / step) != (start / step).to_integral_value():
            r.error("start_dose_mg", f"{dec(start)} mg cannot be measured in steps of {dec(step)} mg; "
                    "check the dose or the rounding step.")
    if r.errors:
        return None, r.errors
    return TaperInputs(medicine, start, percent, stop, step, step_days), {}


def first_steps_arithmetic(inputs: TaperInputs, doses: list[Decimal], count: int = 3) -> list[str]:
    """The first reductions written out, so a clinician can check them by hand."""
    lines, previous = [], inputs.start_dose_mg
    for dose in doses[:count]:
        raw = previous * (1 - inputs.percent / 100)
        rounded = round_to_step(raw, inputs.step_mg)
        line = (f"{dec(previous)} × (1 − {dec(inputs.percent)}/100) = {dec(raw)} mg; "
                f"nearest {dec(inputs.step_mg)} mg step: {dec(rounded)} mg")
        if dose != rounded:
            line += f"; not a full step lower, so one step down: {dec(dose)} mg"
        lines.append(line)
        previous = dose
    return lines


def warnings_for(inputs: TaperInputs, days: int) -> list[Warning]:
    found: list[Warning] = []
    if inputs.start_dose_mg > USUAL_MAX_DOSE_MG[inputs.medicine]:
        found.append(Warning(
            "dose_above_usual_range",
            f"{dec(inputs.start_dose_mg)} mg is above the usual daily range of {inputs.medicine} "
            f"(up to about {dec(USUAL_MAX_DOSE_MG[inputs.medicine])} mg). Check that the dose is in mg, not mL.",
            HANDBOOK_DESIGN))
    if days < WHO_MINIMUM_DAYS:
        found.append(Warning(
            "shorter_than_minimum",
            f"This taper lasts {days} day(s): WHO advises that a taper last at least {WHO_MINIMUM_DAYS} days.",
            WHO_WITHDRAWAL, level="danger"))
    reference = WHO_REFERENCE_DAYS[inputs.medicine]
    if days < reference:
        found.append(Warning(
            "faster_than_reference",
            f"This taper lasts {days} day(s), faster than the about {reference} days WHO gives for "
            f"{inputs.medicine} with acceptable withdrawal and little rebound.",
            WHO_WITHDRAWAL))
    found.append(Warning(
        "loss_of_tolerance",
        "Tolerance falls during a taper and after any break. Going back to the old dose can be fatal: "
        "offer naloxone, and re-start at a low dose.",
        WHO_WITHDRAWAL, level="danger"))
    return found


BASIS = (
    Rule("proportional", "Each dose is a fixed percentage lower than the dose before it.", WHO_WITHDRAWAL),
    Rule("rounding", "Each dose is rounded to the nearest multiple of the rounding step; halves are rounded up.",
         HANDBOOK_FORMULATIONS),
    Rule("at_least_one_step", "Each dose is at least one rounding step lower than the dose before it, "
         "so the taper always moves.", HANDBOOK_DESIGN),
    Rule("stop", "The taper ends once a dose at or below the stop dose has been given, or when the next dose "
         "would be zero; the day after the last dose is the first day without medicine.", HANDBOOK_DESIGN),
    Rule("duration", "A taper should last at least 3 days; WHO gives about 5 days for buprenorphine and about "
         "10 days for methadone as durations with acceptable withdrawal and little rebound.", WHO_WITHDRAWAL),
)


def run(raw: Mapping[str, Any], data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Inputs as a plain dict (JSON values) → `{"ok", "errors", "result"}`."""
    inputs, errors = read_inputs(raw)
    if inputs is None:
        return failure(errors)
    doses = proportional_doses(inputs)
    schedule, previous, day = [], inputs.start_dose_mg, 0
    for dose in doses:
        for _ in range(inputs.step_days):
            day += 1
            schedule.append({"day": day, "dose_mg": dec(dose), "change_mg": dec(dose - previous)})
            previous = dose
    total = sum((d * inputs.step_days for d in doses), Decimal(0))
    return success({
        "medicine": inputs.medicine,
        "mode": "proportional",
        "percent": dec(inputs.percent),
        "start_dose_mg": dec(inputs.start_dose_mg),
        "stop_dose_mg": dec(inputs.stop_dose_mg),
        "step_mg": dec(inputs.step_mg),
        "step_days": inputs.step_days,
        "schedule": schedule,
        "days": day,
        "total_mg": dec(total),
        "cessation_day": day + 1,
        "arithmetic": first_steps_arithmetic(inputs, doses),
        "warnings": [w.to_json() for w in warnings_for(inputs, day)],
        "basis": [rule.to_json() for rule in BASIS],
    })
