"""The reports' pages, mounted at /assessment/: a region's reports with their downloads and the
generate form (regulators of the region or above), and the verification page (anyone with a
report's file checks it)."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted, ValidationFailed

from . import content as c
from .models import AssessmentReport
from .selectors import reports_of, verify_digest
from .services import may_generate, report_generate, stored_path

MAX_UPLOAD = 50 * 1024 * 1024
CONTENT_TYPES = {"json": "application/json",
                 "pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _home_region(request: HttpRequest) -> str:
    code = getattr(request.user, "jurisdiction_code", "") or ""
    return code.ljust(6, "0") if code else ""


@login_required
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    region = (request.POST.get("region") or request.GET.get("region") or _home_region(request)).strip()
    if not c.valid_region(region):
        raise Http404
    if not may_generate(actor, region):
        raise PermissionDenied
    errors: list[str] = []
    period = ""
    if request.method == "POST":
        period = request.POST.get("period", "").strip()
        try:
            done = report_generate(actor=actor, region=region, period=period)
        except ValidationFailed as exc:
            errors = [e.message for e in exc.errors]
        except NotPermitted as exc:
            raise PermissionDenied from exc
        else:
            return redirect(f"{reverse('assessment:reports')}?region={region}&made={done.report.pk}"
                            f"&new={int(done.created)}")
    made = request.GET.get("made", "")
    return render(request, "assessment/reports.html", {
        "region": region, "reports": reports_of(region), "errors": errors, "period": period,
        "made": int(made) if made.isdigit() else None, "made_new": request.GET.get("new") == "1"})


@login_required
def download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in CONTENT_TYPES:
        raise Http404
    report = get_object_or_404(AssessmentReport, pk=pk)
    if not may_generate(Actor.from_request(request), report.region_code):
        raise PermissionDenied
    digest = {"json": report.content_sha256, "pdf": report.pdf_sha256, "xlsx": report.xlsx_sha256}[kind]
    path = stored_path(digest)
    if not path.is_file():
        raise Http404
    name = f"assessment-{report.region_code}-{report.period}-v{report.version}.{kind}"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=CONTENT_TYPES[kind])


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    result, error = None, ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose the report's PDF or Excel file.")
        elif upload.size > MAX_UPLOAD:
            error = _("This file is larger than any report.")
        else:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            result = verify_digest(digest.hexdigest())
    return render(request, "assessment/verify.html", {"result": result, "error": error},
                  status=422 if error else 200)
