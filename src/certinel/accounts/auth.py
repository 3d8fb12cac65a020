"""Authentication for the API: a certification body's key as a bearer token, or a signed-in
session.

One rule for every operation, public or not: a request that sends no `Authorization` header
(or an empty one) presents no key; a request that sends one must present a valid key, as
`Authorization: Bearer ck_…`, or it is refused with 401, whatever the operation. A wrong key is
never silently treated as anonymous, so that a broken integration is noticed at once.

* `OptionalApiKey` guards the public operations: without a key the caller is anonymous (or
  the signed-in session's user); with a valid key, the key's user.
* `ApiKeyAuth` guards the operations of a body's own (reporting): a valid key is required.

The OpenAPI document names one security scheme, `ApiKey` (`certinel.api`); public
operations list it as optional."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security.http import HttpAuthBase

from certinel.core.errors import DomainError

from .models import ApiKey
from .services import api_key_authenticate

KEY_FORM = "Authorization: Bearer ck_…"


class InvalidApiKey(DomainError):
    """401: the request has an Authorization header that is not a valid API key, or an
    operation that needs a key got none."""

    code = "unauthorized"
    status = 401


def presented_key(request: HttpRequest) -> ApiKey | None:
    """The valid API key the request presents, or None when it presents none (no
    Authorization header, or an empty one). Raises InvalidApiKey for anything else: another
    scheme than Bearer, no token, or a key that is unknown, malformed or revoked."""
    known = getattr(request, "api_key", None)
    if known is not None:  # already checked for this request (the rate limit checks it first)
        request.user = known.user
        return known
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None
    scheme, _sep, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise InvalidApiKey(f"The Authorization header is not an API key: send `{KEY_FORM}`, or no Authorization "
                            "header to call a public operation anonymously.")
    key = api_key_authenticate(token)
    if key is None:
        raise InvalidApiKey("The API key is not valid: it is unknown, malformed or revoked. Send a valid key as "
                            f"`{KEY_FORM}`, or no Authorization header to call a public operation anonymously.")
    request.api_key = key  # type: ignore[attr-defined]
    request.user = key.user
    return key


class _KeyAuth(HttpAuthBase):
    openapi_scheme = "bearer"
    openapi_bearerFormat = "ck_<prefix>_<secret>"


class OptionalApiKey(_KeyAuth):
    """`Authorization: Bearer ck_…` is optional: without it the caller is anonymous (or the
    signed-in session's user); with a wrong or revoked key the request is refused (401)."""

    openapi_description = ("A certification body's API key, `Authorization: Bearer ck_…`. Optional on public "
                           "operations: without it you get public fields; with it, also the private fields your "
                           "body may see. An Authorization header that is not a valid key gets 401 on every "
                           "operation.")

    def __call__(self, request: HttpRequest) -> Any:
        return presented_key(request) or True


class ApiKeyAuth(_KeyAuth):
    """A valid key is required."""

    openapi_description = OptionalApiKey.openapi_description

    def __call__(self, request: HttpRequest) -> Any:
        key = presented_key(request)
        if key is None:
            raise InvalidApiKey(f"This operation needs your body's API key: `{KEY_FORM}`.")
        return key

