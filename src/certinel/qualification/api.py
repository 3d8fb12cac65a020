"""The open API of test reports, mounted under `/api/v1/`:

  POST /reports/batch    a lab reports the test reports it issued (a lab operator signed in)
  GET  /reports/verify   anyone verifies a report: by lab and number, or by its PDF's SHA-256

Reporting goes through the same engine as the file import (`reporting.report_test_reports`):
all or nothing, idempotent, every row error named. API keys belong to certification bodies;
a lab reports through its operator's signed-in session (a browser session sends its CSRF token
as `X-CSRFToken`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.utils import check_csrf
from pydantic import BaseModel, ConfigDict, Field

from certinel.accounts.auth import InvalidApiKey, OptionalApiKey
from certinel.core.actor import Actor
from certinel.core.errors import FieldError, NotFound, NotPermitted, ValidationFailed
from certinel.core.models import Via
from certinel.registry.schemas import ErrorOut, ValidationErrorOut

from .data import ReportData
from .reporting import report_test_reports
from .selectors import report_find, report_verify

MAX_BATCH = 5000
router = Router(auth=OptionalApiKey(), tags=["test reports"])
ERRORS: dict[int, Any] = {401: ErrorOut, 429: ErrorOut}


class LabSignInRequired(InvalidApiKey):
    """401: reporting test reports needs a lab operator signed in."""


class TestReportParameterIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    parameter: str = Field(min_length=1, max_length=255, examples=["铅含量"])
    standard: str = Field(min_length=1, max_length=255, examples=["GB 5009.12-2017"])


class TestReportIn(BaseModel):
    """One report as it stands in the lab's system. Send the whole report each time."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    number: str = Field(min_length=1, max_length=64, description="Report number, unique within the lab.",
                        examples=["JC2026-000123"])
    issued_on: dt.date = Field(examples=["2026-03-15"])
    sample_received_on: dt.date = Field(examples=["2026-03-10"])
    client_name: str = Field(min_length=1, max_length=200, description="Never shown publicly.",
                             examples=["示例食品有限公司"])
    object: str = Field(min_length=1, max_length=255, description="The product or sample tested.",
                        examples=["大米"])
    parameters: list[TestReportParameterIn] = Field(min_length=1, max_length=500)
    signatory: str = Field(min_length=1, max_length=64, description="The authorised signatory's name.",
                           examples=["李签字"])
    pdf_sha256: str = Field("", pattern="^([0-9a-fA-F]{64})?$", description="SHA-256 of the report's PDF (the PDF "
                                                                             "itself is never sent).")
    sample_no: str = Field("", max_length=64, description="The lab's own sample number (never shown publicly). "
                                                          "With `results_sha256`, the same sample reported twice "
                                                          "with different results is seen.",
                           examples=["YP2026-0456"])
    results_sha256: str = Field("", pattern="^([0-9a-fA-F]{64})?$",
                                description="SHA-256 of the report's results, computed by the lab (the results "
                                            "themselves are never sent; the digest is never shown publicly).")
    status: Literal["valid", "withdrawn"] = "valid"
    status_reason: str = Field("", max_length=2000, description="Why withdrawn (required then); what a correction "
                                                                "changed.")
    status_date: dt.date | None = Field(None, description="When withdrawn; default: today.")
    correction: bool = Field(False, description="The report's content changed on purpose: correct the stored "
                                                "report (otherwise a different content under the same number is "
                                                "refused).")

    def to_data(self) -> ReportData:
        return ReportData(number=self.number, issued_on=self.issued_on, sample_received_on=self.sample_received_on,
                          client_name=self.client_name, object_name=self.object,
                          parameters=[p.model_dump() for p in self.parameters], signatory_name=self.signatory,
                          pdf_sha256=self.pdf_sha256, sample_no=self.sample_no,
                          results_sha256=self.results_sha256, status=self.status, status_reason=self.status_reason,
                          status_date=self.status_date, correction=self.correction)


class TestReportBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = False
    reports: list[TestReportIn] = Field(min_length=1, max_length=MAX_BATCH)


class TestReportRowErrorOut(Schema):
    row: int
    field: str
    code: str
    message: str


class TestReportRowOut(Schema):
    row: int
    number: str
    outcome: Literal["created", "updated", "unchanged", "invalid"]
    events: list[str]


