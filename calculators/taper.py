"""Dose taper for one patient, when a taper cannot be avoided.

WHO 2025 (section "Assisted withdrawal management") allows, in a severe
shortage, a taper in which every day's dose is a fixed fraction of the day
before, lasting 3 days or more; it names roughly 5 days for buprenorphine and
10 for methadone as lengths people tolerate, and wants people at high risk
kept on treatment while it can be given. This module turns that
into a schedule a clinician can check by hand, in four modes:

- proportional: each dose a percentage below the one before;
- linear: each dose a fixed amount below the one before;
- target_days: the percentage that reaches the stop dose in a given number of steps;
- stock_limited: the smallest percentage whose days until resupply fit the stock set aside.

Every mode follows one curve (issue 12): step n's dose is
start × (1 − percent/100)^n, or start − n × amount, rounded to the nearest
dispensable step; a dose is held while the rounded curve stays on it. A
schedule shorter than WHO's 3 days, or with a dose the formulation cannot
give, is refused with a value that works; a schedule that stops above this
handbook's low-dose threshold opens with a danger warning.

All arithmetic is exact (decimals, fractions, or whole numbers of rounding steps).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .fields import (BOOLEAN, CHOICE, DATE, DECIMAL, INTEGER, MULTICHOICE, Choice, Field, Reader, dec, number_text,
                     plural)
from .formulations import DEFAULTS, FORMULATIONS, Formulation, default_for, measure
from .interface import Calculator, fixed_fields
from .medicines import (ABSURD_DOSE_MG, DOSE_LIMIT_MESSAGE, MEDICINES, STOCK_LIMIT_MESSAGE, USUAL_MAX_DOSE_MG,
                        WHO_MINIMUM_DAYS, WHO_REFERENCE_DAYS)
from .messages import locale, marked, tr, tr_n
from .result import failure, success
from .taper_view import taper as view
from .tapering import (
    GRID_TENTHS,
    LOW_END_DOSE_MG,
    MAX_TAPER_DAYS,
    MIN_STEP_MG,
    ending_high_warning,
    gentlest_fit,
    in_steps,
    largest_with,
    linear_doses,
    proportional_doses,
    proportional_units,
    target_percent,
    taper_safety_warnings,
    use_within,
)
from .vocabulary import (
    CAUTION,
    DANGER,
    HANDBOOK_DESIGN,
    HANDBOOK_FORMULATIONS,
    WHO_CONTINUE_OAMT,
    WHO_HIGH_RISK,
    WHO_LOW_STABLE,
    WHO_MINIMUM_DURATION,
    WHO_PROPORTIONAL,
    WHO_REFERENCE_DURATIONS,
    Rule,
    Warning,
    warnings_json,
)

NAME = "taper"
TITLE = "Taper calculator"

PROPORTIONAL, LINEAR, TARGET_DAYS, STOCK_LIMITED = "proportional", "linear", "target_days", "stock_limited"
MODES = (
    Choice(PROPORTIONAL, "Proportional: a percentage of the previous dose"),
    Choice(LINEAR, "Linear: a fixed amount less each step"),
    Choice(TARGET_DAYS, "Target length: reach the stop dose in a number of steps"),
    Choice(STOCK_LIMITED, "Stock limited: make the stock set aside last until resupply"),
)
# WHO 2025, Assisted withdrawal management: the people WHO wants kept on treatment the longest.
HIGH_RISK = (
    Choice("pregnancy", "Pregnancy"),
    Choice("immunocompromised", "Severely weakened immune system"),
    Choice("recent_art_hcv_tb", "HIV (ART), HCV or TB medicines begun in the past month"),
    Choice("diabetes", "Diabetes"),
    Choice("mental_health", "Some mental health conditions"),
)

MAX_HORIZON_DAYS = 365
# The latest first day whose schedule's dates (and the day after the last dose) are all in the calendar.
LATEST_START_DATE = _dt.date.max - _dt.timedelta(days=max(MAX_TAPER_DAYS, MAX_HORIZON_DAYS) + 1)
MAX_STOCK_MG = Decimal(1_000_000)

# Without local settings (content/settings.yml, formulations_in_use), each medicine's usual formulation.
DEFAULT_FORMULATIONS_TEXT = "; ".join(f.label for f in DEFAULTS)

# The basis shown under each field of the form (content markup, rendered at build time).
PROPORTIONAL_CITE = '[@who-2025 §Assisted withdrawal management ^"calculated as a percentage of the previous day"]'
DURATION_CITE = '[@who-2025 §Assisted withdrawal management ^"dose tapering should be at least 3 days"]'
HIGH_RISK_CITE = '[@who-2025 §Assisted withdrawal management ^"high-risk clients to be maintained on OAMT"]'
DESIGN = "[@this-handbook §Calculator design]"
FORMULATIONS_CITE = "[@this-handbook §Formulations]"


def plain_number(value: Any) -> str:
    """A number as the result's JSON writes it (no thousands separator), with the reader's decimal mark."""
    return dec(value if isinstance(value, Decimal) else Decimal(str(value))).replace(".", locale().decimal)


def in_sentence(label: str) -> str:
    """A choice's label inside a sentence, in the reader's language: 'methadone', 'pregnancy' (an initial capital
    is dropped; a word in capitals, such as an acronym, is kept)."""
    shown = tr(label)
    if shown == label:
        return label.lower()
    return shown[:1].lower() + shown[1:] if shown[1:2].islower() else shown


def medicine_name(medicine: str) -> str:
    """The medicine's name inside a sentence: 'methadone' (in French 'méthadone')."""
    return in_sentence(next((c.label for c in MEDICINES if c.value == medicine), medicine))


