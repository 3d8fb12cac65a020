"""The open API of random inspections and supervision sampling, mounted under `/api/v1/`:

  GET /supervision/plans                    published plans, by region and year, paged
  GET /supervision/plans/{number}           one plan: items, strata, source, hashes
  GET /supervision/plans/{number}/inputs    the draw's published inputs (replayable)
  GET /supervision/plans/{number}/result    the draw's result
  GET /supervision/plans/{number}/directory the frozen directory of subjects, without strata
  GET /supervision/plans/{number}/inspections   drawn subjects, inspectors' codes, published results
  GET /supervision/results/{uscc}           the published results of one subject
  GET /supervision/overdue                  results past their time limit
  GET /supervision/pass-rates               sampling pass rates against the targets

All public: everything here is published by law (国发〔2019〕5号). Inspector names, findings per
item and evidence are not."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from certinel.accounts.auth import OptionalApiKey
from certinel.core.errors import NotFound
from certinel.registry.schemas import ErrorOut, ValidationErrorOut

from . import draw
from .models import Inspection, Plan
from .selectors import overdue, pass_rates, plan_directory, plans_public, published_plans, results_of_subject
from .services import published_inputs

router = Router(auth=OptionalApiKey(), tags=["supervision"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}


class StratumOut(Schema):
    label: str = Field(description="Credit risk class A–D, or '-' for subjects not yet classified.")
    percent: str
    pool_size: int
    count: int


class PlanOut(Schema):
    number: str
    title: str
    authority: str
    region_code: str
    subject_kind: str
    items: list[str]
    item_class: str
    rules: str = Field(description="The edition of the detailed rules the ratios were checked against.")
    starts_on: dt.date
    ends_on: dt.date
    source_description: str = Field(description="The public random source, named before its value existed.")
    source_available_after: dt.datetime
    source_values: list[str]
    profile: Literal["sha256", "rfc3797"]
    strata: list[StratumOut]
    directory_hash: str = Field(description="SHA-256 of the published inputs (without the random value).")
    result_hash: str = Field(description="SHA-256 of the result's canonical JSON text.")
    status: str
    published_at: dt.datetime | None
    drawn_at: dt.datetime | None


class PlanPage(Schema):
    items: list[PlanOut]
    total: int
    page: int
    page_size: int
    pages: int


class PlanQuery(Schema):
    region: str = Field("", description="A GB/T 2260 prefix: plans of this region and below.", max_length=6)
    year: int | None = Field(None, ge=2000, le=2100)
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=500)


class InspectionOut(Schema):
    """A drawn subject. Its stratum (a credit class), its place in the pool and its inspectors
    are not public: the draw's result lists them by commitment (docs/supervision.md)."""

    plan: str
    subject_kind: str
    uscc: str
    subject_name: str
    region_code: str
    status: str
    publish_due: dt.date
    outcome: str | None = Field(None, description="Only once published.")
    summary: str | None = Field(None, description="Only once published.")
    inspected_on: dt.date | None = None
    published_on: dt.date | None = None
    late_reason: str | None = None


class OverdueOut(Schema):
    plan: str
    uscc: str
    subject_name: str
    publish_due: dt.date
    working_days_late: int


class PassRateOut(Schema):
    level: str
    product: str
    region: str = Field(description="Province code (2 digits) of the producers, '' when not grouped by region.")
    period: str
    batches: int
    passed: int
    rate: float | None = Field(None, description="Percent.")
    target: float | None = Field(None, description="The minimum pass rate of the level (percent).")
    target_source: str
    meets_target: bool | None


def _plan_out(plan: Plan) -> dict[str, Any]:
    return {name: getattr(plan, name) for name in PlanOut.model_fields if name != "strata"} | {
        "strata": plan.strata}


def _inspection_out(i: Inspection) -> dict[str, Any]:
    out = {"plan": i.plan.number, "subject_kind": i.subject_kind, "uscc": i.uscc, "subject_name": i.subject_name,
           "region_code": i.region_code, "status": i.status, "publish_due": i.publish_due}
    if i.status == "published":
        out |= {"outcome": i.outcome, "summary": i.summary, "inspected_on": i.inspected_on,
                "published_on": i.published_on, "late_reason": i.late_reason or None}
    return out


