"""Take-home eligibility under a policy profile.

The rules differ by country and change in a crisis, so they are data: each
profile in `content/takehome/*.yml` lists its criteria, its maximum take-home
days by medicine and time in treatment, and the safeguards it pairs with
them. `calculators.profiles` checks and reads a profile file;
this module assesses one patient against a profile (`run`). A programme adds
its own profile as a new file, with no change to this code.

Three outcomes, safety first:

- `eligible`: every criterion is met and the time rule for that day allows
  take-home doses; the answer is the profile's maximum for that day.
- `eligible_after_conditions`: the same, but something must be in place before
  any dose goes home (safe storage, a naloxone kit): `max_days` applies once
  every item of `conditions` is met, and nothing goes home before then.
- `not_eligible`: a criterion is not met or the time rule allows none.

This handbook's own rules apply under every profile, each labelled so in the
result with its reasoning: the safety conditions above and a danger warning
for sedative or alcohol use; no methadone take-home doses in days 0-14 of
treatment beyond what the profile's own text explicitly allows for that period
(`early_methadone`); and a "less stable but judged safe" tier (the US
COVID-19 exception) waives only the criteria the profile marks
`less_stable_may_waive` and time in treatment, never safety.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from .fields import CHOICE, COUNTED, DATE, INTEGER, YESNO, Choice, Field, Reader, date_text, plural
from .medicines import DAYS_LIMIT_MESSAGE, MEDICINE_IDS, MEDICINES
from .interface import Calculator, CliAction
from .messages import marked, tr, tr_n
from .profiles import (
    LESS_STABLE_BUT_SAFE,
    MAX_TAKE_HOME_DAYS,
    PROFILES,
    PROGRAMME,
    PROGRAMME_MAX_DAYS,
    EARLY_FIRST_DAY,
    EARLY_LAST_DAY,
    Limit,
    Profile,
)
from .takehome_view import takehome as view
from .result import failure, success
from .vocabulary import (
    CAUTION,
    DANGER,
    DAILYMED_BOXED_WARNING,
    HANDBOOK_DESIGN,
    MITCHELL_OTHER_SUBSTANCES,
    WHO_NALOXONE,
    Action,
    Citation,
    Rule,
    Warning,
    warnings_json,
)

NAME = "takehome"
TITLE = "Take-home eligibility"

LOCAL_POLICY = marked("set by local policy")
# More days in treatment than a lifetime is a typing error, not a patient.
MAX_DAYS_IN_TREATMENT = 36_500

DESIGN = "[@this-handbook §Calculator design]"
# The message beside a field left empty (calculators/fields.py): a yes/no question says "Answer yes or no." instead.
ENTER_A_VALUE = "Enter a value."


# ---------------------------------------------------------------- the inputs (the contract)

PROFILE_FIELD = Field("profile", "Policy profile", CHOICE, choices_from="profiles",
                      help="The rules that apply where you work. Local rules may be stricter.", source=DESIGN)
# Time in treatment as the clinic knows it: the number of days, or the start date (days counted to today's date,
# which the page fills in from the device and shows, so nothing is assumed silently).
DAYS, START = "days", "start"
TIME_AS_FIELD = Field("time_as", "Time in treatment given as", CHOICE, default=DAYS,
                      choices=(Choice(DAYS, "days in treatment"), Choice(START, "the date treatment started")),
                      help="Give the number of days, or the start date from the patient's card.", source=DESIGN)
DAYS_FIELD = Field("days_in_treatment", "Days in treatment", INTEGER, unit="days", minimum=Decimal(0),
                   maximum=Decimal(MAX_DAYS_IN_TREATMENT), limit_message=DAYS_LIMIT_MESSAGE, placeholder="e.g. 45",
                   shown_when=(("time_as", (DAYS,)),),
                   help="Whole days since the patient started this treatment.",
                   source=DESIGN)
START_FIELD = Field("start_date", "Date treatment started", DATE, shown_when=(("time_as", (START,)),),
                    help="The first day of this treatment, from the patient's card.", source=DESIGN)
TODAY_FIELD = Field("today", "Today's date", DATE, shown_when=(("time_as", (START,)),),
                    help="Filled in from this device's date: correct it if the device's date is wrong. The days in "
                         "treatment are counted from the start date to this date.", source=DESIGN)
TIME_FIELDS = (TIME_AS_FIELD, DAYS_FIELD, START_FIELD, TODAY_FIELD)
PROGRAMME_MAX_FIELD = Field(
    PROGRAMME_MAX_DAYS, "The programme's maximum take-home days", INTEGER, unit="days",
    minimum=Decimal(1), maximum=Decimal(MAX_TAKE_HOME_DAYS),
    help="The most days of take-home doses your programme has decided to allow during the disruption.",
    source='[@who-2025 §Consideration of take-home doses ^"existing take-home schemes can be extended"]')
LESS_STABLE_FIELD = Field(
    LESS_STABLE_BUT_SAFE, "If the patient is not 'stable': do you judge that they can manage take-home doses safely?",
    YESNO, help="Used only when the patient does not meet every condition of 'stable' (answer it in every case). "
    "It can stand in for the stability criteria and time in treatment, never for safe storage, diversion or "
    "the judgement that the benefits outweigh the risks.",
    source="[@samhsa-2020 §Blanket exception, 16 March 2020]")
SAFETY_FIELDS = (
    Field("children_in_home", "Do children live in or visit the home?", YESNO,
          source="[@dailymed-methadone §Boxed warning]",
          help="The methadone label warns that one dose swallowed by accident can kill, above all a child."),
    Field("safe_storage", "Is there a locked box or other safe storage for the doses?", YESNO, source=DESIGN,
          help="This handbook asks it under every profile: no dose goes home without safe storage."),
    Field("naloxone_given", "Does the patient have a naloxone kit and know how to use it?", YESNO,
          source='[@who-2025 §Overdose management ^"should have access to naloxone and be instructed"]'),
    Field("sedative_or_alcohol_use", "Does the patient also use sedatives (such as benzodiazepines) or alcohol?",
          YESNO, source="[@dailymed-methadone §Boxed warning]"),
)
SAFETY_NAMES = tuple(f.name for f in SAFETY_FIELDS)


def _medicine_field(medicines: Sequence[str]) -> Field:
    return Field("medicine", "Medicine", CHOICE, choices=tuple(c for c in MEDICINES if c.value in medicines),
                 help="The opioid agonist the patient takes.", source=DESIGN)


# The fields of every profile, as the CLI offers them; criteria come in the JSON input.
FIELDS: tuple[Field, ...] = (PROFILE_FIELD, _medicine_field(MEDICINE_IDS), *TIME_FIELDS, PROGRAMME_MAX_FIELD,
                             LESS_STABLE_FIELD, *SAFETY_FIELDS)


def _profile_fields(profile: Profile) -> tuple[Field, ...]:
    criteria = tuple(Field(f"criteria.{c.id}", c.question, YESNO, help=c.help, source=c.source)
                     for c in profile.criteria)
    extras = tuple(f for f in (PROGRAMME_MAX_FIELD, LESS_STABLE_FIELD) if f.name in profile.asks)
    return criteria + extras


def fields_for(profile: Mapping[str, Any] | Profile) -> tuple[Field, ...]:
    """Every input of one profile, in form order; criteria are named 'criteria.<id>'."""
    p = profile if isinstance(profile, Profile) else Profile.from_dict(profile)
    return (PROFILE_FIELD, _medicine_field(p.medicines), *TIME_FIELDS, *_profile_fields(p), *SAFETY_FIELDS)


def form_fields(data: Mapping[str, Any]) -> tuple[Field, ...]:
    """One form for all profiles: each profile's own questions are shown only when it is chosen."""
    profiles = PROFILES.typed(data)
    own = tuple(replace(f, shown_when=(("profile", (p.id,)),)) for p in profiles for f in _profile_fields(p))
    # The profiles' titles as choices too, so that the translated form's titles name them in results.
    profile = replace(PROFILE_FIELD, choices=tuple(Choice(p.id, p.title) for p in profiles))
    return (profile, _medicine_field(MEDICINE_IDS), *TIME_FIELDS, *own, *SAFETY_FIELDS)


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
    echo: tuple[dict[str, Any], ...] = ()


