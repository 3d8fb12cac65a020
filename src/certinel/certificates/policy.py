"""The policy numbers of the certificate register that are rules rather than code, read from a
versioned data file beside this module. Each row names its edition, the day it takes effect
(empty: always), the region it applies to (a GB/T 2260 prefix; empty: everywhere) and the
rule it follows.

`transfer_policy.csv`: how many days the former body and the holder have to confirm or object
to a transfer before the old certificate ends by itself (docs/decisions/0004-transfers.md)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from certinel.core.editions import edition_for

TRANSFER_POLICY_FILE = Path(__file__).with_name("transfer_policy.csv")


@dataclass(frozen=True)
class TransferPolicy:
    edition: str
    effective_from: dt.date | None
    region: str
    objection_days: int
    source: str

    @property
    def label(self) -> str:
        """How a transfer names the rule it was given: edition, and region when not everywhere."""
        return f"{self.edition}/{self.region}" if self.region else self.edition


@cache
def _rows(path: Path) -> tuple[TransferPolicy, ...]:
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                days = int(row["objection_days"])
                start = dt.date.fromisoformat(row["effective_from"]) if row["effective_from"].strip() else None
            except (KeyError, ValueError) as exc:
                raise ValueError(f"{path.name}, line {line}: {exc}") from None
            if days < 1 or not row.get("source", "").strip():
                raise ValueError(f"{path.name}, line {line}: a period of at least one day, with its source.")
            rows.append(TransferPolicy(row["edition"].strip(), start, row.get("region", "").strip(), days,
                                       row["source"].strip()))
    if not rows:
        raise ValueError(f"{path.name} holds no policy.")
    return tuple(rows)


def transfer_policy(*, on: dt.date, region_code: str = "", path: Path | None = None) -> TransferPolicy:
    """The objection period in force on `on` for a holder in `region_code`: among the rows in
    effect that day, the one of the narrowest region that contains it, the latest of those."""
    found = edition_for(_rows(path or TRANSFER_POLICY_FILE), on=on, region_code=region_code)
    if found is None:
        raise ValueError(f"No transfer policy is in force on {on} for region {region_code or '(none)'}.")
    return found
