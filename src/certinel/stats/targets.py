"""The texts' targets as data (`data/targets.csv`) and their progress from the register.

Each row is one edition of a target: its id, the day it takes effect and its region (as the
house's other policy files; `core.editions` picks the edition in force), the text and clause it
comes from, what it counts (`measure` over `schemes` or a scheme `family`, or a sampling
`level`), its baseline (blank: the register's figure on `baseline_on`), the target, the due
date, and the units responsible as the text names them (the first named leads; the others
co-operate). Measures:

* `valid_certificates`: valid certificates of the schemes in the region, from the history;
* `firms`: organizations holding a valid certificate of the schemes, from the history;
* `pass_rate`: the supervision sampling pass rate of a level, with its target, both from the
  supervision app (`supervision.selectors.pass_rates`, `supervision/data/targets.csv`);
* `reported`: what the register cannot count: the sum of the responsible units' latest reports.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone

from certinel.core.editions import edition_for
from certinel.core.regions import within_region

from .history import decode
from .selectors import Filters, region_prefix, scheme_ids, valid_count

DATA = Path(__file__).parent / "data"
MEASURES = ("valid_certificates", "firms", "pass_rate", "reported")


class TargetsError(ValueError):
    """The targets file cannot be read: named with its line."""


@dataclass(frozen=True)
class Target:
    id: str
    effective_from: dt.date | None
    region: str
    source: str
    clause: str
    title: str
    title_en: str
    measure: str
    schemes: tuple[str, ...]
    family: str
    level: str
    baseline: Decimal | None
    baseline_on: dt.date | None
    target: Decimal | None
    due: dt.date
    lead: tuple[str, ...]
    co_operating: tuple[str, ...]
    note: str

    @property
    def filters(self) -> Filters:
        return Filters(schemes=self.schemes, family=self.family, region=self.region)

    @property
    def units(self) -> tuple[str, ...]:
        return self.lead + self.co_operating


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _number(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _list(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(";") if p.strip())


def read_targets(path: Path | None = None) -> tuple[Target, ...]:
    """Every edition of every target in the file, checked."""
    path = path or DATA / "targets.csv"
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, raw in enumerate(csv.DictReader(fh), start=2):
            row = {k: (v or "").strip() for k, v in raw.items()}
            try:
                target = Target(
                    row["id"], _date(row["effective_from"]), row["region"], row["source"], row["clause"], row["title"],
                    row["title_en"], row["measure"], _list(row["schemes"]), row["family"], row["level"],
                    _number(row["baseline"]), _date(row["baseline_on"]), _number(row["target"]),
                    dt.date.fromisoformat(row["due"]), _list(row["lead"]), _list(row["co_operating"]), row["note"])
            except (KeyError, ValueError, ArithmeticError) as exc:
                raise TargetsError(f"targets.csv, line {line}: {exc}") from None
            problems = []
            if not target.id or not target.source or not target.clause:
                problems.append("id, source and clause are required")
            if target.measure not in MEASURES:
                problems.append(f"measure must be one of {', '.join(MEASURES)}")
            if target.measure == "pass_rate" and target.level not in ("national", "provincial"):
                problems.append("a pass_rate target names its sampling level (national or provincial)")
            if target.measure != "pass_rate" and target.target is None:
                problems.append("the target figure is required")
            if not target.lead:
                problems.append("at least one responsible unit leads")
            if problems:
                raise TargetsError(f"targets.csv, line {line}: {'; '.join(problems)}")
            out.append(target)
    return tuple(out)


@cache
def _targets() -> tuple[Target, ...]:
    return read_targets()


def targets_in_force(*, on: dt.date | None = None, region: str = "", file: Path | None = None) -> list[Target]:
    """Per id, the edition in force on `on`, of the targets within `region` (a prefix or code)."""
    on = on or timezone.localdate()
    editions = read_targets(file) if file else _targets()
    by_id: dict[str, list[Target]] = defaultdict(list)
    for t in editions:
        by_id[t.id].append(t)
    out = []
    for versions in by_id.values():
        found = edition_for(versions, on=on, region_code=versions[0].region)
        if found and (not region or found.region.startswith(region_prefix(region))):
            out.append(found)
    return out


def target_by_id(target_id: str, *, on: dt.date | None = None) -> Target | None:
    return next((t for t in targets_in_force(on=on) if t.id == target_id), None)


def firms_count(*, on: dt.date, filters: Filters) -> int:
    """Organizations holding at least one certificate of the schemes valid on `on`, from the
    certificates' timelines."""
    from certinel.certificates.models import Certificate

    from .models import CertificateTrack

    tracks = CertificateTrack.objects.all()
    ids = scheme_ids(filters.schemes, filters.family)
    if ids is not None:
        tracks = tracks.filter(scheme_id__in=ids)
    if filters.region:
        tracks = tracks.filter(within_region(region_prefix(filters.region)))
    holders: set[int] = set()
    batch: list[tuple[int, str]] = []

    def flush() -> None:
        valid = [pk for pk, text in batch if _class_on(text, on) == "valid"]
        holders.update(Certificate.objects.filter(pk__in=valid).values_list("holder_id", flat=True))
        batch.clear()

    for pk, text in tracks.values_list("certificate_id", "timeline").iterator(chunk_size=2000):
        batch.append((pk, text))
        if len(batch) >= 2000:
            flush()
    flush()
    return len(holders)


