"""The disclosure rule of survey results: `data/disclosure.csv`, in editions chosen by
`core.editions` (the day an edition takes effect, a region prefix), each with its legal source.
`min_cell` is the smallest count of answers shown as a number; smaller counts are shown as
"<min_cell" and their detail withheld."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from certinel.core.editions import edition_for

DISCLOSURE_FILE = Path(__file__).parent / "data" / "disclosure.csv"


class PolicyError(ValueError):
    """A policy file that cannot be read, named with its line; or no rule in force."""


@dataclass(frozen=True)
class Disclosure:
    edition: str
    effective_from: dt.date | None
    region: str
    min_cell: int
    source: str


@cache
def disclosures(path: Path = DISCLOSURE_FILE) -> tuple[Disclosure, ...]:
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                rule = Disclosure(edition=row["edition"].strip(),
                                  effective_from=dt.date.fromisoformat(row["effective_from"]) if
                                  row["effective_from"].strip() else None,
                                  region=row["region"].strip(), min_cell=int(row["min_cell"]),
                                  source=row["source"].strip())
            except (KeyError, ValueError, AttributeError) as exc:
                raise PolicyError(f"{path.name}, line {line}: {exc}") from None
            if rule.min_cell < 2 or not rule.source:
                raise PolicyError(f"{path.name}, line {line}: min_cell must be 2 or more and the source named")
            out.append(rule)
    return tuple(out)


def disclosure(*, on: dt.date, region_code: str = "") -> Disclosure:
    found = edition_for(disclosures(), on=on, region_code=region_code)
    if found is None:
        raise PolicyError(f"No disclosure rule in force on {on} for region {region_code or '(all)'}.")
    return found
