"""The tapering core shared by the taper (one patient) and the stock planner (a cohort).

Doses are whole numbers of rounding steps inside the loops, so the arithmetic
is exact (integers and fractions, no binary floats) and fast enough to search
a grid of percentages in the browser; the Decimal helpers convert at the edges.

The proportional taper follows WHO 2025's curve: step n's dose is
start × (1 − percent/100)^n, rounded to the nearest dispensable step. Higher
doses fall faster and the pace slows as the dose falls; a dose is held while
the rounded curve stays on it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from math import floor, gcd
from typing import Callable

from .fields import number_text
from .messages import marked, tr
from .vocabulary import (
    CAUTION,
    DANGER,
    HANDBOOK_DESIGN,
    WHO_LOFEXIDINE,
    WHO_MONITORING,
    WHO_NALOXONE,
    WHO_REINDUCTION,
    Warning,
)

# A crisis taper longer than two years is an input mistake, and would make a page of thousands of rows.
MAX_TAPER_DAYS = 730
# No formulation is measured more finely than this; a finer step only makes the arithmetic unwieldy.
MIN_STEP_MG = Decimal("0.01")
# The searches try 0.1 %, 0.2 %, ... 99.9 %: whole tenths of a percent.
GRID_TENTHS = range(1, 1000)


def round_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Nearest multiple of `step`, halves rounded up (not Python's banker's rounding)."""
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def keep_ratio(percent: Decimal) -> tuple[int, int]:
    """1 − percent/100 as an exact fraction (numerator, denominator)."""
    numerator, denominator = percent.as_integer_ratio()
    return 100 * denominator - numerator, 100 * denominator


