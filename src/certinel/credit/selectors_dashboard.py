"""A regulator's credit dashboard (`/credit/dashboard/`): the credit risk classes of the
subjects in the jurisdiction by kind and by region, what changed in the last 30 days, and the
list entries and notices whose dates come soon. Everything is narrowed by the permission
matrix: classes by `credit_class`, list records and facts by `credit`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import get_language

from certinel.accounts.models import Role
from certinel.accounts.permissions import scope
from certinel.core.models import ChangeRecord
from certinel.core.regions import within_region
from certinel.reference.models import Region
from certinel.registry.models import CertificationBody, Lab, Organization, Person

from .choices import IN_FORCE, CreditSubjectKind, NoticeStatus, RiskClass
from .models import CreditClass, CreditFact, ListEntry, ListNotice

RECENT_DAYS = 30
ENTRY_DAYS = 60
NOTICE_DAYS = 7
SHOWN = 200
SUBJECT_MODELS: dict[str, type[Organization] | type[CertificationBody] | type[Lab] | type[Person]] = {
    CreditSubjectKind.ORGANIZATION: Organization, CreditSubjectKind.BODY: CertificationBody,
    CreditSubjectKind.LAB: Lab, CreditSubjectKind.PERSON: Person}
CLASS_ACTIONS = ("credit_class_assigned", "credit_class_changed")


def _jurisdiction(user: Any) -> str | None:
    """The region prefix the user oversees ("" for an admin: the whole country; None for one
    who oversees none)."""
    if user.role == Role.ADMIN or user.is_superuser:
        return ""
    return user.jurisdiction_code or None


def area_length(jurisdiction: str) -> int:
    """How many digits of a region code name the areas one level below the jurisdiction:
    the country → provinces (2), a province → cities (4), a city or a county → counties (6)."""
    return {0: 2, 2: 4}.get(len(jurisdiction), 6)


@dataclass
class Row:
    code: str
    name: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(g, 0) for g in RiskClass.values]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _clean_grades(kinds_areas: set[tuple[str, str]], on: dt.date) -> dict[tuple[str, str], str]:
    """The clean class (no fact that counts) of each kind in each area, from its scorecard."""
    from .services_classes import clean_class

    return {(kind, area): clean_class(kind=kind, region_code=area, on=on).grade for kind, area in kinds_areas}


def class_counts(user: Any, *, on: dt.date | None = None) -> tuple[list[Row], list[Row]]:
    """The classes of the subjects the user may see, by kind of subject and by area: the
    stored classes (one aggregate), and the subjects that have none (one aggregate over the
    four kinds), which count as the clean class of their scorecard."""
    on = on or timezone.localdate()
    jurisdiction = _jurisdiction(user)
    if jurisdiction is None:
        return [Row(k, str(label)) for k, label in CreditSubjectKind.choices], []
    length = area_length(jurisdiction)
    stored = (scope(user, "view", "credit_class", CreditClass.objects.all())
              .annotate(area=Substr("region_code", 1, length))
              .values("subject_kind", "area", "grade").order_by()
              .annotate(n=Count("id")))
    counted: dict[tuple[str, str, str], int] = {}
    for row in stored:
        key = (row["subject_kind"], row["area"], row["grade"])
        counted[key] = counted.get(key, 0) + row["n"]
    unclassified: QuerySet[Model, Mapping[str, Any]] | None = None
    for kind, model in SUBJECT_MODELS.items():
        subjects = model.objects.all()
        if jurisdiction:
            subjects = subjects.filter(within_region(jurisdiction))
        rows: QuerySet[Model, Mapping[str, Any]] = (
            subjects.filter(~Exists(CreditClass.objects.filter(**{f"{kind}_id": OuterRef("pk")})))
            .annotate(kind=Value(str(kind)), area=Substr("region_code", 1, length))
            .values("kind", "area").order_by().annotate(n=Count("pk")))
        unclassified = rows if unclassified is None else unclassified.union(rows, all=True)
    bare = list(unclassified or [])
    clean = _clean_grades({(r["kind"], r["area"]) for r in bare}, on)
    for row in bare:
        key = (row["kind"], row["area"], clean[(row["kind"], row["area"])])
        counted[key] = counted.get(key, 0) + row["n"]
    kinds = {k: Row(k, str(label)) for k, label in CreditSubjectKind.choices}
    areas: dict[str, Row] = {}
    for (kind, area, grade), n in counted.items():
        for row in (kinds[kind], areas.setdefault(area, Row(area, ""))):
            row.counts[grade] = row.counts.get(grade, 0) + n
    names = region_names(list(areas), on=on)
    for row in areas.values():
        row.name = names.get(row.code, "")
    return list(kinds.values()), sorted(areas.values(), key=lambda r: r.code)


def region_names(prefixes: list[str], *, on: dt.date) -> dict[str, str]:
    """The names of these region prefixes (2, 4 or 6 digits), in force on `on`."""
    english = (get_language() or "").startswith("en")
    codes = {p.ljust(6, "0"): p for p in prefixes if p}
    found = Region.objects.current(on).filter(code__in=list(codes)).values_list("code", "name", "name_en")
    return {codes[code]: (name_en if english and name_en else name) for code, name, name_en in found}


def recent_changes(user: Any, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """In the last 30 days: classes assigned and changed (the history), facts recorded."""
    since = (now or timezone.now()) - dt.timedelta(days=RECENT_DAYS)
    jurisdiction = _jurisdiction(user)
    records = ChangeRecord.objects.filter(action__in=CLASS_ACTIONS, time__gte=since)
    if jurisdiction is None:
        records = records.none()
    elif jurisdiction:
        records = records.filter(within_region(jurisdiction))
    by_action = dict(records.values_list("action").order_by().annotate(n=Count("id")))
    facts = scope(user, "view", "credit", CreditFact.objects.filter(created_at__gte=since))
    by_kind = {row["kind"]: row["n"] for row in facts.values("kind").order_by().annotate(n=Count("id"))}
    return {"since": since, "assigned": by_action.get("credit_class_assigned", 0),
            "changed": by_action.get("credit_class_changed", 0),
            "facts": sorted(((CreditFact(kind=k).get_kind_display(), n) for k, n in by_kind.items()),
                            key=lambda pair: -pair[1]),
            "facts_total": sum(by_kind.values())}


def entries_near(user: Any, *, on: dt.date | None = None) -> list[ListEntry]:
    """Entries in force whose earliest removal date or expiry falls within the next 60 days."""
    on = on or timezone.localdate()
    until = on + dt.timedelta(days=ENTRY_DAYS)
    rows = ListEntry.objects.filter(Q(earliest_removal_on__range=(on, until)) | Q(expires_on__range=(on, until)),
                                    status__in=IN_FORCE)
    return list(scope(user, "view", "credit", rows).order_by("expires_on", "id")[:SHOWN])


def notices_near(user: Any, *, on: dt.date | None = None) -> list[ListNotice]:
    """Open notices whose statement period ends within the next 7 days."""
    on = on or timezone.localdate()
    rows = ListNotice.objects.filter(status=NoticeStatus.OPEN,
                                     statement_until__range=(on, on + dt.timedelta(days=NOTICE_DAYS)))
    return list(scope(user, "view", "credit", rows).order_by("statement_until", "id")[:SHOWN])
