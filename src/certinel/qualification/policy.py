"""The rules of qualification approval (资质认定) as data files in `data/`, each row with its
legal source, never constants in code:

* `procedure.csv`: editions of the time limits (acceptance and decision in working days, the
  technical-review time told to the applicant, the certificate's validity, how early a renewal
  is applied for, the post-check after a notification-and-commitment approval) and the draw of
  reviewers (how many, the region rule); `core.editions` picks the edition in force;
* `commitment.csv`: which kinds of application may use notification and commitment (告知承诺),
  and the professional fields excluded from it;
* `qualifications.csv`: the qualifications that may be reviewed jointly in one application."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from certinel.core.editions import edition_for

DATA = Path(__file__).parent / "data"


class PolicyError(ValueError):
    """A rule file that cannot be read: named with its line."""


def _rows(name: str) -> list[tuple[int, dict[str, str]]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return [(line, {k: (v or "").strip() for k, v in row.items()})
                for line, row in enumerate(csv.DictReader(fh), start=2)]


@dataclass(frozen=True)
class Procedure:
    edition: str
    effective_from: dt.date | None
    region: str
    accept_within: int
    decide_within: int
    review_told: int
    valid_years: int
    renew_before_months: int
    post_check_months: int
    reviewers: int
    region_rule: str
    source: str


@cache
def _procedures() -> tuple[Procedure, ...]:
    out = []
    for line, row in _rows("procedure.csv"):
        try:
            out.append(Procedure(
                row["edition"], dt.date.fromisoformat(row["effective_from"]) if row["effective_from"] else None,
                row["region"], int(row["accept_within_working_days"]), int(row["decide_within_working_days"]),
                int(row["review_told_working_days"]), int(row["certificate_valid_years"]),
                int(row["renew_before_months"]), int(row["post_check_within_months"]),
                int(row["reviewers_per_application"]), row["reviewer_region_rule"], row["source"]))
        except (KeyError, ValueError) as exc:
            raise PolicyError(f"procedure.csv, line {line}: {exc}") from None
        if not row["source"] or row["reviewer_region_rule"] not in ("any", "same", "other"):
            raise PolicyError(f"procedure.csv, line {line}: a source and a region rule (any, same, other) are needed.")
    return tuple(out)


def procedure(*, on: dt.date, region_code: str = "") -> Procedure:
    found = edition_for(_procedures(), on=on, region_code=region_code)
    if found is None:  # before the first edition: the earliest
        found = min(_procedures(), key=lambda p: p.effective_from or dt.date.min)
    return found


@dataclass(frozen=True)
class CommitmentRule:
    kind: str
    allowed: bool
    excluded_fields: frozenset[str]
    source: str


@cache
def _commitment() -> dict[str, CommitmentRule]:
    out = {}
    for line, row in _rows("commitment.csv"):
        if row.get("commitment_allowed") not in ("yes", "no") or not row.get("source"):
            raise PolicyError(f"commitment.csv, line {line}: commitment_allowed must be yes or no, with its source.")
        out[row["kind"]] = CommitmentRule(row["kind"], row["commitment_allowed"] == "yes",
                                          frozenset(row["excluded_fields"].split()), row["source"])
    return out


def commitment_rule(kind: str) -> CommitmentRule | None:
    return _commitment().get(kind)


@dataclass(frozen=True)
class Qualification:
    code: str
    name: str
    name_en: str
    source: str


@cache
def qualifications() -> dict[str, Qualification]:
    out = {}
    for line, row in _rows("qualifications.csv"):
        if not row.get("code") or not row.get("source"):
            raise PolicyError(f"qualifications.csv, line {line}: a code and its source are needed.")
        out[row["code"]] = Qualification(row["code"], row["name"], row["name_en"], row["source"])
    return out