def read_inputs(raw: Mapping[str, Any], profiles: Sequence[Profile]) -> tuple[Inputs | None, dict[str, str]]:
    by_id = {p.id: p for p in profiles}
    if not by_id:
        return None, {"_form": tr("No take-home profiles are loaded: the site's build reads them from "
                                  "content/takehome/ (on the command line, pass --data).")}
    errors: dict[str, str] = {}
    if "criteria" in raw and not isinstance(raw["criteria"], Mapping):
        errors["criteria"] = tr("Expected an object of criterion id → yes/no.")
    choices = {"profile": tuple(Choice(p.id, p.title) for p in profiles)}
    pid = Reader((PROFILE_FIELD,), raw, choices).get("profile")
    profile = by_id.get(pid) if pid else None
    # Without a known profile, only the inputs every profile shares can be checked.
    fields = fields_for(profile) if profile else (PROFILE_FIELD, _medicine_field(MEDICINE_IDS), *TIME_FIELDS,
                                                  *SAFETY_FIELDS)
    r = Reader(fields, raw, choices, errors)
    values = {f.name: r.get(f.name) for f in fields}
    if values.get("time_as") == START and values["start_date"] is not None and values["today"] is not None:
        start, today = values["start_date"], values["today"]
        days = (today - start).days
        if days < 0:
            r.error("start_date", tr("The start date, {start}, is after today's date, {today}: check both dates.",
                                     start=date_text(start), today=date_text(today)))
        elif days > MAX_DAYS_IN_TREATMENT:
            r.error("start_date", tr(DAYS_LIMIT_MESSAGE))
        else:
            values["days_in_treatment"] = days
            r.note("days_in_treatment", tr(DAYS_FIELD.label),
                   tr("{days} (from {start} to {today})", days=plural(days, "days"), start=date_text(start),
                      today=date_text(today)), days)
    empty = (ENTER_A_VALUE, tr(ENTER_A_VALUE))  # as fields.py says it, in English or in the reader's language
    for f in fields:  # a question left unanswered reads better as a question
        if f.kind == YESNO and r.errors.get(f.name) in empty:
            r.errors[f.name] = tr("Answer yes or no.")
    if r.errors or profile is None:
        return None, r.errors
    return Inputs(
        profile=profile, medicine=values["medicine"], days_in_treatment=values["days_in_treatment"],
        answers=tuple((c.id, values[f"criteria.{c.id}"]) for c in profile.criteria),
        programme_max_days=values.get(PROGRAMME_MAX_DAYS), less_stable_but_safe=values.get(LESS_STABLE_BUT_SAFE),
        echo=tuple(r.echo()), **{name: values[name] for name in SAFETY_NAMES}), {}


