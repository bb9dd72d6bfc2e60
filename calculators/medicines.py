"""The medicines the calculators know, and the limits that apply to each.

One place for them, read by the taper, the stock planner and take-home
eligibility alike.
"""

from __future__ import annotations

from decimal import Decimal

from .fields import Choice
from .messages import marked

METHADONE, BUPRENORPHINE = "methadone", "buprenorphine"
MEDICINES = (Choice(METHADONE, "Methadone"), Choice(BUPRENORPHINE, "Buprenorphine"))
MEDICINE_IDS = tuple(c.value for c in MEDICINES)
LABELS = {c.value: c.label for c in MEDICINES}

# Doses above these are not credible as a daily dose: most likely a typing or unit error.
ABSURD_DOSE_MG = {METHADONE: Decimal(1000), BUPRENORPHINE: Decimal(64)}
# Doses above these are accepted, with a warning to check mg against mL. The figures are commonly quoted as the
# top of the usual maintenance range but are not verified in this handbook's sources (CLINICAL.md A2 [U]), and
# they are no maximum (WHO 2025 asks for no restriction on dose levels): the warning says so, and cites this
# handbook, whose check it is.
USUAL_MAX_DOSE_MG = {METHADONE: Decimal(120), BUPRENORPHINE: Decimal(24)}
# WHO 2025 (Assisted withdrawal management): reference taper durations with acceptable withdrawal and
# little rebound, and the shortest taper it accepts.
WHO_REFERENCE_DAYS = {METHADONE: 10, BUPRENORPHINE: 5}
WHO_MINIMUM_DAYS = 3

# Messages for values above a limit that only catches typing and unit slips: the limit itself is never shown as
# help (no one needs to be told that 1,000,000,000 mg is too much), only this when it is passed.
# Messages: a Field's limit_message is translated where it is read (fields.py); elsewhere show tr(MESSAGE).
DOSE_LIMIT_MESSAGE = marked("That is more than any dose a person could take; check the number and the unit.")
STOCK_LIMIT_MESSAGE = marked("That is more than any clinic or store holds; check the number and the unit.")
COUNT_LIMIT_MESSAGE = marked("That is more than any clinic treats; check the number.")
DAYS_LIMIT_MESSAGE = marked("That is longer than a lifetime; check the number.")
