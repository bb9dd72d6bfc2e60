"""Rules, warnings and their sources, as every calculator reports them.

A calculator names the source of each rule it applies. The ids are those of
`content/sources.yml`; a test checks that every id and section used here
exists there, so a calculator cannot cite something the bibliography lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

# The short names used in text; a test checks them against content/sources.yml.
SHORT_NAMES = {
    "who-2025": "WHO 2025",
    "who-2009": "WHO 2009",
    "us-42cfr8-2024": "42 CFR 8.12 (2024)",
    "nice-ta114-2007": "NICE TA114 2007",
    "uk-fp10mda": "NHS instalment prescribing (FP10MDA)",
    "samhsa-2020": "SAMHSA 2020",
    "wesson-ling-2003": "Wesson & Ling 2003",
    "dailymed-methadone": "Methadone label (US)",
    "suboxone-film-label": "Buprenorphine/naloxone film label",
    "this-handbook": "This handbook",
}


@dataclass(frozen=True)
class Source:
    id: str
    section: str

    def text(self) -> str:
        return f"{SHORT_NAMES[self.id]}, {self.section}"

    def to_json(self) -> dict[str, str]:
        return {"source": self.text(), "source_id": self.id, "section": self.section}


WHO_WITHDRAWAL = Source("who-2025", "Assisted withdrawal management")
WHO_TAKE_HOME = Source("who-2025", "Consideration of take-home doses")
WHO_OVERDOSE = Source("who-2025", "Overdose management")
WHO_UNINTERRUPTED = Source("who-2025", "Uninterrupted OAMT is critical")
DAILYMED_BOXED_WARNING = Source("dailymed-methadone", "Boxed warning")
HANDBOOK_DESIGN = Source("this-handbook", "Calculator design")
HANDBOOK_FORMULATIONS = Source("this-handbook", "Formulations")
HANDBOOK_STOCK = Source("this-handbook", "Stock planning")
WHO_REINDUCTION = Source("who-2009", "Annex 12, Prescribing guidelines")
COWS_SCALE = Source("wesson-ling-2003", "Scale and scoring")


@dataclass(frozen=True)
class Rule:
    """A rule the calculator applied, in plain words, with its source."""

    code: str
    text: str
    source: Source

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "rule": self.text, **self.source.to_json()}


@dataclass(frozen=True)
class Warning:
    """Something the clinician must read before using the result."""

    code: str
    message: str
    source: Source
    level: str = "caution"  # "caution" or "danger"

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "level": self.level, **self.source.to_json()}