# ---------------------------------------------------------------- the assessment


def _cite(markup: str) -> Citation:
    """A profile's citation markup (validated: it always holds one)."""
    found = Citation.parse(markup)
    assert found is not None, markup
    return found


def _item(item_id: str, text: str, level: str, citation: Citation) -> dict[str, str]:
    """A safeguard to put in place: level danger (before any dose goes home), caution (now) or routine."""
    return Action(level, item_id, text, citation).to_json()


def _warning(level: str, warning_id: str, text: str, citation: Citation) -> dict[str, str]:
    return Warning(level, warning_id, text, citation).to_json()


def _rule(rule_id: str, text: str, citation: Citation) -> dict[str, str]:
    return Rule(rule_id, text, citation).to_json()


def _days(n: int) -> str:
    """'1 day', '45 days' in the reader's language (the number as it is: a count of days, never grouped)."""
    return tr_n(*COUNTED["days"], n, n=str(n))


def _title(profile: Profile) -> str:
    """The profile's title as the form names it, in the reader's language."""
    return tr(profile.title)


def _medicine_name(medicine: str) -> str:
    return tr(medicine.capitalize())


# The days of this handbook's early-treatment rule for methadone, as placeholders of its messages.
SPAN = {"first_day": str(EARLY_FIRST_DAY), "last_day": str(EARLY_LAST_DAY)}


def _limit_max(limit: Limit, inputs: Inputs) -> int | None:
    """The limit's maximum for this patient: a number (0 = none), or None when set by local policy."""
    if limit.max_days == PROGRAMME:
        return inputs.programme_max_days
    return limit.max_days if isinstance(limit.max_days, int) else None


def _max_text(limit: Limit) -> str:
    if limit.max_days == PROGRAMME:
        return tr("up to the programme's maximum")
    if limit.max_days is None:
        return tr("the number of days is set by local policy")
    if limit.max_days == 0:
        return tr("no take-home doses")
    return tr("up to {days}", days=_days(int(limit.max_days)))


def child_danger(medicine: str) -> str:
    """What is known about a dose and a child, for this medicine, and where it comes from."""
    if medicine == "methadone":
        return tr("The methadone label warns that one dose swallowed by accident can kill, above all a child.")
    return tr("A dose meant for an adult can poison a child. The sources this handbook holds state the danger for "
              "methadone (its label: one dose swallowed by accident can kill, above all a child), and the same care "
              "is taken with buprenorphine.")


