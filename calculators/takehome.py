"""Take-home eligibility under a policy profile.

The rules differ by country and change in a crisis, so they are data: each
profile in `content/takehome/*.yml` lists its criteria, its maximum take-home
days by medicine and time in treatment, and the safeguards it pairs with
them. This module checks a profile (`validate_profile`, called by the build
on every file) and assesses one patient against it (`run`). A programme adds
its own profile as a new file, with no change to this code.

Eligible means every criterion is met and the time rule for that day allows
take-home doses; the answer is then the profile's maximum for that day. The
one exception is a profile with a "less stable but judged safe" tier (the US
COVID-19 exception): a patient who is not "stable" may still have that tier's
smaller maximum when the clinician judges it safe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import pairwise
from typing import Any, TypeGuard

from .basis import (
    DAILYMED_BOXED_WARNING,
    HANDBOOK_DESIGN,
    SHORT_NAMES,
    WHO_OVERDOSE,
    WHO_TAKE_HOME,
    Source,
)
from .fields import CHOICE, INTEGER, YESNO, Choice, Field, Reader
from .result import failure, success

NAME = "takehome"
TITLE = "Take-home eligibility"

Problem = tuple[str, str, str]  # (field path in the profile, what is wrong, how to fix it)

STATUSES = ("current", "historical precedent")
MEDICINES = (Choice("methadone", "Methadone"), Choice("buprenorphine", "Buprenorphine"))
MEDICINE_IDS = tuple(c.value for c in MEDICINES)
# Inputs a profile may ask for, beyond those every profile asks.
PROGRAMME_MAX_DAYS = "programme_max_days"
LESS_STABLE_BUT_SAFE = "less_stable_but_safe"
EXTRA_INPUTS = (PROGRAMME_MAX_DAYS, LESS_STABLE_BUT_SAFE)
# `max_days: programme` in a limit: the programme's own maximum, an input.
PROGRAMME = "programme"
LOCAL_POLICY = "set by local policy"
MAX_TAKE_HOME_DAYS = 90
MAX_REVIEW_DAYS = 365
# More days in treatment than a lifetime is a typing error, not a patient.
MAX_DAYS_IN_TREATMENT = 36_500

PROFILE_REQUIRED = ("id", "title", "jurisdiction", "status", "sources", "review_in_days", "criteria", "limits")
PROFILE_OPTIONAL = ("asks", "safeguards", "notes")
CRITERION_REQUIRED = ("id", "question", "help", "source")
LIMIT_REQUIRED = ("medicine", "from_day", "to_day", "max_days", "source")
LIMIT_OPTIONAL = ("less_stable_max_days", "note", "unverified")
SAFEGUARD_REQUIRED = ("id", "text", "source")

_PROFILE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SNAKE_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# The citation markup of content/README.md; sitebuild checks that the id and section exist.
_CITATION = re.compile(r"\[@([a-z0-9-]+)\s*(?:§\s*([^\]]*?))?\s*\]")

TAKE_HOME = "[@who-2025 §Consideration of take-home doses]"
DESIGN = "[@this-handbook §Calculator design]"


# ---------------------------------------------------------------- profiles as typed values


@dataclass(frozen=True)
class Criterion:
    id: str
    question: str
    help: str
    source: str  # citation markup


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
            criteria=tuple(Criterion(c["id"], c["question"], c["help"], c["source"]) for c in data["criteria"]),
            limits=tuple(Limit(
                medicine=x["medicine"], from_day=x["from_day"], to_day=x["to_day"], max_days=x["max_days"],
                source=x["source"], less_stable_max_days=x.get("less_stable_max_days") or 0,
                note=x.get("note") or "", unverified=bool(x.get("unverified"))) for x in data["limits"]),
            asks=tuple(data.get("asks") or ()),
            safeguards=tuple(Safeguard(s["id"], s["text"], s["source"]) for s in data.get("safeguards") or ()),
            notes=tuple(data.get("notes") or ()))

    @property
    def medicines(self) -> tuple[str, ...]:
        present = {x.medicine for x in self.limits}
        return tuple(m for m in MEDICINE_IDS if m in present)

    def limit_for(self, medicine: str, day: int) -> Limit:
        return next(x for x in self.limits if x.medicine == medicine and x.covers(day))

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
    return isinstance(value, str) and _CITATION.search(value) is not None


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


def _check_criteria(criteria: Any, problems: list[Problem]) -> None:
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
        _check_keys(c, CRITERION_REQUIRED, (), where, "a criterion", problems)
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
    if "criteria" in profile:
        _check_criteria(profile["criteria"], problems)
    if "limits" in profile:
        _check_limits(profile["limits"], asks, problems)
    if "safeguards" in profile:
        _check_safeguards(profile["safeguards"], problems)
    notes = profile.get("notes")
    if "notes" in profile and (not isinstance(notes, list) or not all(isinstance(n, str) and n.strip() for n in notes)):
        problems.append(("notes", f"Expected a list of text notes, but received {_received(notes)}.",
                         "write each note as a line of text under 'notes:'."))
    return problems


# ---------------------------------------------------------------- the inputs (the contract)

PROFILE_FIELD = Field("profile", "Policy profile", CHOICE, choices_from="profiles",
                      help="The rules that apply where you work. Local rules may be stricter.", source=DESIGN)
DAYS_FIELD = Field("days_in_treatment", "Days in treatment", INTEGER, unit="days", minimum=Decimal(0),
                   maximum=Decimal(MAX_DAYS_IN_TREATMENT), placeholder="e.g. 45",
                   help="Whole days since the patient started this treatment.",
                   source=DESIGN)
PROGRAMME_MAX_FIELD = Field(
    PROGRAMME_MAX_DAYS, "The programme's maximum take-home days", INTEGER, unit="days",
    minimum=Decimal(1), maximum=Decimal(MAX_TAKE_HOME_DAYS),
    help="The most days of take-home doses your programme has decided to allow during the disruption.",
    source=TAKE_HOME)
LESS_STABLE_FIELD = Field(
    LESS_STABLE_BUT_SAFE, "If the patient is not 'stable': do you judge that they can manage take-home doses safely?",
    YESNO, help="Used only when the patient does not meet every condition of 'stable' (answer it in every case).",
    source="[@samhsa-2020 §Blanket exception, 16 March 2020]")
SAFETY_FIELDS = (
    Field("children_in_home", "Do children live in or visit the home?", YESNO, source=TAKE_HOME,
          help="One dose can kill a child."),
    Field("safe_storage", "Is there a locked box or other safe storage for the doses?", YESNO, source=TAKE_HOME),
    Field("naloxone_given", "Does the patient have a naloxone kit and know how to use it?", YESNO,
          source="[@who-2025 §Overdose management]"),
    Field("sedative_or_alcohol_use", "Does the patient also use sedatives (such as benzodiazepines) or alcohol?",
          YESNO, source="[@dailymed-methadone §Boxed warning]"),
)
SAFETY_NAMES = tuple(f.name for f in SAFETY_FIELDS)


def _medicine_field(medicines: Sequence[str]) -> Field:
    return Field("medicine", "Medicine", CHOICE, choices=tuple(c for c in MEDICINES if c.value in medicines),
                 help="The opioid agonist the patient takes.", source=DESIGN)


# The fields of every profile, as the CLI offers them; criteria come in the JSON input.
FIELDS: tuple[Field, ...] = (PROFILE_FIELD, _medicine_field(MEDICINE_IDS), DAYS_FIELD, PROGRAMME_MAX_FIELD,
                             LESS_STABLE_FIELD, *SAFETY_FIELDS)


def _profile_fields(profile: Profile) -> tuple[Field, ...]:
    criteria = tuple(Field(f"criteria.{c.id}", c.question, YESNO, help=c.help, source=c.source)
                     for c in profile.criteria)
    extras = tuple(f for f in (PROGRAMME_MAX_FIELD, LESS_STABLE_FIELD) if f.name in profile.asks)
    return criteria + extras


def fields_for(profile: Mapping[str, Any] | Profile) -> tuple[Field, ...]:
    """Every input of one profile, in form order; criteria are named 'criteria.<id>'."""
    p = profile if isinstance(profile, Profile) else Profile.from_dict(profile)
    return (PROFILE_FIELD, _medicine_field(p.medicines), DAYS_FIELD, *_profile_fields(p), *SAFETY_FIELDS)


def form_fields(data: Mapping[str, Any]) -> tuple[Field, ...]:
    """One form for all profiles: each profile's own questions are shown only when it is chosen."""
    profiles = [Profile.from_dict(p) for p in data.get("profiles") or ()]
    own = tuple(replace(f, shown_when=(("profile", (p.id,)),)) for p in profiles for f in _profile_fields(p))
    return (PROFILE_FIELD, _medicine_field(MEDICINE_IDS), DAYS_FIELD, *own, *SAFETY_FIELDS)


