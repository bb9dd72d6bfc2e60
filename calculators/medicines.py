"""The medicines the calculators know, and the limits that apply to each.

One place for them, read by the taper, the stock planner and take-home
eligibility alike.
"""

from __future__ import annotations

from decimal import Decimal

from .fields import Choice

METHADONE, BUPRENORPHINE = "methadone", "buprenorphine"
MEDICINES = (Choice(METHADONE, "Methadone"), Choice(BUPRENORPHINE, "Buprenorphine"))
MEDICINE_IDS = tuple(c.value for c in MEDICINES)
LABELS = {c.value: c.label for c in MEDICINES}

# Doses above these are not credible as a daily dose: most likely a typing or unit error.
ABSURD_DOSE_MG = {METHADONE: Decimal(1000), BUPRENORPHINE: Decimal(64)}
# Doses above these are real but above the usual maintenance range: accepted, with a warning.
USUAL_MAX_DOSE_MG = {METHADONE: Decimal(120), BUPRENORPHINE: Decimal(24)}
# WHO 2025 (Assisted withdrawal management): reference taper durations with acceptable withdrawal and
# little rebound, and the shortest taper it accepts.
WHO_REFERENCE_DAYS = {METHADONE: 10, BUPRENORPHINE: 5}
WHO_MINIMUM_DAYS = 3
