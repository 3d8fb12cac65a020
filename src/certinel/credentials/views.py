"""Public endpoints a verifier needs: an issuer's DID document (did:web) and its signed status
lists, for a certification body (`/bodies/<slug>/…`) or a regulator's jurisdiction
(`/regulators/<region code>/…`, the issuer of CMA certificates). Both are public by design (they
hold no personal data) and read-only."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .choices import StatusPurpose
from .selectors import (
    body_for_slug,
    did_document_for_body,
    did_document_for_jurisdiction,
    jurisdiction_status_list_get,
    signing_keys_of_jurisdiction,
    status_list_get,
)


def _not_found(message: str) -> JsonResponse:
    return JsonResponse({"code": "not_found", "message": message}, status=404)


def _json(data: dict, *, content_type: str, max_age: int) -> JsonResponse:
    response = JsonResponse(data, content_type=content_type, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@require_GET
def did_document(request: HttpRequest, slug: str) -> JsonResponse:
    body = body_for_slug(slug)
    if body is None or not body.signing_keys.exists():
        return _not_found("没有这个认证机构的 DID / no such certification body DID")
    return _json(did_document_for_body(body=body), content_type="application/did+json", max_age=300)


@require_GET
def status_list(request: HttpRequest, slug: str, purpose: str, number: int) -> JsonResponse:
    body = body_for_slug(slug)
    if body is None or purpose not in StatusPurpose.values:
        return _not_found("没有这个状态列表 / no such status list")
    found = status_list_get(body=body, purpose=purpose, number=number)
    if found is None or not found.credential:
        return _not_found("没有这个状态列表 / no such status list")
    return _json(found.credential, content_type="application/vc+ld+json", max_age=60)


@require_GET
def regulator_did_document(request: HttpRequest, code: str) -> JsonResponse:
    if not signing_keys_of_jurisdiction(jurisdiction=code).exists():
        return _not_found("没有这个监管部门的 DID / no such regulator DID")
    return _json(did_document_for_jurisdiction(jurisdiction=code), content_type="application/did+json", max_age=300)


@require_GET
def regulator_status_list(request: HttpRequest, code: str, purpose: str, number: int) -> JsonResponse:
    found = (jurisdiction_status_list_get(jurisdiction=code, purpose=purpose, number=number)
             if purpose in StatusPurpose.values else None)
    if found is None or not found.credential:
        return _not_found("没有这个状态列表 / no such status list")
    return _json(found.credential, content_type="application/vc+ld+json", max_age=60)
