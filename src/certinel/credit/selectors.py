"""Reading the serious-violation list: the public list, a subject's entries, and the joint
punishment check ("may this subject take part in this?")."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from certinel.core.regions import within_region

from .choices import IN_FORCE
from .models import ListEntry
from .policy import Measure, measures, purposes

MAX_CODES = 10_000


def entries_published(*, q: str = "", region: str = "") -> QuerySet[ListEntry]:
    """The entries in force, as published: newest first. `q` matches the name or the code."""
    rows = ListEntry.objects.filter(status__in=IN_FORCE)
    if region:
        rows = rows.filter(within_region(region))
    q = (q or "").strip()
    if q:
        rows = rows.filter(Q(uscc=q.upper()) | Q(subject_name__contains=q))
    return rows.order_by("-listed_on", "-id")


def entries_of(uscc: str) -> list[ListEntry]:
    """Every entry a subject has had, in force or ended (newest first)."""
    return list(ListEntry.objects.filter(uscc=(uscc or "").strip().upper()).order_by("-listed_on", "-id"))


@dataclass(frozen=True)
class AppliedMeasure:
    code: str
    name: str
    basis: str
    until: dt.date
    entry: str  # the listing decision's number

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "basis": self.basis, "until": self.until.isoformat(),
                "entry": self.entry}


@dataclass(frozen=True)
class Eligibility:
    uscc: str
    purpose: str
    eligible: bool
    checked_at: dt.datetime
    measures: list[AppliedMeasure] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"uscc": self.uscc, "purpose": self.purpose, "eligible": self.eligible,
                "checked_at": self.checked_at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "measures": [m.as_dict() for m in self.measures]}


class UnknownPurpose(ValueError):
    """A purpose no measure names."""


def _name(measure: Measure) -> str:
    return measure.name_en if (get_language() or "").startswith("en") else measure.name_zh


def eligibility_many(codes: list[str], *, purpose: str, on: dt.date | None = None) -> list[Eligibility]:
    """The check for each code, in the order given (codes upper-cased and stripped; the caller
    validates them). One query for all of them."""
    if purpose not in purposes():
        raise UnknownPurpose(purpose)
    on = on or timezone.localdate()
    now = timezone.now()
    wanted = [(c or "").strip().upper() for c in codes]
    applying = [m for m in measures() if m.kind == "punishment" and purpose in m.purposes]
    in_force: dict[str, list[ListEntry]] = {}
    unique = sorted(set(wanted))
    for start in range(0, len(unique), 900):  # within SQLite's parameter limit
        for entry in ListEntry.objects.filter(uscc__in=unique[start:start + 900], status__in=IN_FORCE,
                                              listed_on__lte=on, expires_on__gt=on).order_by("listed_on", "id"):
            in_force.setdefault(entry.uscc, []).append(entry)
    out = []
    for code in wanted:
        applied = [AppliedMeasure(m.code, _name(m), m.basis, e.expires_on, e.decision_no)
                   for e in in_force.get(code, []) for m in applying if m.applies_to == "serious_list"]
        out.append(Eligibility(code, purpose, not applied, now, applied))
    return out


def eligibility(uscc: str, *, purpose: str, on: dt.date | None = None) -> Eligibility:
    return eligibility_many([uscc], purpose=purpose, on=on)[0]


def answer_text(answers: list[Eligibility], *, origin: str) -> str:
    """The text a signed answer signs: one line of canonical JSON (RFC 8785) and a newline."""
    from certinel.transparency.jcs import dumps

    body = {"type": "certinel-credit-eligibility", "register": origin,
            "answers": [a.as_dict() for a in answers]}
    return dumps(json.loads(json.dumps(body))).decode() + "\n"