class TestReportBatchOut(Schema):
    dry_run: bool
    ok: bool
    written: bool
    created: int
    updated: int
    unchanged: int
    invalid: int
    errors: list[TestReportRowErrorOut]
    rows: list[TestReportRowOut]


class TestReportBatchRefused(TestReportBatchOut):
    code: str = Field(examples=["validation_failed"])
    message: str


@router.post("/reports/batch", response={200: TestReportBatchOut, 400: ErrorOut, 403: ErrorOut,
                                         422: TestReportBatchRefused | ValidationErrorOut, **ERRORS},
             summary="Report a batch of test reports (a lab operator signed in)")
def report_test_reports_batch(request: HttpRequest, payload: TestReportBatchIn):
    """For the lab of the signed-in operator: each report is compared with the register; new
    ones are registered, identical ones left alone, withdrawn ones withdrawn, corrections (marked
    `correction`) applied. A different content under a registered number is refused, naming the
    field. All or nothing: 422 with every row's errors, and nothing written. Not signed in: 401;
    not a lab's operator (an API key is a body's): 403."""
    if not request.user.is_authenticated:
        raise LabSignInRequired("Reporting test reports needs a lab operator signed in to the portal.")
    lab = getattr(request.user, "lab", None)
    if lab is None:
        raise NotPermitted("Only a lab's operator reports its test reports.")
    if getattr(request, "api_key", None) is None and check_csrf(request) is not None:
        raise NotPermitted("The request's CSRF token is missing or wrong: send the portal's token as X-CSRFToken.")
    result = report_test_reports(actor=Actor.from_request(request, via=Via.API), lab=lab,
                                 items=[r.to_data() for r in payload.reports], dry_run=payload.dry_run)
    from certinel.api import api  # the API this router is mounted on (it imports this module)

    out = result.as_dict()
    if not result.ok:
        # Rendered as built: validated against the 422 union, the row errors would be read as a
        # plain ValidationErrorOut and the batch's fields dropped.
        return api.create_response(request, {"code": "validation_failed", "message": f"{len(result.errors)} "
                                             "error(s); nothing was written.", **out}, status=422)
    return Status(200, out)


class TestReportVerifyQuery(Schema):
    lab: str = Field("", max_length=12, description="The lab's CMA certificate number.", examples=["233009212253"])
    number: str = Field("", max_length=64, description="The report number.", examples=["JC2026-000123"])
    sha256: str = Field("", pattern="^([0-9a-fA-F]{64})?$", description="Or: the SHA-256 of the report's PDF.")


class TestReportLabOut(Schema):
    cma_no: str
    name: str
    status: str


class TestReportParameterOut(Schema):
    parameter: str
    standard: str
    in_scope: bool = Field(description="Inside the lab's qualified scope on the issue date.")


class TestReportFlagOut(Schema):
    code: str = Field(examples=["issued_before_sample"])
    message: str


class TestReportVerifyOut(Schema):
    genuine: bool = Field(description="The lab reported this report to the register.")
    number: str
    status: Literal["valid", "withdrawn"]
    version: int
    lab: TestReportLabOut
    issued_on: dt.date
    sample_received_on: dt.date
    object: str
    withdrawn_on: dt.date | None
    parameters: list[TestReportParameterOut]
    all_in_scope: bool
    signatory_authorised: bool = Field(description="The signatory was the lab's authorised signatory on the issue "
                                                   "date.")
    flags: list[TestReportFlagOut] = Field(description="Signals of a false or untrue report (empty: none).")


@router.get("/reports/verify", response={200: TestReportVerifyOut, 404: ErrorOut, 422: ValidationErrorOut, **ERRORS},
            summary="Verify a test report")
def verify_test_report(request: HttpRequest, query: Query[TestReportVerifyQuery]):
    """Give `lab` and `number`, or `sha256` (of the PDF). 200: the report is registered, with
    its checks against the register on its issue date; 404: no such report (not genuine, or
    not reported). The client, the signatory's name, the sample number and the results' hash are
    never shown."""
    if not query.sha256 and not (query.lab.strip() and query.number.strip()):
        raise ValidationFailed(FieldError("number", "Give lab and number, or sha256.", "required"))
    report = report_find(cma_no=query.lab, number=query.number, sha256=query.sha256)
    if report is None:
        raise NotFound("No such test report is registered: it is not genuine, or its lab has not reported it.")
    return Status(200, report_verify(report).as_dict())


from . import api_applications  # noqa: E402,F401  (qualification approval's endpoints, on this router)
