"""The open statistics, mounted under `/api/v1/`:

  GET /stats/counts                 certificates per class on a date, by any dimensions
  GET /stats/flows                  new, suspended, withdrawn, expired per month/quarter/year
  GET /stats/trend                  valid certificates at each month's end
  GET /stats/targets                the texts' targets with their progress
  GET /stats/download/{dataset}     any of these, or the sampling pass rates, as CSV, JSON, Excel or
                                    Parquet

All public and aggregate: counts of certificates, never a person or a firm (docs/stats.md).
The figures are those of the last refresh (`refreshed_at`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import BeforeValidator, Field

from certinel.accounts.auth import OptionalApiKey
from certinel.core.errors import ErrorList, NotFound
from certinel.registry.models import CertificationBody
from certinel.registry.schemas import ErrorOut, ValidationErrorOut

from . import selectors as sel
from .exports import FORMATS, render
from .models import Watermark
from .refresh import MARK
from .targets import targets_progress

router = Router(auth=OptionalApiKey(), tags=["statistics"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}
DATASETS = ("counts", "flows", "trend", "targets", "pass_rates")
NAMES = "|".join(sel.DIMENSIONS)
BY_PATTERN = f"^(({NAMES})(,({NAMES}))*)?$"
# The days the statistics can hold: anything outside is taken as the nearest of these.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def _iso(value: Any) -> Any:
    """Dates as YYYY-MM-DD only (not a number of seconds, which pydantic would take)."""
    if isinstance(value, str) and not (len(value) == 10 and value[4] == "-" and value[7] == "-"):
        raise ValueError("a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso)]


def _clamp(day: dt.date | None) -> dt.date | None:
    return None if day is None else min(max(day, EARLIEST), LATEST)


class FilterQuery(Schema):
    scheme: str = Field("", max_length=200, description="Scheme codes, comma-separated (default: all).",
                        examples=["EnMS"])
    family: Literal["", "ccc", "product", "management", "service"] = Field("", description="A scheme family.")
    region: str = Field("", pattern=r"^(\d{6})?$", description="A GB/T 2260 code: 320000 province, 320100 city, "
                        "320102 county (default: all).", examples=["320000"])
    industry: str = Field("", max_length=8, description="A GB/T 4754 code or its prefix.")
    size_class: Literal["", "large", "medium", "small", "micro"] = Field("", description="Firm size.")
    body: str = Field("", max_length=32, description="A certification body's approval number.")


class CountQuery(FilterQuery):
    on: IsoDate | None = Field(None, description="The day (default: today); counts at its end.")
    by: str = Field("", max_length=100, pattern=BY_PATTERN,
                    description=f"Dimensions, comma-separated: {', '.join(sel.DIMENSIONS)}.", examples=["scheme,city"])


class FlowQuery(FilterQuery):
    start: IsoDate | None = Field(None, description="First day (default: 1 January of last year).")
    end: IsoDate | None = Field(None, description="Last day (default: today).")
    period: Literal["month", "quarter", "year"] = "month"
    by: str = Field("", max_length=100, pattern=BY_PATTERN,
                    description=f"Dimensions, comma-separated: {', '.join(sel.DIMENSIONS)}.")


class DownloadQuery(CountQuery):
    start: IsoDate | None = None
    end: IsoDate | None = None
    period: Literal["month", "quarter", "year"] = "month"
    format: Literal["csv", "json", "xlsx", "parquet"] = "csv"


class Classes(Schema):
    valid: int
    suspended: int
    withdrawn: int = Field(description="Revoked or cancelled.")
    expired: int


class CountRow(Classes):
    family: str | None = None
    scheme: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    industry: str | None = None
    size_class: str | None = None
    body: str | None = Field(None, description="The body's approval number.")


class CountsOut(Schema):
    on: dt.date
    by: list[str]
    refreshed_at: dt.datetime | None
    totals: Classes
    rows: list[CountRow]


class FlowRow(Schema):
    period: str = Field(description="2026-03, 2026-Q1 or 2026.")
    new: int
    suspended: int
    withdrawn: int
    expired: int
    family: str | None = None
    scheme: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    industry: str | None = None
    size_class: str | None = None
    body: str | None = None


class TrendRow(Schema):
    month: str
    on: dt.date
    valid: int


class Responsible(Schema):
    lead: list[str]
    co_operating: list[str]


class TargetOut(Schema):
    id: str
    source: str
    clause: str
    title: str
    title_en: str
    region: str
    measure: str
    indicator: dict[str, Any]
    target: float | None
    actual: float | None
    baseline: float | None
    baseline_on: dt.date | None
    due: dt.date
    at_due: float | None = Field(description="The figure on the due date, once it has passed.")
    forecast: float | None = Field(description="At the current pace, on the due date.")
    percent: float | None
    met: bool | None
    on_track: bool | None
    as_of: dt.date | None
    responsible: Responsible
    note: str


def _refuse(field: str, message: str, code: str) -> None:
    errors = ErrorList()
    errors.add(field, message, code)
    errors.raise_if_any()


def _by(text: str) -> tuple[str, ...]:
    parts = tuple(dict.fromkeys(p.strip() for p in (text or "").split(",") if p.strip()))
    bad = [p for p in parts if p not in sel.DIMENSIONS]
    if bad:
        _refuse("by", _("Unknown dimension: %(names)s.") % {"names": ", ".join(bad)}, "invalid")
    return parts


def _filters(q: FilterQuery) -> sel.Filters:
    body_id = None
    if q.body:
        body_id = CertificationBody.objects.filter(approval_no=q.body).values_list("pk", flat=True).first()
        if body_id is None:
            raise NotFound(_("No certification body %(code)s.") % {"code": q.body})
    return sel.Filters(schemes=tuple(s.strip() for s in q.scheme.split(",") if s.strip()), family=q.family,
                       region=q.region, body_id=body_id, industry=q.industry, size_class=q.size_class)


def _body_codes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = {int(r["body"]) for r in rows if r.get("body")}
    if ids:
        codes = dict(CertificationBody.objects.filter(pk__in=ids).values_list("pk", "approval_no"))
        for r in rows:
            if r.get("body"):
                r["body"] = codes.get(int(r["body"]), r["body"])
    return rows


def refreshed_at() -> dt.datetime | None:
    return Watermark.objects.filter(name=MARK).values_list("refreshed_at", flat=True).first()


def counts_data(q: CountQuery) -> dict[str, Any]:
    on = _clamp(q.on) or timezone.localdate()
    by, filters = _by(q.by), _filters(q)
    rows = _body_codes(sel.counts_by(on=on, by=by, filters=filters)) if by else []
    return {"on": on, "by": list(by), "refreshed_at": refreshed_at(), "totals": sel.counts(on=on, filters=filters),
            "rows": rows}


def flows_data(q: FlowQuery) -> list[dict[str, Any]]:
    end = _clamp(q.end) or timezone.localdate()
    start = _clamp(q.start) or max(dt.date(end.year - 1, 1, 1), EARLIEST)
    if start > end:
        return []
    return _body_codes(sel.flows(start=start, end=end, period=q.period, by=_by(q.by), filters=_filters(q)))


def trend_data(q: FlowQuery) -> list[dict[str, Any]]:
    end = _clamp(q.end) or timezone.localdate()
    start = _clamp(q.start) or max(dt.date(end.year - 1, end.month, 1), EARLIEST)
    if start > end:
        return []
    return sel.valid_trend(start=start, end=end, filters=_filters(q))


@router.get("/stats/counts", response={200: CountsOut, **ERRORS},
            summary="Certificates valid, suspended, withdrawn and expired on a date, by dimension")
def stats_counts(request: HttpRequest, q: Query[CountQuery]) -> dict[str, Any]:
    return counts_data(q)


@router.get("/stats/flows", response={200: list[FlowRow], **ERRORS},
            summary="New, suspended, withdrawn and expired certificates per period")
def stats_flows(request: HttpRequest, q: Query[FlowQuery]) -> list[dict[str, Any]]:
    return flows_data(q)


@router.get("/stats/trend", response={200: list[TrendRow], **ERRORS},
            summary="Valid certificates at the end of each month")
def stats_trend(request: HttpRequest, q: Query[FlowQuery]) -> list[dict[str, Any]]:
    return trend_data(q)


@router.get("/stats/targets", response={200: list[TargetOut], **ERRORS},
            summary="The policy texts' targets, their responsible units and progress")
def stats_targets(request: HttpRequest, region: str = Query("", pattern=r"^(\d{6})?$")) -> list[dict[str, Any]]:
    return targets_progress(region=region)


def table(dataset: str, q: DownloadQuery) -> list[dict[str, Any]]:
    """A dataset as flat rows (what the downloads hold)."""
    if dataset == "counts":
        found = counts_data(q)
        return found["rows"] if found["by"] else [{"on": found["on"].isoformat(), **found["totals"]}]
    if dataset == "flows":
        return flows_data(q)
    if dataset == "trend":
        return trend_data(q)
    if dataset == "targets":
        rows = targets_progress(region=q.region)
        for r in rows:
            responsible = r.pop("responsible")
            r["lead"], r["co_operating"] = responsible["lead"], responsible["co_operating"]
            r["indicator"] = ";".join(r["indicator"]["schemes"]) or r["indicator"]["family"] or r["indicator"]["level"]
        return rows
    if dataset == "pass_rates":
        from certinel.supervision.selectors import pass_rates

        return [{"level": r.level, "period": r.period, "batches": r.batches, "passed": r.passed,
                 "rate": float(r.rate) if r.rate is not None else None,
                 "target": float(r.target) if r.target is not None else None, "target_source": r.target_source}
                for r in pass_rates(by=("level", "period"))]
    raise NotFound(_("No dataset %(name)s: counts, flows, trend, targets or pass_rates.") % {"name": dataset})


@router.get("/stats/download/{dataset}", response=ERRORS,
            summary="A dataset (counts, flows, trend, targets, pass_rates) as CSV, JSON, Excel or Parquet",
            openapi_extra={"responses": {200: {
                "description": "The dataset as a file (`Content-Disposition: attachment`).",
                "headers": {"Content-Disposition": {
                    "description": "`attachment; filename=\"certinel-<dataset>-YYYY-MM-DD.<format>\"`",
                    "required": True, "schema": {"type": "string"}}},
                "content": {t.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                            for t in FORMATS.values()}}}})
def stats_download(request: HttpRequest, dataset: str, q: Query[DownloadQuery]) -> HttpResponse:
    rows = table(dataset, q)
    response = HttpResponse(render(rows, q.format, sheet=dataset), content_type=FORMATS[q.format])
    stamp = (q.on or timezone.localdate()).isoformat()
    response["Content-Disposition"] = f'attachment; filename="certinel-{dataset}-{stamp}.{q.format}"'
    return response
