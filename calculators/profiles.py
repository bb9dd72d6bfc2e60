"""Take-home policy profiles: the schema of `content/takehome/*.yml`, checked and read into typed values.

Each profile lists its criteria, its maximum take-home days by medicine and
time in treatment, and the safeguards it pairs with them. `validate_profile`
gives every problem of one file as (field path, what is wrong, how to fix
it); `Profile.from_dict` reads a valid one. Citation ids and sections are
checked by the build against content/sources.yml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, TypeGuard

from .interface import DataSet
from .medicines import MEDICINE_IDS
from .messages import tr
from .vocabulary import CITATION_MARKUP

Problem = tuple[str, str, str]  # (field path in the profile, what is wrong, how to fix it)

STATUSES = ("current", "historical precedent")
# Inputs a profile may ask for, beyond those every profile asks.
PROGRAMME_MAX_DAYS = "programme_max_days"
LESS_STABLE_BUT_SAFE = "less_stable_but_safe"
EXTRA_INPUTS = (PROGRAMME_MAX_DAYS, LESS_STABLE_BUT_SAFE)
# `max_days: programme` in a limit: the programme's own maximum, an input.
PROGRAMME = "programme"
MAX_TAKE_HOME_DAYS = 90
MAX_REVIEW_DAYS = 365

# This handbook's rule (not a source's): methadone take-home doses early in treatment are limited to what the
# profile's own text explicitly allows for that period, and to none when it says nothing. Methadone builds up
# over the first days of dosing, so the risk of overdose is highest during induction. The period is days 0-14
# of `days_in_treatment`: "the first 14 days" read generously, covering both a count that starts at day 0 and
# one that starts at day 1 (the US rule's "days 1-14").
EARLY_MEDICINE = "methadone"
EARLY_FIRST_DAY, EARLY_LAST_DAY = 0, 14
EARLY_REQUIRED = ("max_days", "source")
EARLY_OPTIONAL = ("note",)
# This handbook's rule: a "less stable" tier relaxes stability and time in treatment, never safety. A criterion
# about storage, diversion or the benefits-versus-risks judgement can never be waived by a tier.
SAFETY_CRITERION_WORDS = ("storage", "store", "stored", "diversion", "diverted", "divert", "outweigh")

PROFILE_REQUIRED = ("id", "title", "jurisdiction", "status", "sources", "review_in_days", "criteria", "limits")
PROFILE_OPTIONAL = ("asks", "safeguards", "notes", "early_methadone")
CRITERION_REQUIRED = ("id", "question", "help", "source")
CRITERION_OPTIONAL = ("less_stable_may_waive",)
LIMIT_REQUIRED = ("medicine", "from_day", "to_day", "max_days", "source")
LIMIT_OPTIONAL = ("less_stable_max_days", "note", "unverified")
SAFEGUARD_REQUIRED = ("id", "text", "source")

_PROFILE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SNAKE_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


# ---------------------------------------------------------------- profiles as typed values


@dataclass(frozen=True)
class Criterion:
    id: str
    question: str
    help: str
    source: str  # citation markup
    less_stable_may_waive: bool = False  # the "less stable but judged safe" tier may take the patient past it


@dataclass(frozen=True)
class EarlyAllowance:
    """What a profile's own text explicitly allows for methadone in days EARLY_FIRST_DAY-EARLY_LAST_DAY."""

    max_days: int
    source: str  # citation markup
    note: str = ""


