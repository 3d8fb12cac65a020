"""The dashboards' roll-ups of `DailyFlow` (`GroupDay`, `GroupMonth`), derived from the same
flows, so that they equal them by construction and `stats_check` can recompute them.

Four roll-ups: scheme x province, x city, x county (`Rollup`), and scheme x body. `GroupDay` holds the daily
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
_PROVINCE, _CITY, _COUNTY, _BODY = (Rollup.PROVINCE.value, Rollup.CITY.value, Rollup.COUNTY.value,
                                    Rollup.BODY.value)


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
        for key in ((_PROVINCE, day, scheme_id, region[:2] + "0000", 0, status),
                    (_CITY, day, scheme_id, region[:4] + "00", 0, status),
                    (_COUNTY, day, scheme_id, region, 0, status),
                    (_BODY, day, scheme_id, "", body_id, status)):
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


def upsert_add(table: str, keys: tuple[str, ...], values: tuple[str, ...], rows: list[tuple]) -> int:
    """Add `values` to the rows of `table` with these `keys`, making the rows that are missing
    (INSERT … ON CONFLICT … DO UPDATE). The keys must be distinct. PostgreSQL: the rows are
    copied into a scratch table and added in one statement; SQLite: one statement per row, in
    process. Table and column names are this app's constants, never input."""
    if not rows:
        return 0
    columns = ", ".join((*keys, *values))
    update = (f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
              + ", ".join(f"{v} = {table}.{v} + excluded.{v}" for v in values))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            scratch = f"{table}_add"
            cursor.execute(f"CREATE TEMPORARY TABLE {scratch} AS SELECT {columns} FROM {table} WITH NO DATA")  # noqa: S608
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {scratch} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {scratch}" + update)  # noqa: S608
            cursor.execute(f"DROP TABLE {scratch}")
        else:
            marks = ", ".join(["%s"] * (len(keys) + len(values)))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})" + update, rows)  # noqa: S608
    return len(rows)


def add(days: dict[GroupKey, list[int]], months: dict[GroupKey, list[int]]) -> int:
    """Add changes to the stored roll-ups (a row is made where there is none)."""
    return (upsert_add("stats_groupday", GROUP_DAY_COLUMNS[:6], GROUP_DAY_COLUMNS[6:],
                       [(*k, *v) for k, v in days.items()])
            + upsert_add("stats_groupmonth", GROUP_MONTH_COLUMNS[:6], GROUP_MONTH_COLUMNS[6:],
                         [(*k, *v) for k, v in months.items()]))


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
