"""Local settings: what a programme that hosts this handbook changes in one file.

`content/settings.yml` names the programme, its contacts, where to get naloxone
locally, links to local protocols, where to get a newer copy, the take-home
profile the form opens with and the formulations the clinic actually has. The
build shows them on the home page, in the footer and on every printed sheet.
Every field is optional: a copy with no settings says so and points to
"Hosting your own copy".
"""
from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Mapping

FIELDS = ("programme_name", "contacts", "naloxone", "local_protocols", "newer_copy", "takehome_profile",
          "formulations_in_use", "clinical_signoff")
SIGNOFF_FIELDS = ("name", "role", "date", "handbook_version")
# A version as the footer shows it: "0.1.0+1a2b3c4" from git, or a release's OAMT_VERSION such as "v2026.1".
VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}$")
# Digits with the separators people write in phone numbers; no letters, so a name or note cannot slip in.
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{2,30}$")
MAX_NAME = 80


@dataclass(frozen=True)
class Contact:
    label: str      # "Clinic (weekdays 8–16)"
    phone: str      # "+44 20 7946 0000"


@dataclass(frozen=True)
class LocalLink:
    title: str
    url: str        # https:// or a path inside the site


@dataclass(frozen=True)
class ClinicalSignoff:
    """The named clinician who reviewed this copy for local use, and the handbook version they reviewed."""

    name: str               # "Dr A. Mensah"
    role: str               # "Clinical lead, Harbour City OAMT service"
    date: dt.date           # the day of the review, not in the future
    handbook_version: str   # the version reviewed, exactly as the footer shows it

    def covers(self, version: str) -> bool:
        """True when the review was of this very version (the footer's "Version ...")."""
        return self.handbook_version == version


