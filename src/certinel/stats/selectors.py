"""Reading the statistics: counts of certificates by class on any date, grouped by any of the
dimensions, and the flows (new, suspended, withdrawn, expired) per month, quarter or year.
Every figure is a sum over `DailyFlow` (see models.py), so it is the register's history; when
the question needs only scheme and region, or only scheme and body, it is read from the
roll-ups (`rollups.py`): the stock at the month end before the day plus the days since."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.db.models import QuerySet, Sum

from certinel.core.regions import within_region
from certinel.reference.models import Scheme

from .history import STOCKS
from .models import DailyFlow, GroupDay, GroupMonth, Rollup, StatusClass, Watermark
from .rollups import month_end, snapshot_for

DIMENSIONS = ("family", "scheme", "province", "city", "county", "industry", "size_class", "body")
PERIODS = ("month", "quarter", "year")
FLOWS = ("new", "suspended", "withdrawn", "expired")


@dataclass(frozen=True)
class Filters:
    """Which certificates count: scheme codes (any of), a scheme family, a region (a GB/T 2260
    code: 320000 a province, 320100 a city, 320102 a county), a body, an industry code prefix
    (GB/T 4754), a firm size."""

    schemes: tuple[str, ...] = ()
    family: str = ""
    region: str = ""
    body_id: int | None = None
    industry: str = ""
    size_class: str = ""


def region_prefix(code: str) -> str:
    """The prefix a region code stands for: 320000 -> 32, 320100 -> 3201, 320102 -> 320102."""
    code = (code or "").strip()
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def province_of(code: str) -> str:
    return code[:2] + "0000"


def city_of(code: str) -> str:
    return code[:4] + "00"


@cache
def _schemes() -> dict[int, tuple[str, str]]:
    return {pk: (code, family) for pk, code, family in Scheme.objects.values_list("pk", "code", "family")}


def scheme_code(pk: int) -> str:
    return _schemes().get(pk, ("?", ""))[0]


def scheme_ids(codes: Iterable[str] = (), family: str = "") -> list[int] | None:
    """The ids of the schemes named (and of the family); None: no restriction."""
    codes = tuple(c for c in codes if c)
    if not codes and not family:
        return None
    return [pk for pk, (code, fam) in _schemes().items()
            if (not codes or code in codes) and (not family or fam == family)]


def _by_scheme_region_body(rows: QuerySet, filters: Filters) -> QuerySet:
    """The rows of the filters' schemes, region and body (the daily flows and the roll-ups alike)."""
    ids = scheme_ids(filters.schemes, filters.family)
    if ids is not None:
        rows = rows.filter(scheme_id__in=ids)
    if filters.region:
        rows = rows.filter(within_region(region_prefix(filters.region)))
    if filters.body_id is not None:
        rows = rows.filter(body_id=filters.body_id)
    return rows


def _rows(filters: Filters) -> QuerySet[DailyFlow]:
    rows = _by_scheme_region_body(DailyFlow.objects.all(), filters)
    if filters.industry:
        rows = rows.filter(industry__startswith=filters.industry)
    if filters.size_class:
        rows = rows.filter(size_class=filters.size_class)
    return rows


_REGION_LEVELS = {"province": 0, "city": 1, "county": 2}
_LEVEL_KINDS = (Rollup.PROVINCE, Rollup.CITY, Rollup.COUNTY)
_BODY_DIMENSIONS = frozenset({"family", "scheme", "body"})


def rollup_for(filters: Filters, by: Iterable[str] = ()) -> str | None:
    """The roll-up that answers a question with these filters and dimensions, if one does: by
    body, or by region at the coarsest level the region filter and the dimensions allow."""
    by = set(by)
    if filters.industry or filters.size_class:
        return None
    if filters.body_id is None and by <= {"family", "scheme", *_REGION_LEVELS}:
        prefix = region_prefix(filters.region) if filters.region else ""
        level = {0: 0, 2: 0, 4: 1}.get(len(prefix), 2)
        for d in by & set(_REGION_LEVELS):
            level = max(level, _REGION_LEVELS[d])
        return _LEVEL_KINDS[level]
    if not filters.region and by <= _BODY_DIMENSIONS:
        return Rollup.BODY
    return None


