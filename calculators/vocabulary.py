"""The words every calculator result is written in: citations, rules and warnings.

A calculator names the source of each rule it applies as a `Citation` (a
source id of `content/sources.yml` and a section). The readable name of the
source ("WHO 2025") is not known here: it arrives with the content data
(`data["sources"]`, id → short name) and `with_source_names` writes it into a
result at the edge, so the bibliography is the one place that names sources.

Content text cites sources with the markup `[@who-2025 §Section]`, or, for
a stored source, `[@who-2025 §Assisted withdrawal management ^"at least 3 days"]`: the
anchor is a few words of the cited section that support the sentence, so a
reader (and tests/test_anchors.py) can find them. `CITATION_MARKUP` is the
one pattern that reads it, for the calculators and for the build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from .messages import marked, tr

# [@id §Section]  or  [@id]  or, for a stored source,
# [@who-2025 §Assisted withdrawal management ^"at least 3 days"]
CITATION_MARKUP = re.compile(r'\[@([^\]\s§^]*)\s*(?:§\s*([^\]^]*?))?\s*(?:\^"([^"\]]*)")?\s*\]')

DANGER, CAUTION, INFO = "danger", "caution", "info"
LEVELS = (DANGER, CAUTION, INFO)
# The level of a warning in words, as its heading says it (messages: translated with tr where shown).
LEVEL_WORDS = {DANGER: marked("Danger"), CAUTION: marked("Caution"), INFO: marked("Note")}
# The short name of the handbook as a source (content/sources.yml, this-handbook): said in the reader's language.
HANDBOOK_ID, HANDBOOK_SHORT = "this-handbook", marked("This handbook")


@dataclass(frozen=True)
class Citation:
    """A source id of content/sources.yml and the section that supports a rule."""

    source_id: str
    section: str = ""
    # A short verbatim phrase of the cited section that supports the text ("" when none).
    anchor: str = ""

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Citation:
        return cls(match.group(1), (match.group(2) or "").strip(), (match.group(3) or "").strip())

    @classmethod
    def parse(cls, markup: str) -> Citation | None:
        """The first citation in content markup, or None."""
        match = CITATION_MARKUP.search(markup or "")
        return cls.from_match(match) if match else None

    @property
    def markup(self) -> str:
        anchor = f' ^"{self.anchor}"' if self.anchor else ""
        return f"[@{self.source_id} §{self.section}{anchor}]" if self.section else f"[@{self.source_id}{anchor}]"

    def text(self, short_names: Mapping[str, str]) -> str:
        """The citation as a reader sees it: 'WHO 2025, Assisted withdrawal management'."""
        short = short_names.get(self.source_id, self.source_id)
        if self.source_id == HANDBOOK_ID:
            short = tr(short)  # "This handbook" (its section title stays English, as every cited section's does)
        return f"{short}, {self.section}" if self.section else short

    def to_json(self) -> dict[str, str]:
        # "source" (the readable text) is added by with_source_names, where the short names are known.
        out = {"source_id": self.source_id, "section": self.section, "citation": self.markup}
        if self.anchor:
            out["anchor"] = self.anchor
        return out


def citations_in(text: str) -> Iterator[tuple[re.Match[str], Citation]]:
    """Every citation in a piece of content text, with its match (for replacing it)."""
    for match in CITATION_MARKUP.finditer(text or ""):
        yield match, Citation.from_match(match)


@dataclass(frozen=True)
class Rule:
    """A rule the calculator applied, in plain words, with its source."""

    id: str
    text: str
    citation: Citation

    def to_json(self) -> dict[str, str]:
        # "code" and "rule" are the names of the first results, kept for scripts that read them.
        return {"id": self.id, "text": self.text, "code": self.id, "rule": self.text, **self.citation.to_json()}


@dataclass(frozen=True)
class Warning:
    """Something the clinician must read before using the result: `level` is danger, caution or info."""

    level: str
    id: str
    text: str
    citation: Citation

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"Warning {self.id!r}: level {self.level!r} is not one of {LEVELS}")

    def to_json(self) -> dict[str, str]:
        # "code" and "message" are the names of the first results, kept for scripts that read them.
        return {"level": self.level, "id": self.id, "text": self.text, "code": self.id, "message": self.text,
                **self.citation.to_json()}


def by_level(warnings: list[Warning]) -> list[Warning]:
    """Danger first, then caution, then info; the calculator's order within each level."""
    return sorted(warnings, key=lambda w: LEVELS.index(w.level))


def warnings_json(for_these_inputs: list[Warning], standing: list[Warning] = ()) -> list[dict[str, Any]]:
    """Warnings as every result lists them: those for these inputs first, danger first (the calculator's
    order within a level), then those shown with every result, in the order given and marked `standing`, so
    the page can group them where they do not hide the ones that matter for this patient."""
    return ([w.to_json() for w in by_level(list(for_these_inputs))]
            + [{**w.to_json(), "standing": True} for w in standing])


def with_source_names(value: Any, short_names: Mapping[str, str]) -> Any:
    """The result with a readable "source" beside every citation in it (a copy; nothing is changed)."""
    if isinstance(value, Mapping):
        out = {k: with_source_names(v, short_names) for k, v in value.items()}
        if "source_id" in value and "section" in value:
            out["source"] = Citation(str(value["source_id"]), str(value["section"] or "")).text(short_names)
        return out
    if isinstance(value, list):
        return [with_source_names(v, short_names) for v in value]
    return value


@dataclass(frozen=True)
class Action:
    """Something to put in place and record, with how urgent it is: danger (before anything else), caution
    (now) or routine."""

    level: str
    id: str
    text: str
    citation: Citation

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "text": self.text, "level": self.level, **self.citation.to_json()}


# The sources the calculators cite, one constant per claim. A citation of a stored source (who-2025,
# mitchell-2020, ...) carries an anchor: a few words of the cited section that support that claim, written as
# markup so that the build's anchor check finds and checks them (tests/test_anchors.py). Where a
# rule is this handbook's own, it cites this-handbook and its text says so, with the reason.


def cite(markup: str) -> Citation:
    """A citation written as content markup, read once (a typo fails at import, not in a result)."""
    found = Citation.parse(markup)
    if found is None:
        raise ValueError(f"not a citation: {markup!r}")
    return found


# WHO 2025, "Assisted withdrawal management": one anchor for each thing the calculators take from it.
WHO_PROPORTIONAL = cite(
    '[@who-2025 §Assisted withdrawal management ^"calculated as a percentage of the previous day"]')
WHO_STRETCHES_STOCK = cite(
    '[@who-2025 §Assisted withdrawal management ^"helps to extend the medication stock"]')
WHO_LOW_STABLE = cite(
    '[@who-2025 §Assisted withdrawal management ^"Maintaining people on low but stable doses"]')
WHO_MINIMUM_DURATION = cite(
    '[@who-2025 §Assisted withdrawal management ^"dose tapering should be at least 3 days"]')
WHO_REFERENCE_DURATIONS = cite(
    '[@who-2025 §Assisted withdrawal management ^"Five days of buprenorphine and 10 days of methadone"]')
WHO_HIGH_RISK = cite(
    '[@who-2025 §Assisted withdrawal management ^"high-risk clients to be maintained on OAMT"]')
WHO_CONTINUE_OAMT = cite(
    '[@who-2025 §Assisted withdrawal management ^"Most people should be advised to continue OAMT"]')
WHO_MONITORING = cite(
    '[@who-2025 §Assisted withdrawal management ^"careful clinical monitoring by experienced teams"]')
WHO_LOFEXIDINE = cite(
    '[@who-2025 §Assisted withdrawal management ^"Lofexidine should be used in preference to clonidine"]')
# WHO 2025, other sections.
WHO_NALOXONE = cite(
    '[@who-2025 §Overdose management ^"should have access to naloxone and be instructed"]')
WHO_UNINTERRUPTED = cite(
    '[@who-2025 §Uninterrupted OAMT is critical ^"may have life-threatening consequences"]')
# Mitchell et al. 2020: alcohol and benzodiazepines with opioids (the methadone label speaks for methadone only).
MITCHELL_OTHER_SUBSTANCES = cite(
    '[@mitchell-2020 §Introduction ^"increases the risk of adverse outcomes of opioid use"]')

# Sources that are not stored (no anchor can be checked): cited only for what CLINICAL.md records as checked.
DAILYMED_BOXED_WARNING = Citation("dailymed-methadone", "Boxed warning")
WHO_REINDUCTION = Citation("who-2009", "Annex 12, Prescribing guidelines")
COWS_SCALE = Citation("wesson-ling-2003", "Scale and scoring")

# This handbook's own rules: the text that cites them says so, with the reason.
HANDBOOK_DESIGN = Citation("this-handbook", "Calculator design")
HANDBOOK_FORMULATIONS = Citation("this-handbook", "Formulations")
HANDBOOK_STOCK = Citation("this-handbook", "Stock planning")