@dataclass(frozen=True)
class Settings:
    programme_name: str = ""
    contacts: tuple[Contact, ...] = ()
    naloxone: str = ""                        # Markdown, may cite
    local_protocols: tuple[LocalLink, ...] = ()
    newer_copy: str = ""                      # where to get a newer copy (text or an https:// address)
    takehome_profile: str = ""                # the profile the take-home form opens with
    formulations_in_use: tuple[str, ...] = ()  # empty: every formulation; else, per medicine, the first is usual
    clinical_signoff: ClinicalSignoff | None = None  # None: no local clinical lead has reviewed this copy

    @property
    def configured(self) -> bool:
        return bool(self.programme_name or self.contacts or self.naloxone or self.local_protocols)

    @property
    def contacts_line(self) -> str:
        """"Clinic: +44 …; Out of hours: +44 …" for footers and printed sheets."""
        return "; ".join(f"{c.label}: {c.phone}" for c in self.contacts)

    def form_defaults(self, calculator: str) -> dict[str, str]:
        return {"profile": self.takehome_profile} if calculator == "takehome" and self.takehome_profile else {}

    def apply_to(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The calculator data the site ships: only the formulations in use, the first of each medicine usual."""
        out = copy.deepcopy(dict(data))
        if not self.formulations_in_use or "formulations" not in out:
            return out
        by_id = {f["id"]: f for f in out["formulations"]}
        chosen = [by_id[i] for i in self.formulations_in_use if i in by_id]   # in the programme's order
        usual: set[str] = set()
        for f in chosen:
            f["default"] = f["medicine"] not in usual
            usual.add(f["medicine"])
        # A medicine the programme did not list keeps all its formulations.
        kept = chosen + [f for f in out["formulations"] if f["medicine"] not in usual]
        out["formulations"] = kept
        return out


# Key of the calculator data that lists the data sets which failed validation (set by sitebuild.content).
INVALID_DATA_SETS = "_invalid"


def read(data: Any, check: Any, index: Any, calculator_data: Mapping[str, Any],
         today: dt.date | None = None) -> Settings:
    """Validates the parsed YAML of settings.yml; problems go to `check` (a content.Checker)."""
    if data is None:
        return Settings()
    if not check.fields(data, (), FIELDS):
        return Settings()
    name = check.text(data, "programme_name")
    if len(name) > MAX_NAME:
        check.add("programme_name", f"is {len(name)} characters long.",
                  f"shorten it to {MAX_NAME} characters or fewer: it is printed on every sheet.")
    contacts = []
    raw_contacts = data.get("contacts") or []
    if not isinstance(raw_contacts, list):
        check.add("contacts", "expected a list.", "write each contact as '- label: ...' with 'phone: ...'.")
        raw_contacts = []
    for i, item in enumerate(raw_contacts):
        where = f"contacts[{i}]"
        if not check.fields(item, ("label", "phone"), (), where):
            continue
        label, phone = check.text(item, "label", where), str(item.get("phone", "")).strip()
        if label and phone and not PHONE.match(phone):
            check.add(f"{where}.phone", f"'{phone}' is not a phone number.",
                      "write digits, with spaces, +, -, ( ) or . only, and put any words in 'label'.")
        elif label and phone:
            contacts.append(Contact(label, phone))
    naloxone = check.text(data, "naloxone")
    index.check_text(check, "naloxone", naloxone)
    links = []
    raw_links = data.get("local_protocols") or []
    if not isinstance(raw_links, list):
        check.add("local_protocols", "expected a list.", "write each as '- title: ...' with 'url: ...'.")
        raw_links = []
    for i, item in enumerate(raw_links):
        where = f"local_protocols[{i}]"
        if not check.fields(item, ("title", "url"), (), where):
            continue
        title, url = check.text(item, "title", where), check.text(item, "url", where)
        if url and not _url_ok(url):
            check.add(f"{where}.url", f"'{url}' is not an https:// address or a path inside the site.",
                      "use a full https:// address, or a relative path such as 'local/protocol.pdf'.")
        elif title and url:
            links.append(LocalLink(title, url))
    newer = check.text(data, "newer_copy")
    profile = check.text(data, "takehome_profile")
    # A data set that failed its own checks is reported there; checking against it here would only add noise.
    invalid = calculator_data.get(INVALID_DATA_SETS) or ()
    profile_ids = [str(p.get("id")) for p in calculator_data.get("profiles") or () if isinstance(p, dict)]
    if profile and profile not in profile_ids and "profiles" not in invalid:
        check.add("takehome_profile", f"'{profile}' is not a take-home profile.",
                  f"use one of: {', '.join(profile_ids)} (the ids in content/takehome/).")
    in_use = data.get("formulations_in_use") or []
    known = [str(f.get("id")) for f in calculator_data.get("formulations") or () if isinstance(f, dict)]
    if not isinstance(in_use, list):
        check.add("formulations_in_use", "expected a list of formulation ids.",
                  "write them as a list, for example [methadone-oral-solution-1].")
        in_use = []
    for i, fid in enumerate(in_use):
        if str(fid) not in known and "formulations" not in invalid:
            check.add(f"formulations_in_use[{i}]", f"'{fid}' is not a formulation.",
                      f"use ids from content/formulations.yml: {', '.join(known)}.")
    if len(set(map(str, in_use))) != len(in_use):
        check.add("formulations_in_use", "lists a formulation twice.", "list each formulation once.")
    signoff = read_signoff(data.get("clinical_signoff"), check, today or dt.date.today())
    return Settings(programme_name=name, contacts=tuple(contacts), naloxone=naloxone, local_protocols=tuple(links),
                    newer_copy=newer, takehome_profile=profile,
                    formulations_in_use=tuple(str(f) for f in in_use), clinical_signoff=signoff)


def read_signoff(raw: Any, check: Any, today: dt.date) -> ClinicalSignoff | None:
    """`clinical_signoff:` (name, role, date, handbook_version), all four required once any is given."""
    where = "clinical_signoff"
    if raw is None or raw == {}:
        return None
    if not isinstance(raw, dict):
        check.add(where, f"expected name, role, date and handbook_version, but found {type(raw).__name__}.",
                  "write it as four indented lines: 'name: ...', 'role: ...', 'date: YYYY-MM-DD' and "
                  "'handbook_version: ...', or leave it empty until a clinical lead has reviewed this copy.")
        return None
    before = len(check.problems)
    check.fields(raw, SIGNOFF_FIELDS, (), where)
    name, role = check.text(raw, "name", where), check.text(raw, "role", where)
    for label, value in (("name", name), ("role", role)):
        if len(value) > MAX_NAME:
            check.add(f"{where}.{label}", f"is {len(value)} characters long.",
                      f"shorten it to {MAX_NAME} characters or fewer: it is printed on every sheet.")
    version = raw.get("handbook_version")
    if version is not None and not isinstance(version, str):
        check.add(f"{where}.handbook_version", f"'{version}' was read as a {type(version).__name__}, not as text.",
                  "put the version in quotes exactly as the footer shows it, for example \"0.1.0+1a2b3c4\".")
        version = ""
    version = (version or "").strip()
    if version and not VERSION.match(version):
        check.add(f"{where}.handbook_version", f"'{version}' is not a handbook version.",
                  "copy the version from the footer of the copy you reviewed (after 'Version'), "
                  "for example \"0.1.0+1a2b3c4\".")
    date = _signoff_date(raw.get("date"), check, f"{where}.date", today)
    if len(check.problems) > before or not (name and role and date and version):
        return None
    return ClinicalSignoff(name=name, role=role, date=date, handbook_version=version)


def as_date(value: Any) -> dt.date | None:
    """A YAML value read as a day (a date, a datetime's day, or YYYY-MM-DD text), or None if it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _signoff_date(value: Any, check: Any, field: str, today: dt.date) -> dt.date | None:
    if value is None or value == "":
        return None   # reported as missing by check.fields
    shown = value
    value = as_date(value)
    if value is None:
        check.add(field, f"'{shown}' is not a date.",
                  "write the day of the review as YYYY-MM-DD, for example 2026-11-23.")
        return None
    if value > today:
        check.add(field, f"{value.isoformat()} is in the future.",
                  "write the day the clinical lead actually reviewed this copy, not a planned date.")
        return None
    return value


def _url_ok(url: str) -> bool:
    if url.startswith("https://"):
        return bool(re.match(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/\S*)?$", url))
    return not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) and not url.startswith("//") and " " not in url
