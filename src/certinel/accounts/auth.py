"""Authentication for the API: a body's key as a bearer token, or a signed-in session."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from .services import api_key_authenticate


class ApiKeyAuth(HttpBearer):
    openapi_description = "A certification body's API key: `Authorization: Bearer ck_…`"

    def authenticate(self, request: HttpRequest, token: str):
        key = api_key_authenticate(token)
        if key is None:
            return None
        request.api_key = key  # type: ignore[attr-defined]
        request.user = key.user
        return key


def optional_key(request: HttpRequest) -> bool:
    """For public endpoints: a valid key (or session) widens what the caller sees; a missing
    key is anonymous; a wrong key is refused rather than silently ignored."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        key = api_key_authenticate(header[7:].strip())
        if key is None:
            return False
        request.api_key = key  # type: ignore[attr-defined]
        request.user = key.user
    return True