def sedatives_reason(medicine: str) -> tuple[str, Citation]:
    """Why sedatives or alcohol matter with doses at home, with the source that says it for this medicine."""
    if medicine == "methadone":
        return (tr("Benzodiazepines, other sedatives or alcohol taken with methadone raise the risk of fatal "
                   "breathing depression, more so with doses at home where no one is watching."),
                DAILYMED_BOXED_WARNING)
    return (tr("Alcohol, benzodiazepines and other drugs used alongside opioids make harm from opioid use more "
               "likely, more so with doses at home where no one is watching."), MITCHELL_OTHER_SUBSTANCES)


def safeguards_for(inputs: Inputs, review_in_days: int) -> list[dict[str, str]]:
    """What to do and print with any take-home decision: context-driven items first, then the routine ones."""
    p = inputs.profile
    found: list[dict[str, str]] = []
    if inputs.children_in_home and not inputs.safe_storage:
        found.append(_item("children_without_safe_storage",
                           tr("Children live in or visit the home and there is no safe storage: do not send doses "
                              "home until a locked box is in place. This handbook's rule, because of the danger to "
                              "children: {danger}", danger=child_danger(inputs.medicine)), "danger", HANDBOOK_DESIGN))
    elif not inputs.safe_storage:
        found.append(_item("no_safe_storage", tr("There is no safe storage: arrange a locked box before doses go "
                                                 "home. This handbook's rule: a dose taken by someone else, a child "
                                                 "or an adult without tolerance, can kill them."),
                           "caution", HANDBOOK_DESIGN))
    if inputs.sedative_or_alcohol_use:
        reason, source = sedatives_reason(inputs.medicine)
        found.append(_item("sedatives_or_alcohol", tr("{reason} Discuss it, reconsider the number of days and review "
                                                      "sooner.", reason=reason), "caution", source))
    if not inputs.naloxone_given:
        found.append(_item("give_naloxone", tr("Give a naloxone kit now and show the patient, and the people they "
                                               "live with, how to use it."), "caution", WHO_NALOXONE))
    routine = {
        "lockbox_child_safety": _item(
            "lockbox_child_safety", tr("Keep doses in child-resistant containers inside a locked box, out of "
                                       "children's sight and reach. This handbook's rule: {danger}",
                                       danger=child_danger(inputs.medicine)), "routine",
            HANDBOOK_DESIGN),
        "naloxone": _item("naloxone", tr("Naloxone in the home, and people there who know how to use it."),
                          "routine", WHO_NALOXONE),
        "storage_transport_education": _item(
            "storage_transport_education", tr("Explain how to carry and store the doses and what to do if they "
                                              "are lost, stolen or taken by someone else; record that this was "
                                              "explained. This handbook's checklist of safeguards to go with "
                                              "take-home doses."), "routine", HANDBOOK_DESIGN),
        "documentation": _item("documentation", tr("Record the decision, its basis and these answers in the "
                                                   "patient's notes, so that the decision can be checked later "
                                                   "(this handbook's checklist)."), "routine", HANDBOOK_DESIGN),
        "review_date": _item("review_date", tr("Review stability and take-home doses within {days}, because "
                                               "stability can change (this handbook's checklist).",
                                               days=_days(review_in_days)), "routine", HANDBOOK_DESIGN),
    }
    # A profile's own safeguard with a routine id replaces the routine wording; others are added. (Its text is the
    # profile's content: translated where a catalog has it, in English otherwise.)
    for s in p.safeguards:
        routine[s.id] = _item(s.id, tr(s.text), "routine", _cite(s.source))
    return found + list(routine.values())


# This handbook's own rules, each with the sentence of reasoning the result shows where it is applied (each message
# that applies one says "This handbook's rule" itself; these reasons are translated with tr where shown).
EARLY_REASON = marked("methadone builds up in the body over the first days of dosing, so the risk of overdose is "
                      "highest during induction, and a dose taken at home then cannot be watched or adjusted.")
# The same reason as a sentence of its own.
EARLY_REASON_SENTENCE = marked("Methadone builds up in the body over the first days of dosing, so the risk of "
                               "overdose is highest during induction, and a dose taken at home then cannot be "
                               "watched or adjusted.")
