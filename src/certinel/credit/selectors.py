"""Reading the serious-violation list: the public list, a subject's entries, and the joint
punishment check ("may this subject take part in this?"); a subject's published penalties and
awards; credit files, classes and repair requests for those who may see them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from certinel.core.regions import within_region

from .choices import IN_FORCE
from .models import CreditClass, CreditFact, FactPublication, ListEntry, RepairRequest
from .policy import Measure, measures, purposes
from .scorecard import expand

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
    return dumps(body).decode() + "\n"  # plain values already: text, numbers, booleans, lists


# --- Credit files and risk classes (private: regulators of the subject's region) ------------------

def class_current(*, kind: str, subject: Any, on: dt.date | None = None) -> CreditClass:
    """A subject's class: its stored row, or the clean class of its edition when it has never
    had a fact (not stored). No permission check: callers showing it check `credit_class`."""
    from .services_classes import clean_class

    found = CreditClass.objects.filter(subject_kind=kind, **{f"{kind}_id": subject.pk}).first()
    if found is not None:
        return found
    clean = clean_class(kind=kind, region_code=getattr(subject, "region_code", "") or "", on=on)
    setattr(clean, kind, subject)
    return clean


def class_for(*, actor: Any, kind: str, subject: Any, on: dt.date | None = None) -> CreditClass:
    """A subject's class with the explanation of every point, for a regulator of its region."""
    from certinel.accounts.permissions import require

    found = class_current(kind=kind, subject=subject, on=on)
    require(actor, "view", "credit_class", found)
    found.explanation = expand(found.explanation)  # for reading: the row is not saved from here
    return found


def classes_visible(*, actor: Any, grade: str = "") -> QuerySet[CreditClass]:
    """The stored classes the actor may see (regulators: their jurisdiction), worst first."""
    from certinel.accounts.permissions import scope

    rows = scope(actor.user, "view", "credit_class", CreditClass.objects.all())
    if grade:
        rows = rows.filter(grade=grade)
    return rows.order_by("-grade", "score", "id")


def class_history(*, actor: Any, row: CreditClass) -> list[dict[str, Any]]:
    """Every class a subject has had, oldest first: each state (class, score, edition,
    explanation) as the history records it, with when and why it changed."""
    from certinel.accounts.permissions import require
    from certinel.core.history import history_for

    require(actor, "view", "credit_class", row)
    state: dict[str, Any] = {}
    out = []
    for record in history_for(row):
        state = {**state, **(record.after or {})}
        out.append({"time": record.time, "action": record.action, "grade": state.get("grade"),
                    "score": state.get("score"), "scorecard": state.get("scorecard"),
                    "explanation": expand(state["explanation"]) if state.get("explanation") else None})
    return out


def facts_visible(*, actor: Any, kind: str, subject: Any) -> QuerySet[CreditFact]:
    """A subject's facts the actor may see (its own users and regulators of its region),
    newest first; annulled facts included (their status says so)."""
    from certinel.accounts.permissions import scope

    rows = CreditFact.objects.filter(subject_kind=kind, **{f"{kind}_id": subject.pk})
    return scope(actor.user, "view", "credit", rows).order_by("-occurred_on", "-id")


# --- Published facts (public) and repair requests (private) --------------------------------------

@dataclass(frozen=True)
class Published:
    """What a subject's public credit page shows besides the list: penalties while displayed,
    awards, and the pledges of granted repairs."""

    penalties: list[FactPublication]
    awards: list[FactPublication]
    pledges: list[FactPublication]


def published_for(uscc: str, *, on: dt.date | None = None) -> Published:
    """A subject's published facts in display on `on` (a display past its maximum is not shown
    even before the scheduled job ends it)."""
    from .choices import FactKind, PublicationStatus

    on = on or timezone.localdate()
    rows = FactPublication.objects.filter(uscc=(uscc or "").strip().upper())
    in_period = Q(display_until__isnull=True) | Q(display_until__gt=on)
    shown = list(rows.filter(in_period, status=PublicationStatus.DISPLAYED, published_on__lte=on)
                 .order_by("-published_on", "-id"))
    return Published(
        penalties=[p for p in shown if p.kind == FactKind.ADMINISTRATIVE_PENALTY],
        awards=[p for p in shown if p.kind == FactKind.AWARD],
        pledges=list(rows.filter(status=PublicationStatus.REPAIRED).exclude(pledge="").order_by("-ended_on", "-id")))


def repairs_visible(*, actor: Any) -> QuerySet[RepairRequest]:
    """The repair requests the actor may see (its subject's own users, regulators of its
    region), newest first."""
    from certinel.accounts.permissions import scope

    return scope(actor.user, "view", "credit", RepairRequest.objects.select_related("publication")).order_by(
        "-requested_on", "-id")


def publications_visible(*, actor: Any) -> QuerySet[FactPublication]:
    from certinel.accounts.permissions import scope

    return scope(actor.user, "view", "credit", FactPublication.objects.all()).order_by("-published_on", "-id")
