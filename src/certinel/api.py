"""The open API, `/api/v1/`. Each app contributes a router from its own `api.py`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from certinel.core.errors import DomainError

api = NinjaAPI(
    title="Certinel open API",
    version="1",
    description=(
        "Public data of the quality certification system: certification bodies, labs, certified "
        "organizations. Anonymous callers see public fields; certification bodies authenticate "
        "with `Authorization: Bearer ck_…` (their API key)."
    ),
    urls_namespace="api-v1",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", [])]
        while loc and loc[0] in ("body", "query", "path", "payload", "filters", "data"):
            loc = loc[1:]
        errors.append({"field": ".".join(loc) or "request", "code": err.get("type", "invalid"),
                       "message": err.get("msg", "invalid value")})
    return api.create_response(
        request,
        {"code": "validation_failed", "message": "; ".join(f"{e['field']}: {e['message']}" for e in errors),
         "errors": errors},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthorized", "message": "A valid API key is required: Authorization: Bearer ck_…"},
        status=401)


@api.get("/ping", auth=None, tags=["meta"], summary="The server's minimal endpoint")
def ping(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


def _register_routers() -> None:
    from certinel.certificates.api import router as certificates_router
    from certinel.certificates.api_reporting import router as reporting_router
    from certinel.registry.api import router as registry_router

    api.add_router("/", registry_router)
    api.add_router("/", reporting_router)
    api.add_router("/", certificates_router)


_register_routers()
