"""Reading complaints, cases, warnings and requests: the regulators' queues (overdue first,
filters), what a body is asked, and the trail of a case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import chain
from typing import Any

from django.db import models
from django.db.models import F, Q, QuerySet, Value, When
from django.utils.timezone import localdate as today_

from certinel.accounts.permissions import scope
from certinel.core.history import history_for
from certinel.core.models import ChangeRecord

from .choices import CaseStatus, ComplaintStatus, RequestStatus, WarningStatus
from .models import BodyRequest, Case, CaseNote, Complaint, RiskWarning, SupervisionItem

OPEN_COMPLAINT = (ComplaintStatus.RECEIVED, ComplaintStatus.ACCEPTED)
OPEN_CASE = (CaseStatus.OPEN, CaseStatus.INVESTIGATING)


def _overdue_first(found: QuerySet, today: dt.date) -> QuerySet:
    return (found.annotate(overdue=models.Case(When(due__lt=today, then=Value(True)), default=Value(False),
                                               output_field=models.BooleanField()))
            .order_by("-overdue", F("due").asc(nulls_last=True), "-id"))


def complaints_queue(user: Any, *, status: str = "", kind: str = "", overdue: bool = False, q: str = "",
                     today: dt.date | None = None) -> QuerySet[Complaint]:
    """The complaints and reports a regulator may see, each with the time limit running now
    (`due`) and whether it has passed (`overdue`), overdue first, then the nearest limit."""
    day = today or today_()
    found = scope(user, "view", "complaint", Complaint.objects.all())
    found = found.annotate(due=models.Case(
        When(status=ComplaintStatus.RECEIVED, then=F("accept_due")),
        When(status=ComplaintStatus.ACCEPTED, then=F("handle_due")), default=None,
        output_field=models.DateField()))
    if status == "open":
        found = found.filter(status__in=OPEN_COMPLAINT)
    elif status in ComplaintStatus.values:
        found = found.filter(status=status)
    if kind:
        found = found.filter(kind=kind)
    if q:
        found = found.filter(Q(number=q.strip().upper()) | Q(subject_code=q.strip()) |
                             Q(subject_name__icontains=q.strip()))
    if overdue:
        found = found.filter(due__lt=day)
    return _overdue_first(found, day)


def cases_queue(user: Any, *, status: str = "", source: str = "", overdue: bool = False, q: str = "",
                today: dt.date | None = None) -> QuerySet[Case]:
    day = today or today_()
    found = scope(user, "view", "case", Case.objects.all())
    found = found.annotate(due=models.Case(When(status__in=OPEN_CASE, then=F("decide_due")), default=None,
                                           output_field=models.DateField()))
    if status == "open":
        found = found.filter(status__in=(*OPEN_CASE, CaseStatus.DECIDED))
    elif status in CaseStatus.values:
        found = found.filter(status=status)
    if source:
        found = found.filter(source=source)
    if q:
        found = found.filter(Q(number=q.strip().upper()) | Q(subject_code=q.strip()) |
                             Q(subject_name__icontains=q.strip()))
    if overdue:
        found = found.filter(due__lt=day)
    return _overdue_first(found, day)


def warnings_queue(user: Any, *, rule: str = "", severity: str = "", status: str = WarningStatus.OPEN,
                   region: str = "") -> QuerySet[RiskWarning]:
    found = scope(user, "view", "warning", RiskWarning.objects.all())
    if rule:
        found = found.filter(rule=rule)
    if severity:
        found = found.filter(severity=severity)
    if status:
        found = found.filter(status=status)
    if region:
        found = found.filter(region_code__startswith=region)
    order = models.Case(When(severity="high", then=Value(0)), When(severity="medium", then=Value(1)),
                        default=Value(2), output_field=models.IntegerField())
    return found.order_by(order, "-found_on", "-id")


def warning_counts(user: Any) -> list[dict[str, Any]]:
    """Warnings by rule, region (city) and month: the queue's chart."""
    from django.db.models import Count
    from django.db.models.functions import Substr, TruncMonth

    found = scope(user, "view", "warning", RiskWarning.objects.all())
    rows = (found.annotate(month=TruncMonth("found_on"), city=Substr("region_code", 1, 4))
            .values("rule", "city", "month").annotate(n=Count("id")).order_by("month", "rule", "city"))
    return list(rows)


