"""The reporting API of certification bodies, mounted under `/api/v1/`:

  POST /certificates/batch             report up to 5,000 certificates as they stand (dry run or real)
  GET  /certificates/reporting-delays  how quickly the body reported its certificates' events

Both need the body's API key (`Authorization: Bearer ck_…`); the body is always the key's
body. A batch goes through the same engine as file imports (`report_certificates`): all or
nothing, idempotent, every row error named."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import BaseModel, ConfigDict, Field, field_validator

from certinel.accounts.auth import ApiKeyAuth
from certinel.core.actor import Actor
from certinel.core.models import Via
from certinel.registry.filters import strict_date
from certinel.registry.schemas import ErrorOut, ValidationErrorOut

from .choices import TRANSFER_EVENTS
from .data import CertificateData
from .io.cells import product, site
from .models import Certificate
from .reporting import report_certificates
from .summary import outcome_message
from .trail import PREFIX, body_event_records, kind_of, reported_event

MAX_BATCH = 5000
router = Router(auth=ApiKeyAuth(), tags=["certificate reporting"])

StatusName = Literal["valid", "suspended", "revoked", "cancelled", "expired"]


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200, description="Product name.", examples=["电动螺丝刀"])
    models: list[str] = Field(default_factory=list, description="Models and types covered.",
                              examples=[["ES-100", "ES-200"]])


class SiteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200, examples=["一厂"])
    address: str = Field(min_length=1, max_length=255, examples=["南京市江宁区示例路8号"])
    scope: str = Field("", max_length=500, description="Activities at this site.", examples=["生产"])


class CertificateIn(BaseModel):
    """One certificate as it stands today in the body's own system. Reporting is by state:
    send the whole certificate each time; the register derives what happened (issue,
    surveillance, suspension, reinstatement, renewal, change of scope, correction …)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(max_length=64, description="Certificate number, unique within the body.",
                        examples=["00126Q30001R0M"])
    scheme: str = Field(max_length=32, description="Scheme code (QMS, EMS, CCC, ORGANIC …).", examples=["QMS"])
    holder_uscc: str = Field(max_length=18, description="The holder's unified social credit code.",
                             examples=["91320102095M34E68C"])
    holder_name: str = Field(max_length=200, description="The holder's name as printed on the certificate.",
                             examples=["南京示例精密机械有限公司"])
    issued_on: dt.date = Field(description="Date of this issue (or renewal).", examples=["2026-03-15"])
    expires_on: dt.date = Field(description="Last day of validity.", examples=["2029-03-14"])
    scope_text: str = Field(max_length=4000, description="Scope as printed.", examples=["精密机械零部件的设计和生产"])
    signed_by: str = Field(max_length=64, description="Who signed (the certificate, or this status decision).",
                           examples=["王签发"])
    status: StatusName = Field("valid", description="Status today.")
    first_issued_on: dt.date | None = Field(None, description="First issue; default: issued_on.")
    standards: str = Field("", max_length=255, examples=["GB/T 19001-2016"])
    scope_codes: list[str] = Field(default_factory=list, max_length=200,
                                   description="IAF sectors (management systems) or CCC catalogue product codes.",
                                   examples=[["17", "18"]])
    products: list[ProductIn] = Field(default_factory=list, max_length=500)
    sites: list[SiteIn] = Field(default_factory=list, max_length=200)
    manufacturer: str = Field("", max_length=200)
    factory: str = Field("", max_length=200)
    factory_address: str = Field("", max_length=255)
    status_date: dt.date | None = Field(None, description="Date of the latest status change; default: today.")
    status_reason: str = Field("", max_length=2000, description="Why suspended, revoked or cancelled (required "
                                                                "then); on reinstatement, what was put right.")
    suspended_until: dt.date | None = Field(None, description="End of a suspension (required when suspended).")
    last_surveillance_on: dt.date | None = Field(None, description="Latest passed surveillance audit.")
    holder_region: str = Field("", max_length=6, description="The holder's county code (GB/T 2260), needed when "
                                                             "the register does not know the holder yet.",
                               examples=["320102"])
    holder_address: str = Field("", max_length=255, description="The holder's registered address, needed with "
                                                                "holder_region.")
    transferred_from_body: str = Field("", max_length=32, description="Taken over from another body: its approval "
                                                                      "number.")
    transferred_from_number: str = Field("", max_length=64, description="… and its certificate number.")
    version: int | None = Field(None, ge=1, description="Optional: the version you last read; the row is refused "
                                                         "if the register's differs.")

    @field_validator("scope_codes", mode="before")
    @classmethod
    def _codes_as_text(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value

    def to_data(self) -> CertificateData:
        values = self.model_dump(exclude={"products", "sites"})
        return CertificateData(**values, products=[product(p.name, p.models) for p in self.products],
                               sites=[site(s.name, s.address, s.scope) for s in self.sites])


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = Field(False, description="Check every certificate and report what would happen; write nothing.")
    certificates: list[CertificateIn] = Field(min_length=1, max_length=MAX_BATCH,
                                              description=f"At most {MAX_BATCH:,} certificates per call.")


class RowErrorOut(BaseModel):
    row: int = Field(description="Position of the certificate in the request, from 1.", examples=[2])
    index: int = Field(description="Position in the request, from 0 (row - 1).", examples=[1])
    field: str = Field(examples=["scope_codes"])
    code: str = Field(examples=["unknown_sector"])
    message: str = Field(examples=["'45' is not an IAF sector (1–39)."])


class RowOut(BaseModel):
    row: int
    number: str
    outcome: Literal["created", "updated", "unchanged", "invalid"]
    events: list[str] = Field(description="What the register derived, in order (issue, suspend, renew …).")


class BatchOut(BaseModel):
    dry_run: bool
    ok: bool
    written: bool = Field(description="Whether the batch was written (never partly).")
    created: int
    updated: int
    unchanged: int
    invalid: int
    errors: list[RowErrorOut]
    rows: list[RowOut]
    message: str = Field(description="What the batch did, in a sentence in the request's language; a batch that "
                                     "changes nothing says so (\"Nothing changed: …\").",
                         examples=["Nothing changed: all 2 certificates already match the register; "
                                   "nothing was written."])


class BatchRefused(BatchOut):
    code: str = Field(examples=["validation_failed"])
    message: str


def _result_dict(result: Any) -> dict[str, Any]:
    out = result.as_dict()
    for error in out["errors"]:
        error["index"] = error["row"] - 1
    return out


@router.post("/certificates/batch", response={200: BatchOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut,
                                              422: BatchRefused | ValidationErrorOut, 429: ErrorOut},
             summary="Report a batch of certificates")
def report_batch(request: HttpRequest, payload: BatchIn):
    """Report certificates as they stand in your system, for the body of your API key. Each is
    compared with the register: new ones are issued, changed ones get the events that explain
    the change, identical ones are left alone (sending the same batch twice changes nothing).

    The batch is all or nothing: 200 when every certificate is fine (written unless `dry_run`),
    422 with every error, by row (position in `certificates`, from 1), when any is not; then
    nothing is written."""
    key = request.api_key  # type: ignore[attr-defined]
    actor = Actor.from_request(request, via=Via.API)
    items = [c.to_data() for c in payload.certificates]
    result = report_certificates(actor=actor, body=key.body, items=items, dry_run=payload.dry_run)
    out = _result_dict(result)
    if not result.ok:
        rows = len({e.row for e in result.errors})
        return _answer(request, 422, {
            "code": "validation_failed",
            "message": f"{len(result.errors)} error(s) in {rows} certificate(s); nothing was written.", **out})
    out["message"] = outcome_message(dry_run=result.dry_run, created=out["created"], updated=out["updated"],
                                     unchanged=out["unchanged"])
    return _answer(request, 200, out)


def _answer(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    """The answer as built (`BatchOut`, `BatchRefused`), rendered without being validated
    again: for a batch of thousands of rows, django-ninja's validation of the answer took
    seconds (tried against each member of the 422 union, row by row and error by error)."""
    from certinel.api import api  # the API this router is mounted on (it imports this module)

    return api.create_response(request, body, status=status)


# --- Reporting delays ------------------------------------------------------------------------


class DelayFilters(Schema):
    since: dt.date | None = Field(None, description="Events reported on or after this day.")
    until: dt.date | None = Field(None, description="Events reported on or before this day.")
    late_limit: int = Field(100, ge=0, le=1000, description="How many of the latest late events to list.")

    _dates = field_validator("since", "until", mode="before")(strict_date)


class LateEventOut(Schema):
    number: str
    kind: str = Field(examples=["suspended"])
    occurred_on: dt.date
    reported_at: dt.datetime
    delay_days: int


class DelaysOut(Schema):
    body: str = Field(description="Approval number of the body.")
    deadline_days: int = Field(description="Days a body has to report an event after it happened.")
    since: dt.date | None
    until: dt.date | None
    total: int = Field(description="Events reported.")
    on_time: int
    late: int
    median_delay_days: float | None
    late_events: list[LateEventOut] = Field(description="Late events, the most recently reported first.")


def _median(histogram: list[tuple[int, int]], total: int) -> float | None:
    """The median of values given as (value, count), sorted by value."""
    if total == 0:
        return None
    wanted = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value, count in histogram:
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return sum(found) / len(found)


@router.get("/certificates/reporting-delays",
            response={200: DelaysOut, 401: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
            summary="How quickly your body reports")
def reporting_delays(request: HttpRequest, filters: Query[DelayFilters]):
    """For the body of your API key: each event's reporting delay (from the day it happened to
    the day it was reported) against the deadline. Events the register applies by itself
    (expiry, missed surveillance) and the events of transfers between bodies are not counted."""
    body = request.api_key.body  # type: ignore[attr-defined]
    deadline = settings.CERTINEL_REPORTING_DEADLINE_DAYS
    records = (body_event_records(body.pk).exclude(via=Via.TASK)
               .exclude(action__in=[PREFIX + kind for kind in TRANSFER_EVENTS]))
    if filters.since:
        records = records.filter(time__date__gte=filters.since)
    if filters.until:
        records = records.filter(time__date__lte=filters.until)
    counts: dict[int, int] = {}
    late_found: list[tuple[Any, int, str, str, dt.date]] = []
    for record in records.only("id", "time", "action", "object_id", "leaf", "legacy_event").iterator(chunk_size=2000):
        event = reported_event(record)
        if event is None:
            continue
        delay = int(event["delay_days"])
        counts[delay] = counts.get(delay, 0) + 1
        if delay > deadline:
            late_found.append((record.time, delay, record.object_id, kind_of(record),
                               dt.date.fromisoformat(event["occurred_on"])))
    histogram = sorted(counts.items())
    total = sum(n for _d, n in histogram)
    late = sum(n for d, n in histogram if d > deadline)
    late_found.sort(key=lambda e: (e[0], e[1]), reverse=True)
    late_found = late_found[:filters.late_limit]
    numbers = dict(Certificate.objects.filter(pk__in=[int(e[2]) for e in late_found]).values_list("pk", "number"))
    late_events = [{"number": numbers[int(cert_id)], "kind": kind, "occurred_on": occurred_on, "reported_at": at,
                    "delay_days": delay} for at, delay, cert_id, kind, occurred_on in late_found]
    return {"body": body.approval_no, "deadline_days": deadline, "since": filters.since, "until": filters.until,
            "total": total, "on_time": total - late, "late": late, "median_delay_days": _median(histogram, total),
            "late_events": late_events}
