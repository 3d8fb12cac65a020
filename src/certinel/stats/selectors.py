"""Reading the statistics: counts of certificates by class on any date, grouped by any of the
dimensions, and the flows (new, suspended, withdrawn, expired) per month, quarter or year.
Every figure is a sum over `DailyFlow` (see models.py), so it is the register's history."""

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
from .models import DailyFlow, StatusClass

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


def _rows(filters: Filters) -> QuerySet[DailyFlow]:
    rows = DailyFlow.objects.all()
    ids = scheme_ids(filters.schemes, filters.family)
    if ids is not None:
        rows = rows.filter(scheme_id__in=ids)
    if filters.region:
        rows = rows.filter(within_region(region_prefix(filters.region)))
    if filters.body_id is not None:
        rows = rows.filter(body_id=filters.body_id)
    if filters.industry:
        rows = rows.filter(industry__startswith=filters.industry)
    if filters.size_class:
        rows = rows.filter(size_class=filters.size_class)
    return rows


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
    out = dict.fromkeys(STOCKS, 0)
    found = (_rows(filters).filter(day__lte=on, status__in=STOCKS).values("status")
             .annotate(n=Sum("entered") - Sum("exited")).order_by())
    for row in found:
        out[row["status"]] = row["n"] or 0
    return {str(k): v for k, v in out.items()}


def counts_by(*, on: dt.date, by: tuple[str, ...], filters: Filters = Filters()) -> list[dict]:
    """Counts per class on `on`, grouped by the dimensions in `by` (DIMENSIONS)."""
    columns = sorted({_COLUMN[d] for d in by})
    found = (_rows(filters).filter(day__lte=on, status__in=STOCKS).values(*columns, "status")
             .annotate(n=Sum("entered") - Sum("exited")).order_by())
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
    found = (_rows(filters).filter(day__gte=start, day__lte=end, status__in=FLOWS)
             .values("day", *columns, "status").annotate(n=Sum("entered")).order_by())
    groups: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: dict.fromkeys(FLOWS, 0))
    for row in found:
        key = (period_of(row["day"], period), *(_label(d, row) for d in by))
        groups[key][row["status"]] += row["n"] or 0
    return [{"period": key[0], **dict(zip(by, key[1:], strict=True)), **values}
            for key, values in sorted(groups.items()) if any(values.values())]


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


def valid_count(*, on: dt.date, filters: Filters = Filters()) -> int:
    return counts(on=on, filters=filters)["valid"]


def new_count(*, start: dt.date, end: dt.date, filters: Filters = Filters()) -> int:
    found = _rows(filters).filter(day__gte=start, day__lte=end, status=StatusClass.NEW).aggregate(n=Sum("entered"))
    return found["n"] or 0


__all__ = ["DIMENSIONS", "FLOWS", "PERIODS", "Filters", "counts", "counts_by", "flows", "new_count",
           "region_prefix", "valid_count", "valid_trend"]