def _when_mode(*modes: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return (("mode", modes),)


FIELDS: tuple[Field, ...] = (
    Field("medicine", "Medicine", CHOICE, choices=MEDICINES, default="methadone",
          help="The opioid agonist the patient takes now.", source=DESIGN),
    Field("formulation", "Formulation", CHOICE, choices_from="formulations", required=False,
          help="What the patient is given: it sets the rounding step and how each dose is measured. Empty: the "
               "medicine's usual formulation, chosen by the programme's local settings (formulations_in_use, the "
               f"first of each medicine); without them: {DEFAULT_FORMULATIONS_TEXT}.", source=FORMULATIONS_CITE),
    Field("start_dose_mg", "Current daily dose", DECIMAL, unit="mg",
          minimum=Decimal(0), minimum_exclusive=True, placeholder="e.g. 80",
          help="The dose the patient takes now, in mg (not mL).", source=DESIGN),
    Field("mode", "Taper method", CHOICE, choices=MODES, default=PROPORTIONAL,
          help="How each dose is worked out from the one before.", source=PROPORTIONAL_CITE),
    Field("percent", "Reduction per step", DECIMAL, unit="%", default="10",
          minimum=Decimal(0), maximum=Decimal(100), minimum_exclusive=True, maximum_exclusive=True,
          shown_when=_when_mode(PROPORTIONAL),
          help="Each new dose is the previous dose less this percentage.", source=PROPORTIONAL_CITE),
    Field("amount_mg", "Reduction per step", DECIMAL, unit="mg",
          minimum=Decimal(0), minimum_exclusive=True, maximum=Decimal(1000), shown_when=_when_mode(LINEAR),
          limit_message=DOSE_LIMIT_MESSAGE,
          help="Each new dose is the previous dose less this amount.", source=DESIGN),
    Field("stop_dose_mg", "Stop at or below", DECIMAL, unit="mg", default="0",
          minimum=Decimal(0),
          help="The taper ends once a dose at or below this has been given; 0 tapers to cessation.",
          source=DESIGN),
    Field("target_days", "Number of steps to the stop dose", INTEGER, unit="steps",
          minimum=Decimal(WHO_MINIMUM_DAYS), maximum=Decimal(MAX_HORIZON_DAYS), shown_when=_when_mode(TARGET_DAYS),
          help="The percentage is worked out so that the stop dose is reached in about this many dosing steps. "
               "WHO: at least 3 days; about 5 for buprenorphine, 10 for methadone.", source=DURATION_CITE),
    Field("stock_mg", "Stock set aside for this patient", DECIMAL, unit="mg",
          minimum=Decimal(0), maximum=MAX_STOCK_MG, shown_when=_when_mode(STOCK_LIMITED), limit_message=STOCK_LIMIT_MESSAGE,
          help="The medicine available for this patient until resupply, in mg.", source=DESIGN),
    Field("horizon_days", "Days until resupply", INTEGER, unit="days",
          minimum=Decimal(1), maximum=Decimal(MAX_HORIZON_DAYS), shown_when=_when_mode(STOCK_LIMITED),
          help="How many days the stock must last; days after the last dose count as 0.", source=DESIGN),
    Field("step_mg", "Rounding step", DECIMAL, unit="mg", required=False,
          minimum=MIN_STEP_MG, maximum=Decimal(100),
          help="Doses are rounded to a multiple of this. Empty: the formulation's step (for example 1 mg for "
               "methadone oral solution 1 mg/mL, 2 mg for buprenorphine 2 and 8 mg tablets).",
          source=FORMULATIONS_CITE),
    Field("step_days", "Days at each dose", INTEGER, unit="days", default="1",
          minimum=Decimal(1), maximum=Decimal(28),
          help="How many days each dose is held before the next reduction.", source=DESIGN),
    Field("start_date", "First day of the taper", DATE, required=False,
          help="Optional: puts a date on every day of the schedule.", source=DESIGN),
    Field("high_risk", "The patient has", MULTICHOICE, choices=HIGH_RISK, required=False,
          help="WHO wants people with any of these kept on treatment while any medicine can be given.", source=HIGH_RISK_CITE),
    Field("acknowledge_high_risk", "A taper cannot be avoided for this high-risk patient", BOOLEAN,
          required=False,
          help="Needed only when a high-risk condition is ticked: the schedule is then shown.", source=HIGH_RISK_CITE),
)


@dataclass(frozen=True)
class TaperInputs:
    medicine: str
    formulation: Formulation
    mode: str
    start_dose_mg: Decimal
    stop_dose_mg: Decimal
    step_mg: Decimal
    step_days: int
    percent: Decimal | None = None
    amount_mg: Decimal | None = None
    target_days: int | None = None
    stock_mg: Decimal | None = None
    horizon_days: int | None = None
    start_date: _dt.date | None = None
    high_risk: tuple[str, ...] = ()
    acknowledge_high_risk: bool = False
    step_from_formulation: bool = True
    echo: tuple[dict[str, Any], ...] = ()


# ---------------------------------------------------------------- the algorithms


@dataclass(frozen=True)
class StockSearch:
    """The outcome of the stock-limited search, in whole rounding steps."""

    tenths: int | None  # the smallest fitting percentage × 10 that gives a taper of at least 3 days; None if none
    used: int | None  # what that schedule uses within the horizon
    used_one_lower: int | None  # what the next lower grid percentage uses (it does not fit)
    least_used: int | None  # when nothing fits: what the fastest taper of at least 3 days uses
    least_tenths: int | None = None  # and its percentage × 10


def search_stock_limited(start: int, stop: int, step_days: int, horizon_days: int, stock: int) -> StockSearch:
    """The smallest percentage on the 0.1 … 99.9 grid whose first `horizon_days` days fit `stock`.

    On the rounded curve the use within the horizon never rises as the
    percentage rises, so a bisection finds the smallest fit. A percentage
    whose schedule is shorter than WHO's 3 days (its first dose already 0
    included) is stopping, not tapering, and never counts.
    """
    limit = max(-(-horizon_days // step_days), -(-WHO_MINIMUM_DAYS // step_days))

    def doses(tenths: int) -> list[int]:
        return proportional_units(start, (1000 - tenths, 1000), stop, limit)

    def used(tenths: int) -> int:
        return use_within(doses(tenths), step_days, horizon_days)

    def long_enough(tenths: int) -> bool:
        return len(doses(tenths)) * step_days >= WHO_MINIMUM_DAYS

    longest = largest_with(long_enough, GRID_TENTHS[0], GRID_TENTHS[-1])  # the fastest taper of 3 days or more
    if longest is None:
        return StockSearch(None, None, None, None)
    tenths = gentlest_fit(used, stock, range(GRID_TENTHS[0], longest + 1))
    if tenths is None:
        return StockSearch(None, None, None, used(longest), longest)
    return StockSearch(tenths, used(tenths), used(tenths - 1) if tenths > GRID_TENTHS[0] else None, None)


# ---------------------------------------------------------------- reading the inputs


def formulations_from(data: Mapping[str, Any] | None) -> tuple[Formulation, ...]:
    """The formulations of the content data, or the built-in defaults when the data has none."""
    return FORMULATIONS.typed(data)


def read_inputs(raw: Mapping[str, Any],
                formulations: tuple[Formulation, ...]) -> tuple[TaperInputs | None, dict[str, str]]:
    by_id = {f.id: f for f in formulations}
    r = Reader(FIELDS, raw, choices={"formulation": tuple(Choice(f.id, f.label) for f in formulations)})
    medicine, mode, chosen = r.get("medicine"), r.get("mode"), r.get("formulation")
    start, stop = r.get("start_dose_mg"), r.get("stop_dose_mg")
    given_step, step_days = r.get("step_mg"), r.get("step_days")
    values = {name: r.get(name) for name in ("percent", "amount_mg", "target_days", "stock_mg", "horizon_days",
                                             "start_date", "high_risk", "acknowledge_high_risk")}
    start_date = values["start_date"]
    if start_date is not None and start_date > LATEST_START_DATE:
        r.error("start_date", tr("Enter a date no later than {date}: every day of the schedule needs a date in the "
                                 "calendar.", date=LATEST_START_DATE.isoformat()))
    formulation = None
    if medicine:
        formulation = by_id.get(chosen) if chosen else default_for(formulations, medicine)
        if formulation is not None and formulation.medicine != medicine:
            usable = ", ".join(f.id for f in formulations if f.medicine == medicine)
            r.error("formulation", tr("{formulation} is a {formulation_medicine} formulation; choose one for "
                                      "{medicine}: {usable}.", formulation=tr(formulation.label),
                                      formulation_medicine=medicine_name(formulation.medicine),
                                      medicine=medicine_name(medicine), usable=usable))
            formulation = None
    step = given_step if given_step is not None else (formulation.step_mg if formulation else None)
    if medicine and start is not None and start > ABSURD_DOSE_MG[medicine]:
        r.error("start_dose_mg", tr("{dose} mg of {medicine} a day is not a credible daily dose.",
                                    dose=number_text(start), medicine=medicine_name(medicine))
                + " " + tr(DOSE_LIMIT_MESSAGE))
    start_ok = start is not None and "start_dose_mg" not in r.errors
    if start_ok and stop is not None and stop >= start:
        r.error("stop_dose_mg", tr("The stop dose must be lower than the current dose."))
    if start_ok and step is not None:
        if step > start:
            r.error("step_mg", tr("The rounding step must not be larger than the current dose."))
        elif not in_steps(start, step)[1]:
            r.error("start_dose_mg", tr("{dose} mg cannot be measured in steps of {step} mg; check the dose, the "
                                        "formulation or the rounding step.", dose=number_text(start),
                                        step=number_text(step)))
    amount = values["amount_mg"]
    if mode == LINEAR and start_ok and amount is not None and amount >= start:
        r.error("amount_mg", tr("The reduction per step must be smaller than the current dose."))
    if mode == TARGET_DAYS and stop is not None and stop == 0:
        r.error("stop_dose_mg", tr("To aim at a number of steps, give a stop dose above 0 (for example the lowest "
                                   "dose you can measure): a percentage never reaches 0."))
    if values["high_risk"] and not values["acknowledge_high_risk"]:
        r.error("acknowledge_high_risk", tr("WHO wants people with these conditions kept on OAMT while any medicine "
                                            "can be given. Tick this only if a taper cannot be avoided; the schedule "
                                            "is then shown."))
    if r.errors or formulation is None:
        return None, r.errors or {"formulation": tr("Choose a formulation.")}
    assert step is not None  # the formulation's, when none was given
    return TaperInputs(
        medicine=medicine, formulation=formulation, mode=mode, start_dose_mg=start, stop_dose_mg=stop,
        step_mg=step, step_days=step_days, percent=values["percent"], amount_mg=amount,
        target_days=values["target_days"], stock_mg=values["stock_mg"], horizon_days=values["horizon_days"],
        start_date=values["start_date"], high_risk=values["high_risk"] or (),
        acknowledge_high_risk=bool(values["acknowledge_high_risk"]), step_from_formulation=given_step is None,
        echo=tuple(r.echo())), {}


# ---------------------------------------------------------------- explaining the result


def first_steps_arithmetic(inputs: TaperInputs, doses: list[Decimal], percent: Decimal | None,
                           count: int = 3) -> list[str]:
    """The first steps written out from the curve, so a clinician can check them by hand."""
    lines, start, step = [], inputs.start_dose_mg, inputs.step_mg
    for n, dose in enumerate(doses[:count], start=1):
        if percent is None:  # linear
            assert inputs.amount_mg is not None
            exact = Fraction(start) - n * Fraction(inputs.amount_mg)
            formula = f"{number_text(start)} − {n} × {number_text(inputs.amount_mg)}"
        else:
            exact = Fraction(start) * (1 - Fraction(percent) / 100) ** n
            formula = f"{number_text(start)} × (1 − {number_text(percent)}/100)^{n}"
        lines.append(tr("step {n}: {formula} = {exact} mg; nearest {step} mg step: {dose} mg", n=n, formula=formula,
                        exact=_fraction_text(exact), step=number_text(step), dose=number_text(dose)))
    return lines


def _fraction_text(value: Fraction) -> str:
    """An exact value as a decimal, to 4 places with '≈' when it has more."""
    shown = Decimal(value.numerator) / Decimal(value.denominator)
    rounded = shown.quantize(Decimal("0.0001"))
    if Fraction(rounded) == value:
        return plain_number(rounded)
    return "≈ " + plain_number(rounded)


def method_text(inputs: TaperInputs, percent: Decimal | None) -> str:
    step, stop, start = (plain_number(inputs.step_mg), plain_number(inputs.stop_dose_mg),
                         plain_number(inputs.start_dose_mg))
    if inputs.mode == LINEAR:
        assert inputs.amount_mg is not None
        each = tr("Step n's dose is {start} mg less n × {amount} mg (step 1: {amount} mg less, step 2: twice that, "
                  "and so on).", start=start, amount=number_text(inputs.amount_mg))
    else:
        each = tr("Step n's dose is {start} mg × (1 − {percent}/100)^n: each step {percent} % below the one before "
                  "on the curve, so higher doses fall faster and the pace slows as the dose falls.", start=start,
                  percent=plain_number(percent or Decimal(0)))
    sentences = [each, tr("Each dose is the curve rounded to the nearest {step} mg (halves up); while the rounded "
                          "curve stays on a dose, that dose is given again, and doses never rise.", step=step)]
    if inputs.step_days > 1:
        sentences.append(tr("Each dose is held for {days}.", days=plural(inputs.step_days, "days")))
    sentences.append(tr("The taper ends with the first dose at or below {stop} mg (that dose is given), or before a "
                        "dose that would round to 0; the day after the last dose is the first day without medicine.",
                        stop=stop))
    return " ".join(sentences)


BASIS = {
    "proportional": Rule("proportional", marked(
        "Every step takes the same fraction off the dose before it, on the curve start × (1 − percent/100)^n: large "
        "doses come down by more milligrams, and the steps shrink as the dose gets smaller."),
        WHO_PROPORTIONAL),
    "linear": Rule("linear", marked(
        "This handbook's option, not one WHO describes: each dose is a fixed amount lower than the dose before it "
        "(the same rounding rules apply), for clinics whose protocols reduce by fixed amounts."),
        HANDBOOK_DESIGN),
    "target_days": Rule("target_days", marked(
        "This handbook's arithmetic: the percentage is 100 × (1 − (stop ÷ start)^(1 ÷ steps)), rounded to one "
        "decimal with halves up, so that the proportional curve reaches the stop dose in about that many steps; the "
        "schedule is then the proportional one."),
        HANDBOOK_DESIGN),
    "stock_limited": Rule("stock_limited", marked(
        "If the current dose for every day until resupply fits the stock, no taper is needed. Otherwise the "
        "percentage is the smallest of 0.1 %, 0.2 %, … 99.9 % whose schedule uses no more than the stock in the days "
        "until resupply (days after the last dose use nothing); a percentage whose first dose would be 0 is "
        "stopping, not tapering, and is not offered."),
        HANDBOOK_DESIGN),
    "rounding": Rule("rounding", marked(
        "Each dose is rounded to the nearest multiple of the rounding step, so that it can be measured; halves are "
        "rounded up."),
        HANDBOOK_FORMULATIONS),
    "curve": Rule("curve", marked(
        "Each dose is the exact curve rounded to the nearest dispensable step, not the previous rounded dose reduced "
        "again: rounding never adds up, a dose is held while the rounded curve stays on it, and doses never rise."),
        HANDBOOK_DESIGN),
    "ending_high": Rule("ending_high", marked(
        "This handbook's rule: a taper should end at a low dose (methadone {methadone} mg, buprenorphine "
        "{buprenorphine} mg or less, about the smallest tablet); stopping from a higher dose is abrupt cessation, "
        "and the result then opens with a danger warning."),
        HANDBOOK_DESIGN),
    "low_stable": Rule("low_stable", marked(
        "The alternative WHO names to tapering to cessation: keep the person on a low but stable dose, which may "
        "give limited relief while keeping them in treatment."),
        WHO_LOW_STABLE),
    "dispensable": Rule("dispensable", marked(
        "Every dose must be dispensable with the chosen formulation (films are not cut); a schedule with a dose that "
        "is not is refused."),
        HANDBOOK_FORMULATIONS),
    "stop": Rule("stop", marked(
        "The taper ends once a dose at or below the stop dose has been given, or when the next dose would be zero; "
        "the day after the last dose is the first day without medicine."),
        HANDBOOK_DESIGN),
    "duration": Rule("duration", marked(
        "No taper is shorter than 3 days: a shorter schedule is refused."),
        WHO_MINIMUM_DURATION),
    "reference_durations": Rule("reference_durations", marked(
        "WHO gives about 5 days for buprenorphine and about 10 days for methadone as durations with acceptable "
        "withdrawal and little rebound. Those durations come from withdrawal management, not from tapering high "
        "maintenance doses."),
        WHO_REFERENCE_DURATIONS),
    "high_risk": Rule("high_risk", marked(
        "Staying on treatment while any medicine remains comes first for people who are pregnant, have a severely "
        "weakened immune system, began HIV (ART), HCV or TB medicines in the past month, or have diabetes or some "
        "mental health conditions."),
        WHO_HIGH_RISK),
}


def basis_for(inputs: TaperInputs) -> list[dict[str, str]]:
    rules = [BASIS[inputs.mode]] + ([BASIS[PROPORTIONAL]] if inputs.mode in (TARGET_DAYS, STOCK_LIMITED) else [])
    rules += [BASIS[k] for k in ("rounding", "curve", "stop", "duration", "reference_durations", "ending_high",
                                 "low_stable", "dispensable", "high_risk")]
    low_end = {"methadone": number_text(LOW_END_DOSE_MG["methadone"]),
               "buprenorphine": number_text(LOW_END_DOSE_MG["buprenorphine"])}
    shown = [Rule(rule.id, tr(rule.text, **low_end) if rule.id == "ending_high" else tr(rule.text), rule.citation)
             for rule in rules]
    f = inputs.formulation
    said = {"formulation": tr(f.label), "step": number_text(f.step_mg)}
    if f.mg_per_ml is not None:
        said["concentration"] = number_text(f.mg_per_ml)
        if inputs.step_from_formulation:
            text = tr("{formulation}: its rounding step is {step} mg; each dose is measured as a volume of "
                      "{concentration} mg/mL.", **said)
        else:
            text = tr("{formulation}: the rounding step of {given_step} mg was set by hand (the formulation's is "
                      "{step} mg); each dose is measured as a volume of {concentration} mg/mL.",
                      given_step=number_text(inputs.step_mg), **said)
    else:
        said["units"] = ", ".join(tr(u.name) for u in f.units)
        if inputs.step_from_formulation:
            text = tr("{formulation}: its rounding step is {step} mg; each dose is made up of the fewest of: {units}.",
                      **said)
        else:
            text = tr("{formulation}: the rounding step of {given_step} mg was set by hand (the formulation's is "
                      "{step} mg); each dose is made up of the fewest of: {units}.",
                      given_step=number_text(inputs.step_mg), **said)
    shown.append(Rule("formulation", text, f.source))
    return [rule.to_json() for rule in shown]


def warnings_for(inputs: TaperInputs, days: int, last_dose: Decimal | None) -> list[Warning]:
    """What the clinician must read for these inputs, each with its source (not yet in order)."""
    found: list[Warning] = []
    if inputs.high_risk:
        names = ", ".join(in_sentence(c.label) for c in HIGH_RISK if c.value in inputs.high_risk)
        found.append(Warning(
            DANGER, "keep_on_oamt",
            tr("This patient is high-risk ({conditions}). WHO puts people in these groups first for staying on "
               "treatment while any medicine remains: use this schedule only if there is truly no alternative, and "
               "restart treatment as soon as medicine is available again.", conditions=names), WHO_HIGH_RISK))
    if last_dose is not None:
        high = ending_high_warning(inputs.medicine, last_dose)
        if high is not None:
            found.append(high)
    if inputs.start_dose_mg > USUAL_MAX_DOSE_MG[inputs.medicine]:
        found.append(Warning(
            CAUTION, "dose_above_usual_range",
            tr("Check that the dose is in mg, not mL: {dose} mg of {medicine} is above {usual} mg, a figure commonly "
               "quoted as the top of the usual daily range but not verified in this handbook's sources, and not a "
               "maximum: higher doses are given. This handbook's check, to catch a dose typed in mL or read from the "
               "wrong strength.", dose=number_text(inputs.start_dose_mg), medicine=medicine_name(inputs.medicine),
               usual=number_text(USUAL_MAX_DOSE_MG[inputs.medicine])), HANDBOOK_DESIGN))
    reference = WHO_REFERENCE_DAYS[inputs.medicine]
    if last_dose is not None and days < reference:
        found.append(Warning(
            CAUTION, "faster_than_reference",
            tr("This taper lasts {days}, faster than the about {reference} WHO gives for {medicine} with acceptable "
               "withdrawal and little rebound (durations from withdrawal management, not from high maintenance "
               "doses).", days=plural(days, "days"), reference=plural(reference, "days"),
               medicine=medicine_name(inputs.medicine)), WHO_REFERENCE_DURATIONS))
    f = inputs.formulation
    if f.note and f.note_source is not None:
        # Content text (content/formulations.yml): shown translated when a catalog has it.
        found.append(Warning(CAUTION, "formulation_note", tr(f.note), f.note_source))
    return found


def ordered_warnings(specific: list[Warning]) -> list[dict[str, Any]]:
    """Input-specific warnings first, danger first (keep-on-OAMT leading), then those shown with every taper,
    marked `standing` so the page can group them."""
    lead = [w for w in specific if w.id == "keep_on_oamt"]
    return warnings_json(lead + [w for w in specific if w.id != "keep_on_oamt"], taper_safety_warnings())


# ---------------------------------------------------------------- the result


def _too_long(inputs: TaperInputs) -> dict[str, str]:
    field = {PROPORTIONAL: "percent", LINEAR: "amount_mg", TARGET_DAYS: "target_days",
             STOCK_LIMITED: "stock_mg"}[inputs.mode]
    if inputs.step_days > 1:
        field = "step_days"
    return {field: tr("With these settings the taper would last more than {max_days} days; this calculator is for "
                      "crisis tapers. Choose a faster reduction or fewer days at each dose.", max_days=MAX_TAPER_DAYS)}


def _no_doses(inputs: TaperInputs) -> dict[str, str]:
    """An empty schedule is stopping at once, not a taper: say why, at the field to change."""
    if inputs.start_dose_mg == inputs.step_mg:
        return {"start_dose_mg": tr("{dose} mg is a single rounding step: the next dose would be 0, so there is no "
                                    "taper to work out.", dose=number_text(inputs.start_dose_mg))}
    field = {PROPORTIONAL: "percent", LINEAR: "amount_mg", TARGET_DAYS: "stop_dose_mg"}.get(inputs.mode, "percent")
    said = tr("The first reduced dose rounds to 0: that is stopping at once, not a taper. Choose a smaller reduction.")
    hint = _works_hint(inputs)
    return {field: f"{said} {hint}" if hint else said}


def _units(inputs: TaperInputs) -> tuple[int, int]:
    return in_steps(inputs.start_dose_mg, inputs.step_mg)[0], in_steps(inputs.stop_dose_mg, inputs.step_mg)[0]


def _long_enough(count: int, inputs: TaperInputs) -> bool:
    return count * inputs.step_days >= WHO_MINIMUM_DAYS


def _largest_percent_long_enough(inputs: TaperInputs) -> int | None:
    """The largest percentage × 10 on the grid whose schedule lasts at least 3 days."""
    start, stop = _units(inputs)
    need = -(-WHO_MINIMUM_DAYS // inputs.step_days)
    return largest_with(lambda t: len(proportional_units(start, (1000 - t, 1000), stop, need)) >= need,
                        GRID_TENTHS[0], GRID_TENTHS[-1])


def _works_hint(inputs: TaperInputs) -> str:
    """'A reduction of at most … gives …': a value of the mode's own field that gives a taper of 3 days ("" when
    there is none)."""
    if inputs.mode == PROPORTIONAL:
        tenths = _largest_percent_long_enough(inputs)
        if tenths is not None:
            return tr("A reduction of at most {percent} % gives a taper of at least {min_days} days.",
                      percent=number_text(Decimal(tenths) / 10), min_days=WHO_MINIMUM_DAYS)
    elif inputs.mode == LINEAR:
        start, stop = _units(inputs)
        need = -(-WHO_MINIMUM_DAYS // inputs.step_days)
        k = largest_with(lambda a: len(linear_doses(inputs.start_dose_mg, a * inputs.step_mg, inputs.stop_dose_mg,
                                                    inputs.step_mg, need)) >= need, 1, max(start - 1, 1))
        if k is not None:
            return tr("A reduction of at most {amount} mg gives a taper of at least {min_days} days.",
                      amount=number_text(k * inputs.step_mg), min_days=WHO_MINIMUM_DAYS)
    return ""


def _too_short(inputs: TaperInputs, days: int) -> dict[str, str]:
    """Shorter than WHO's minimum of 3 days: refused, at the field to change, with a value that works."""
    said = tr("This schedule gives {days} of dosing: WHO asks that a taper last at least {min_days} days. Stopping "
              "this fast is abrupt cessation, not a taper.", days=plural(days, "days"), min_days=WHO_MINIMUM_DAYS)
    if inputs.mode == TARGET_DAYS:
        assert inputs.target_days is not None
        for steps in range(inputs.target_days + 1, min(inputs.target_days + 60, MAX_HORIZON_DAYS) + 1):
            percent = target_percent(inputs.start_dose_mg, inputs.stop_dose_mg, steps)[1]
            count = len(proportional_doses(inputs.start_dose_mg, percent, inputs.stop_dose_mg, inputs.step_mg))
            if _long_enough(count, inputs):
                return {"target_days": said + " " + tr("Rounding shortens it: ask for {steps} instead.",
                                                       steps=plural(steps, "steps"))}
        return {"stop_dose_mg": said + " " + tr("Choose a lower stop dose.")}
    hint = _works_hint(inputs)
    field = {PROPORTIONAL: "percent", LINEAR: "amount_mg"}.get(inputs.mode, "percent")
    if not hint:
        return {"stop_dose_mg": said + " " + tr("Choose a lower stop dose, or hold each dose for {min_days} days.",
                                                min_days=WHO_MINIMUM_DAYS)}
    return {field: said + " " + hint}


def _not_dispensable(inputs: TaperInputs, unmeasurable: list[Decimal]) -> dict[str, str]:
    """A dose the formulation cannot give: refused, on the rounding step when it was set by hand."""
    f = inputs.formulation
    doses = ", ".join(f"{number_text(d)} mg" for d in unmeasurable[:5]) + (" …" if len(unmeasurable) > 5 else "")
    if not inputs.step_from_formulation:
        return {"step_mg": tr("With {formulation}, some doses of this schedule ({doses}) cannot be measured or made up "
                              "exactly: use a rounding step of {step} mg (the formulation's), or choose another "
                              "formulation.", formulation=tr(f.label), doses=doses, step=number_text(f.step_mg))}
    return {"formulation": tr("With {formulation}, some doses of this schedule ({doses}) cannot be measured or made "
                              "up exactly: choose a formulation that can give these doses, for example an oral "
                              "solution for methadone, or 0.4 mg tablets for buprenorphine where the clinic has "
                              "them.", formulation=tr(f.label), doses=doses)}


def _schedule(inputs: TaperInputs, doses: list[Decimal]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    previous = inputs.start_dose_mg
    for dose in doses:
        # Each dose is worked out once and shared by the days it is held (long schedules stay fast).
        dose_text, how = dec(dose), measure(inputs.formulation, dose)
        for held in range(inputs.step_days):
            day = len(rows) + 1
            row: dict[str, Any] = {"day": day, "dose_mg": dose_text, "change_mg": dec(dose - previous) if not held
                                   else "0", "measure": how}
            if inputs.start_date is not None:
                row["date"] = (inputs.start_date + _dt.timedelta(days=day - 1)).isoformat()
            rows.append(row)
        previous = dose
    return rows


def run(raw: Mapping[str, Any], data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Inputs as a plain dict (JSON values) → `{"ok", "errors", "result"}`; `data["formulations"]`
    is the content of content/formulations.yml (the built-in defaults when absent)."""
    inputs, errors = read_inputs(raw, formulations_from(data))
    if inputs is None:
        return failure(errors)
    step, extra, notes = inputs.step_mg, {}, []
    percent: Decimal | None = inputs.percent
    arithmetic: list[str] = []
    if inputs.mode == LINEAR:
        assert inputs.amount_mg is not None
        doses = linear_doses(inputs.start_dose_mg, inputs.amount_mg, inputs.stop_dose_mg, step)
    elif inputs.mode == TARGET_DAYS:
        assert inputs.target_days is not None
        unrounded, percent = target_percent(inputs.start_dose_mg, inputs.stop_dose_mg, inputs.target_days)
        doses = proportional_doses(inputs.start_dose_mg, percent, inputs.stop_dose_mg, step)
        formula = (f"100 × (1 − ({number_text(inputs.stop_dose_mg)} ÷ {number_text(inputs.start_dose_mg)})^(1 ÷ "
                   f"{inputs.target_days}))")
        arithmetic.append(tr("{formula} = {unrounded} %; to one decimal: {percent} %", formula=formula,
                             unrounded=number_text(unrounded.quantize(Decimal("0.0001"))),
                             percent=number_text(percent)))
        extra = {"target_days": inputs.target_days, "percent_unrounded": dec(unrounded.quantize(Decimal("0.0001")))}
        if len(doses) != inputs.target_days:
            said = {"percent": number_text(percent), "step": number_text(step), "n": number_text(len(doses)),
                    "asked": number_text(inputs.target_days)}
            if len(doses) > inputs.target_days:
                text = tr_n("Rounding the percentage to {percent} % and each dose to a {step} mg step makes this "
                            "taper {n} dosing step long, longer than the {asked} asked for.",
                            "Rounding the percentage to {percent} % and each dose to a {step} mg step makes this "
                            "taper {n} dosing steps long, longer than the {asked} asked for.", len(doses), **said)
            else:
                text = tr_n("Rounding the percentage to {percent} % and each dose to a {step} mg step makes this "
                            "taper {n} dosing step long, shorter than the {asked} asked for.",
                            "Rounding the percentage to {percent} % and each dose to a {step} mg step makes this "
                            "taper {n} dosing steps long, shorter than the {asked} asked for.", len(doses), **said)
            notes.append(Warning(CAUTION, "target_days_rounding", text, HANDBOOK_DESIGN))
    elif inputs.mode == STOCK_LIMITED:
        plan, errors = _stock_limited(inputs)
        if plan is None:
            return failure(errors)
        percent, doses, extra, notes, arithmetic = (plan.percent, plan.doses, dict(plan.extra), list(plan.notes),
                                                    list(plan.arithmetic))
        if not plan.taper_needed:
            return success(_no_taper_result(inputs, extra, notes, arithmetic))
    else:
        assert percent is not None
        doses = proportional_doses(inputs.start_dose_mg, percent, inputs.stop_dose_mg, step)
    if not doses or inputs.start_dose_mg == inputs.step_mg:
        return failure(_no_doses(inputs))
    if len(doses) * inputs.step_days > MAX_TAPER_DAYS:
        return failure(_too_long(inputs))
    if len(doses) * inputs.step_days < WHO_MINIMUM_DAYS:
        return failure(_too_short(inputs, len(doses) * inputs.step_days))
    unmeasurable = sorted({d for d in doses if not measure(inputs.formulation, d)["exact"]}, reverse=True)
    if unmeasurable:
        return failure(_not_dispensable(inputs, unmeasurable))
    schedule = _schedule(inputs, doses)
    days = len(schedule)
    total = sum((d * inputs.step_days for d in doses), Decimal(0))
    if inputs.mode == STOCK_LIMITED:
        _stock_headline(extra, total, inputs)
    arithmetic += first_steps_arithmetic(inputs, doses, None if inputs.mode == LINEAR else percent)
    result = _common(inputs, percent)
    result.update({
        "schedule": schedule,
        "days": days,
        "dosing_steps": len(doses),
        "total_mg": dec(total),
        "cessation_day": days + 1,
        "last_dose_mg": dec(doses[-1]),
        "low_dose_threshold_mg": dec(LOW_END_DOSE_MG[inputs.medicine]),
        "ends_high": doses[-1] > LOW_END_DOSE_MG[inputs.medicine],
        "method": method_text(inputs, percent),
        "arithmetic": arithmetic,
        "warnings": ordered_warnings(notes + warnings_for(inputs, days, doses[-1])),
        "basis": basis_for(inputs),
        **extra,
    })
    if inputs.start_date is not None:
        result["cessation_date"] = (inputs.start_date + _dt.timedelta(days=days)).isoformat()
    return success(result)


def _stock_headline(extra: dict[str, Any], total: Decimal, inputs: TaperInputs) -> None:
    """What the stock covers: the mg used by the resupply day out of the stock set aside, and what the rest of
    the schedule needs after resupply."""
    used = Decimal(extra["used_within_horizon_mg"])
    after = total - used
    extra["needed_after_resupply_mg"] = dec(after)
    said = {"day": number_text(inputs.horizon_days), "used": number_text(used),
            "stock": plain_number(extra["stock_mg"]), "left": plain_number(extra["left_at_horizon_mg"])}
    if after:
        extra["stock_headline"] = tr("By resupply on day {day}, this schedule uses {used} mg of the {stock} mg set "
                                     "aside ({left} mg left); the rest of the schedule needs {after} mg after "
                                     "resupply.", after=number_text(after), **said)
    else:
        extra["stock_headline"] = tr("By resupply on day {day}, this schedule uses {used} mg of the {stock} mg set "
                                     "aside ({left} mg left); the schedule ends before resupply.", **said)


def _common(inputs: TaperInputs, percent: Decimal | None) -> dict[str, Any]:
    f = inputs.formulation
    result: dict[str, Any] = {
        "medicine": inputs.medicine,
        "mode": inputs.mode,
        "formulation": {"id": f.id, "label": f.label, "step_mg": dec(f.step_mg), **f.source.to_json()},
        "percent": None if percent is None else dec(percent),
        "start_dose_mg": dec(inputs.start_dose_mg),
        "stop_dose_mg": dec(inputs.stop_dose_mg),
        "step_mg": dec(inputs.step_mg),
        "step_days": inputs.step_days,
        "high_risk": list(inputs.high_risk),
        "echo": list(inputs.echo),
    }
    if inputs.amount_mg is not None:
        result["amount_mg"] = dec(inputs.amount_mg)
    if inputs.start_date is not None:
        result["start_date"] = inputs.start_date.isoformat()
    return result


@dataclass(frozen=True)
class StockLimitedPlan:
    """What the stock-limited mode worked out: the percentage and its doses, or that no taper is needed."""

    percent: Decimal
    doses: list[Decimal]
    taper_needed: bool
    extra: dict[str, Any]  # result keys of this mode
    notes: tuple[Warning, ...]
    arithmetic: tuple[str, ...]


def _stock_limited(inputs: TaperInputs) -> tuple[StockLimitedPlan | None, dict[str, str]]:
    """The stock-limited mode: no taper needed, the smallest fitting percentage, or a field error."""
    assert inputs.stock_mg is not None and inputs.horizon_days is not None
    step, horizon, stock = inputs.step_mg, inputs.horizon_days, inputs.stock_mg
    need = inputs.start_dose_mg * horizon
    extra: dict[str, Any] = {"stock_mg": dec(stock), "horizon_days": horizon, "needed_at_current_dose_mg": dec(need)}
    arithmetic = [tr("{dose} mg × {days} = {need} mg at the current dose; the stock is {stock} mg",
                     dose=number_text(inputs.start_dose_mg), days=plural(horizon, "days"), need=number_text(need),
                     stock=number_text(stock))]
    if need <= stock:
        headline = tr_n("The {stock} mg set aside covers the current dose for the {n} day until resupply ({need} mg), "
                        "with {left} mg left.",
                        "The {stock} mg set aside covers the current dose for all {n} days until resupply ({need} mg), "
                        "with {left} mg left.", horizon, stock=number_text(stock), n=number_text(horizon),
                        need=number_text(need), left=number_text(stock - need))
        extra.update({"taper_needed": False, "used_within_horizon_mg": dec(need),
                      "left_at_horizon_mg": dec(stock - need), "needed_after_resupply_mg": "0",
                      "stock_headline": headline})
        note = Warning(CAUTION, "no_taper_needed",
                       tr("No taper is needed: {stock} mg covers {days} at the current dose of {dose} mg ({need} mg). "
                          "Keep the dose.", stock=number_text(stock), days=plural(horizon, "days"),
                          dose=number_text(inputs.start_dose_mg), need=number_text(need)), WHO_CONTINUE_OAMT)
        return StockLimitedPlan(Decimal(0), [], False, extra, (note,),
                                (*arithmetic, tr("so no reduction is needed: 0 %"))), {}
    start, _ = in_steps(inputs.start_dose_mg, step)
    stop, _ = in_steps(inputs.stop_dose_mg, step)
    stock_steps, _ = in_steps(stock, step)  # use ≤ stock ⟺ use in steps ≤ floor(stock / step)
    found = search_stock_limited(start, stop, inputs.step_days, horizon, stock_steps)
    if found.tenths is None:
        if found.least_used is None:
            message = tr("At {dose} mg no reduction gives a taper of at least {min_days} days: there is no taper to "
                         "fit into {stock} mg.", dose=number_text(inputs.start_dose_mg), min_days=WHO_MINIMUM_DAYS,
                         stock=number_text(stock))
        else:
            least = Decimal(found.least_used) * step
            message = tr("This stock cannot cover {days}: the fastest taper of at least {min_days} days ({percent} %) "
                         "needs {needed} mg by then, {more} mg more than the {stock} mg set aside. Set aside at least "
                         "{set_aside} mg, or bring resupply forward.", days=plural(horizon, "days"),
                         min_days=WHO_MINIMUM_DAYS, percent=number_text(Decimal(found.least_tenths or 0) / 10),
                         needed=number_text(least), more=number_text(least - stock), stock=number_text(stock),
                         set_aside=number_text(least))
        return None, {"stock_mg": message}
    percent = Decimal(found.tenths) / 10
    used = Decimal(found.used or 0) * step
    doses = proportional_doses(inputs.start_dose_mg, percent, inputs.stop_dose_mg, step)
    extra.update({"taper_needed": True, "used_within_horizon_mg": dec(used), "left_at_horizon_mg": dec(stock - used)})
    said = {"days": plural(horizon, "days"), "stock": number_text(stock), "percent": number_text(percent),
            "used": number_text(used)}
    if found.used_one_lower is None:
        line = tr("the smallest reduction on the 0.1 % grid whose first {days} use at most {stock} mg: {percent} % "
                  "({used} mg)", **said)
    else:
        line = tr("the smallest reduction on the 0.1 % grid whose first {days} use at most {stock} mg: {percent} % "
                  "({used} mg); at {lower} % they use {lower_used} mg", lower=number_text(percent - Decimal("0.1")),
                  lower_used=number_text(Decimal(found.used_one_lower) * step), **said)
    return StockLimitedPlan(percent, doses, True, extra, (), (*arithmetic, line)), {}


def _no_taper_result(inputs: TaperInputs, extra: dict[str, Any], notes: list[Warning],
                     arithmetic: list[str]) -> dict[str, Any]:
    """Stock-limited with enough stock: the current dose on every day until resupply."""
    assert inputs.horizon_days is not None
    horizon = inputs.horizon_days
    dose = inputs.start_dose_mg
    schedule = []
    for day in range(1, horizon + 1):
        row: dict[str, Any] = {"day": day, "dose_mg": dec(dose), "change_mg": "0",
                               "measure": measure(inputs.formulation, dose)}
        if inputs.start_date is not None:
            row["date"] = (inputs.start_date + _dt.timedelta(days=day - 1)).isoformat()
        schedule.append(row)
    result = _common(inputs, Decimal(0))
    high_risk = [w for w in warnings_for(inputs, horizon, None) if w.id == "keep_on_oamt"]
    result.update({
        "schedule": schedule, "days": horizon, "dosing_steps": 1, "total_mg": dec(dose * horizon),
        "cessation_day": None, "method": tr("The stock covers the current dose on every day until resupply."),
        "arithmetic": arithmetic, "warnings": [w.to_json() for w in high_risk + notes],
        "basis": basis_for(inputs), **extra,
    })
    return result


CALCULATOR = Calculator(name=NAME, title=TITLE, fields=fixed_fields(FIELDS), run=run, view=view,
                        data_sets=(FORMULATIONS,))