EARLY_BOUNDARY = marked("The first 14 days are counted generously as days {first_day}–{last_day} of treatment, so "
                        "that they are covered whether the first day is counted as day 0 or day 1.")
CONDITIONS_REASON = marked("One dose can kill a child or an adult without tolerance, and naloxone can reverse an "
                           "overdose while help comes; not every profile's criteria ask about either.")
TIER_REASON = marked("The tier exists for patients who are not yet stable; storage, diversion and the judgement that "
                     "benefits outweigh risks are about the safety of the doses and of other people, which a "
                     "judgement of the patient's stability cannot replace.")


# Shown with every result, whatever the inputs (its text translated with tr where the result is made).
STANDING_WARNINGS = (Warning(CAUTION, "stricter_local_rules", marked(
    "State, provincial or local rules may be stricter than this profile, and then they apply. This is decision "
    "support, not legal advice (this handbook's caution: a profile summarises rules that differ from place to "
    "place)."), HANDBOOK_DESIGN),)


def conditions_for(inputs: Inputs) -> list[dict[str, str]]:
    """What must be in place before any dose goes home, under every profile (this handbook's rule):
    safe storage first, then a naloxone kit."""
    found: list[dict[str, str]] = []
    if not inputs.safe_storage:
        who = (tr("Children live in or visit the home. {danger}", danger=child_danger(inputs.medicine))
               if inputs.children_in_home
               else tr("A dose taken by someone else, a child or an adult without tolerance, can kill them."))
        found.append(_item("safe_storage", tr("Safe storage first: a locked box (or other locked storage) for the "
                                              "doses must be in place before any dose goes home. (This handbook's "
                                              "rule, under every profile.) Reason: {reason}", reason=who), DANGER,
                           HANDBOOK_DESIGN))
    if not inputs.naloxone_given:
        found.append(_item("naloxone_kit", tr("A naloxone kit: give one, and show the patient and the people they "
                                              "live with how to use it, before any dose goes home. (This handbook's "
                                              "rule, under every profile.) Reason: naloxone can reverse an overdose "
                                              "while help comes, and not every profile asks about it."), DANGER,
                           HANDBOOK_DESIGN))
    return found


def _limit_allows(limit: Limit, inputs: Inputs, tier_possible: bool) -> bool:
    """Whether the time rule can allow take-home doses (to a stable patient, or by the tier when it may apply)."""
    n = _limit_max(limit, inputs)
    return n is None or n > 0 or (tier_possible and limit.less_stable_max_days > 0)


def _first_open_day(inputs: Inputs, tier_possible: bool) -> int | None:
    """The first later day on which the time rules (the profile's and this handbook's early rule) allow take-home
    doses, if any within a year."""
    p, med = inputs.profile, inputs.medicine
    for d in range(inputs.days_in_treatment + 1, inputs.days_in_treatment + 366):
        if _limit_allows(p.limit_for(med, d), inputs, tier_possible) and p.early_allowance(med, d) != 0:
            return d
    return None