def requests_of_body(user: Any, *, status: str = RequestStatus.OPEN) -> QuerySet[BodyRequest]:
    found = scope(user, "view", "case_request", BodyRequest.objects.select_related("case", "certificate"))
    if status:
        found = found.filter(status=status)
    return found.order_by("due_on", "id")


@dataclass(frozen=True)
class Step:
    record: ChangeRecord
    what: str  # the object the record is about: case, note, request, complaint, warning, item


def case_trail(case: Case) -> list[Step]:
    """Every history record of the case, its notes, requests, supervision items, and the
    complaint or warning it came from, in time order."""
    parts: list[tuple[str, Any]] = [("case", case)]
    if case.complaint_id:
        parts.append(("complaint", case.complaint))
    if case.warning_id:
        parts.append(("warning", case.warning))
    parts += [("note", n) for n in CaseNote.objects.filter(case=case)]
    parts += [("request", r) for r in BodyRequest.objects.filter(case=case)]
    parts += [("item", i) for i in SupervisionItem.objects.filter(case=case)]
    steps = chain.from_iterable(((what, r) for r in history_for(obj)) for what, obj in parts)
    return [Step(r, what) for what, r in sorted(steps, key=lambda s: (s[1].time, s[1].pk))]


PERIODS = ("month", "week")
BY = ("rule", "region")
MAX_PERIODS = 260


def _period_keys(first: dt.date, last: dt.date, period: str) -> list[dt.date]:
    """Every period from the first to the last (gaps as zeros), at most MAX_PERIODS, the latest."""
    keys = []
    day = last
    while day >= first and len(keys) < MAX_PERIODS:
        keys.append(day)
        day = (day - dt.timedelta(days=7)) if period == "week" else (day.replace(day=1) - dt.timedelta(days=1)
                                                                       ).replace(day=1)
    return keys[::-1]


def warning_series(found: QuerySet[RiskWarning], *, by: str = "rule", period: str = "month") -> dict[str, Any]:
    """The warnings of a queue (`warnings_queue`, its filters applied) counted by rule or by
    region (city: the first four digits of the region code) per month or week (from Monday) of
    the day they were found: the queue's charts and their tables. `rows` pairs each period with
    its count per series, in the order of `series`; `total` is the queue's count."""
    from django.db.models import Count
    from django.db.models.functions import Substr, TruncMonth, TruncWeek

    by = by if by in BY else "rule"
    period = period if period in PERIODS else "month"
    trunc = TruncWeek("found_on") if period == "week" else TruncMonth("found_on")
    key = Substr("region_code", 1, 4) if by == "region" else F("rule")
    counts: dict[tuple[dt.date, str], int] = {}
    for row in found.order_by().annotate(p=trunc, k=key).values("p", "k").annotate(n=Count("id")):
        day = row["p"].date() if isinstance(row["p"], dt.datetime) else row["p"]
        counts[(day, row["k"])] = counts.get((day, row["k"]), 0) + row["n"]
    series = sorted({k for _p, k in counts})
    periods = _period_keys(min(p for p, _k in counts), max(p for p, _k in counts), period) if counts else []
    rows = [{"period": p, "label": f"{p:%Y-%m}" if period == "month" else f"{p:%Y-%m-%d}",
             "counts": [counts.get((p, s), 0) for s in series]} for p in periods]
    for row in rows:
        row["total"] = sum(row["counts"])
    return {"by": by, "period": period, "series": series, "labels": _series_labels(by, series), "rows": rows,
            "totals": [sum(r["counts"][i] for r in rows) for i in range(len(series))],
            "total": sum(r["total"] for r in rows)}


def _series_labels(by: str, series: list[str]) -> list[str]:
    if by == "rule":
        from .rules import rule_info

        return [f"{code} · {info.name}" if (info := rule_info(code)) else code for code in series]
    from django.utils.translation import get_language

    from certinel.reference.models import Region

    english = (get_language() or "").startswith("en")
    names = {r.code[:4]: (r.name_en or r.name) if english else r.name
             for r in Region.objects.current().filter(code__in=[f"{c}00" for c in series])}
    return [f"{code} · {names[code]}" if code in names else code for code in series]
