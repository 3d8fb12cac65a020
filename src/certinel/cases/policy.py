"""Time limits of complaints, reports and cases: `data/time_limits.csv`, each row with its legal
source, in editions chosen by `core.editions` (the day it takes effect, a region prefix).

What "within N working days" means here (and in `certinel cases deadline`): the day the time
limit starts from (the day a complaint is received, or accepted) is not counted; the limit ends
at the end of the N-th working day after it, on the working-day calendar of `core.workdays`
(weekends and public holidays are not working days, the weekend days worked in their place are).
A complaint received on a holiday is therefore counted from the first working day after it, as
that is the first day counted. A limit in calendar days ("calendar") counts every day the same
way: the start day not counted, the N-th day after it the last. An item is overdue from the day
after its due date.

Kinds: `accept` (decide whether to accept a complaint or report, from the day it is received),
`mediate` (end the mediation of a complaint, from its acceptance), `verify` (check a report,
from its acceptance; extendable by the row's extension days, as many times as `extensions`
says, with approval), `decide` (decide a case, from the day it is opened), `answer` (a body
answers a request of a case, from the day it is made)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from certinel.core.editions import edition_for
from certinel.core.workdays import add_working_days, covered

DATA = Path(__file__).parent / "data"
TIME_LIMITS_FILE = DATA / "time_limits.csv"
KINDS = ("accept", "mediate", "verify", "decide", "answer")
UNITS = ("working", "calendar")


class PolicyError(ValueError):
    """A policy file that cannot be read, named with its line; or no rule in force."""


@dataclass(frozen=True)
class TimeLimit:
    edition: str
    effective_from: dt.date | None
    region: str
    kind: str
    days: int
    unit: str
    extension_days: int
    extensions: int
    starts: str
    source: str

    @property
    def label(self) -> str:
        return f"{self.edition}/{self.region}" if self.region else self.edition

    def due(self, start: dt.date, *, extensions: int = 0) -> dt.date:
        """The last day of the limit counted from `start` (not counted), with `extensions`
        extensions granted."""
        if extensions < 0 or extensions > self.extensions:
            raise PolicyError(f"{self.kind} may be extended at most {self.extensions} time(s).")
        return self.extend(self._add(start, self.days), extensions=extensions)

    def extend(self, due: dt.date, *, extensions: int = 1) -> dt.date:
        for _ in range(extensions):
            due = self._add(due, self.extension_days)
        return due

    def _add(self, start: dt.date, days: int) -> dt.date:
        if self.unit == "working":
            return add_working_days(start, days)
        return start + dt.timedelta(days=days)


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if (text or "").strip() else None


@cache
def _limits(path: Path) -> tuple[TimeLimit, ...]:
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, raw in enumerate(csv.DictReader(fh), start=2):
            row = {k: (v or "").strip() for k, v in raw.items()}
            try:
                limit = TimeLimit(row["edition"], _date(row["effective_from"]), row["region"], row["kind"],
                                  int(row["days"]), row["unit"], int(row["extension_days"] or 0),
                                  int(row["extensions"] or 0), row["starts"], row["source"])
            except (KeyError, ValueError) as exc:
                raise PolicyError(f"{path.name}, line {line}: {exc}") from None
            if (limit.kind not in KINDS or limit.unit not in UNITS or limit.days < 1 or not limit.source
                    or limit.extension_days < 0 or limit.extensions < 0
                    or (limit.extensions > 0) != (limit.extension_days > 0)):
                raise PolicyError(f"{path.name}, line {line}: a known kind ({', '.join(KINDS)}) and unit "
                                  f"({', '.join(UNITS)}), a positive number of days, extensions with their days, "
                                  "and the source.")
            rows.append(limit)
    if not rows:
        raise PolicyError(f"{path.name} holds no time limit.")
    return tuple(rows)


def time_limit(kind: str, *, on: dt.date, region_code: str = "", path: Path | None = None) -> TimeLimit:
    """The time limit of `kind` in force on `on` in `region_code`."""
    if kind not in KINDS:
        raise PolicyError(f"Unknown kind of time limit {kind!r}: use one of {', '.join(KINDS)}.")
    rows = [r for r in _limits(path or TIME_LIMITS_FILE) if r.kind == kind]
    found = edition_for(rows, on=on, region_code=region_code)
    if found is None:
        raise PolicyError(f"No {kind} time limit is in force on {on} for region {region_code or '(none)'}.")
    return found


def deadline(kind: str, start: dt.date, *, region_code: str = "", extensions: int = 0) -> dt.date:
    """The due date of `kind` counted from `start`, under the rule in force on `start`."""
    return time_limit(kind, on=start, region_code=region_code).due(start, extensions=extensions)


def provisional(start: dt.date, due: dt.date) -> bool:
    """Whether the calendar does not cover every year between start and due (the due date is
    then counted on plain weeks and may move when the State Council's notice appears)."""
    return not all(covered(dt.date(year, 1, 1)) for year in range(start.year, due.year + 1))
