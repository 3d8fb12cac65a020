"""The serious-violation list's numbers and measures: data files beside this module, each row
with its legal source, never constants in code.

`list_policy.csv`: per edition (and, optionally, region: a GB/T 2260 prefix), the days a
subject has to state its case after a notice, and the months after listing when it may apply
for early removal and when it is removed.

`display_policy.csv`: per edition, region and severity, whether a published administrative
penalty is displayed on the subject's public credit page, the months after publication from
which its subject may request credit repair, and the months after which its display ends.

`measures.csv`: what being listed means, per purpose a check is made for (public procurement,
tendering, licensing, awards, subsidies, approval by commitment, supervision): each measure's
code, its words in both languages and its legal basis. A check for a purpose answers "not
eligible" when a measure for that purpose applies."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from certinel.core.editions import edition_for

HERE = Path(__file__).parent
LIST_POLICY_FILE = HERE / "list_policy.csv"
MEASURES_FILE = HERE / "measures.csv"
DISPLAY_POLICY_FILE = HERE / "display_policy.csv"


@dataclass(frozen=True)
class ListPolicy:
    edition: str
    effective_from: dt.date | None
    region: str
    statement_days: int
    early_removal_after_months: int
    removal_after_months: int
    source: str

    @property
    def label(self) -> str:
        return f"{self.edition}/{self.region}" if self.region else self.edition


@dataclass(frozen=True)
class Measure:
    code: str
    kind: str
    applies_to: str
    purposes: tuple[str, ...]
    name_zh: str
    name_en: str
    basis: str


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text.strip() else None


@cache
def _policies(path: Path) -> tuple[ListPolicy, ...]:
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                policy = ListPolicy(row["edition"].strip(), _date(row["effective_from"]), row["region"].strip(),
                                    int(row["statement_days"]), int(row["early_removal_after_months"]),
                                    int(row["removal_after_months"]), row["source"].strip())
            except (KeyError, ValueError) as exc:
                raise ValueError(f"{path.name}, line {line}: {exc}") from None
            if not policy.source or policy.statement_days < 1 or not (
                    0 < policy.early_removal_after_months <= policy.removal_after_months):
                raise ValueError(f"{path.name}, line {line}: periods must be positive, the early removal's no later "
                                 "than the removal's, and the row must name its source.")
            rows.append(policy)
    if not rows:
        raise ValueError(f"{path.name} holds no policy.")
    return tuple(rows)


def list_policy(*, on: dt.date, region_code: str = "", path: Path | None = None) -> ListPolicy:
    """The rule in force on `on` for a subject in `region_code`: the narrowest region's, the
    latest of those."""
    found = edition_for(_policies(path or LIST_POLICY_FILE), on=on, region_code=region_code)
    if found is None:
        raise ValueError(f"No list policy is in force on {on} for region {region_code or '(none)'}.")
    return found


@cache
def measures(path: Path | None = None) -> tuple[Measure, ...]:
    path = path or MEASURES_FILE
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            purposes = tuple(p.strip() for p in (row.get("purposes") or "").split(";") if p.strip())
            if not row.get("code") or not purposes or not (row.get("basis") or "").strip():
                raise ValueError(f"{path.name}, line {line}: a measure needs a code, purposes and its basis.")
            out.append(Measure(row["code"].strip(), row["kind"].strip(), row["applies_to"].strip(), purposes,
                               row["name_zh"].strip(), row["name_en"].strip(), row["basis"].strip()))
    return tuple(out)


def purposes() -> tuple[str, ...]:
    """Every purpose a measure names, in a stable order."""
    seen: dict[str, None] = {}
    for measure in measures():
        for purpose in measure.purposes:
            seen.setdefault(purpose, None)
    return tuple(seen)



# --- How long a published penalty is displayed -------------------------------------------------

@dataclass(frozen=True)
class DisplayPolicy:
    edition: str
    effective_from: dt.date | None
    region: str
    severity: str
    displayed: bool
    min_months: int
    max_months: int
    source: str

    @property
    def label(self) -> str:
        return f"{self.edition}/{self.region}" if self.region else self.edition


SEVERITIES = ("minor", "general", "serious")


def _display_row(row: dict[str, str]) -> DisplayPolicy:
    shown = row["displayed"].strip().lower()
    if shown not in ("yes", "no"):
        raise ValueError(f"displayed must be yes or no, not {shown!r}")
    return DisplayPolicy(row["edition"].strip(), _date(row["effective_from"]), row["region"].strip(),
                         row["severity"].strip(), shown == "yes", int(row["min_months"]), int(row["max_months"]),
                         row["source"].strip())


@cache
def _display_policies(path: Path) -> tuple[DisplayPolicy, ...]:
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                policy = _display_row(row)
            except (KeyError, ValueError, AttributeError) as exc:
                raise ValueError(f"{path.name}, line {line}: {exc}") from None
            if policy.severity not in SEVERITIES or not policy.source or (policy.displayed and not (
                    0 < policy.min_months <= policy.max_months)):
                raise ValueError(f"{path.name}, line {line}: a known severity, a source, and for a displayed "
                                 "severity a minimum period no longer than the maximum, both positive.")
            rows.append(policy)
    if not rows:
        raise ValueError(f"{path.name} holds no policy.")
    return tuple(rows)


def display_policy(*, severity: str, on: dt.date, region_code: str = "", path: Path | None = None) -> DisplayPolicy:
    """The display rule in force on `on` for a penalty of this severity in `region_code`."""
    rows = [p for p in _display_policies(path or DISPLAY_POLICY_FILE) if p.severity == severity]
    found = edition_for(rows, on=on, region_code=region_code)
    if found is None:
        raise ValueError(f"No display policy for {severity} penalties is in force on {on} for region "
                         f"{region_code or '(none)'}.")
    return found