def stocks_through() -> dt.date | None:
    from .refresh import MARK

    return Watermark.objects.filter(name=MARK).values_list("stocks_through", flat=True).first()


def _group_rows(model: type[GroupDay] | type[GroupMonth], kind: str, filters: Filters) -> QuerySet:
    return _by_scheme_region_body(model.objects.filter(kind=kind), filters)


def _stocks(on: dt.date, filters: Filters, columns: list[str], kind: str | None,
            through: dt.date | None = None) -> list[dict]:
    """Rows of (columns…, status, n): the stock per class at the end of `on`."""
    if kind is None:
        return list(_rows(filters).filter(day__lte=on, status__in=STOCKS).values(*columns, "status")
                    .annotate(n=Sum("entered") - Sum("exited")).order_by())
    snapshot = snapshot_for(on, through)
    days = _group_rows(GroupDay, kind, filters).filter(day__lte=on, status__in=STOCKS)
    out: list[dict] = []
    if snapshot is not None:
        days = days.filter(day__gt=snapshot)
        out.extend(_group_rows(GroupMonth, kind, filters).filter(month=snapshot, status__in=STOCKS)
                   .exclude(stock=0).values(*columns, "status").annotate(n=Sum("stock")).order_by())
    out.extend(days.values(*columns, "status").annotate(n=Sum("entered") - Sum("exited")).order_by())
    return out


def _label(dimension: str, row: dict) -> str:
    if dimension == "scheme":
        return scheme_code(row["scheme_id"])
    if dimension == "family":
        return _schemes().get(row["scheme_id"], ("", "?"))[1]
    if dimension == "province":
        return province_of(row["region_code"])
    if dimension == "city":
        return city_of(row["region_code"])
    if dimension == "county":
        return row["region_code"]
    if dimension == "body":
        return str(row["body_id"])
    return row[dimension]


_COLUMN = {"family": "scheme_id", "scheme": "scheme_id", "province": "region_code", "city": "region_code",
           "county": "region_code", "industry": "industry", "size_class": "size_class", "body": "body_id"}


def counts(*, on: dt.date, filters: Filters = Filters()) -> dict[str, int]:
    """How many certificates were in each class on `on` (the end of that day)."""
    out = dict.fromkeys(map(str, STOCKS), 0)
    kind = rollup_for(filters)
    for row in _stocks(on, filters, [], kind, stocks_through() if kind else None):
        out[row["status"]] += row["n"] or 0
    return out


def counts_by(*, on: dt.date, by: tuple[str, ...], filters: Filters = Filters()) -> list[dict]:
    """Counts per class on `on`, grouped by the dimensions in `by` (DIMENSIONS)."""
    columns = sorted({_COLUMN[d] for d in by})
    kind = rollup_for(filters, by)
    found = _stocks(on, filters, columns, kind, stocks_through() if kind else None)
    groups: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: dict.fromkeys(map(str, STOCKS), 0))
    for row in found:
        groups[tuple(_label(d, row) for d in by)][row["status"]] += row["n"] or 0
    out = []
    for key in sorted(groups):
        values = groups[key]
        if any(values.values()):
            out.append({**dict(zip(by, key, strict=True)), **values})
    return out


def period_of(day: dt.date, period: str) -> str:
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def flows(*, start: dt.date, end: dt.date, period: str = "month", by: tuple[str, ...] = (),
          filters: Filters = Filters()) -> list[dict]:
    """New, suspended, withdrawn and expired certificates per period between start and end
    (both included): how many entered each class, as dated by the history."""
    columns = sorted({_COLUMN[d] for d in by})
    groups: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: dict.fromkeys(FLOWS, 0))
    for row in _flow_rows(start, end, filters, columns, rollup_for(filters, by)):
        key = (period_of(row["day"], period), *(_label(d, row) for d in by))
        groups[key][row["status"]] += row["n"] or 0
    return [{"period": key[0], **dict(zip(by, key[1:], strict=True)), **values}
            for key, values in sorted(groups.items()) if any(values.values())]


