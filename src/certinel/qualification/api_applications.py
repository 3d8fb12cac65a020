"""The open API of qualification approval, on the qualification router (`/api/v1/`):

  GET  /labs/{key}/scope                          anyone: a lab's approved scope on a date
  GET  /labs/{key}/cma-certificate                anyone: the lab's CMA certificate, signed (a W3C VC)
  POST /qualification/applications               the lab's operator, signed in: a new application in draft
  GET  /qualification/applications/{number}       the applicant lab's operators and the regulators
                                                  of its region (404 for anyone else)
  PATCH /qualification/applications/{number}      the lab's operator, signed in: fill in parts of the form
  POST /qualification/applications/{number}/actions   a step of the application, signed in

A step is the service's (`services_applications`, `services_review`), which checks the
permission and the transition: the applicant submits or withdraws, the regulator accepts,
rejects, draws the reviewers, closes the review, approves or refuses. Staff and signatories'
personal data are never in an answer; reviewers appear by their code."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils.timezone import localdate
from ninja import Path, Query, Schema, Status
from ninja.utils import check_csrf
from pydantic import BaseModel, ConfigDict, Field

from certinel.core.actor import Actor
from certinel.core.errors import FieldError, NotFound, NotPermitted, ValidationFailed
from certinel.core.models import Via
from certinel.registry.schemas import ErrorOut, ValidationErrorOut

from . import selectors_applications, services_applications, services_review
from .api import ERRORS, LabSignInRequired, router
from .models_applications import Application


class ScopeQuery(Schema):
    on: str = Field("", pattern=r"^(\d{4}-\d{2}-\d{2})?$", description="The day, YYYY-MM-DD (default: today).",
                    examples=["2026-06-01"])


class ScopeLineOut(Schema):
    field: str = Field(examples=["00"])
    field_name: str
    item: str
    standard: str
    granted_on: dt.date
    withdrawn_on: dt.date | None


class LabScopeOut(Schema):
    cma_no: str
    name: str
    status: str
    on: dt.date
    lines: list[ScopeLineOut]


@router.get("/labs/{key}/scope", response={200: LabScopeOut, 404: ErrorOut, 422: ValidationErrorOut, **ERRORS},
            tags=["labs"], summary="A lab's approved scope on a date")
def lab_scope_on(request: HttpRequest, query: Query[ScopeQuery],
                 key: str = Path(..., description="The lab's 12-digit CMA certificate number.",
                                 examples=["233009212253"], max_length=12)):
    """The lines of the lab's qualified scope in force on `on`: granted on or before it and not
    withdrawn by it (the same lines test report verification checks against). 404: no such lab;
    422: `on` is not a date."""
    try:
        on = dt.date.fromisoformat(query.on) if query.on else localdate()
    except ValueError:
        raise ValidationFailed(FieldError("on", "Not a date.", "invalid")) from None
    lab, lines = selectors_applications.lab_scope_on(key, on)
    if lab is None:
        raise NotFound("No lab with this CMA certificate number.")
    return Status(200, {"cma_no": lab.cma_no, "name": lab.name, "status": lab.status, "on": on, "lines": [
        {"field": s.field.code, "field_name": s.field.name, "item": s.item, "standard": s.standard,
         "granted_on": s.granted_on, "withdrawn_on": s.withdrawn_on} for s in lines]})


class CmaCertificateOut(Schema):
    cma_no: str = Field(examples=["233009212253"])
    application: str = Field(description="The application whose approval issued it.", examples=["ZR202632-00001"])
    status: Literal["valid", "superseded", "revoked"]
    issued_on: dt.date
    valid_until: dt.date | None
    credential_id: str = Field(description="The credential's id (urn:uuid:…).")
    credential: dict[str, Any] = Field(description="The signed W3C Verifiable Credential (Data Integrity proof "
                                                   "eddsa-rdfc-2022, issuer the regulator's jurisdiction "
                                                   "did:web:…:regulators:<region code>); its current status "
                                                   "is in the status lists it points to.")
    credential_url: str = Field(description="The public address of the credential.")
    bundle_url: str = Field(description="Its verification bundle (the issuer's DID document and status lists), "
                                        "for `certinel verify`.")


@router.get("/labs/{key}/cma-certificate",
            response={200: CmaCertificateOut, 404: ErrorOut, 422: ValidationErrorOut, **ERRORS},
            tags=["labs"], summary="A lab's CMA certificate as a signed e-certificate")
def lab_cma_certificate(request: HttpRequest,
                        key: str = Path(..., description="The lab's 12-digit CMA certificate number.",
                                        examples=["233009212253"], max_length=12)):
    """The lab's CMA certificate in force (else its latest), issued by an approval on the
    platform, with the signed credential: no personal data. 404: no such lab, or no certificate
    issued on the platform; 422: a key longer than a CMA number."""
    from .ecert import public_url

    lab = selectors_applications.lab_by_cma(key)
    cert = selectors_applications.lab_certificate(lab) if lab is not None else None
    if cert is None or not cert.credential_id:
        raise NotFound("No CMA certificate issued on the platform for this lab.")
    base = f"{public_url()}/qualification/certificates/{cert.application.number}/"
    return Status(200, {"cma_no": cert.number, "application": cert.application.number, "status": cert.status,
                        "issued_on": cert.issued_on, "valid_until": cert.valid_until,
                        "credential_id": cert.credential_id, "credential": cert.document, "credential_url": base,
                        "bundle_url": f"{base}bundle.json"})


class ItemOut(Schema):
    field: str
    object: str
    parameter: str
    standard: str
    clause: str


class FindingOut(Schema):
    stage: str
    clause: str
    description: str
    status: str
    corrective_action: str


class MissingOut(Schema):
    field: str
    code: str
    message: str


class ApplicationOut(Schema):
    number: str
    lab: str = Field(description="The lab's CMA certificate number.")
    kind: Literal["first", "renewal", "change", "extension"]
    procedure: Literal["general", "commitment"]
    qualifications: list[str]
    status: str
    submitted_on: dt.date | None
    accept_due: dt.date | None
    accepted_on: dt.date | None
    review_told_days: int | None = Field(description="Technical review time told to the applicant (working days).")
    review_days_not_counted: int = Field(description="Working days of technical review, not counted in the "
                                                     "decision's time limit.")
    decide_due: dt.date | None
    decided_on: dt.date | None
    overdue: bool
    items: list[ItemOut]
    reviewers: list[str] = Field(description="The drawn reviewers' codes (never their names).")
    findings: list[FindingOut]
    status_reason: str
    legal_entity: dict[str, Any] = Field(description="The form's legal entity: name, uscc, legal_representative, "
                                                     "address.")
    site: dict[str, Any] = Field(description="The site: address, area_m2.")
    equipment: list[dict[str, Any]] = Field(description="Each: name, model, serial, calibrated_until.")
    management_system: dict[str, Any] = Field(description="manual_version, effective_on.")
    staff_count: int = Field(description="Staff entered (their names, ID numbers and phones are never shown).")
    signatories: int = Field(description="Of whom authorised signatories.")
    evidence_files: int
    commitment_signed: bool
    missing: list[MissingOut] = Field(description="In draft: what submitting would still refuse, each naming "
                                                  "its field.")


def _out(app: Application) -> dict[str, Any]:
    return {"number": app.number, "lab": app.lab.cma_no, "kind": app.kind, "procedure": app.procedure,
            "qualifications": app.qualifications, "status": app.status, "submitted_on": app.submitted_on,
            "accept_due": app.accept_due, "accepted_on": app.accepted_on, "review_told_days": app.review_told_days,
            "review_days_not_counted": services_applications.review_time_not_counted(app),
            "decide_due": app.decide_due, "decided_on": app.decided_on,
            "overdue": services_applications.overdue(app),
            "items": [i.as_dict() for i in app.items.select_related("field")],
            "reviewers": [a.code for a in app.assignments.filter(active=True)],
            "findings": [{"stage": f.stage, "clause": f.clause, "description": f.description, "status": f.status,
                          "corrective_action": f.corrective_action} for f in app.findings.all()],
            "status_reason": app.status_reason, "legal_entity": app.legal_entity, "site": app.site,
            "equipment": app.equipment, "management_system": app.management_system, "staff_count": len(app.staff),
            "signatories": sum(1 for s in app.staff if isinstance(s, dict) and s.get("signatory")),
            "evidence_files": len(app.evidence), "commitment_signed": bool(app.commitment_signed_on),
            "missing": [{"field": e.field, "code": e.code, "message": str(e.message)}
                        for e in services_applications.missing_parts(app)]
            if app.status == "draft" else []}


NumberPath = Path(..., description="The application's number.", examples=["ZR202632-00001"], max_length=32)


def _visible(request: HttpRequest, number: str) -> Application:
    app = selectors_applications.application_find(request.user, number)
    if app is None:
        raise NotFound("No such application, or not yours to see.")
    return app


@router.get("/qualification/applications/{number}",
            response={200: ApplicationOut, 404: ErrorOut, 422: ValidationErrorOut, **ERRORS},
            tags=["qualification"], summary="A qualification application")
def get_application(request: HttpRequest, number: str = NumberPath):
    """For the applicant lab's operators and the regulators of its region, signed in; 404 for
    anyone else (as for an unknown number); 422: a number longer than any. Staff and their
    personal data are never shown."""
    return Status(200, _out(_visible(request, number)))


def _signed_in(request: HttpRequest, what: str) -> Actor:
    """The caller as a portal user signed in with the CSRF token: an API key (a body's) is 403,
    no session 401."""
    if getattr(request, "api_key", None) is not None:
        raise NotPermitted(f"{what} are handled by a lab's operator or a regulator signed in, not by an API key.")
    if not request.user.is_authenticated:
        raise LabSignInRequired("This needs a lab operator or a regulator signed in to the portal.")
    if check_csrf(request) is not None:
        raise NotPermitted("The request's CSRF token is missing or wrong: send the portal's token as X-CSRFToken.")
    return Actor.from_request(request, via=Via.API)


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    lab: str = Field(pattern=r"^\d{12}$", description="The applicant lab's 12-digit CMA certificate number.",
                     examples=["233009212253"])
    kind: Literal["first", "renewal", "change", "extension"]
    procedure: Literal["general", "commitment"] = "general"
    qualifications: list[str] = Field(default_factory=lambda: ["CMA"], max_length=10,
                                      description="The qualifications reviewed jointly; CMA is always one of them.",
                                      examples=[["CMA"]])


@router.post("/qualification/applications",
             response={201: ApplicationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut,
                       **ERRORS},
             tags=["qualification"], summary="Start an application in draft (a lab operator signed in)")
def create_application(request: HttpRequest, payload: ApplicationIn):
    """The lab's operator starts an application; the legal entity is filled in from the register.
    Not signed in: 401; an API key, or not the lab's operator: 403; no such lab: 404; a refusal
    naming its field (`kind`, `procedure`, `qualifications`): 422; a body that is not JSON: 400."""
    actor = _signed_in(request, "Applications")
    lab = selectors_applications.lab_by_cma(payload.lab)
    if lab is None:
        raise NotFound("No lab with this CMA certificate number.")
    app = services_applications.application_create(actor=actor, lab=lab, kind=payload.kind,
                                                   procedure=payload.procedure, qualifications=payload.qualifications)
    return Status(201, _out(app))


class ApplicationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    legal_entity: dict[str, Any] | None = Field(None, description="name, uscc, address (required), "
                                                "legal_representative.",
                                                examples=[{"name": "示例检测技术有限公司", "uscc": "91320102MA1XXXXX0X",
                                                           "legal_representative": "赵法人", "address": "检测路1号"}])
    staff: list[dict[str, Any]] | None = Field(None, max_length=500,
                                               description="Replaces the staff: each name, id_number, title "
                                                           "(required), phone, signatory (true or false), fields "
                                                           "(field codes). Stored for the lab and the regulator "
                                                           "only: never shown in an answer.")
    site: dict[str, Any] | None = Field(None, description="address (required), area_m2.",
                                        examples=[{"address": "检测路1号", "area_m2": "800"}])
    equipment: list[dict[str, Any]] | None = Field(None, max_length=2000,
                                                   description="Replaces the equipment: each name (required), "
                                                               "model, serial, calibrated_until.")
    management_system: dict[str, Any] | None = Field(None, description="manual_version (required), effective_on.")
    items: list[dict[str, Any]] | None = Field(None, max_length=2000,
                                               description="Replaces the scope applied for: each field (a code of "
                                                           "the reference list of fields), object, parameter, "
                                                           "standard (one of the reference list of standards), "
                                                           "clause.")
    commitment_signed_by: str | None = Field(None, min_length=1, max_length=64,
                                             description="Under notification and commitment: the commitment "
                                                         "signed by its signer (stored for the lab and the "
                                                         "regulator only).")


@router.patch("/qualification/applications/{number}",
              response={200: ApplicationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                        422: ValidationErrorOut, **ERRORS},
              tags=["qualification"], summary="Fill in parts of an application in draft (a lab operator signed in)")
def change_application(request: HttpRequest, payload: ApplicationPatch, number: str = NumberPath):
    """Each part given replaces the one entered before; parts not given are kept. All or
    nothing: a refusal changes nothing. A body that is not JSON: 400. The refusals are the pages', each naming its field
    (`staff[0].id_number`: `required`, `items[0].standard`: `unknown_standard` …): 422. Not
    signed in: 401; an API key, or not the lab's operator: 403; not visible: 404; not in draft:
    409. Evidence files are attached on the application's page."""
    actor = _signed_in(request, "Applications")
    app = _visible(request, number)
    data = payload.model_dump(exclude_unset=True)
    signer = data.pop("commitment_signed_by", None)
    with transaction.atomic():
        if data:
            services_applications.application_update(actor=actor, application=app, **data)
        if signer is not None:
            services_applications.application_sign_commitment(actor=actor, application=app, signer=signer)
    app.refresh_from_db()
    return Status(200, _out(app))


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: Literal["submit", "withdraw", "accept", "reject", "draw", "close_review", "approve", "refuse"]
    reason: str = Field("", max_length=2000, description="Why (reject, refuse; withdraw optionally).")
    sources: list[str] = Field(default_factory=list, max_length=10,
                               description="draw: the public random values, in the order published.")
    conflicts: list[str] = Field(default_factory=list, max_length=100,
                                 description="draw: codes of reviewers who declared a conflict (R12 …).")


@router.post("/qualification/applications/{number}/actions",
             response={200: ApplicationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                       422: ValidationErrorOut, **ERRORS},
             tags=["qualification"], summary="Take a step of a qualification application (signed in)")
def application_action(request: HttpRequest, payload: ActionIn, number: str = NumberPath):
    """The applicant's operator submits or withdraws; the regulator of the lab's region accepts,
    rejects, draws the reviewers (with the public random values), closes the review, approves or
    refuses. Not signed in: 401; an API key (a body's): 403; not visible: 404; a step the
    state does not allow: 409; a refusal naming the field (a missing part, an open finding, the
    review not closed, too few reviewers without a conflict): 422."""
    actor = _signed_in(request, "Applications")
    app = _visible(request, number)
    apps, review = services_applications, services_review
    steps = {
        "submit": lambda: apps.application_submit(actor=actor, application=app),
        "withdraw": lambda: apps.application_withdraw(actor=actor, application=app, reason=payload.reason),
        "accept": lambda: apps.application_accept(actor=actor, application=app),
        "reject": lambda: apps.application_reject(actor=actor, application=app, reason=payload.reason),
        "draw": lambda: review.reviewers_draw(actor=actor, application=app, sources=payload.sources,
                                              declared_conflicts=[int(c.lstrip("Rr")) for c in payload.conflicts
                                                                  if c.lstrip("Rr").isdigit()]),
        "close_review": lambda: review.review_close(actor=actor, application=app),
        "approve": lambda: apps.application_approve(actor=actor, application=app),
        "refuse": lambda: apps.application_refuse(actor=actor, application=app, reason=payload.reason),
    }
    steps[payload.action]()
    app.refresh_from_db()
    return Status(200, _out(app))
