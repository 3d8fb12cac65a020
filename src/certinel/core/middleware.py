"""Request ids, security headers and rate limits for public endpoints."""

from __future__ import annotations

import re
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id (the caller's X-Request-ID when well formed); history
    records carry it, and the response echoes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/") and request.path.rstrip("/").endswith("/docs"):
            # The generated API documentation page loads its own scripts.
            response.setdefault("Content-Security-Policy", CSP.replace(
                "script-src 'self'", "script-src 'self' 'unsafe-inline'"))
        elif not request.path.startswith("/admin/"):
            response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class RateLimitMiddleware:
    """A fixed one-minute window per client address for the public endpoints (API and
    search), counted in the cache (Redis in production)."""

    PREFIXES = ("/api/", "/search", "/verify", "/organizations/", "/bodies/", "/labs/", "/certificates/",
                "/log/proof")

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _valid_key(request: HttpRequest) -> bool:
        """Whether the request presents a valid API key (bodies' systems are not limited). A
        header that is not a valid key counts like no header, so that junk keys cannot buy
        unlimited requests (each still answered 401 by the API)."""
        from certinel.accounts.auth import InvalidApiKey, presented_key

        if not request.headers.get("Authorization"):
            return False
        try:
            return presented_key(request) is not None
        except InvalidApiKey:
            return False

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.CERTINEL_RATE_LIMIT_PER_MINUTE
        if limit and request.path.startswith(self.PREFIXES) and not self._valid_key(request):
            window = int(time.time() // 60)
            key = f"rl:{client_address(request)}:{window}"
            if cache.add(key, 1, timeout=70):
                count = 1
            else:
                try:
                    count = cache.incr(key)
                except ValueError:
                    count = 1
            if count > limit:
                response = JsonResponse(
                    {"code": "rate_limited",
                     "message": f"Too many requests: at most {limit} a minute from one address. Try again shortly."},
                    status=429)
                response["Retry-After"] = str(60 - int(time.time()) % 60)
                return response
        return self.get_response(request)