def _public_plan(number: str) -> Plan:
    found = published_plans().filter(number=number).first()
    if found is None:
        raise NotFound(_("No published inspection plan is numbered %(n)s.") % {"n": number})
    return found


@router.get("/supervision/plans", response={200: PlanPage, **ERRORS}, summary="Published random inspection plans")
def plans(request: HttpRequest, filters: Query[PlanQuery]) -> dict[str, Any]:
    found = plans_public(region=filters.region, year=filters.year)
    paginator = Paginator(found, filters.page_size)
    page = paginator.get_page(filters.page)
    return {"items": [_plan_out(p) for p in page.object_list], "total": paginator.count, "page": page.number,
            "page_size": filters.page_size, "pages": paginator.num_pages}


@router.get("/supervision/plans/{number}", response={200: PlanOut, **ERRORS}, summary="One published plan")
def plan(request: HttpRequest, number: str) -> dict[str, Any]:
    return _plan_out(_public_plan(number))


def _json(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/supervision/plans/{number}/inputs", response={200: dict, **ERRORS},
            summary="The draw's published inputs, as `certinel draw replay --published` reads them")
def plan_inputs(request: HttpRequest, number: str) -> HttpResponse:
    found = _public_plan(number)
    return _json(draw.dumps(published_inputs(found)), f"{found.number}-inputs.json")


@router.get("/supervision/plans/{number}/directory", response={200: dict, **ERRORS},
            summary="The plan's frozen directory of subjects, without strata")
def plan_directory_json(request: HttpRequest, number: str) -> HttpResponse:
    found = _public_plan(number)
    return _json(draw.dumps(plan_directory(found)), f"{found.number}-directory.json")


@router.get("/supervision/plans/{number}/result", response={200: dict, **ERRORS},
            summary="The draw's result (its SHA-256 is the plan's result_hash)")
def plan_result(request: HttpRequest, number: str) -> HttpResponse:
    found = _public_plan(number)
    if not found.result_hash:
        raise NotFound(_("Plan %(n)s has not been drawn yet.") % {"n": found.number})
    return _json(found.directory.result, f"{found.number}-result.json")


@router.get("/supervision/plans/{number}/inspections", response={200: list[InspectionOut], **ERRORS},
            summary="The drawn subjects of a plan, with published results")
def plan_inspections(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    found = _public_plan(number)
    return [_inspection_out(i) for i in found.inspections.select_related("plan").order_by("uscc")]


@router.get("/supervision/results/{uscc}", response={200: list[InspectionOut], **ERRORS},
            summary="The published random-inspection results of one subject")
def subject_results(request: HttpRequest, uscc: str) -> list[dict[str, Any]]:
    return [_inspection_out(i) for i in results_of_subject(uscc)]


@router.get("/supervision/overdue", response={200: list[OverdueOut], **ERRORS},
            summary="Results not published within their time limit")
def overdue_results(request: HttpRequest, region: str = "") -> list[dict[str, Any]]:
    return [{"plan": o.inspection.plan.number, "uscc": o.inspection.uscc, "subject_name": o.inspection.subject_name,
             "publish_due": o.inspection.publish_due, "working_days_late": o.days_late}
            for o in overdue(region=region[:6])]


class RateQuery(Schema):
    by: str = Field("level,product,region,period", description="Comma-separated: level, product, region, period.")
    region: str = Field("", max_length=6)
    period: str = Field("", max_length=16)


@router.get("/supervision/pass-rates", response={200: list[PassRateOut], **ERRORS},
            summary="Pass rates of published supervision sampling, against the targets")
def rates(request: HttpRequest, filters: Query[RateQuery]) -> list[dict[str, Any]]:
    by = tuple(p.strip() for p in filters.by.split(",") if p.strip() in ("level", "product", "region", "period"))
    return [{"level": r.level, "product": r.product, "region": r.region, "period": r.period, "batches": r.batches,
             "passed": r.passed, "rate": float(r.rate) if r.rate is not None else None,
             "target": float(r.target) if r.target is not None else None, "target_source": r.target_source,
             "meets_target": r.meets_target}
            for r in pass_rates(by=by or ("level",), region=filters.region, period=filters.period)]
