"""What the supervision pages and API read: published plans and their draws, published results
per subject, publications past their time limit, and the pass rates of supervision sampling
against the texts' targets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils.timezone import localdate as today_

from certinel.core.workdays import working_days_between

from . import policy as rules
from .choices import InspectionStatus, SampleResult, SamplingTaskStatus
from .models import Inspection, Plan, SampleBatch


def published_plans() -> QuerySet[Plan]:
    """Plans that were ever published (a plan cancelled after publication stays visible, with
    its status; a draft never was)."""
    return Plan.objects.filter(published_at__isnull=False)


def plans_public(*, region: str = "", year: int | None = None) -> QuerySet[Plan]:
    found = published_plans()
    if region:
        found = found.filter(region_code__startswith=region)
    if year:
        found = found.filter(starts_on__year=year)
    return found.annotate(
        n_inspections=Count("inspections"),
        n_published=Count("inspections", filter=Q(inspections__status=InspectionStatus.PUBLISHED)),
    ).order_by("-starts_on", "-id")


def results_of_subject(uscc: str) -> QuerySet[Inspection]:
    """The published results of random inspections of one subject."""
    return (Inspection.objects.filter(uscc=(uscc or "").strip().upper(), status=InspectionStatus.PUBLISHED)
            .select_related("plan").order_by("-published_on", "-id"))


@dataclass(frozen=True)
class Overdue:
    inspection: Inspection
    days_late: int  # working days past the limit


def overdue(*, region: str = "", on: dt.date | None = None) -> list[Overdue]:
    """Results not published by their time limit (published late ones are shown with their
    reason on the plan's page)."""
    on = on or today_()
    found = (Inspection.objects.filter(publish_due__lt=on).exclude(status=InspectionStatus.PUBLISHED)
             .select_related("plan").order_by("publish_due", "id"))
    if region:
        found = found.filter(plan__region_code__startswith=region)
    return [Overdue(i, working_days_between(i.publish_due, on)) for i in found]


@dataclass
class PassRate:
    level: str
    product: str
    region: str
    period: str
    batches: int
    passed: int
    target: Decimal | None
    target_source: str

    @property
    def rate(self) -> Decimal | None:
        if not self.batches:
            return None
        return (Decimal(self.passed) * 100 / self.batches).quantize(Decimal("0.1"))

    @property
    def meets_target(self) -> bool | None:
        rate = self.rate
        return None if rate is None or self.target is None else rate >= self.target


def pass_rates(*, by: tuple[str, ...] = ("level", "product", "region", "period"), published_only: bool = True,
               region: str = "", period: str = "") -> list[PassRate]:
    """Pass rates of sampled batches, grouped by any of level, product, region (the producer's
    province) and period, each with the target of its level."""
    batches = SampleBatch.objects.all()
    if published_only:
        batches = batches.filter(task__status=SamplingTaskStatus.PUBLISHED)
    if region:
        batches = batches.filter(region_code__startswith=region)
    if period:
        batches = batches.filter(task__period=period)
    groups: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    rows = batches.values_list("task__level", "task__product", "region_code", "task__period", "result")
    for level, product, region_code, task_period, result in rows.iterator(chunk_size=5000):
        key = (level if "level" in by else "", product if "product" in by else "",
               region_code[:2] if "region" in by else "", task_period if "period" in by else "")
        groups[key][0] += 1
        groups[key][1] += result == SampleResult.PASS
    out = []
    for (level, product, region_code, task_period), (n, passed) in sorted(groups.items()):
        target = rules.target(level=level, region_code=region_code) if level else None
        out.append(PassRate(level, product, region_code, task_period, n, passed,
                            target.min_pass_percent if target else None, target.source if target else ""))
    return out


def plan_directory(plan: Plan) -> dict:
    """The frozen directory of a published plan without its strata: every subject's credit code,
    name and region, in credit-code order, and the pools' total, so that anyone can check that
    the pools hold exactly the directory (their entries are commitments: docs/supervision.md).
    Nothing personal: subjects are organizations, bodies or labs of the public register."""
    from .services import SUBJECT_MODELS

    usccs = sorted(plan.directory.members.values())
    wanted = set(usccs)
    model, _active = SUBJECT_MODELS[plan.subject_kind]
    # Read by the plan's region (a subject deregistered since is still listed, by its code).
    names, regions = {}, {}
    for uscc, name, region in (model.objects.filter(region_code__startswith=plan.region_code)
                               .values_list("uscc", "name", "region_code").iterator(chunk_size=5000)):
        if uscc in wanted:
            names[uscc], regions[uscc] = name, region
    return {"plan": plan.number, "subject_kind": plan.subject_kind, "region": plan.region_code,
            "directory_hash": plan.directory_hash, "size": len(usccs),
            "subjects": [{"uscc": u, "name": names.get(u, ""), "region": regions.get(u, "")} for u in usccs]}