@dataclass(frozen=True)
class Inputs:
    profile: Profile
    medicine: str
    days_in_treatment: int
    answers: tuple[tuple[str, bool], ...]  # (criterion id, met), in the profile's order
    programme_max_days: int | None
    less_stable_but_safe: bool | None
    children_in_home: bool
    safe_storage: bool
    naloxone_given: bool
    sedative_or_alcohol_use: bool


def _flatten(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """`{"criteria": {"x": true}}` and `{"criteria.x": true}` (as the form sends it) read the same."""
    flat = {k: v for k, v in raw.items() if k != "criteria"}
    criteria = raw.get("criteria")
    if criteria is None:
        return flat, {}
    if not isinstance(criteria, Mapping):
        return flat, {"criteria": f"Expected an object of criterion id → yes/no, but received {_received(criteria)}."}
    for cid, answer in criteria.items():
        flat.setdefault(f"criteria.{cid}", answer)
    return flat, {}


def read_inputs(raw: Mapping[str, Any], profiles: Sequence[Mapping[str, Any]]) -> tuple[Inputs | None, dict[str, str]]:
    by_id = {str(p.get("id")): p for p in profiles if isinstance(p, Mapping)}
    if not by_id:
        return None, {"_form": "No take-home profiles are loaded; the build reads them from content/takehome/."}
    flat, errors = _flatten(raw)
    choices = {"profile": tuple(by_id)}
    pid = Reader((PROFILE_FIELD,), flat, choices).get("profile")
    profile = Profile.from_dict(by_id[pid]) if pid else None
    # Without a known profile, only the inputs every profile shares can be checked.
    fields = fields_for(profile) if profile else (PROFILE_FIELD, _medicine_field(MEDICINE_IDS), DAYS_FIELD,
                                                  *SAFETY_FIELDS)
    r = Reader(fields, flat, choices, errors)
    values = {f.name: r.get(f.name) for f in fields}
    for f in fields:  # a question left unanswered reads better as a question
        if f.kind == YESNO and r.errors.get(f.name) == "Enter a value.":
            r.errors[f.name] = "Answer yes or no."
    if r.errors or profile is None:
        return None, r.errors
    return Inputs(
        profile=profile, medicine=values["medicine"], days_in_treatment=values["days_in_treatment"],
        answers=tuple((c.id, values[f"criteria.{c.id}"]) for c in profile.criteria),
        programme_max_days=values.get(PROGRAMME_MAX_DAYS), less_stable_but_safe=values.get(LESS_STABLE_BUT_SAFE),
        **{name: values[name] for name in SAFETY_NAMES}), {}


# ---------------------------------------------------------------- the assessment


def cited(markup: str) -> dict[str, str]:
    """A citation as the result reports it: readable text, id, section, and the markup itself."""
    match = _CITATION.search(markup)
    source_id, section = (match.group(1), (match.group(2) or "").strip()) if match else ("", "")
    short = SHORT_NAMES.get(source_id, source_id)
    return {"source": f"{short}, {section}" if section else short, "source_id": source_id, "section": section,
            "citation": markup}


def _from_source(source: Source) -> dict[str, str]:
    section = f" §{source.section}" if source.section else ""
    return {**source.to_json(), "citation": f"[@{source.id}{section}]"}


def _rule(code: str, text: str, source: dict[str, str]) -> dict[str, str]:
    return {"code": code, "rule": text, **source}


def _item(code: str, text: str, level: str, source: dict[str, str]) -> dict[str, str]:
    return {"id": code, "text": text, "level": level, **source}


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _limit_max(limit: Limit, inputs: Inputs) -> int | None:
    """The limit's maximum for this patient: a number (0 = none), or None when set by local policy."""
    if limit.max_days == PROGRAMME:
        return inputs.programme_max_days
    return limit.max_days if isinstance(limit.max_days, int) else None


def _max_text(limit: Limit) -> str:
    if limit.max_days == PROGRAMME:
        return "up to the programme's maximum"
    if limit.max_days is None:
        return f"the number of days is {LOCAL_POLICY}"
    return "no take-home doses" if limit.max_days == 0 else f"up to {_days(int(limit.max_days))}"


def safeguards_for(inputs: Inputs, review_in_days: int) -> list[dict[str, str]]:
    """What to do and print with any take-home decision: context-driven items first, then the routine ones."""
    p, methadone = inputs.profile, inputs.medicine == "methadone"
    child_source = _from_source(DAILYMED_BOXED_WARNING if methadone else WHO_TAKE_HOME)
    found: list[dict[str, str]] = []
    if inputs.children_in_home and not inputs.safe_storage:
        found.append(_item("children_without_safe_storage",
                           "Children live in or visit the home and there is no safe storage. One dose can kill a "
                           "child: do not send doses home until a locked box is in place.", "danger", child_source))
    elif not inputs.safe_storage:
        found.append(_item("no_safe_storage", "There is no safe storage: arrange a locked box before doses go home.",
                           "caution", child_source))
    if inputs.sedative_or_alcohol_use:
        found.append(_item("sedatives_or_alcohol",
                           "Sedatives or alcohol with an opioid agonist raise the risk of fatal breathing "
                           "depression, more so with doses at home. Discuss it, reconsider the number of days "
                           "and review sooner.", "caution", _from_source(DAILYMED_BOXED_WARNING)))
    if not inputs.naloxone_given:
        found.append(_item("give_naloxone", "Give a naloxone kit now and show the patient, and the people they "
                           "live with, how to use it.", "caution", _from_source(WHO_OVERDOSE)))
    routine = {
        "lockbox_child_safety": _item(
            "lockbox_child_safety", "Keep doses in child-resistant containers inside a locked box, out of "
            "children's sight and reach.", "routine", child_source),
        "naloxone": _item("naloxone", "Naloxone in the home, and people there who know how to use it.",
                          "routine", _from_source(WHO_OVERDOSE)),
        "storage_transport_education": _item(
            "storage_transport_education", "Explain how to carry and store the doses and what to do if they are "
            "lost, stolen or taken by someone else; record that this was explained.", "routine",
            _from_source(WHO_TAKE_HOME)),
        "documentation": _item("documentation", "Record the decision, its basis and these answers in the "
                               "patient's notes.", "routine", _from_source(HANDBOOK_DESIGN)),
        "review_date": _item("review_date", f"Review stability and take-home doses within {_days(review_in_days)}.",
                             "routine", _from_source(HANDBOOK_DESIGN)),
    }
    # A profile's own safeguard with a routine id replaces the routine wording; others are added.
    for s in p.safeguards:
        routine[s.id] = _item(s.id, s.text, "routine", cited(s.source))
    return found + list(routine.values())


def assess(inputs: Inputs) -> dict[str, Any]:
    """The decision, its reasons and its basis, as a JSON-ready dict."""
    p, day = inputs.profile, inputs.days_in_treatment
    answers = dict(inputs.answers)
    limit = p.limit_for(inputs.medicine, day)
    limit_max = _limit_max(limit, inputs)
    time_allows = limit_max is None or limit_max > 0
    unmet = [c for c in p.criteria if not answers[c.id]]
    tiered = LESS_STABLE_BUT_SAFE in p.asks
    reasons: list[str] = [f"Not met: {c.question}" for c in unmet]
    basis = [_rule(f"criterion:{c.id}", f"Criterion: {c.question}", cited(c.source)) for c in p.criteria]
    basis.append(_rule("all_criteria", f"Take-home doses only when all {len(p.criteria)} criteria are met"
                       + (" (or, if not, the 'less stable but judged safe' tier below)." if tiered else "."),
                       cited(p.sources[0])))
    basis.append(_rule("time_in_treatment", f"{inputs.medicine.capitalize()}, {limit.days_text()} in treatment: "
                       f"{_max_text(limit)}." + (f" {limit.note}" if limit.note else ""), cited(limit.source)))
    if limit.max_days == PROGRAMME:
        basis.append(_rule("programme_max_days", f"The programme's maximum: {_days(inputs.programme_max_days or 0)}.",
                           cited(limit.source)))

    # The first later day at which the time rule allows take-home doses, if any.
    opens = next((x for x in p.later_limits(inputs.medicine, day) if x.max_days != 0), None)
    status, tier = "not_eligible", ("not_stable" if tiered else None)
    max_days: int | None = 0
    if not time_allows:
        when = f"from day {opens.from_day} it does" if opens else "nor at any later time"
        reasons.append(f"Time in treatment: at {_days(day)} in treatment this profile allows no take-home doses "
                       f"({when}).")
    if not unmet and time_allows:
        status, max_days = "eligible", limit_max
        tier = "stable" if tiered else None
        met = f"All {len(p.criteria)} criteria met and {_days(day)} in treatment"
        reasons.append(f"{met}: {f'up to {_days(limit_max)}' if limit_max is not None else LOCAL_POLICY}.")
    elif tiered:
        less = limit.less_stable_max_days
        basis.append(_rule("less_stable", "Not 'stable' but judged able to manage take-home doses safely: "
                           f"{'up to ' + _days(less) if less else 'none'}.", cited(limit.source)))
        if inputs.less_stable_but_safe and less > 0:
            status, tier, max_days = "eligible", "less_stable", less
            reasons.append(f"Not 'stable' under this profile, but judged able to manage take-home doses safely: "
                           f"up to {_days(less)}.")
        else:
            reasons.append("Not 'stable' under this profile, and not judged able to manage take-home doses safely.")

    review = p.review_in_days
    if status == "not_eligible" and not unmet and not time_allows and opens:
        review = min(review, opens.from_day - day)
    basis.append(_rule("review", f"Review within {_days(p.review_in_days)} (this profile's interval), or on the day "
                       "time in treatment first allows take-home doses if that is sooner.",
                       _from_source(HANDBOOK_DESIGN)))

    warnings = [_item("stricter_local_rules", "State, provincial or local rules may be stricter than this profile, "
                      "and then they apply. This is decision support, not legal advice.", "caution",
                      _from_source(HANDBOOK_DESIGN))]
    if limit.unverified:
        warnings.insert(0, _item("unverified_limit", f"Unverified: {limit.note} To be checked against the "
                                 "regulation's text.", "caution", cited(limit.source)))
    if p.status == "historical precedent":
        warnings.insert(0, _item("historical_precedent", f"{p.title} is a historical precedent, not a rule in force: "
                                 "use it for comparison or crisis planning.", "caution", cited(p.sources[0])))

    return {
        "profile": {"id": p.id, "title": p.title, "status": p.status, "jurisdiction": p.jurisdiction,
                    "sources": [cited(s) for s in p.sources], "notes": list(p.notes)},
        "inputs": {"medicine": inputs.medicine, "days_in_treatment": day, "criteria": answers,
                   **({PROGRAMME_MAX_DAYS: inputs.programme_max_days} if PROGRAMME_MAX_DAYS in p.asks else {}),
                   **({LESS_STABLE_BUT_SAFE: inputs.less_stable_but_safe} if tiered else {}),
                   **{name: getattr(inputs, name) for name in SAFETY_NAMES}},
        "status": status,
        "tier": tier,
        "max_days": max_days,
        "max_days_reason": (LOCAL_POLICY if max_days is None else
                            "not eligible" if status == "not_eligible" else
                            "less stable but judged safe" if tier == "less_stable" else
                            "the programme's maximum" if limit.max_days == PROGRAMME else
                            f"{p.title}: {limit.days_text()} in treatment"),
        "criteria": [{"id": c.id, "question": c.question, "met": answers[c.id], **cited(c.source)}
                     for c in p.criteria],
        "unmet": [{"id": c.id, "question": c.question, **cited(c.source)} for c in unmet],
        "reasons": reasons,
        "safeguards": safeguards_for(inputs, review),
        "warnings": warnings,
        "review_in_days": review,
        "basis": basis,
    }


def run(raw: Mapping[str, Any], data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Inputs as a plain dict (JSON values), profiles in data["profiles"] → `{"ok", "errors", "result"}`."""
    if not isinstance(raw, Mapping):
        return failure({"_form": "The inputs must be a JSON object of field names and values."})
    inputs, errors = read_inputs(raw, (data or {}).get("profiles") or ())
    if inputs is None:
        return failure(errors)
    return success(assess(inputs))


CLI_FLAGS = {"--profiles": "print every take-home profile with its criteria ids, as JSON"}


def cli_flag(flag: str, data: Mapping[str, Any]) -> Any:
    """`--profiles`: each profile's id, title, status, medicines, criteria ids and extra inputs."""
    if flag != "--profiles":
        raise ValueError(f"Unknown flag {flag!r}")
    profiles = [Profile.from_dict(p) for p in data.get("profiles") or ()]
    return [{"id": p.id, "title": p.title, "jurisdiction": p.jurisdiction, "status": p.status,
             "medicines": list(p.medicines), "criteria": [c.id for c in p.criteria], "asks": list(p.asks)}
            for p in profiles]