@dataclass(frozen=True)
class Limit:
    """The most take-home days for one medicine over a range of days in treatment.

    `max_days`: a number (0 = none), None (set by local policy), or PROGRAMME.
    `to_day` None means no upper end.
    """

    medicine: str
    from_day: int
    to_day: int | None
    max_days: int | str | None
    source: str
    less_stable_max_days: int = 0
    note: str = ""
    unverified: bool = False

    def covers(self, day: int) -> bool:
        return self.from_day <= day and (self.to_day is None or day <= self.to_day)

    def days_text(self) -> str:
        return f"days {self.from_day}–{self.to_day}" if self.to_day is not None else f"day {self.from_day} onwards"

    def period_text(self) -> str:
        """The range of days in treatment, as a result says it, in the reader's language."""
        if self.to_day is not None:
            return tr("days {first_day}–{last_day} in treatment", first_day=str(self.from_day),
                      last_day=str(self.to_day))
        return tr("day {first_day} onwards in treatment", first_day=str(self.from_day))


@dataclass(frozen=True)
class Safeguard:
    id: str
    text: str
    source: str  # citation markup


@dataclass(frozen=True)
class Profile:
    id: str
    title: str
    jurisdiction: str
    status: str
    sources: tuple[str, ...]
    review_in_days: int
    criteria: tuple[Criterion, ...]
    limits: tuple[Limit, ...]
    asks: tuple[str, ...] = ()
    safeguards: tuple[Safeguard, ...] = ()
    notes: tuple[str, ...] = ()
    early_methadone: EarlyAllowance | None = None  # None: the profile allows none early in treatment

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """A profile from its content file; raises ValueError naming every problem."""
        problems = validate_profile(data)
        if problems:
            listed = "; ".join(f"{where or '(profile)'}: {what} Fix: {fix}" for where, what, fix in problems)
            raise ValueError(f"Take-home profile {data.get('id')!r} is not valid: {listed}")
        return cls(
            id=data["id"], title=data["title"], jurisdiction=data["jurisdiction"], status=data["status"],
            sources=tuple(data["sources"]), review_in_days=data["review_in_days"],
            criteria=tuple(Criterion(c["id"], c["question"], c["help"], c["source"],
                                     bool(c.get("less_stable_may_waive"))) for c in data["criteria"]),
            limits=tuple(Limit(
                medicine=x["medicine"], from_day=x["from_day"], to_day=x["to_day"], max_days=x["max_days"],
                source=x["source"], less_stable_max_days=x.get("less_stable_max_days") or 0,
                note=x.get("note") or "", unverified=bool(x.get("unverified"))) for x in data["limits"]),
            asks=tuple(data.get("asks") or ()),
            safeguards=tuple(Safeguard(s["id"], s["text"], s["source"]) for s in data.get("safeguards") or ()),
            notes=tuple(data.get("notes") or ()),
            early_methadone=(EarlyAllowance(data["early_methadone"]["max_days"], data["early_methadone"]["source"],
                                            data["early_methadone"].get("note") or "")
                             if data.get("early_methadone") is not None else None))

    @property
    def medicines(self) -> tuple[str, ...]:
        present = {x.medicine for x in self.limits}
        return tuple(m for m in MEDICINE_IDS if m in present)

    def limit_for(self, medicine: str, day: int) -> Limit:
        return next(x for x in self.limits if x.medicine == medicine and x.covers(day))

    def early_allowance(self, medicine: str, day: int) -> int | None:
        """The most take-home days this handbook's early-treatment rule lets this profile give on this day:
        None when the rule does not apply (another medicine, or after the early period)."""
        if medicine != EARLY_MEDICINE or not EARLY_FIRST_DAY <= day <= EARLY_LAST_DAY:
            return None
        return self.early_methadone.max_days if self.early_methadone else 0

    def later_limits(self, medicine: str, day: int) -> list[Limit]:
        return sorted((x for x in self.limits if x.medicine == medicine and x.from_day > day),
                      key=lambda x: x.from_day)


