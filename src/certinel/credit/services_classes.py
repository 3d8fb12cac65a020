"""Credit risk classes (SAMR 2022 No. 6): each subject's class computed from the facts of its
credit file by the scorecard in force for its kind and region (`scorecard.py`).

* `classes_recompute`: every subject with facts or a class, or only the given ones; the facts
  are counted in SQL, grouped by subject, kind and severity, one count per window of the
  scorecards (one query per range of subject ids, not one per subject); the classes are
  written in bulk, each change with its history record.
* `class_compute`: one subject.

A subject that has no fact that counts and no class yet has the clean class of its edition
(the base score), and no row is stored for it: a row is written with its first fact, and kept
afterwards, so that its history shows every change. The class is an internal reference for
allocating supervision: a private kind, shown only to regulators of the subject's region."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.timezone import localdate as today_

from certinel.core.actor import Actor
from certinel.core.bulk import create_objects, update_objects
from certinel.core.dates import add_months
from certinel.core.history import change_record, record_changes

from .choices import CreditSubjectKind, FactStatus
from .models import CreditClass, CreditFact
from .scorecard import Scorecard, editions_for, score, scorecard_for

SYSTEM_LABEL = "credit:classes"
# Subject ids per step of a full recomputation (one aggregate query and one transaction each).
STEP = 20_000
_CHANGED = ("grade", "score", "scorecard", "facts_counted", "explanation", "computed_at", "region_code")


@dataclass
class Recomputed:
    assigned: int = 0   # subjects given their first class
    changed: int = 0    # classes that changed
    unchanged: int = 0
    grades: dict[str, int] = field(default_factory=dict)  # the classes written or confirmed, per class

    @property
    def total(self) -> int:
        return self.assigned + self.changed + self.unchanged

    def add(self, other: Recomputed) -> None:
        self.assigned += other.assigned
        self.changed += other.changed
        self.unchanged += other.unchanged
        for grade, n in other.grades.items():
            self.grades[grade] = self.grades.get(grade, 0) + n


class _Plan:
    """The scorecards of one kind that may apply on a day, and the windows to count facts in."""

    def __init__(self, kind: str, on: dt.date) -> None:
        self.kind, self.on = kind, on
        editions = editions_for(kind, on=on)
        if not editions:
            scorecard_for(kind, on=on)  # raises ScorecardError naming what is missing
        self.windows = sorted({w for card in editions for w in card.windows})
        self.cutoffs = {w: add_months(on, -w) for w in self.windows}
        self._cards: dict[str, Scorecard] = {}

    def card(self, region_code: str) -> Scorecard:
        found = self._cards.get(region_code)
        if found is None:
            found = self._cards[region_code] = scorecard_for(self.kind, on=self.on, region_code=region_code)
        return found

    def counts(self, facts: Any) -> dict[int, tuple[str, dict[tuple[str, str, int], int]]]:
        """Per subject id: its region and its facts' counts per (kind, severity, window)."""
        fk = f"{self.kind}_id"
        rows = (facts.filter(subject_kind=self.kind, status=FactStatus.RECORDED, occurred_on__lte=self.on,
                             occurred_on__gt=self.cutoffs[self.windows[-1]])
                .values(fk, f"{self.kind}__region_code", "kind", "severity").order_by()
                .annotate(**{f"w{w}": Count("id", filter=Q(occurred_on__gt=self.cutoffs[w])) for w in self.windows}))
        out: dict[int, tuple[str, dict[tuple[str, str, int], int]]] = {}
        for row in rows:
            _region, counts = out.setdefault(row[fk], (row[f"{self.kind}__region_code"] or "", {}))
            for w in self.windows:
                if row[f"w{w}"]:
                    counts[(row["kind"], row["severity"], w)] = row[f"w{w}"]
        return out


