"""The detailed rules of random inspections (一单两库一细则's 细则) and the targets of
supervision sampling: data files in `data/`, each row with its legal source, never constants
in code. Each rule file holds editions (the day they take effect; a GB/T 2260 region prefix,
"" for everywhere); `core.editions` picks the one in force for a plan's region and day.

* `items.csv`: the list of inspection items (一单), general or key, per kind of subject, with
  the provision each checks;
* `rules.csv`: the share of a directory to draw, per item class and credit class ("-": not
  yet classified), as a range the plan's ratio must fall in;
* `procedure.csv`: inspectors per subject, the region rule for inspectors, whether the last
  inspector of a subject is excluded, and the working days within which results are published;
* `targets.csv`: the minimum pass rate of supervision sampling per level (seed 003)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from certinel.core.editions import edition_for

DATA = Path(__file__).parent / "data"
CREDIT_CLASSES = ("A", "B", "C", "D", "-")


class PolicyError(ValueError):
    """A rule file that cannot be read: named with its line."""


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if (text or "").strip() else None


def _rows(name: str) -> list[tuple[int, dict[str, str]]]:
    path = DATA / name
    with path.open(encoding="utf-8", newline="") as fh:
        return [(line, {k: (v or "").strip() for k, v in row.items()})
                for line, row in enumerate(csv.DictReader(fh), start=2)]


TARGETED = "targeted"
ITEM_CLASSES = ("general", "key", TARGETED)


@dataclass(frozen=True)
class Item:
    code: str
    item_class: str  # general | key | targeted (checked on subjects added to a plan, never drawn for)
    subject_kind: str
    name_zh: str
    name_en: str
    basis: str
    region: str
    effective_from: dt.date | None


@cache
def _items() -> tuple[Item, ...]:
    out = []
    for line, row in _rows("items.csv"):
        if row.get("item_class") not in ITEM_CLASSES or not row.get("basis") or not row.get("code"):
            raise PolicyError(f"items.csv, line {line}: an item needs a code, a class (general, key or targeted) "
                              "and its basis.")
        out.append(Item(row["code"], row["item_class"], row["subject_kind"], row["name_zh"], row["name_en"],
                        row["basis"], row["region"], _date(row["effective_from"])))
    return tuple(out)


def items(*, subject_kind: str | None = None, on: dt.date | None = None, region_code: str = "",
          targeted: bool = False) -> list[Item]:
    """The inspection items in force, for a kind of subject if given: those a plan may draw for,
    and with `targeted` also those only checked on subjects added to a plan."""
    on = on or dt.date.today()
    return [i for i in _items() if (subject_kind is None or i.subject_kind == subject_kind)
            and (targeted or i.item_class != TARGETED)
            and (i.effective_from is None or i.effective_from <= on) and region_code.startswith(i.region)]


def item(code: str) -> Item | None:
    return next((i for i in _items() if i.code == code), None)


@dataclass(frozen=True)
class Ratio:
    edition: str
    effective_from: dt.date | None
    region: str
    item_class: str
    credit_class: str
    min_percent: Decimal
    max_percent: Decimal
    source: str

    @property
    def label(self) -> str:
        return f"{self.edition}/{self.region}" if self.region else self.edition


@cache
def _ratios() -> tuple[Ratio, ...]:
    out = []
    for line, row in _rows("rules.csv"):
        try:
            ratio = Ratio(row["edition"], _date(row["effective_from"]), row["region"], row["item_class"],
                          row["credit_class"], Decimal(row["min_percent"]), Decimal(row["max_percent"]), row["source"])
        except (KeyError, ArithmeticError, ValueError) as exc:
            raise PolicyError(f"rules.csv, line {line}: {exc}") from None
        if (ratio.item_class not in ("general", "key") or ratio.credit_class not in CREDIT_CLASSES
                or not (0 <= ratio.min_percent <= ratio.max_percent <= 100) or not ratio.source):
            raise PolicyError(f"rules.csv, line {line}: item class general|key, credit class A–D or -, "
                              "0 ≤ min ≤ max ≤ 100, and the source are required.")
        out.append(ratio)
    return tuple(out)


def ratio(*, item_class: str, credit_class: str, on: dt.date, region_code: str = "") -> Ratio:
    """The range of the share to draw for one stratum, in force on `on` in `region_code`."""
    found = edition_for([r for r in _ratios() if r.item_class == item_class and r.credit_class == credit_class],
                        on=on, region_code=region_code)
    if found is None:
        raise PolicyError(f"No ratio for {item_class} items and credit class {credit_class} is in force on {on} "
                          f"in region {region_code or '(none)'}.")
    return found


@dataclass(frozen=True)
class Procedure:
    edition: str
    effective_from: dt.date | None
    region: str
    inspectors_per_subject: int
    region_rule: str  # any | same | other
    exclude_last_inspector: bool
    publish_within_working_days: int
    source: str

    @property
    def label(self) -> str:
        return f"{self.edition}/{self.region}" if self.region else self.edition


@cache
def _procedures() -> tuple[Procedure, ...]:
    out = []
    for line, row in _rows("procedure.csv"):
        try:
            proc = Procedure(row["edition"], _date(row["effective_from"]), row["region"],
                             int(row["inspectors_per_subject"]), row["region_rule"],
                             row["exclude_last_inspector"] == "yes", int(row["publish_within_working_days"]),
                             row["source"])
        except (KeyError, ValueError) as exc:
            raise PolicyError(f"procedure.csv, line {line}: {exc}") from None
        if proc.inspectors_per_subject < 2 or proc.region_rule not in ("any", "same", "other") or not proc.source \
                or proc.publish_within_working_days < 1:
            raise PolicyError(f"procedure.csv, line {line}: at least two inspectors, a region rule (any, same, "
                              "other), a positive time limit and the source are required.")
        out.append(proc)
    return tuple(out)


def procedure(*, on: dt.date, region_code: str = "") -> Procedure:
    found = edition_for(_procedures(), on=on, region_code=region_code)
    if found is None:
        raise PolicyError(f"No inspection procedure is in force on {on} in region {region_code or '(none)'}.")
    return found


@dataclass(frozen=True)
class Target:
    level: str
    region: str
    min_pass_percent: Decimal
    source: str


@cache
def _targets() -> tuple[Target, ...]:
    out = []
    for line, row in _rows("targets.csv"):
        try:
            out.append(Target(row["level"], row["region"], Decimal(row["min_pass_percent"]), row["source"]))
        except (KeyError, ArithmeticError) as exc:
            raise PolicyError(f"targets.csv, line {line}: {exc}") from None
    return tuple(out)


def target(*, level: str, region_code: str = "") -> Target | None:
    """The pass-rate target of a sampling level in a region (the narrowest region's)."""
    found = [t for t in _targets() if t.level == level and region_code.startswith(t.region)]
    return max(found, key=lambda t: len(t.region)) if found else None
