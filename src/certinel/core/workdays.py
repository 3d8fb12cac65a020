"""Working days: Monday to Friday, less the public holidays, plus the weekend days worked in
their place (调休). The calendar is data (`holidays.csv`, one row per day that differs from the
plain week, each with the State Council notice that set it), added to each year when the
notice for the next year appears. Time limits counted in working days (a result published
within 20 working days) are counted with it.

A year the file does not cover is counted as plain weeks, and `covered()` says so, so that a
deadline computed past the calendar can be shown as provisional."""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from pathlib import Path

CALENDAR_FILE = Path(__file__).with_name("holidays.csv")


@cache
def _calendar(path: Path = CALENDAR_FILE) -> tuple[frozenset[dt.date], frozenset[dt.date], frozenset[int]]:
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                day = dt.date.fromisoformat(row["date"].strip())
                kind = row["kind"].strip()
            except (KeyError, ValueError, AttributeError) as exc:
                raise ValueError(f"{path.name}, line {line}: {exc}") from None
            if kind not in ("holiday", "workday") or not (row.get("source") or "").strip():
                raise ValueError(f"{path.name}, line {line}: kind must be holiday or workday, with its source.")
            (holidays if kind == "holiday" else workdays).add(day)
    return frozenset(holidays), frozenset(workdays), frozenset(d.year for d in holidays | workdays)


def is_working_day(day: dt.date) -> bool:
    holidays, workdays, _years = _calendar()
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The day `days` working days after `start` (`start` itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    left = days
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


def covered(day: dt.date) -> bool:
    """Whether the calendar holds the notice for `day`'s year."""
    return day.year in _calendar()[2]
