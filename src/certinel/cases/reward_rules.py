"""The amounts of rewards for reports that prove true (举报奖励): `data/rewards.csv`, one row
per grade and edition, with its legal source, chosen by `core.editions` (the day it takes effect,
a region prefix; a province's own rules become rows with its region code).

Under the national rules in force (国市监稽规〔2021〕4号) the grade says what the report gave
and how far it proved true (the regulator judges it, article 11); the amount is a share of the
fines and confiscations the case decided (`rate_percent`), never less than the grade's
`minimum_yuan` (also the amount of a case without them), never more than `case_cap_yuan` per
case; from `finance_from_yuan` on, the amount is settled with the finance department."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from certinel.core.editions import edition_for

from .policy import PolicyError

REWARDS_FILE = Path(__file__).parent / "data" / "rewards.csv"
GRADES = ("1", "2", "3")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class RewardRule:
    edition: str
    effective_from: dt.date | None
    region: str
    grade: str
    rate_percent: Decimal
    minimum_yuan: Decimal
    case_cap_yuan: Decimal
    finance_from_yuan: Decimal
    name_zh: str
    name_en: str
    criteria_en: str
    source: str

    @property
    def label(self) -> str:
        return f"{self.edition}/{self.region}" if self.region else self.edition

    def amount(self, fines: Decimal) -> Decimal:
        """The reward for a case whose fines and confiscations came to `fines` yuan (0: none)."""
        share = (fines * self.rate_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        return min(max(share, self.minimum_yuan), self.case_cap_yuan)

    def needs_finance(self, amount: Decimal) -> bool:
        return amount >= self.finance_from_yuan


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@cache
def _rules(path: Path) -> tuple[RewardRule, ...]:
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, raw in enumerate(csv.DictReader(fh), start=2):
            row = {k: (v or "").strip() for k, v in raw.items()}
            try:
                rule = RewardRule(row["edition"], _date(row["effective_from"]), row["region"], row["grade"],
                                  Decimal(row["rate_percent"]), Decimal(row["minimum_yuan"]),
                                  Decimal(row["case_cap_yuan"]), Decimal(row["finance_from_yuan"]),
                                  row["name_zh"], row["name_en"], row["criteria_en"], row["source"])
            except (KeyError, ValueError, InvalidOperation) as exc:
                raise PolicyError(f"{path.name}, line {line}: {exc}") from None
            if (rule.grade not in GRADES or not rule.source or not 0 <= rule.rate_percent <= 100
                    or rule.minimum_yuan < 0 or rule.case_cap_yuan < rule.minimum_yuan):
                raise PolicyError(f"{path.name}, line {line}: a grade ({', '.join(GRADES)}), a rate from 0 to 100, a "
                                  "minimum not above the cap, and the source.")
            rows.append(rule)
    if not rows:
        raise PolicyError(f"{path.name} holds no reward rule.")
    return tuple(rows)


def reward_rule(grade: str, *, on: dt.date, region_code: str = "", path: Path | None = None) -> RewardRule:
    """The rule of `grade` in force on `on` in `region_code`."""
    rows = [r for r in _rules(path or REWARDS_FILE) if r.grade == grade]
    found = edition_for(rows, on=on, region_code=region_code)
    if found is None:
        raise PolicyError(f"No reward rule of grade {grade!r} is in force on {on} for region "
                          f"{region_code or '(none)'}.")
    return found


def reward_grades(*, on: dt.date, region_code: str = "") -> list[RewardRule]:
    """The grades in force, in order (for the proposal form)."""
    out = []
    for grade in GRADES:
        try:
            out.append(reward_rule(grade, on=on, region_code=region_code))
        except PolicyError:
            continue
    return out