def assess(inputs: Inputs) -> dict[str, Any]:
    """The decision, its reasons and its basis, as a JSON-ready dict."""
    p, day, medicine = inputs.profile, inputs.days_in_treatment, inputs.medicine
    answers = dict(inputs.answers)
    limit = p.limit_for(medicine, day)
    limit_max = _limit_max(limit, inputs)
    time_allows = limit_max is None or limit_max > 0
    unmet = [c for c in p.criteria if not answers[c.id]]
    tiered = LESS_STABLE_BUT_SAFE in p.asks
    waivable = [c for c in p.criteria if c.less_stable_may_waive]
    never_waived = [c for c in p.criteria if not c.less_stable_may_waive]
    unmet_never_waived = [c for c in unmet if not c.less_stable_may_waive]
    early = p.early_allowance(medicine, day)  # None: the early-treatment rule does not apply today
    reasons: list[str] = [tr("Not met: {question}", question=tr(c.question)) for c in unmet]
    title = _title(p)

    basis = [_rule(f"criterion:{c.id}", tr("Criterion: {question}", question=tr(c.question)), _cite(c.source))
             for c in p.criteria]
    count = len(p.criteria)
    if tiered:
        all_met = tr_n("Take-home doses only when all {n} criteria are met (or, if not, the 'less stable but judged "
                       "safe' tier below).", "Take-home doses only when all {n} criteria are met (or, if not, the "
                       "'less stable but judged safe' tier below).", count, n=str(count))
    else:
        all_met = tr_n("Take-home doses only when all {n} criteria are met.",
                       "Take-home doses only when all {n} criteria are met.", count, n=str(count))
    basis.append(_rule("all_criteria", all_met, _cite(p.sources[0])))
    basis.append(_rule("time_in_treatment", tr("{medicine}, {period}: {limit}.", medicine=_medicine_name(medicine),
                                               period=limit.period_text(), limit=_max_text(limit))
                       + (f" {tr(limit.note)}" if limit.note else ""), _cite(limit.source)))
    if limit.max_days == PROGRAMME:
        basis.append(_rule("programme_max_days", tr("The programme's maximum: {days}.",
                                                    days=_days(inputs.programme_max_days or 0)),
                           _cite(limit.source)))

    # 1. The profile's own criteria and time rule, with its "less stable" tier.
    status, tier = "not_eligible", ("not_stable" if tiered else None)
    max_days: int | None = 0
    opens = next((x for x in p.later_limits(medicine, day) if x.max_days != 0), None)
    if not time_allows and not (tiered and inputs.less_stable_but_safe and limit.less_stable_max_days > 0):
        if opens:
            reasons.append(tr("Time in treatment: at {days} in treatment this profile allows no take-home doses "
                              "(from day {open_day} it does).", days=_days(day), open_day=str(opens.from_day)))
        else:
            reasons.append(tr("Time in treatment: at {days} in treatment this profile allows no take-home doses "
                              "(nor at any later time).", days=_days(day)))
    met_at = len(reasons)  # where the reason for being eligible goes, if it is
    if not unmet and time_allows:
        status, max_days = "eligible", limit_max
        tier = "stable" if tiered else None
        if limit_max is not None:
            reasons.append(tr_n("All {n} criteria met and {days} in treatment: up to {max_days}.",
                                "All {n} criteria met and {days} in treatment: up to {max_days}.", count,
                                n=str(count), days=_days(day), max_days=_days(limit_max)))
        else:
            reasons.append(tr_n("All {n} criteria met and {days} in treatment: set by local policy.",
                                "All {n} criteria met and {days} in treatment: set by local policy.", count,
                                n=str(count), days=_days(day)))
    elif tiered:
        less = limit.less_stable_max_days
        basis.append(_rule("less_stable", tr("Not 'stable' but judged able to manage take-home doses safely: up to "
                                             "{days}.", days=_days(less)) if less else
                           tr("Not 'stable' but judged able to manage take-home doses safely: none."),
                           _cite(limit.source)))
        never = "; ".join(tr(c.question) for c in never_waived)
        if waivable:
            tier_rule = tr("This handbook's rule: the 'less stable' tier may take a patient past time in treatment "
                           "and these stability criteria only: {waivable}. It never waives: {never_waived} {reason}",
                           waivable="; ".join(tr(c.question) for c in waivable), never_waived=never,
                           reason=tr(TIER_REASON))
        else:
            tier_rule = tr("This handbook's rule: the 'less stable' tier may take a patient past time in treatment "
                           "and these stability criteria only: none. It never waives: {never_waived} {reason}",
                           never_waived=never, reason=tr(TIER_REASON))
        basis.append(_rule("less_stable_never_waives_safety", tier_rule, HANDBOOK_DESIGN))
        if unmet_never_waived:
            reasons.append(tr("This handbook's rule: the 'less stable' tier relaxes stability and time in treatment, "
                              "never safety, so it cannot apply while this is not met: {criteria} {reason}",
                              criteria="; ".join(tr(c.question) for c in unmet_never_waived), reason=tr(TIER_REASON)))
        elif inputs.less_stable_but_safe and less > 0:
            status, tier, max_days = "eligible", "less_stable", less
            reasons.append(tr("Not 'stable' under this profile, but judged able to manage take-home doses safely: "
                              "up to {days}.", days=_days(less)))
        else:
            reasons.append(tr("Not 'stable' under this profile, and not judged able to manage take-home doses "
                              "safely."))

    # 2. This handbook's early-treatment rule for methadone.
    capped_early = False
    if early is not None:
        if early:
            early_rule = tr("This handbook's rule: methadone in days {first_day}–{last_day} of treatment: no more "
                            "take-home days than the profile's own text explicitly allows for that period, and none "
                            "when it says nothing ({profile} explicitly allows up to {days} in that period). Reason: "
                            "{reason} {boundary}", profile=title, days=_days(early), reason=tr(EARLY_REASON),
                            boundary=tr(EARLY_BOUNDARY, **SPAN), **SPAN)
        else:
            early_rule = tr("This handbook's rule: methadone in days {first_day}–{last_day} of treatment: no more "
                            "take-home days than the profile's own text explicitly allows for that period, and none "
                            "when it says nothing (this profile's own text allows none in that period). Reason: "
                            "{reason} {boundary}", reason=tr(EARLY_REASON), boundary=tr(EARLY_BOUNDARY, **SPAN),
                            **SPAN)
        basis.append(_rule("early_methadone", early_rule, HANDBOOK_DESIGN))
        if p.early_methadone is not None:
            basis.append(_rule("early_methadone_allowance",
                               tr("{profile}, methadone in the first days of treatment: up to {days}.", profile=title,
                                  days=_days(p.early_methadone.max_days))
                               + (f" {tr(p.early_methadone.note)}" if p.early_methadone.note else ""),
                               _cite(p.early_methadone.source)))
        why = tr("This handbook's rule, whatever the profile: {reason}", reason=tr(EARLY_REASON))
        if status == "eligible" and early == 0:
            status, tier, max_days = "not_eligible", ("not_stable" if tiered else None), 0
            reasons.pop(met_at)
            reasons.insert(0, tr("Methadone, day {day} of treatment: this profile's own text allows none in that "
                                 "period, so no methadone goes home before day {open_day}. {why}", day=str(day),
                                 open_day=str(EARLY_LAST_DAY + 1), why=why))
            reasons.append(tr("Apart from this rule, the profile's criteria and time in treatment would allow "
                              "take-home doses."))
        elif status == "eligible" and (max_days is None or max_days > early):
            max_days, capped_early = early, True
            reasons[met_at] = reasons[met_at] + " " + tr(
                "But methadone, day {day} of treatment: at most {days}, what {profile} explicitly allows in days "
                "{first_day}–{last_day}. {why}", day=str(day), days=_days(early), profile=title, why=why, **SPAN)
        elif status != "eligible" and early == 0 and time_allows:
            reasons.append(tr("Methadone, day {day} of treatment: this profile's own text allows none in that "
                              "period, so no methadone goes home before day {open_day} in any case. {why}",
                              day=str(day), open_day=str(EARLY_LAST_DAY + 1), why=why))

    # 3. This handbook's safety conditions, under every profile.
    conditions = conditions_for(inputs)
    basis.append(_rule("safety_conditions", tr("This handbook's rule, under every profile: no dose goes home until "
                                               "there is safe storage (a locked box first) and a naloxone kit the "
                                               "patient and household know how to use; sedative or alcohol use is "
                                               "shown as a danger. {reason}", reason=tr(CONDITIONS_REASON)),
                       HANDBOOK_DESIGN))
    if status == "eligible" and conditions:
        status = "eligible_after_conditions"
        if max_days is not None:
            reasons.append(tr("Up to {days} only once every condition below is met; no dose goes home before then.",
                              days=_days(max_days)))
        else:
            reasons.append(tr("Take-home doses only once every condition below is met; no dose goes home before "
                              "then."))

    review = p.review_in_days
    if status == "not_eligible" and not unmet:
        first = _first_open_day(inputs, tiered and bool(inputs.less_stable_but_safe))
        if first is not None:
            review = min(review, first - day)
    basis.append(_rule("review", tr("Review within {days} (this profile's interval), or on the day time in treatment "
                                    "first allows take-home doses if that is sooner (this handbook's rule, so that a "
                                    "patient is not left waiting past the day the rules open).",
                                    days=_days(p.review_in_days)), HANDBOOK_DESIGN))

    warnings = []
    if inputs.sedative_or_alcohol_use:
        reason, source = sedatives_reason(medicine)
        warnings.append(Warning(DANGER, "sedatives_or_alcohol", tr(
            "The patient also uses sedatives or alcohol. {reason} Discuss it, consider fewer days or none, give "
            "naloxone and review sooner.", reason=reason), source))
    if p.status == "historical precedent":
        warnings.append(Warning(CAUTION, "historical_precedent", tr(
            "{profile} is a historical precedent, not a rule in force: use it for comparison or crisis planning.",
            profile=title), _cite(p.sources[0])))
    if limit.unverified:
        warnings.append(Warning(CAUTION, "unverified_limit", tr(
            "Unverified: {note} To be checked against the regulation's text.", note=tr(limit.note)),
            _cite(limit.source)))
    if early is not None:
        if early:
            early_warning = tr("Day {day} of methadone treatment: {reason} This handbook's rule: in days "
                               "{first_day}–{last_day} no profile gives more take-home days than its own text "
                               "explicitly allows for that period ({days} here).", day=str(day),
                               reason=tr(EARLY_REASON_SENTENCE), days=_days(early), **SPAN)
        else:
            early_warning = tr("Day {day} of methadone treatment: {reason} This handbook's rule: in days "
                               "{first_day}–{last_day} no profile gives more take-home days than its own text "
                               "explicitly allows for that period (none here).", day=str(day),
                               reason=tr(EARLY_REASON_SENTENCE), **SPAN)
        warnings.append(Warning(CAUTION, "early_methadone", early_warning, HANDBOOK_DESIGN))
    standing = [replace(w, text=tr(w.text)) for w in STANDING_WARNINGS]

    if max_days is None:
        max_days_reason = tr(LOCAL_POLICY)
    elif status == "not_eligible":
        max_days_reason = tr("not eligible")
    elif capped_early:
        max_days_reason = tr("this handbook's rule for methadone in days {first_day}–{last_day}: what {profile} "
                             "explicitly allows then", profile=title, **SPAN)
    elif tier == "less_stable":
        max_days_reason = tr("less stable but judged safe")
    elif limit.max_days == PROGRAMME:
        max_days_reason = tr("the programme's maximum")
    else:
        max_days_reason = tr("{profile}: {period}", profile=title, period=limit.period_text())

    return {
        "profile": {"id": p.id, "title": p.title, "status": p.status, "jurisdiction": p.jurisdiction,
                    "sources": [_cite(s).to_json() for s in p.sources], "notes": list(p.notes)},
        "inputs": {"medicine": medicine, "days_in_treatment": day, "criteria": answers,
                   **({PROGRAMME_MAX_DAYS: inputs.programme_max_days} if PROGRAMME_MAX_DAYS in p.asks else {}),
                   **({LESS_STABLE_BUT_SAFE: inputs.less_stable_but_safe} if tiered else {}),
                   **{name: getattr(inputs, name) for name in SAFETY_NAMES}},
        "status": status,
        "tier": tier,
        "max_days": max_days,
        "max_days_reason": max_days_reason,
        "conditions": conditions,
        "criteria": [{"id": c.id, "question": c.question, "met": answers[c.id],
                      **({"less_stable_may_waive": c.less_stable_may_waive} if tiered else {}),
                      **_cite(c.source).to_json()} for c in p.criteria],
        "unmet": [{"id": c.id, "question": c.question, **_cite(c.source).to_json()} for c in unmet],
        "reasons": reasons,
        "safeguards": safeguards_for(inputs, review),
        # Input-specific warnings first, danger first; those the same for every result last, marked `standing`.
        "warnings": warnings_json(warnings, standing),
        "review_in_days": review,
        "basis": basis,
        "echo": list(inputs.echo),
    }