def _whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and last month ends of the whole months between start and end, if any."""
    first = start if start.day == 1 else month_end(start) + dt.timedelta(days=1)
    last = end if month_end(end) == end else end.replace(day=1) - dt.timedelta(days=1)
    return (month_end(first), last) if first <= last else None


def _flow_rows(start: dt.date, end: dt.date, filters: Filters, columns: list[str], kind: str | None,
               statuses: tuple[str, ...] = FLOWS) -> list[dict]:
    """Rows of (day, columns…, status, n): entries into each class; whole months from the
    monthly roll-up (dated by their last day), the days around them from the daily one."""
    if kind is None:
        return list(_rows(filters).filter(day__gte=start, day__lte=end, status__in=statuses)
                    .values("day", *columns, "status").annotate(n=Sum("entered")).order_by())
    days = _group_rows(GroupDay, kind, filters).filter(status__in=statuses)
    out: list[dict] = []
    edges = [(start, end)]
    months = _whole_months(start, end)
    if months:
        first, last = months
        # The days before the first whole month and after the last, each as a plain range.
        edges = [(start, first.replace(day=1) - dt.timedelta(days=1)), (last + dt.timedelta(days=1), end)]
        for row in (_group_rows(GroupMonth, kind, filters).filter(month__gte=first, month__lte=last,
                                                                   status__in=statuses).exclude(entered=0)
                    .values("month", *columns, "status").annotate(n=Sum("entered")).order_by()):
            row["day"] = row.pop("month")
            out.append(row)
    for low, high in edges:
        if low <= high:
            out.extend(days.filter(day__gte=low, day__lte=high).values("day", *columns, "status")
                       .annotate(n=Sum("entered")).order_by())
    return out


def month_ends(*, start: dt.date, end: dt.date) -> list[dt.date]:
    out = []
    year, month = start.year, start.month
    while True:
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        last = nxt - dt.timedelta(days=1)
        out.append(min(last, end))
        if last >= end:
            return out
        year, month = nxt.year, nxt.month


def valid_trend(*, start: dt.date, end: dt.date, filters: Filters = Filters()) -> list[dict]:
    """Valid certificates at the end of each month from start to end (the last point is `end`)."""
    days = month_ends(start=start, end=end)
    if rollup_for(filters) is not None:
        return _valid_trend_rollup(days, filters)
    rows = (_rows(filters).filter(day__lte=end, status=StatusClass.VALID).values("day")
            .annotate(n=Sum("entered") - Sum("exited")).order_by("day"))
    out, running, i = [], 0, 0
    ordered = list(rows)
    for day in days:
        while i < len(ordered) and ordered[i]["day"] <= day:
            running += ordered[i]["n"] or 0
            i += 1
        out.append({"month": period_of(day, "month"), "on": day.isoformat(), "valid": running})
    return out


def _valid_trend_rollup(days: list[dt.date], filters: Filters) -> list[dict]:
    kind = rollup_for(filters)
    through = stocks_through()
    held = [d for d in days if through is not None and d <= through and month_end(d) == d]
    found = {r["month"]: r["n"] for r in _group_rows(GroupMonth, kind, filters)  # type: ignore[arg-type]
             .filter(month__in=held, status=StatusClass.VALID).values("month").annotate(n=Sum("stock")).order_by()}
    out = []
    for day in days:
        if day in held:
            n = found.get(day, 0) or 0
        else:
            n = sum(r["n"] or 0 for r in _stocks(day, filters, [], kind, through) if r["status"] == StatusClass.VALID)
        out.append({"month": period_of(day, "month"), "on": day.isoformat(), "valid": n})
    return out


def valid_count(*, on: dt.date, filters: Filters = Filters()) -> int:
    return counts(on=on, filters=filters)["valid"]


def new_count(*, start: dt.date, end: dt.date, filters: Filters = Filters()) -> int:
    return sum(r["n"] or 0 for r in _flow_rows(start, end, filters, [], rollup_for(filters), (StatusClass.NEW,)))


__all__ = ["DIMENSIONS", "FLOWS", "PERIODS", "Filters", "counts", "counts_by", "flows", "new_count",
           "region_prefix", "valid_count", "valid_trend"]