def _class_on(text: str, on: dt.date) -> str:
    cls = ""
    for day, c in decode(text):
        if day > on:
            break
        cls = c
    return cls


def _figure(target: Target, on: dt.date) -> Decimal | None:
    if target.measure == "valid_certificates":
        return Decimal(valid_count(on=on, filters=target.filters))
    if target.measure == "firms":
        return Decimal(firms_count(on=on, filters=target.filters))
    return None


def _pass_rate(target: Target) -> dict[str, Any]:
    from certinel.supervision import policy
    from certinel.supervision.selectors import pass_rates

    rates = [r for r in pass_rates(by=("level", "region"), region=region_prefix(target.region))
             if r.level == target.level]
    batches = sum(r.batches for r in rates)
    passed = sum(r.passed for r in rates)
    rate = (Decimal(passed) * 100 / batches).quantize(Decimal("0.1")) if batches else None
    rule = policy.target(level=target.level, region_code=target.region)
    return {"actual": rate, "target": rule.min_pass_percent if rule else None,
            "target_source": rule.source if rule else "", "batches": batches, "passed": passed}


def _reported(target: Target) -> tuple[Decimal | None, dt.date | None, int]:
    """The sum of each unit's latest reported figure, the latest report's date, and how many
    reports there are."""
    from .models import ProgressReport

    latest: dict[str, tuple[dt.date, Decimal | None]] = {}
    count = 0
    for unit, as_of, figure in (ProgressReport.objects.filter(target_id=target.id)
                                .order_by("as_of", "id").values_list("unit", "as_of", "figure")):
        latest[unit] = (as_of, figure)
        count += 1
    figures = [f for _d, f in latest.values() if f is not None]
    when = max((d for d, _f in latest.values()), default=None)
    return (sum(figures, Decimal(0)) if figures else None), when, count


def _plain(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def progress(target: Target, *, today: dt.date | None = None) -> dict[str, Any]:
    """A target with its progress: the figure today, at the due date when it has passed, the
    baseline, and the forecast at the current pace (linear from the baseline's day to today,
    carried on to the due date)."""
    today = today or timezone.localdate()
    out: dict[str, Any] = {
        "id": target.id, "source": target.source, "clause": target.clause, "title": target.title,
        "title_en": target.title_en, "region": target.region, "measure": target.measure,
        "indicator": {"schemes": list(target.schemes), "family": target.family, "level": target.level},
        "target": _plain(target.target), "due": target.due.isoformat(),
        "responsible": {"lead": list(target.lead), "co_operating": list(target.co_operating)},
        "note": target.note, "as_of": today.isoformat(),
    }
    baseline, actual, at_due, since = target.baseline, None, None, target.baseline_on
    if target.measure == "pass_rate":
        found = _pass_rate(target)
        actual = found["actual"]
        out.update(target=_plain(found["target"]), target_source=found["target_source"], batches=found["batches"],
                   passed=found["passed"])
        goal = found["target"]
    elif target.measure == "reported":
        actual, when, n = _reported(target)
        out["reports"] = n
        out["as_of"] = when.isoformat() if when else None
        today = when or today
        goal = target.target
    else:
        actual = _figure(target, today)
        if baseline is None and since is not None:
            baseline = _figure(target, since)
        if target.due <= today:
            at_due = _figure(target, target.due)
        goal = target.target
    forecast = None
    if target.due <= today and at_due is not None:
        forecast = at_due
    elif actual is not None and baseline is not None and since is not None and today > since and target.due > today:
        pace = (actual - baseline) / (today - since).days
        forecast = (actual + pace * (target.due - today).days).quantize(Decimal("1"))
    elif target.due > today:
        forecast = actual
    out.update(actual=_plain(actual), baseline=_plain(baseline),
               baseline_on=since.isoformat() if since else None, at_due=_plain(at_due), forecast=_plain(forecast))
    out["percent"] = (float((actual * 100 / goal).quantize(Decimal("0.1"))) if actual is not None and goal
                      else None)
    reached = at_due if at_due is not None else actual
    out["met"] = None if reached is None or goal is None else bool(reached >= goal)
    out["on_track"] = None if forecast is None or goal is None else bool(forecast >= goal)
    return out


def targets_progress(*, region: str = "", today: dt.date | None = None) -> list[dict[str, Any]]:
    today = today or timezone.localdate()
    return [progress(t, today=today) for t in targets_in_force(on=today, region=region)]