def run(raw: Mapping[str, Any], data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Inputs as a plain dict (JSON values), profiles in data["profiles"] → `{"ok", "errors", "result"}`."""
    if not isinstance(raw, Mapping):
        return failure({"_form": tr("The inputs must be a JSON object of field names and values.")})
    inputs, errors = read_inputs(raw, PROFILES.typed(data))
    if inputs is None:
        return failure(errors)
    return success(assess(inputs))


def list_profiles(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`--profiles`: each profile's id, title, status, medicines, criteria ids, extra inputs, the criteria a
    'less stable' tier may waive and the methadone take-home days it allows in days 0-14."""
    return [{"id": p.id, "title": p.title, "jurisdiction": p.jurisdiction, "status": p.status,
             "medicines": list(p.medicines), "criteria": [c.id for c in p.criteria], "asks": list(p.asks),
             "less_stable_may_waive": [c.id for c in p.criteria if c.less_stable_may_waive],
             "early_methadone_max_days": p.early_methadone.max_days if p.early_methadone else 0}
            for p in PROFILES.typed(data)]


CALCULATOR = Calculator(
    name=NAME, title=TITLE, fields=form_fields, run=run, view=view, data_sets=(PROFILES,),
    cli_actions=(CliAction("--profiles", "print every take-home profile with its criteria ids, as JSON",
                           list_profiles),))
