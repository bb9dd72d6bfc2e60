"""What the calculators say, in the reader's language.

Every sentence a reader sees is written in English in the code, through `tr` (or `tr_n` where a
number decides the form), with named placeholders: `tr("Give {dose} on {date}.", dose=..., date=...)`.
Text defined once at import time (a module constant) is marked with `marked(...)` and passed
through `tr` where it is shown. The English is the message's id, as in gettext.

The translations are gettext .po files (content/translations/<lang>/messages/*.po), which the site's
build checks and compiles into plain data: for each language its catalog
{English: translation, or a list of plural forms} and its locale (decimal mark, digit grouping, weekday
and month names, date order, plural rule). `respond(..., context={"lang": "fr"})` runs a calculator and
its view inside `speaking(...)`, so the same pure functions answer in French. Nothing here reads a file:
the data arrives with the calculators' other content data, and with none the answer is English.

Only what is shown changes with the language: the names, ids and values of the inputs and the result
(the JSON contract, and so every shared link) are the same in every language.
"""

from __future__ import annotations

import contextvars
import re
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator, Mapping


def _one_other(n: Decimal) -> int:
    return 0 if n == 1 else 1


def _zero_one_other(n: Decimal) -> int:
    # French: 0 and 1, and anything below 2 (1,5 jour), take the singular.
    return 0 if n < 2 else 1


def _east_slavic(n: Decimal) -> int:
    # Russian and Ukrainian: 1, 21, 31… / 2–4, 22–24… / 5–20, 25–30…; a fraction takes the second form.
    if n != n.to_integral_value():
        return 1
    i = int(n)
    if i % 10 == 1 and i % 100 != 11:
        return 0
    if 2 <= i % 10 <= 4 and not 12 <= i % 100 <= 14:
        return 1
    return 2


def _arabic(n: Decimal) -> int:
    # Arabic: 0 / 1 / 2 / 3–10 / 11–99 / 100, 101, 102…; a fraction takes the last form.
    if n != n.to_integral_value():
        return 5
    i = int(n)
    if i == 0:
        return 0
    if i == 1:
        return 1
    if i == 2:
        return 2
    if 3 <= i % 100 <= 10:
        return 3
    if i % 100 >= 11:
        return 4
    return 5


# Plural rules by name, with how many forms each has (a .po file's nplurals must agree).
PLURAL_RULES = {
    "one_other": (_one_other, 2),
    "zero_one_other": (_zero_one_other, 2),
    "east_slavic": (_east_slavic, 3),
    "arabic": (_arabic, 6),
}


@dataclass(frozen=True)
class Locale:
    """How a language writes numbers and dates. `date` is a pattern of {weekday} {day} {month} {year}."""

    lang: str = "en"
    decimal: str = "."
    group: str = ","
    weekdays: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months: tuple[str, ...] = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    date: str = "{weekday} {day} {month} {year}"
    plural: str = "one_other"

    @staticmethod
    def from_data(data: Mapping[str, Any]) -> "Locale":
        return Locale(lang=str(data["lang"]), decimal=str(data["decimal"]), group=str(data["group"]),
                      weekdays=tuple(data["weekdays"]), months=tuple(data["months"]), date=str(data["date"]),
                      plural=str(data["plural"]))


ENGLISH = Locale()


@dataclass(frozen=True)
class Speaker:
    locale: Locale
    catalog: Mapping[str, Any]


_SPEAKING: contextvars.ContextVar[Speaker] = contextvars.ContextVar("speaking", default=Speaker(ENGLISH, {}))
PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_][a-z0-9_]*)\}(?!\})")


@contextmanager
def speaking(language: Mapping[str, Any] | None) -> Iterator[None]:
    """Within the block, `tr` answers from `language` (a compiled catalog: {"locale", "catalog"});
    None or {} is English."""
    speaker = Speaker(ENGLISH, {})
    if language:
        speaker = Speaker(Locale.from_data(language["locale"]), language.get("catalog") or {})
    token = _SPEAKING.set(speaker)
    try:
        yield
    finally:
        _SPEAKING.reset(token)


def locale() -> Locale:
    """The locale of the language being spoken."""
    return _SPEAKING.get().locale


def marked(text: str) -> str:
    """Marks text defined at import time as a message (the extractor finds it); translate it with `tr` where it
    is shown."""
    return text


def marked_n(singular: str, plural: str) -> tuple[str, str]:
    """`marked` for a message with a plural: translate the pair with `tr_n`."""
    return singular, plural


def _format(text: str, params: Mapping[str, Any]) -> str:
    return text.format(**params) if params else text


def tr(text: str, **params: Any) -> str:
    """`text` in the language being spoken, with its {placeholders} filled from `params` (already formatted:
    number_text, date_text…)."""
    translated = _SPEAKING.get().catalog.get(text)
    return _format(translated if isinstance(translated, str) and translated else text, params)


def plural_index(count: Any, rule: str) -> int:
    try:
        n = abs(count if isinstance(count, Decimal) else Decimal(str(count)))
    except (InvalidOperation, ValueError):
        n = Decimal(2)
    return PLURAL_RULES[rule][0](n)


def tr_n(singular: str, plural: str, count: Any, **params: Any) -> str:
    """The form that agrees with `count`: tr_n("{n} day", "{n} days", 3, n="3") → "3 days" (in Russian
    "3 дня", "5 дней"). `count` chooses the form; the placeholders are filled from `params`."""
    speaker = _SPEAKING.get()
    forms = speaker.catalog.get(singular)
    if isinstance(forms, list) and forms and all(forms):
        index = min(plural_index(count, speaker.locale.plural), len(forms) - 1)
        return _format(forms[index], params)
    return _format(singular if plural_index(count, "one_other") == 0 else plural, params)


def placeholders(text: str) -> set[str]:
    """The {names} a message fills in (the build checks a translation keeps exactly these)."""
    return set(PLACEHOLDER.findall(text))
