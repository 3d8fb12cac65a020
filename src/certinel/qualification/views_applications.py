"""The pages of qualification approval, mounted at /qualification/:

* `/qualification/`: a lab operator's applications and a new one; a regulator's queue (overdue
  first) and the post-checks due;
* `/qualification/a/<number>/`: the application: the applicant fills in the form, attaches
  evidence, signs the commitment, submits and follows the state; the regulator of the lab's
  region accepts, draws the reviewers, records and closes findings, closes the review and
  decides. Anyone else gets 404;
* `/qualification/a/<number>/draw.json`: the draw's published inputs and result (codes, no
  names), for `certinel draw replay`;
* `/qualification/labs/<cma_no>/scope/?on=YYYY-MM-DD`: public, the lab's approved scope on a date,
  with its CMA certificate in force;
* `/qualification/certificates/<application number>/`: public, the CMA certificate as a signed
  W3C Verifiable Credential (JSON), and `…/bundle.json` its verification bundle (the issuer's DID
  document and status lists), for `certinel verify` or any VC verifier.

Every action is the service's, which checks the permission and the transition again; a refusal
is shown naming its field."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from certinel.accounts.models import Role
from certinel.accounts.permissions import can
from certinel.cases.evidence import EvidenceFile
from certinel.core.actor import Actor
from certinel.core.errors import DomainError, ValidationFailed
from certinel.registry.models import PersonRole

from . import policy, selectors_applications, services_applications, services_review
from .choices import ApplicationKind, ApplicationStatus, FindingStatus, Procedure, ReviewStage
from .models_applications import CmaCertificate, Finding, PostCheck, ReviewAssignment


def _show(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        for error in exc.errors:
            messages.error(request, f"{error.field}: {error.message}")
    else:
        messages.error(request, exc.message)


def _lines(text: str, width: int) -> list[list[str]]:
    """Rows of a text area, one a line, cells separated by "|" (missing cells empty)."""
    rows = []
    for line in (text or "").splitlines():
        if line.strip():
            cells = [c.strip() for c in line.split("|")]
            rows.append((cells + [""] * width)[:width])
    return rows


def _yes(text: str) -> bool:
    return text.strip().lower() in ("是", "yes", "y", "1", "true")


def form_parts(post: Any) -> dict[str, Any]:
    """The applicant's form as the service takes it."""
    return {
        "legal_entity": {"name": post.get("legal_name", ""), "uscc": post.get("legal_uscc", ""),
                         "legal_representative": post.get("legal_representative", ""),
                         "address": post.get("legal_address", "")},
        "site": {"address": post.get("site_address", ""), "area_m2": post.get("site_area", "")},
        "management_system": {"manual_version": post.get("manual_version", ""),
                              "effective_on": post.get("manual_effective_on", "")},
        "staff": [{"name": r[0], "id_number": r[1], "phone": r[2], "title": r[3], "signatory": _yes(r[4]),
                   "fields": r[5].split()} for r in _lines(post.get("staff", ""), 6)],
        "equipment": [{"name": r[0], "model": r[1], "serial": r[2]} for r in _lines(post.get("equipment", ""), 3)],
        "items": [{"field": r[0], "object": r[1], "parameter": r[2], "standard": r[3], "clause": r[4]}
                  for r in _lines(post.get("items", ""), 5)],
    }


def _is_regulator(user: Any) -> bool:
    return user.role in (Role.REGULATOR, Role.ADMIN) or user.is_superuser


@require_http_methods(["GET", "POST"])
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if _is_regulator(user):
        return render(request, "qualification/queue.html", {
            "rows": selectors_applications.queue(user), "checks": selectors_applications.post_checks(user),
            "today": localdate()})
    if user.role != Role.LAB_OPERATOR or not user.lab_id:
        raise PermissionDenied
    if request.method == "POST":
        try:
            app = services_applications.application_create(
                actor=Actor.from_request(request), lab=user.lab, kind=request.POST.get("kind", ""),
                procedure=request.POST.get("procedure", ""),
                qualifications=request.POST.getlist("qualifications") or ["CMA"])
        except DomainError as exc:
            _show(request, exc)
        else:
            return redirect("qualification_applications:application", number=app.number)
    return render(request, "qualification/applications.html", {
        "applications": selectors_applications.own_applications(user), "kinds": ApplicationKind.choices,
        "procedures": Procedure.choices, "qualifications": policy.qualifications().values()})