def _write(plan: _Plan, counted: dict[int, tuple[str, dict]], existing: Iterable[CreditClass], *,
           actor: Actor, now: dt.datetime) -> Recomputed:
    """Compute the classes of these subjects and write what changed (inside a transaction)."""
    done = Recomputed()
    fk = f"{plan.kind}_id"
    current = {getattr(c, fk): c for c in existing}
    new: list[CreditClass] = []
    changed: list[tuple[CreditClass, dict[str, Any]]] = []
    for subject_id in sorted(set(counted) | set(current)):
        row = current.get(subject_id)
        region, counts = counted.get(subject_id, (row.region_code if row else "", {}))
        grade, value, n, explanation = score(plan.card(region), counts)
        done.grades[grade] = done.grades.get(grade, 0) + 1
        if row is None:
            new.append(CreditClass(subject_kind=plan.kind, region_code=region, grade=grade, score=value,
                                   scorecard=explanation["scorecard"], facts_counted=n, explanation=explanation,
                                   computed_at=now, **{fk: subject_id}))
        elif (row.grade, row.score, row.scorecard, row.facts_counted, row.explanation, row.region_code) != (
                grade, value, explanation["scorecard"], n, explanation, region):
            before = {name: getattr(row, name) for name in _CHANGED}
            row.grade, row.score, row.scorecard, row.facts_counted = grade, value, explanation["scorecard"], n
            row.explanation, row.computed_at, row.region_code = explanation, now, region
            changed.append((row, before))
        else:
            done.unchanged += 1
    if not (new or changed):
        return done
    create_objects(new)
    update_objects([row for row, _before in changed], _CHANGED)
    records = [change_record(actor=actor, action="credit_class_assigned", obj=row, before=None,
                             after=_snap(row), time=now) for row in new]
    records += [change_record(actor=actor, action="credit_class_changed", obj=row, before=_plain(before),
                              after=_snap(row), time=now) for row, before in changed]
    record_changes(records)
    done.assigned, done.changed = len(new), len(changed)
    return done


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in values.items()}


def _snap(row: CreditClass) -> dict[str, Any]:
    from certinel.core.history import snapshot

    return snapshot(row)


def classes_recompute(*, on: dt.date | None = None, actor: Actor | None = None,
                      subjects: Mapping[str, Iterable[int]] | None = None, step: int = STEP,
                      around_step: Callable[[], AbstractContextManager[Any]] = nullcontext) -> Recomputed:
    """Recompute the classes of every subject that has facts or a class (the scheduled job),
    or only of `subjects` ({kind: ids}, when facts arrive). Writes only what changed, each
    change with one history record. Recomputing everything commits a step (a range of subject
    ids) at a time, each inside `around_step()` (the scheduler's guard)."""
    on = on or today_()
    actor = actor or Actor.system(SYSTEM_LABEL)
    now = timezone.now()
    done = Recomputed()
    for kind in CreditSubjectKind.values:
        wanted = None if subjects is None else sorted(set(subjects.get(kind, ())))
        if wanted is not None and not wanted:
            continue
        plan = _Plan(kind, on)
        fk = f"{kind}_id"
        if wanted is not None:
            with transaction.atomic():
                for start in range(0, len(wanted), 900):
                    ids = wanted[start:start + 900]
                    counted = plan.counts(CreditFact.objects.filter(**{f"{fk}__in": ids}))
                    existing = CreditClass.objects.select_for_update().filter(**{f"{fk}__in": ids})
                    done.add(_write(plan, counted, existing, actor=actor, now=now))
            continue
        with around_step():
            bounds = [CreditFact.objects.filter(subject_kind=kind).aggregate(lo=Min(fk), hi=Max(fk)),
                      CreditClass.objects.filter(subject_kind=kind).aggregate(lo=Min(fk), hi=Max(fk))]
        los = [b["lo"] for b in bounds if b["lo"] is not None]
        if not los:
            continue
        lo, hi = min(los), max(b["hi"] for b in bounds if b["hi"] is not None)
        for start in range(lo, hi + 1, step):
            span = {f"{fk}__gte": start, f"{fk}__lte": start + step - 1}
            with around_step(), transaction.atomic():
                counted = plan.counts(CreditFact.objects.filter(**span))
                existing = CreditClass.objects.filter(subject_kind=kind, **span)
                done.add(_write(plan, counted, existing, actor=actor, now=now))
    return done


def class_compute(*, kind: str, subject_id: int, on: dt.date | None = None,
                  actor: Actor | None = None) -> CreditClass | None:
    """Recompute one subject's class; returns its row (None when it has never had a fact)."""
    classes_recompute(on=on, actor=actor, subjects={kind: [subject_id]})
    return CreditClass.objects.filter(subject_kind=kind, **{f"{kind}_id": subject_id}).first()


def clean_class(*, kind: str, region_code: str, on: dt.date | None = None) -> CreditClass:
    """The class of a subject with no fact that counts (not stored)."""
    plan = _Plan(kind, on or today_())
    grade, value, n, explanation = score(plan.card(region_code), {})
    return CreditClass(subject_kind=kind, region_code=region_code, grade=grade, score=value,
                       scorecard=explanation["scorecard"], facts_counted=n, explanation=explanation)


def subjects_of(facts: Iterable[CreditFact]) -> dict[str, list[int]]:
    """{kind: subject ids} of these facts, for `classes_recompute(subjects=…)`."""
    out: dict[str, list[int]] = defaultdict(list)
    for fact in facts:
        subject_id = fact.subject_id
        if subject_id is not None:
            out[fact.subject_kind].append(subject_id)
    return dict(out)
