"""The open API, `/api/v1/`. Each app contributes a router from its own `api.py`.

The OpenAPI document is the contract a generated client is built from, so it says what the
server does (`core/tests/test_openapi_contract.py` runs schemathesis against a live server):

* one security scheme, `ApiKey` (a bearer token); public operations list it as optional
  (`security: [{}, {"ApiKey": []}]`), the reporting operations as required. On every
  operation an `Authorization` header that is not a valid key gets 401 (`accounts/auth.py`).
* every operation lists the errors it can answer with (401 and 429 everywhere) and their
  body, `ErrorOut` or `ValidationErrorOut`; 429 comes with `Retry-After`.
* operation ids are the views' names (`list_bodies`, `verify` …)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from certinel.accounts.auth import ApiKeyAuth, OptionalApiKey
from certinel.core.errors import DomainError
from certinel.registry.api import KEY_PATTERNS
from certinel.registry.schemas import ErrorOut

SECURITY_SCHEME = "ApiKey"
ERROR_DESCRIPTIONS = {
    "400": "The request cannot be served as asked (`code` and `message` say why).",
    "401": "The `Authorization` header is not a valid API key (or an operation that needs a key got none).",
    "403": "The key's body may not do this.",
    "404": "No record with that id or code.",
    "422": "A parameter or the body is wrong; `errors` names each field.",
    "429": "Too many requests from one address without a key; see `Retry-After`.",
}


class PingOut(Schema):
    status: Literal["ok"]


class CertinelAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        return str(operation.view_func.__name__)

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _state_the_contract(schema)
        return schema


def _state_the_contract(schema: dict[str, Any]) -> None:
    """The security, error responses, headers and examples that django-ninja cannot be told
    per router (or writes where OpenAPI does not take them)."""
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    optional, required = OptionalApiKey.__name__, ApiKeyAuth.__name__
    described = schemes.pop(optional, None) or schemes.pop(required, None)
    schemes.pop(required, None)
    if described is not None:
        schemes[SECURITY_SCHEME] = dict(described)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            names = {name for requirement in operation.get("security", []) for name in requirement}
            if required in names:
                operation["security"] = [{SECURITY_SCHEME: []}]
            else:
                operation["security"] = [{}, {SECURITY_SCHEME: []}]
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and operation.get("operationId") in KEY_PATTERNS:
                    parameter.setdefault("schema", {})["pattern"] = KEY_PATTERNS[operation["operationId"]]
                # A parameter's own `examples` is a map of Example Objects in OpenAPI; the list
                # pydantic writes there belongs to its schema (JSON Schema's `examples`).
                if isinstance(parameter.get("examples"), list):
                    parameter.setdefault("schema", {}).setdefault("examples", parameter.pop("examples"))
            for status, response in operation.get("responses", {}).items():
                status = str(status)
                if status in ERROR_DESCRIPTIONS:
                    response["description"] = ERROR_DESCRIPTIONS[status]
                if status == "429":
                    response.setdefault("headers", {})["Retry-After"] = {
                        "description": "Seconds until the window opens again.", "schema": {"type": "integer"}}


api = CertinelAPI(
    title="Certinel open API",
    version="1",
    description=(
        "Public data of the quality certification system: certification bodies, labs, certified "
        "organizations and certificates, their verification and exports. Anonymous callers see public fields; "
        "certification bodies authenticate with `Authorization: Bearer ck_…` (their API key), which public "
        "operations take as optional. An `Authorization` header that is not a valid key gets 401 on every "
        "operation, never an anonymous answer."
    ),
    urls_namespace="api-v1",
    auth=OptionalApiKey(),
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


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals (a request body that is not JSON …), in the API's error form."""
    code = "malformed_body" if exc.status_code == 400 else "http_error"
    return api.create_response(request, {"code": code, "message": str(exc)}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthorized", "message": "A valid API key is required: Authorization: Bearer ck_…"},
        status=401)


@api.get("/ping", tags=["meta"], summary="The server's minimal endpoint",
         response={200: PingOut, 401: ErrorOut, 429: ErrorOut})
def ping(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


def _register_routers() -> None:
    from certinel.cases.api import router as cases_router
    from certinel.certificates.api import router as certificates_router
    from certinel.certificates.api_reporting import router as reporting_router
    from certinel.credit.api import router as credit_router
    from certinel.qualification.api import router as qualification_router
    from certinel.registry.api import router as registry_router
    from certinel.stats.api import router as stats_router
    from certinel.supervision.api import router as supervision_router
    from certinel.surveys.api import router as surveys_router

    api.add_router("/", registry_router)
    api.add_router("/", reporting_router)
    api.add_router("/", certificates_router)
    api.add_router("/", credit_router)
    api.add_router("/", supervision_router)
    api.add_router("/", cases_router)
    api.add_router("/", qualification_router)
    api.add_router("/", surveys_router)
    api.add_router("/", stats_router)


_register_routers()