# ---------------------------------------------------------------- validating a profile file


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _received(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (yes/no)"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value)


def _has_citation(value: Any) -> bool:
    return isinstance(value, str) and CITATION_MARKUP.search(value) is not None


def _check_keys(item: Mapping[str, Any], required: Sequence[str], optional: Sequence[str], where: str,
                what: str, problems: list[Problem]) -> None:
    allowed = tuple(required) + tuple(optional)
    for key in item:
        if key not in allowed:
            problems.append((f"{where}{key}", f"'{key}' is not a field of {what}.",
                             f"remove it or correct its spelling; the fields are: {', '.join(allowed)}."))
    for key in required:
        if key not in item:
            problems.append((f"{where}{key}", f"{what.capitalize()} needs '{key}', and it is missing.",
                             f"add '{key}:' (see content/takehome/who-2009.yml for an example)."))


def _check_text(item: Mapping[str, Any], key: str, where: str, problems: list[Problem]) -> None:
    if key in item and (not isinstance(item[key], str) or not item[key].strip()):
        problems.append((f"{where}{key}", f"Expected text, but received {_received(item[key])}.",
                         f"write '{key}' as text."))


def _check_source(item: Mapping[str, Any], where: str, problems: list[Problem]) -> None:
    if "source" in item and not _has_citation(item["source"]):
        problems.append((f"{where}source", f"Expected a citation, but received {_received(item['source'])}.",
                         "cite the source as [@id §Section], with an id and section from content/sources.yml."))


def _check_days_value(value: Any, path: str, allow_open: bool, problems: list[Problem]) -> None:
    if value is None and allow_open:
        return
    if not _is_int(value) or value < 0 or value > MAX_TAKE_HOME_DAYS:
        also = f", '{PROGRAMME}'" if allow_open else ""
        problems.append((path, (f"Expected a whole number of days from 0 to {MAX_TAKE_HOME_DAYS}, "
                                f"but received {_received(value)}."),
                         f"use a whole number from 0 (none) to {MAX_TAKE_HOME_DAYS}"
                         + (f", null (set by local policy){also}." if allow_open else ".")))


def _is_safety_criterion(c: Mapping[str, Any]) -> bool:
    words = re.findall(r"[a-z]+", f"{c.get('id', '')} {c.get('question', '')}".lower().replace("_", " "))
    return any(w in SAFETY_CRITERION_WORDS for w in words)


def _check_criteria(criteria: Any, asks: tuple[str, ...], problems: list[Problem]) -> None:
    if not isinstance(criteria, list) or not criteria:
        problems.append(("criteria", f"Expected a list of at least one criterion, but received {_received(criteria)}.",
                         "list the criteria, each with id, question, help and source."))
        return
    seen: dict[str, int] = {}
    for i, c in enumerate(criteria):
        where = f"criteria[{i}]."
        if not isinstance(c, Mapping):
            problems.append((f"criteria[{i}]", f"Expected a criterion, but received {_received(c)}.",
                             "give each criterion id, question, help and source."))
            continue
        _check_keys(c, CRITERION_REQUIRED, CRITERION_OPTIONAL, where, "a criterion", problems)
        if "less_stable_may_waive" in c:
            waive = c["less_stable_may_waive"]
            if not isinstance(waive, bool):
                problems.append((f"{where}less_stable_may_waive",
                                 f"Expected true or false, but received {_received(waive)}.",
                                 "write less_stable_may_waive: true, or leave it out."))
            elif waive and LESS_STABLE_BUT_SAFE not in asks:
                problems.append((f"{where}less_stable_may_waive",
                                 f"'less_stable_may_waive' needs the input {LESS_STABLE_BUT_SAFE}.",
                                 f"add '{LESS_STABLE_BUT_SAFE}' to the profile's 'asks' list, or remove it."))
            elif waive and _is_safety_criterion(c):
                problems.append((f"{where}less_stable_may_waive",
                                 ("A 'less stable' tier relaxes stability and time in treatment, never safety: "
                                  "a criterion about storage, diversion or whether the benefits outweigh the "
                                  "risks cannot be waived (this handbook's rule)."),
                                 "remove less_stable_may_waive from this criterion."))
        if "id" in c:
            cid = c["id"]
            if not isinstance(cid, str) or not _SNAKE_ID.match(cid):
                problems.append((f"{where}id", f"Expected an id in snake_case, but received {_received(cid)}.",
                                 "use lower-case words joined by underscores, for example stable_dose."))
            elif cid in seen:
                problems.append((f"{where}id", f"'{cid}' is also the id of criteria[{seen[cid]}].",
                                 "give each criterion its own id."))
            else:
                seen[cid] = i
        for key in ("question", "help"):
            _check_text(c, key, where, problems)
        _check_source(c, where, problems)


def _check_limits(limits: Any, asks: tuple[str, ...], problems: list[Problem]) -> None:
    if not isinstance(limits, list) or not limits:
        problems.append(("limits", f"Expected a list of day ranges, but received {_received(limits)}.",
                         ("list the maximum take-home days by medicine and time in treatment, for example "
                          "{medicine: methadone, from_day: 0, to_day: null, max_days: null, source: ...}.")))
        return
    ranges: dict[str, list[tuple[int, int, int | None]]] = {}
    for i, x in enumerate(limits):
        where = f"limits[{i}]."
        if not isinstance(x, Mapping):
            problems.append((f"limits[{i}]", f"Expected a day range, but received {_received(x)}.",
                             "give each range medicine, from_day, to_day, max_days and source."))
            continue
        _check_keys(x, LIMIT_REQUIRED, LIMIT_OPTIONAL, where, "a day range", problems)
        medicine = x.get("medicine")
        if "medicine" in x and medicine not in MEDICINE_IDS:
            problems.append((f"{where}medicine", f"Expected a medicine, but received {_received(medicine)}.",
                             f"use one of: {', '.join(MEDICINE_IDS)}."))
        from_day, to_day = x.get("from_day"), x.get("to_day")
        range_ok = True
        if "from_day" in x and (not _is_int(from_day) or from_day < 0):
            received = _received(from_day)
            problems.append((f"{where}from_day",
                             f"Expected a whole number of days, 0 or more, but received {received}.",
                             "use the first day of the range, 0 or more."))
            range_ok = False
        if "to_day" in x and to_day is not None and (not _is_int(to_day) or (_is_int(from_day) and to_day < from_day)):
            problems.append((f"{where}to_day", (f"Expected a whole number of days, at least from_day ({from_day}), "
                                                f"or null, but received {_received(to_day)}."),
                             "use the last day of the range, or null for no upper end."))
            range_ok = False
        if "max_days" in x and x["max_days"] != PROGRAMME:
            _check_days_value(x["max_days"], f"{where}max_days", True, problems)
        if x.get("max_days") == PROGRAMME and PROGRAMME_MAX_DAYS not in asks:
            problems.append((f"{where}max_days", f"'{PROGRAMME}' needs the input {PROGRAMME_MAX_DAYS}.",
                             f"add '{PROGRAMME_MAX_DAYS}' to the profile's 'asks' list."))
        if "less_stable_max_days" in x:
            _check_days_value(x["less_stable_max_days"], f"{where}less_stable_max_days", False, problems)
            if LESS_STABLE_BUT_SAFE not in asks:
                problems.append((f"{where}less_stable_max_days",
                                 f"'less_stable_max_days' needs the input {LESS_STABLE_BUT_SAFE}.",
                                 f"add '{LESS_STABLE_BUT_SAFE}' to the profile's 'asks' list."))
        if "unverified" in x and not isinstance(x["unverified"], bool):
            problems.append((f"{where}unverified",
                             f"Expected true or false, but received {_received(x['unverified'])}.",
                             "write unverified: true, or leave it out."))
        if x.get("unverified") is True and not x.get("note"):
            problems.append((f"{where}note", "An unverified range needs a note saying what is unverified.",
                             "add a note saying what to check, and against which text."))
        if "note" in x:
            _check_text(x, "note", where, problems)
        _check_source(x, where, problems)
        if range_ok and medicine in MEDICINE_IDS and _is_int(from_day) and (to_day is None or _is_int(to_day)):
            ranges.setdefault(str(medicine), []).append((i, from_day, to_day))
    for medicine, found in ranges.items():
        _check_coverage(medicine, sorted(found, key=lambda r: r[1]), problems)
    _check_less_stable(limits, problems)
    _check_asks_used(limits, asks, problems)


def _check_less_stable(limits: list[Any], problems: list[Problem]) -> None:
    """The 'less stable but judged safe' tier gives a patient who is not stable no more than a stable one gets:
    in a range where stable patients get a number of days, the tier gives at most that; in a range where they
    get none (the tier relaxes time in treatment), at most the most any range of that medicine gives them."""
    numbers: dict[Any, list[int]] = {}
    for x in limits:
        if isinstance(x, Mapping) and isinstance(x.get("medicine"), str):
            numbers.setdefault(x["medicine"], []).append(x.get("max_days"))
    for i, x in enumerate(limits):
        if not isinstance(x, Mapping) or not _is_int(x.get("less_stable_max_days")):
            continue
        less, most = x["less_stable_max_days"], x.get("max_days")
        if _is_int(most) and most > 0 and less > most:
            problems.append((f"limits[{i}].less_stable_max_days",
                             (f"The 'less stable' tier gives {less} days, more than the {most} days this range gives "
                              "a stable patient."),
                             f"use at most {most} (max_days of the same range), or correct max_days."))
        elif _is_int(most) and most == 0 and less > 0:
            given = (numbers.get(x["medicine"]) or []) if isinstance(x.get("medicine"), str) else []
            if given and all(_is_int(n) for n in given) and less > max(given):
                problems.append((f"limits[{i}].less_stable_max_days",
                                 (f"The 'less stable' tier gives {less} days, more than any range of "
                                  f"{x.get('medicine')} gives a stable patient (at most {max(given)})."),
                                 f"use at most {max(given)}, or correct the other ranges' max_days."))


def _check_asks_used(limits: list[Any], asks: tuple[str, ...], problems: list[Problem]) -> None:
    """An input the profile asks for must change something: the form would otherwise ask a question for nothing."""
    mappings = [x for x in limits if isinstance(x, Mapping)]
    if PROGRAMME_MAX_DAYS in asks and not any(x.get("max_days") == PROGRAMME for x in mappings):
        problems.append(("asks", (f"The profile asks for {PROGRAMME_MAX_DAYS}, but no range has "
                                  f"max_days: {PROGRAMME}, so the answer would change nothing."),
                         f"set max_days: {PROGRAMME} where the programme's maximum applies, or remove "
                         f"{PROGRAMME_MAX_DAYS} from 'asks'."))
    if LESS_STABLE_BUT_SAFE in asks and not any(_is_int(x.get("less_stable_max_days"))
                                                and x["less_stable_max_days"] > 0 for x in mappings):
        problems.append(("asks", (f"The profile asks for {LESS_STABLE_BUT_SAFE}, but no range gives the 'less "
                                  "stable' tier any days (less_stable_max_days), so the answer would change nothing."),
                         f"give less_stable_max_days where the tier applies, or remove {LESS_STABLE_BUT_SAFE} "
                         "from 'asks'."))


def _check_coverage(medicine: str, found: list[tuple[int, int, int | None]], problems: list[Problem]) -> None:
    """Ranges of one medicine must cover day 0 onwards, once each: no gap, no overlap, an open end."""
    first_i, first_from, _ = found[0]
    if first_from != 0:
        problems.append((f"limits[{first_i}].from_day",
                         (f"The first {medicine} range starts at day {first_from}, "
                          f"so days 0–{first_from - 1} have no rule."),
                         f"start the first {medicine} range at from_day: 0."))
    for (i, _, a_to), (j, b_from, b_to) in pairwise(found):
        if a_to is None or b_from <= a_to:
            last = "onwards" if a_to is None or (b_to is None) else str(min(a_to, b_to))
            end = f"–{last}" if last != "onwards" else " onwards"
            problems.append((f"limits[{j}].from_day",
                             f"This {medicine} range overlaps limits[{i}]: days {b_from}{end} are in both.",
                             (f"end limits[{i}] at to_day: {b_from - 1}, or start this range after "
                              f"limits[{i}] ends, so each day has one rule.")))
        elif b_from > a_to + 1:
            problems.append((f"limits[{j}].from_day",
                             (f"There is a gap before this {medicine} range: "
                              f"days {a_to + 1}–{b_from - 1} have no rule."),
                             f"start this range at from_day: {a_to + 1}, or add a range for the missing days."))
    last_i, _, last_to = found[-1]
    if last_to is not None:
        problems.append((f"limits[{last_i}].to_day",
                         f"The last {medicine} range ends at day {last_to}, so later days have no rule.",
                         "set to_day: null on the last range (no upper end)."))


def _check_safeguards(safeguards: Any, problems: list[Problem]) -> None:
    if not isinstance(safeguards, list):
        problems.append(("safeguards", f"Expected a list, but received {_received(safeguards)}.",
                         "list the safeguards, each with id, text and source."))
        return
    seen: set[str] = set()
    for i, s in enumerate(safeguards):
        where = f"safeguards[{i}]."
        if not isinstance(s, Mapping):
            problems.append((f"safeguards[{i}]", f"Expected a safeguard, but received {_received(s)}.",
                             "give each safeguard id, text and source."))
            continue
        _check_keys(s, SAFEGUARD_REQUIRED, (), where, "a safeguard", problems)
        sid = s.get("id")
        if "id" in s and (not isinstance(sid, str) or not _SNAKE_ID.match(sid)):
            problems.append((f"{where}id", f"Expected an id in snake_case, but received {_received(sid)}.",
                             "use lower-case words joined by underscores, for example naloxone."))
        elif isinstance(sid, str) and sid in seen:
            problems.append((f"{where}id", f"'{sid}' is used by another safeguard.", "give each safeguard its own id."))
        if isinstance(sid, str):
            seen.add(sid)
        _check_text(s, "text", where, problems)
        _check_source(s, where, problems)


def _check_early(early: Any, limits: Any, problems: list[Problem]) -> None:
    """`early_methadone`: what the profile's own text explicitly allows for methadone early in treatment."""
    span = f"days {EARLY_FIRST_DAY}–{EARLY_LAST_DAY}"
    if not isinstance(early, Mapping):
        problems.append(("early_methadone", f"Expected a mapping of max_days and source, but received "
                         f"{_received(early)}.",
                         f"write the take-home days the profile's own text allows for methadone in {span}, "
                         "for example {max_days: 7, source: \"[@id §Section]\"}, or leave it out (none)."))
        return
    _check_keys(early, EARLY_REQUIRED, EARLY_OPTIONAL, "early_methadone.", "early_methadone", problems)
    if "max_days" in early:
        _check_days_value(early["max_days"], "early_methadone.max_days", False, problems)
    if "note" in early:
        _check_text(early, "note", "early_methadone.", problems)
    _check_source(early, "early_methadone.", problems)
    allowed = early.get("max_days")
    if not _is_int(allowed) or allowed == 0 or not isinstance(limits, list):
        return
    ranges = [x for x in limits if isinstance(x, Mapping) and x.get("medicine") == EARLY_MEDICINE
              and _is_int(x.get("from_day")) and x["from_day"] <= EARLY_LAST_DAY
              and (x.get("to_day") is None or (_is_int(x.get("to_day")) and x["to_day"] >= EARLY_FIRST_DAY))]
    if not ranges:
        problems.append(("early_methadone", "The profile allows methadone early in treatment but has no "
                         "methadone limits.", "add the methadone limits, or remove early_methadone."))
        return
    # Every range is a number (none set by local policy or by the programme): the allowance cannot exceed them.
    numbers = [x.get("max_days") for x in ranges]
    if all(_is_int(n) for n in numbers) and allowed > max(numbers):
        problems.append(("early_methadone.max_days",
                         f"The profile's methadone limits give at most {max(numbers)} days in {span}, "
                         f"but early_methadone allows {allowed}.",
                         f"use at most {max(numbers)}, the most the limits give in that period."))


def validate_profile(profile: Any) -> list[Problem]:
    """Every problem of one profile file, as (field path, what is wrong, how to fix it); [] when valid.

    Pure: the build calls it on each file of content/takehome/ and reports the
    file name with each problem. Citation ids and sections are checked by the
    build against content/sources.yml.
    """
    if not isinstance(profile, Mapping):
        return [("", f"Expected a profile (a mapping of fields), but received {_received(profile)}.",
                 "start the file with 'id:', 'title:' and the other fields; see content/takehome/who-2009.yml.")]
    problems: list[Problem] = []
    _check_keys(profile, PROFILE_REQUIRED, PROFILE_OPTIONAL, "", "a take-home profile", problems)
    pid = profile.get("id")
    if "id" in profile and (not isinstance(pid, str) or not _PROFILE_ID.match(pid)):
        problems.append(("id",
                         f"Expected an id of lower-case letters, digits and hyphens, but received {_received(pid)}.",
                         "use an id such as uk-nice-2007, the same as the file name."))
    for key in ("title", "jurisdiction"):
        _check_text(profile, key, "", problems)
    if "status" in profile and profile["status"] not in STATUSES:
        problems.append(("status", f"Expected a status, but received {_received(profile['status'])}.",
                         f"use one of: {', '.join(STATUSES)}."))
    sources = profile.get("sources")
    if "sources" in profile and (not isinstance(sources, list) or not sources
                                 or not all(_has_citation(s) for s in sources)):
        problems.append(("sources", f"Expected a list of citations, but received {_received(sources)}.",
                         "list each source as [@id §Section], with ids and sections from content/sources.yml."))
    review = profile.get("review_in_days")
    if "review_in_days" in profile and (not _is_int(review) or not 1 <= review <= MAX_REVIEW_DAYS):
        problems.append(("review_in_days", (f"Expected a whole number of days from 1 to {MAX_REVIEW_DAYS}, "
                                            f"but received {_received(review)}."),
                         "give the routine review interval in days, e.g. 28."))
    asks_raw = profile.get("asks") or []
    asks: tuple[str, ...] = ()
    if not isinstance(asks_raw, list) or any(a not in EXTRA_INPUTS for a in asks_raw):
        problems.append(("asks", f"Expected a list of extra inputs, but received {_received(asks_raw)}.",
                         f"use only: {', '.join(EXTRA_INPUTS)}."))
    else:
        asks = tuple(asks_raw)
        if len(set(asks)) != len(asks):
            problems.append(("asks", "An input is listed twice.", "list each input once."))
    if "criteria" in profile:
        _check_criteria(profile["criteria"], asks, problems)
    if "limits" in profile:
        _check_limits(profile["limits"], asks, problems)
    if "safeguards" in profile:
        _check_safeguards(profile["safeguards"], problems)
    if "early_methadone" in profile:
        _check_early(profile["early_methadone"], profile.get("limits"), problems)
    notes = profile.get("notes")
    if "notes" in profile and (not isinstance(notes, list) or not all(isinstance(n, str) and n.strip() for n in notes)):
        problems.append(("notes", f"Expected a list of text notes, but received {_received(notes)}.",
                         "write each note as a line of text under 'notes:'."))
    return problems


def parse_profiles(items: Sequence[Mapping[str, Any]]) -> tuple[Profile, ...]:
    return tuple(Profile.from_dict(item) for item in items)


# content/takehome/*.yml, one profile a file.
PROFILES = DataSet("profiles", "takehome/*.yml", validate_profile, parse_profiles)