def proportional_units(start: int, keep: tuple[int, int], stop: int, limit: int) -> list[int]:
    """The proportional taper in whole numbers of rounding steps: the doses given, in order.

    Step n's dose is start × keep^n (keep = 1 − percent/100), computed
    exactly and rounded to the nearest whole step with halves up: the curve
    itself, not the previous rounded dose, so rounding errors never add up
    and a dose is held while the rounded curve stays on it. Doses never
    rise (the curve falls). The taper ends with the first dose at or below
    `stop` (that dose is given), or before a dose that rounds to 0; at most
    `limit` doses. Whole numbers (start × numerator^n and denominator^n,
    grown one step at a time) keep it exact.
    """
    numerator, denominator = keep
    common = gcd(numerator, denominator)
    numerator, denominator = numerator // common, denominator // common
    doses: list[int] = []
    top, bottom = 2 * start, 2  # 2 × start × numerator^n and 2 × denominator^n
    while len(doses) < limit:
        top *= numerator
        bottom *= denominator
        # round half up of start × keep^n = floor((2 × start × N + D) / (2 × D))
        dose = (top + bottom // 2) // bottom
        if dose <= 0:
            break
        doses.append(dose)
        if dose <= stop:
            break
    return doses


def curve_powers(keep: tuple[int, int], count: int) -> list[tuple[int, int]]:
    """(numerator^n, denominator^n) for n = 1 … count, the fraction reduced: shared by every band of a cohort."""
    numerator, denominator = keep
    common = gcd(numerator, denominator)
    numerator, denominator = numerator // common, denominator // common
    powers, top, bottom = [], 1, 1
    for _ in range(count):
        top *= numerator
        bottom *= denominator
        powers.append((top, bottom))
    return powers


def curve_dose(start: int, power: tuple[int, int]) -> int:
    """start × keep^n rounded to the nearest whole step, halves up, for power = (numerator^n, denominator^n)."""
    top, bottom = power
    return (2 * start * top + bottom) // (2 * bottom)


def linear_units(start: Fraction, amount: Fraction, stop: Fraction, limit: int) -> list[int]:
    """The linear taper in whole steps: step n's dose is start − n × amount (in steps, exact fractions)
    rounded to the nearest whole step with halves up; the same ending rules as the proportional taper."""
    doses: list[int] = []
    n = 0
    while len(doses) < limit:
        n += 1
        value = start - n * amount
        dose = floor(value + Fraction(1, 2))
        if dose <= 0:
            break
        doses.append(dose)
        if dose <= stop:
            break
    return doses


def in_steps(value: Decimal, step: Decimal) -> tuple[int, bool]:
    """floor(value / step) exactly, and whether value is a whole number of steps."""
    a, b = value.as_integer_ratio()
    c, d = step.as_integer_ratio()
    quotient, remainder = divmod(a * d, b * c)
    return quotient, remainder == 0


def proportional_doses(start_mg: Decimal, percent: Decimal, stop_mg: Decimal, step_mg: Decimal,
                       limit: int = MAX_TAPER_DAYS + 1) -> list[Decimal]:
    """The doses of a proportional taper, in mg (see `proportional_units`).

    `start_mg` must be a whole number of steps (the inputs are checked for that).
    """
    start, whole = in_steps(start_mg, step_mg)
    if not whole:
        raise ValueError(f"{start_mg} mg is not a whole number of {step_mg} mg steps")
    stop, _ = in_steps(stop_mg, step_mg)  # dose ≤ stop ⟺ dose in whole steps ≤ floor(stop / step)
    return [Decimal(u) * step_mg for u in proportional_units(start, keep_ratio(percent), stop, limit)]


def linear_doses(start_mg: Decimal, amount_mg: Decimal, stop_mg: Decimal, step_mg: Decimal,
                 limit: int = MAX_TAPER_DAYS + 1) -> list[Decimal]:
    """The doses of a linear taper, in mg: start − n × amount, rounded as the proportional curve is."""
    step = Fraction(step_mg)
    units = linear_units(Fraction(start_mg) / step, Fraction(amount_mg) / step, Fraction(stop_mg) / step, limit)
    return [Decimal(u) * step_mg for u in units]


def target_percent(start_mg: Decimal, stop_mg: Decimal, steps: int) -> tuple[Decimal, Decimal]:
    """The percentage that takes start to stop in `steps` steps: 100 × (1 − (stop/start)^(1/steps)).

    Returns (unrounded, rounded to one decimal with halves up, kept within 0.1–99.9).
    The power is taken as exp(ln(ratio) / steps) in 40-digit decimals: no binary floats.
    """
    with localcontext() as ctx:
        ctx.prec = 40
        root = ((stop_mg / start_mg).ln() / steps).exp()
        unrounded = 100 * (1 - root)
    rounded = unrounded.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return +unrounded, min(max(rounded, Decimal("0.1")), Decimal("99.9"))


def use_within(doses: list[int], step_days: int, horizon_days: int) -> int:
    """What a schedule uses in its first `horizon_days` days (days after the last dose use nothing)."""
    total, day = 0, 0
    for dose in doses:
        days = min(step_days, horizon_days - day)
        if days <= 0:
            break
        total += dose * days
        day += days
    return total


# After a gap, the handbook's own rule: the sources it holds give no checked number of missed days after which the
# old dose becomes unsafe (CLINICAL.md: the days-missed trigger is unverified), so any gap counts.
# Its text is a message, translated where it is shown (taper_safety_warnings).
RESTART_AFTER_GAP = Warning(
    DANGER, "restart_after_gap",
    marked("This handbook's rule: after the taper, or after a gap in dosing of any length, do not go back to the "
           "dose the patient took before; restart low and build up under review. Reason: the sources this handbook "
           "holds give no checked number of missed days after which the old dose becomes unsafe, so every gap is "
           "treated as a loss of tolerance."), HANDBOOK_DESIGN)


def taper_safety_warnings() -> list[Warning]:
    """Shown with every taper."""
    return [
        Warning(DANGER, "loss_of_tolerance",
                tr("Tolerance falls during a taper and after a break in treatment, so a dose the patient once took "
                   "safely can be fatal. Restart at a low dose, as at a first start of treatment: for methadone, "
                   "generally 20 mg or less, and 10–15 mg when tolerance is low or uncertain."), WHO_REINDUCTION),
        replace(RESTART_AFTER_GAP, text=tr(RESTART_AFTER_GAP.text)),
        Warning(DANGER, "naloxone",
                tr("Offer naloxone and show the patient and the people around them how to use it, during the taper "
                   "and after it."), WHO_NALOXONE),
        Warning(CAUTION, "monitor_withdrawal",
                tr("Taper only with careful clinical monitoring by an experienced team: check withdrawal before each "
                   "reduction, for example with the COWS score (Wesson and Ling's scale, on which 13–24 is moderate "
                   "withdrawal)."), WHO_MONITORING),
        Warning(CAUTION, "hold_dose",
                tr("This handbook's rule, not a WHO rule: at moderate withdrawal or worse, hold the current dose "
                   "rather than push on with the next reduction, and go on when the symptoms settle. Reason: pushing "
                   "through moderate withdrawal makes it more likely that the patient turns to other opioids."),
                HANDBOOK_DESIGN),
        Warning(CAUTION, "lofexidine",
                tr("If withdrawal symptoms need a medicine, choose lofexidine over clonidine, above all outside "
                   "hospital: it causes fewer side effects."), WHO_LOFEXIDINE),
    ]


# This handbook's rule, not a source's: a taper that stops from a dose above these ends in abrupt cessation.
# About one small tablet of each medicine in common use (methadone 5 mg, buprenorphine 2 mg): stopping from
# more leaves the whole remaining dose to be withdrawn at once, which is a sudden stop, not a taper's end.
LOW_END_DOSE_MG = {"methadone": Decimal(5), "buprenorphine": Decimal(2)}


def ending_high_warning(medicine: str, last_dose_mg: Decimal) -> Warning | None:
    """A danger warning when the last dose before stopping is above the medicine's low-dose threshold."""
    threshold = LOW_END_DOSE_MG.get(medicine)
    if threshold is None or last_dose_mg <= threshold:
        return None
    return Warning(DANGER, "ending_high",
                   tr(ENDING_HIGH[medicine], dose=number_text(last_dose_mg), threshold=number_text(threshold)),
                   HANDBOOK_DESIGN)


# The ending_high warning for each medicine of LOW_END_DOSE_MG (the medicine's name is part of the sentence).
ENDING_HIGH = {
    "methadone": marked(
        "This taper stops from {dose} mg: that is abrupt cessation from {dose} mg, not the end of a taper. WHO names "
        "the alternative: hold the patient at a low, stable dose until medicine is available again. This handbook's "
        "rule: a taper should come down to {threshold} mg of methadone or less (about one small tablet) before it "
        "stops, because stopping from a higher dose withdraws all of it at once: worse withdrawal, and a higher risk "
        "of relapse and of overdose once tolerance is lost."),
    "buprenorphine": marked(
        "This taper stops from {dose} mg: that is abrupt cessation from {dose} mg, not the end of a taper. WHO names "
        "the alternative: hold the patient at a low, stable dose until medicine is available again. This handbook's "
        "rule: a taper should come down to {threshold} mg of buprenorphine or less (about one small tablet) before "
        "it stops, because stopping from a higher dose withdraws all of it at once: worse withdrawal, and a higher "
        "risk of relapse and of overdose once tolerance is lost."),
}


def gentlest_fit(use: Callable[[int], int], budget: int, grid: range = GRID_TENTHS) -> int | None:
    """The smallest grid value t with use(t) ≤ budget, for `use` that never rises as t rises; None if none.

    On the rounded curve each dose can only fall as the percentage rises
    (start × keep^n falls, and so does its rounding), so the use until
    resupply never rises with the percentage: a bisection finds the same
    value as trying 0.1 %, 0.2 %, … in order, in about ten tries.
    """
    lo, hi = grid[0], grid[-1]
    if use(hi) > budget:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if use(mid) <= budget:
            hi = mid
        else:
            lo = mid + 1
    return lo


def largest_with(ok: Callable[[int], bool], low: int, high: int) -> int | None:
    """The largest t in low … high with ok(t), for `ok` that holds up to some value and not after; None if none."""
    if high < low or not ok(low):
        return None
    lo, hi = low, high
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo
