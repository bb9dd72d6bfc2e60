"""The tapering core shared by the taper (one patient) and the stock planner (a cohort).

Doses are whole numbers of rounding steps inside the loops, so the arithmetic
is exact and fast enough to search a grid of percentages in the browser; the
Decimal helpers convert at the edges.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from .vocabulary import CAUTION, COWS_SCALE, DANGER, HANDBOOK_DESIGN, WHO_OVERDOSE, WHO_REINDUCTION, WHO_WITHDRAWAL, Warning

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

    Each dose is the previous one times keep (= 1 − percent/100), rounded to
    the nearest whole step with halves up, and at least one step lower than
    the previous one. The taper stops once a dose at or below `stop` has been
    given, or when the next dose would be zero; at most `limit` doses.
    Integers keep it exact and fast enough to search a grid of percentages.
    """
    numerator, denominator = keep
    twice_numerator, twice_denominator = 2 * numerator, 2 * denominator
    doses: list[int] = []
    previous = start
    while previous > stop and len(doses) < limit:
        # round half up of previous × numerator / denominator = floor(x + 1/2)
        dose = (previous * twice_numerator + denominator) // twice_denominator
        if dose >= previous:
            # The reduction is at most half a step, so this dose is one step lower, and so is every later
            # one (smaller doses lose even less): the rest is a countdown, written at once for speed.
            doses.extend(range(previous - 1, max(stop, 1) - 1, -1)[:limit - len(doses)])
            break
        if dose <= 0:
            break
        doses.append(dose)
        previous = dose
    return doses


def in_steps(value: Decimal, step: Decimal) -> tuple[int, bool]:
    """floor(value / step) exactly, and whether value is a whole number of steps."""
    a, b = value.as_integer_ratio()
    c, d = step.as_integer_ratio()
    quotient, remainder = divmod(a * d, b * c)
    return quotient, remainder == 0


def proportional_doses(start_mg: Decimal, percent: Decimal, stop_mg: Decimal, step_mg: Decimal,
                       limit: int = MAX_TAPER_DAYS + 1) -> list[Decimal]:
    """The distinct doses of a proportional taper, in mg (see `proportional_units`).

    `start_mg` must be a whole number of steps (the inputs are checked for that).
    """
    start, whole = in_steps(start_mg, step_mg)
    if not whole:
        raise ValueError(f"{start_mg} mg is not a whole number of {step_mg} mg steps")
    stop, _ = in_steps(stop_mg, step_mg)
    return [Decimal(u) * step_mg for u in proportional_units(start, keep_ratio(percent), stop, limit)]


def linear_doses(start_mg: Decimal, amount_mg: Decimal, stop_mg: Decimal, step_mg: Decimal,
                 limit: int = MAX_TAPER_DAYS + 1) -> list[Decimal]:
    """The distinct doses of a linear taper: each the previous less `amount_mg`, with the same rounding rule."""
    doses: list[Decimal] = []
    previous = start_mg
    while previous > stop_mg and len(doses) < limit:
        dose = min(round_to_step(previous - amount_mg, step_mg), previous - step_mg)
        if dose <= 0:
            break
        doses.append(dose)
        previous = dose
    return doses


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


def taper_safety_warnings() -> list[Warning]:
    """Shown with every taper."""
    return [
        Warning(DANGER, "loss_of_tolerance",
                "Tolerance falls during a taper and after any break. Going back to the old dose can be fatal: "
                "re-start at a low dose, as at a first start of treatment.", WHO_REINDUCTION),
        Warning(DANGER, "naloxone",
                "Offer naloxone and show the patient and the people around them how to use it, during the taper "
                "and after it.", WHO_OVERDOSE),
        Warning(CAUTION, "monitor_withdrawal",
                "Taper only with careful clinical monitoring: check withdrawal before each reduction, for example "
                "with the COWS score (13–24 is moderate withdrawal).", COWS_SCALE),
        Warning(CAUTION, "hold_dose",
                "This handbook's rule, not a WHO rule: at moderate withdrawal or worse, hold the current dose "
                "rather than push on with the next reduction, and go on when the symptoms settle.",
                HANDBOOK_DESIGN),
        Warning(CAUTION, "lofexidine",
                "For withdrawal symptoms, lofexidine is preferred to clonidine (fewer adverse effects), "
                "particularly for outpatients.", WHO_WITHDRAWAL),
    ]


