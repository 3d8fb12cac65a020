"""The dashboards' roll-ups of `DailyFlow` (`GroupDay`, `GroupMonth`), derived from the same
flows, so that they equal them by construction and `stats_check` can recompute them.

Two roll-ups: `region` (scheme x county) and `body` (scheme x body). `GroupDay` holds the daily
entries and exits; `GroupMonth` the month's entries and exits and the stock at each month end
up to the watermark's `stocks_through` (the last day of the month before the refresh). A count
on any day is then the stock at the month end before it plus at most a month of days."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection

from .history import STOCKS
from .models import GroupDay, GroupMonth, Rollup

GROUP_DAY_COLUMNS = ("kind", "day", "scheme_id", "region_code", "body_id", "status", "entered", "exited")
GROUP_MONTH_COLUMNS = ("kind", "month", "scheme_id", "region_code", "body_id", "status", "entered", "exited", "stock")
# (kind, day or month end, scheme_id, region_code, body_id, status)
GroupKey = tuple[str, dt.date, int, str, int, str]
_STOCKS = frozenset(str(s) for s in STOCKS)


def month_end(day: dt.date) -> dt.date:
    nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def previous_month_end(day: dt.date) -> dt.date:
    return day.replace(day=1) - dt.timedelta(days=1)


def month_ends_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month end from first's month to last (a month end), in order."""
    out, m = [], month_end(first)
    while m <= last:
        out.append(m)
        m = month_end(m + dt.timedelta(days=1))
    return out


def snapshot_for(on: dt.date, through: dt.date | None) -> dt.date | None:
    """The month end whose stock a count on `on` starts from (None: none held)."""
    if through is None:
        return None
    if on >= through:
        return through
    return on if month_end(on) == on else previous_month_end(on)


def derive(flows: Iterable[tuple[tuple, list[int]]], through: dt.date | None
           ) -> tuple[dict[GroupKey, list[int]], dict[GroupKey, list[int]]]:
    """The roll-ups' rows (or their changes, for changes of the flows) from `DailyFlow` rows
    (or their changes): (day key -> [entered, exited]), (month key -> [entered, exited, stock])."""
    days: dict[GroupKey, list[int]] = defaultdict(lambda: [0, 0])
    for (day, scheme_id, region, body_id, _industry, _size, status), (entered, exited) in flows:
        if not entered and not exited:
            continue
        for key in ((Rollup.REGION.value, day, scheme_id, region, 0, status),
                    (Rollup.BODY.value, day, scheme_id, "", body_id, status)):
            cell = days[key]
            cell[0] += entered
            cell[1] += exited
    months: dict[GroupKey, list[int]] = defaultdict(lambda: [0, 0, 0])
    net: dict[tuple, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for (kind, day, scheme_id, region, body_id, status), (entered, exited) in days.items():
        m = month_end(day)
        cell = months[(kind, m, scheme_id, region, body_id, status)]
        cell[0] += entered
        cell[1] += exited
        if status in _STOCKS and through is not None and m <= through and entered != exited:
            net[(kind, scheme_id, region, body_id, status)][m] += entered - exited
    if through is not None:
        ends: dict[dt.date, list[dt.date]] = {}
        for group, changes in net.items():
            first = min(changes)
            if first not in ends:
                ends[first] = month_ends_between(first, through)
            running = 0
            for m in ends[first]:
                running += changes.get(m, 0)
                if running:
                    months[(group[0], m, *group[1:])][2] += running
    return ({k: v for k, v in days.items() if v[0] or v[1]},
            {k: v for k, v in months.items() if v[0] or v[1] or v[2]})


_UPSERT_DAY = ("INSERT INTO stats_groupday (kind, day, scheme_id, region_code, body_id, status, entered, exited) "
               "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (kind, day, scheme_id, region_code, body_id, "
               "status) DO UPDATE SET entered = stats_groupday.entered + excluded.entered, "
               "exited = stats_groupday.exited + excluded.exited")
_UPSERT_MONTH = ("INSERT INTO stats_groupmonth (kind, month, scheme_id, region_code, body_id, status, entered, "
                 "exited, stock) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (kind, month, scheme_id, "
                 "region_code, body_id, status) DO UPDATE SET entered = stats_groupmonth.entered + excluded.entered, "
                 "exited = stats_groupmonth.exited + excluded.exited, stock = stats_groupmonth.stock + excluded.stock")


def add(days: dict[GroupKey, list[int]], months: dict[GroupKey, list[int]]) -> int:
    """Add changes to the stored roll-ups (a row is made where there is none)."""
    rows = 0
    with connection.cursor() as cursor:
        for sql, found in ((_UPSERT_DAY, days), (_UPSERT_MONTH, months)):
            values = [(*k, *v) for k, v in found.items()]
            for i in range(0, len(values), 5000):
                cursor.executemany(sql, values[i:i + 5000])
            rows += len(values)
    return rows


def extend(old: dt.date, new: dt.date) -> int:
    """Carry the month-end stocks on from `old` to `new` (both month ends): each month's stock
    is the one before plus the month's entries less its exits."""
    if new <= old:
        return 0
    running: dict[tuple, int] = defaultdict(int)
    for kind, scheme_id, region, body_id, status, stock in (
            GroupMonth.objects.filter(month=old, status__in=STOCKS).exclude(stock=0)
            .values_list("kind", "scheme_id", "region_code", "body_id", "status", "stock")):
        running[(kind, scheme_id, region, body_id, status)] = stock
    changes: dict[dt.date, list[tuple]] = defaultdict(list)
    for row in (GroupMonth.objects.filter(month__gt=old, month__lte=new, status__in=STOCKS)
                .values_list("month", "kind", "scheme_id", "region_code", "body_id", "status", "entered", "exited")):
        changes[row[0]].append(row[1:])
    months: dict[GroupKey, list[int]] = {}
    for m in month_ends_between(old + dt.timedelta(days=1), new):
        for kind, scheme_id, region, body_id, status, entered, exited in changes.get(m, ()):
            running[(kind, scheme_id, region, body_id, status)] += entered - exited
        for group, stock in running.items():
            if stock:
                months[(group[0], m, *group[1:])] = [0, 0, stock]
    return add({}, months)


def stored() -> tuple[dict[GroupKey, tuple[int, ...]], dict[GroupKey, tuple[int, ...]]]:
    days = {tuple(r[:6]): (r[6], r[7]) for r in GroupDay.objects.values_list(*GROUP_DAY_COLUMNS)
            .iterator(chunk_size=10000) if r[6] or r[7]}
    months = {tuple(r[:6]): (r[6], r[7], r[8]) for r in GroupMonth.objects.values_list(*GROUP_MONTH_COLUMNS)
              .iterator(chunk_size=10000) if r[6] or r[7] or r[8]}
    return days, months  # type: ignore[return-value]
