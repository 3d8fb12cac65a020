"""The open API of the serious-violation list, mounted under `/api/v1/`:

  GET  /credit/list          the published list (entries in force), searchable and paged
  GET  /credit/eligibility   may one subject take part in this? (the joint punishment check)
  POST /credit/eligibility   the same for up to 10,000 codes, with a signed answer on request
  POST /credit/facts         a regulator records a fact in a subject's credit file (signed in)

The list and the checks are public: a check needs no key. A signed answer is a signed note under the log's key
(`credit/answers.py`), verifiable offline with `certinel credit check-answer`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.utils import check_csrf
from pydantic import BaseModel, ConfigDict, Field

from certinel.accounts.auth import InvalidApiKey, OptionalApiKey
from certinel.core.actor import Actor
from certinel.core.errors import DomainError, FieldError, NotPermitted, ValidationFailed
from certinel.core.models import Via
from certinel.reference.identifiers import IdentifierError, validate_uscc
from certinel.registry.filters import declared
from certinel.registry.schemas import ErrorOut, ValidationErrorOut
from certinel.transparency.errors import SignerNotConfigured

from .answers import signed_answer
from .choices import FactKind, Severity
from .forms import ListFilters
from .policy import purposes
from .selectors import MAX_CODES, eligibility_many, entries_published
from .services_facts import AUTOMATIC_KINDS, fact_record

router = Router(auth=OptionalApiKey(), tags=["credit"])
USCC_PATTERN = "^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$"
Purpose = Literal[purposes()]  # type: ignore[valid-type]
ERRORS: dict[int, Any] = {401: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}


class EntryOut(Schema):
    subject_kind: Literal["organization", "body", "lab"]
    subject_name: str
    uscc: str = Field(examples=["91320102MA1XXXXXX9"])
    region_code: str
    violation: str = Field(description="The serious violation.")
    basis: str = Field(description="The provision broken.")
    penalty: str = Field(description="The heavier administrative penalty the listing rests on.")
    penalty_decision_no: str
    authority: str = Field(description="The deciding authority.")
    decision_no: str = Field(description="The listing decision's number.")
    listed_on: dt.date
    earliest_removal_on: dt.date = Field(description="From this day the subject may apply for early removal.")
    expires_on: dt.date = Field(description="The subject is removed on this day at the latest.")
    status: Literal["listed", "removal_requested"]


class EntryPage(Schema):
    items: list[EntryOut]
    total: int
    page: int
    page_size: int
    pages: int


class MeasureOut(Schema):
    code: str = Field(examples=["L1"])
    name: str
    basis: str = Field(description="The legal basis of the measure.")
    until: dt.date = Field(description="The measure applies until this day (the entry's removal date).")
    entry: str = Field(description="The listing decision the measure follows from.")


class EligibilityOut(Schema):
    uscc: str
    purpose: str
    eligible: bool
    checked_at: str = Field(description="The moment of the check (UTC, RFC 3339).")
    measures: list[MeasureOut]


class EligibilityQuery(Schema):
    uscc: str = Field(description="The subject's unified social credit code.",
                      json_schema_extra=declared(USCC_PATTERN), examples=["91320102MA1XXXXXX9"])
    purpose: Purpose = Field(description="What the subject would take part in.")  # type: ignore[valid-type]


class EligibilityBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    purpose: Purpose = Field(description="What the subjects would take part in.")  # type: ignore[valid-type]
    codes: list[str] = Field(min_length=1, max_length=MAX_CODES, description="Unified social credit codes.",
                             json_schema_extra={"items": {"type": "string", "pattern": USCC_PATTERN}})
    signed: bool = Field(False, description="Also return a signed answer (a signed note under the log's key).")


class EligibilityBatchOut(Schema):
    answers: list[EligibilityOut]
    eligible: int
    not_eligible: int
    signed_answer: str | None = Field(None, description="The signed note, when asked for.")


def _checked_codes(codes: list[str], field: str) -> list[str]:
    errors = []
    out = []
    for position, code in enumerate(codes):
        code = (code or "").strip().upper()
        try:
            validate_uscc(code)
        except IdentifierError as exc:
            errors.append(FieldError(field if len(codes) == 1 else f"{field}.{position}",
                                     f"{code or '—'}: position {exc.position}, {exc.reason}", "invalid_uscc"))
        out.append(code)
    if errors:
        raise ValidationFailed(errors)
    return out


@router.get("/credit/list", response={200: EntryPage, **ERRORS},
            summary="The list of seriously illegal and dishonest subjects (entries in force)")
def list_credit_entries(request: HttpRequest, filters: Query[ListFilters]):
    """The published list (SAMR Order No. 44): every entry in force, newest first. Entries
    removed early, at the end of their period or annulled are no longer published."""
    rows = entries_published(q=filters.q or "", region=filters.region or "")
    paginator = Paginator(rows, filters.page_size)
    number = min(filters.page, max(paginator.num_pages, 1))
    page = paginator.page(number)
    return {"items": list(page.object_list), "total": paginator.count, "page": number,
            "page_size": filters.page_size, "pages": max(paginator.num_pages, 1)}


@router.get("/credit/eligibility", response={200: EligibilityOut, **ERRORS},
            summary="May this subject take part? (the joint punishment check)")
def check_eligibility(request: HttpRequest, query: Query[EligibilityQuery]):
    """Eligible, or not with each measure that applies: its code, name, legal basis, end date
    and the listing decision it follows from."""
    code = _checked_codes([query.uscc], "uscc")[0]
    return eligibility_many([code], purpose=query.purpose)[0].as_dict()


@router.post("/credit/eligibility", response={200: EligibilityBatchOut, 400: ErrorOut, **ERRORS, 503: ErrorOut},
             summary="Check up to 10,000 subjects at once, with a signed answer on request")
def check_eligibility_batch(request: HttpRequest, payload: EligibilityBatchIn):
    """The check for each code, in the order sent. With `signed`, `signed_answer` is a signed
    note under the log's key that anyone verifies offline (`certinel credit check-answer FILE
    --key KEY`, the key from `/log/key`)."""
    codes = _checked_codes(payload.codes, "codes")
    answers = eligibility_many(codes, purpose=payload.purpose)
    note = None
    if payload.signed:
        try:
            note = signed_answer(answers)
        except SignerNotConfigured as exc:
            raise Unavailable("The register has no signing key configured: no signed answer can be made.") from exc
    eligible = sum(1 for a in answers if a.eligible)
    return {"answers": [a.as_dict() for a in answers], "eligible": eligible, "not_eligible": len(answers) - eligible,
            "signed_answer": note}


class Unavailable(DomainError):
    code = "unavailable"
    status = 503


# --- Credit files: a regulator records a fact --------------------------------------------------------

RegulatorKind = Literal[tuple(k for k in FactKind.values if k not in AUTOMATIC_KINDS)]  # type: ignore[valid-type]
SeverityCode = Literal[tuple(Severity.values)]  # type: ignore[valid-type]


class FactIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    subject: str = Field(min_length=1, max_length=40, examples=["913201024B3XJ56N9P"],
                         description="The subject's unified social credit code, or a practitioner's registration "
                                     "number.")
    kind: RegulatorKind = Field(description="The kind of fact (Certinel records its own kinds itself).")  # type: ignore[valid-type]
    severity: SeverityCode  # type: ignore[valid-type]
    occurred_on: dt.date = Field(description="The day of the decision; not in the future.")
    decision_no: str = Field(min_length=1, max_length=100, description="The decision's number.")
    authority: str = Field(min_length=1, max_length=200, description="The deciding authority.")
    description: str = Field("", max_length=4000)


class FactOut(Schema):
    id: int
    subject_kind: Literal["organization", "body", "lab", "person"]
    kind: str
    severity: str
    occurred_on: dt.date
    decision_no: str
    authority: str
    description: str
    source: str
    status: Literal["recorded", "annulled"]


class SignInRequired(InvalidApiKey):
    """401: recording a fact needs a signed-in regulator (or an authenticated caller)."""


@router.post("/credit/facts", response={201: FactOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, **ERRORS},
             summary="Record a fact in a subject's credit file (a regulator of its region)")
def record_credit_fact(request: HttpRequest, payload: FactIn):
    """A regulator of the subject's region (`decide` on `credit` in the permission matrix),
    signed in to the portal: the same rules as the form and the import (a date not in the
    future, the decision's number and authority, the same fact not twice). A caller that is not
    signed in gets 401, one that may not record facts for the subject 403, an unknown subject
    404. A browser session must send its CSRF token (`X-CSRFToken`)."""
    if not request.user.is_authenticated:
        raise SignInRequired("Recording a credit fact needs a regulator signed in to the portal.")
    if getattr(request, "api_key", None) is None and check_csrf(request) is not None:
        raise NotPermitted("The request's CSRF token is missing or wrong: send the portal's token as X-CSRFToken.")
    fact = fact_record(actor=Actor.from_request(request, via=Via.API), subject=payload.subject, kind=payload.kind,
                       severity=payload.severity, occurred_on=payload.occurred_on, decision_no=payload.decision_no,
                       authority=payload.authority, description=payload.description)
    return Status(201, fact)
