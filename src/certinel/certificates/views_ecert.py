"""Downloads of electronic certificates: the signed credential (JSON), its verification bundle
(the credential with its issuer's DID document and status lists, for checking offline) and
its PDF."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from certinel.core.errors import DomainError
from certinel.credentials.bundle import verification_bundle

from .ecert import certificate_credential, certificate_pdf
from .models import Certificate


def _refused(exc: DomainError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})


@require_GET
def credential_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate as a W3C Verifiable Credential, signed by its body (issued on first
    request). Check it offline with `certinel verify FILE` or any VC verifier."""
    cert = get_object_or_404(Certificate, pk=pk)
    try:
        document = certificate_credential(certificate=cert)
    except DomainError as exc:
        return _refused(exc)
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=2),
                            content_type="application/vc+ld+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.pk}-v{cert.version}.json"'
    return response


@require_GET
def credential_bundle(request: HttpRequest, pk: int) -> HttpResponse:
    """The credential with what checking it offline needs: its issuer's DID document and its
    status lists as of now. `certinel verify certificate-….bundle.json` checks it with no
    server; saved beside the credential file, it serves for that file too."""
    cert = get_object_or_404(Certificate, pk=pk)
    try:
        bundle = verification_bundle(credential=certificate_credential(certificate=cert))
    except DomainError as exc:
        return _refused(exc)
    response = HttpResponse(json.dumps(bundle, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.pk}-v{cert.version}.bundle.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def credential_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    cert = get_object_or_404(Certificate, pk=pk)
    try:
        pdf = certificate_pdf(certificate=cert)
    except DomainError as exc:
        return _refused(exc)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{cert.pk}.pdf"'
    return response