def _act(request: HttpRequest, app: Any) -> None:
    """Run the posted action; a refusal is shown as a message naming its field."""
    post, actor, action = request.POST, Actor.from_request(request), request.POST.get("action", "")
    apps, review = services_applications, services_review
    calls = {
        "save": lambda: apps.application_update(actor=actor, application=app, **form_parts(post)),
        "attach": lambda: apps.application_attach(actor=actor, application=app, files=[
            EvidenceFile(f.name, f.read()) for f in request.FILES.getlist("evidence")]),
        "sign": lambda: apps.application_sign_commitment(actor=actor, application=app, signer=post.get("signer", "")),
        "submit": lambda: apps.application_submit(actor=actor, application=app),
        "withdraw": lambda: apps.application_withdraw(actor=actor, application=app, reason=post.get("reason", "")),
        "accept": lambda: apps.application_accept(actor=actor, application=app),
        "reject": lambda: apps.application_reject(actor=actor, application=app, reason=post.get("reason", "")),
        "draw": lambda: review.reviewers_draw(
            actor=actor, application=app, sources=post.get("sources", "").splitlines(),
            declared_conflicts=[int(c.lstrip("Rr")) for c in post.get("conflicts", "").split()
                                if c.lstrip("Rr").isdigit()]),
        "replace": lambda: review.reviewer_replace(
            actor=actor, assignment=_get(ReviewAssignment, post.get("assignment"), application=app),
            reviewer=_get(PersonRole, post.get("reviewer", "").lstrip("Rr")), reason=post.get("reason", "")),
        "finding": lambda: review.finding_record(actor=actor, application=app, stage=post.get("stage", ""),
                                                 description=post.get("description", ""),
                                                 clause=post.get("clause", "")),
        "close_finding": lambda: review.finding_close(
            actor=actor, finding=_get(Finding, post.get("finding"), application=app),
            corrective_action=post.get("corrective_action", "")),
        "close_review": lambda: review.review_close(actor=actor, application=app),
        "approve": lambda: apps.application_approve(actor=actor, application=app),
        "refuse": lambda: apps.application_refuse(actor=actor, application=app, reason=post.get("reason", "")),
        "check_false": lambda: apps.post_check_false(
            actor=actor, check=_get(PostCheck, post.get("check"), application=app), note=post.get("note", ""),
            decision_no=post.get("decision_no", ""), authority=post.get("authority", "")),
    }
    if action not in calls:
        messages.error(request, _("Unknown action."))
        return
    try:
        calls[action]()
    except DomainError as exc:
        _show(request, exc)
    else:
        messages.success(request, _("Done."))


def _get(model: Any, pk: Any, **filters: Any) -> Any:
    found = model.objects.filter(pk=pk, **filters).first() if str(pk or "").isdigit() else None
    if found is None:
        raise Http404
    return found


@require_http_methods(["GET", "POST"])
@login_required
def application(request: HttpRequest, number: str) -> HttpResponse:
    user: Any = request.user
    app = selectors_applications.application_find(user, number)
    if app is None:
        raise Http404
    if request.method == "POST":
        _act(request, app)
        return redirect("qualification_applications:application", number=app.number)
    regulator = can(user, "decide", "lab", app.lab) and _is_regulator(user)
    applicant = can(user, "report", "lab", app.lab)
    items = list(app.items.select_related("field"))
    text = {
        "staff": "\n".join("|".join([s.get("name", ""), s.get("id_number", ""), s.get("phone", ""),
                                     s.get("title", ""), "是" if s.get("signatory") else "否",
                                     " ".join(s.get("fields", []))]) for s in app.staff),
        "equipment": "\n".join("|".join([e.get("name", ""), e.get("model", ""), e.get("serial", "")])
                               for e in app.equipment),
        "items": "\n".join("|".join([i.field.code, i.object_name, i.parameter, i.standard, i.clause]) for i in items),
    }
    return render(request, "qualification/application.html", {
        "app": app, "items": items, "text": text, "regulator": regulator, "applicant": applicant,
        "editable": applicant and app.status == ApplicationStatus.DRAFT,
        "missing": services_applications.missing_parts(app) if app.status == ApplicationStatus.DRAFT else [],
        "assignments": list(app.assignments.select_related("reviewer__person")),
        "findings": list(app.findings.all()), "open_status": FindingStatus.OPEN, "stages": ReviewStage.choices,
        "not_counted": services_applications.review_time_not_counted(app),
        "overdue": services_applications.overdue(app),
        "certificate": CmaCertificate.objects.filter(application=app).first(),
        "check": PostCheck.objects.filter(application=app).first(),
        "published": json.dumps(app.draw_published, ensure_ascii=False, indent=1) if app.draw_published else "",
        "commitment": policy.commitment_rule(app.kind)})


@require_GET
def draw_json(request: HttpRequest, number: str) -> JsonResponse:
    """The published inputs and result of an application's reviewers' draw: codes, no names."""
    from .models_applications import Application

    app = Application.objects.filter(number=number, draw_published__isnull=False).first()
    if app is None:
        raise Http404
    return JsonResponse({"published": app.draw_published, "result": app.draw_result},
                        json_dumps_params={"ensure_ascii": False})


@require_GET
def lab_scope(request: HttpRequest, cma_no: str) -> HttpResponse:
    """Public: the lab's approved scope on a date (today unless `on` is given)."""
    on = localdate()
    raw = request.GET.get("on", "").strip()
    bad = False
    if raw:
        try:
            on = dt.date.fromisoformat(raw)
        except ValueError:
            bad = True
    lab, lines = selectors_applications.lab_scope_on(cma_no, on)
    if lab is None:
        raise Http404
    return render(request, "qualification/lab_scope.html",
                  {"lab": lab, "lines": lines, "on": on, "bad": bad,
                   "certificate": selectors_applications.lab_certificate(lab)},
                  status=400 if bad else 200)


def _certificate(number: str) -> CmaCertificate:
    cert = selectors_applications.certificate_of_application(number)
    if cert is None or not cert.credential_id:
        raise Http404
    return cert


@require_GET
def certificate_json(request: HttpRequest, number: str) -> HttpResponse:
    """Public: the CMA certificate as signed (a W3C Verifiable Credential); its current status
    is in the status lists it points to."""
    cert = _certificate(number)
    response = HttpResponse(json.dumps(cert.document, ensure_ascii=False, indent=2),
                            content_type="application/vc+ld+json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="cma-{cert.number}-{number}.json"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def certificate_bundle(request: HttpRequest, number: str) -> HttpResponse:
    """Public: the credential with its issuer's DID document and status lists as of now, for
    checking offline (`certinel verify cma-….bundle.json`)."""
    from certinel.credentials.bundle import verification_bundle

    bundle = verification_bundle(credential=_certificate(number).document)
    response = HttpResponse(json.dumps(bundle, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cma-{number}.bundle.json"'
    response["Cache-Control"] = "no-store"
    return response
