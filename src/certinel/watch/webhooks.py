"""Webhooks: which addresses may receive them, how bodies are signed, and one POST.

* Addresses are https, and resolve to public addresses only (no loopback, private, link-local
  or reserved networks: a webhook must not become a way into the server's own network). Plain
  http and local addresses are allowed only when DEBUG is on, `CERTINEL_WATCH_ALLOW_LOCAL_WEBHOOKS`
  is set, or in the demo (development, tests and the demo, with a receiver on this machine).
* Each request is signed with the watchlist's secret (the `whsec_…` string, as UTF-8 bytes):
  `X-Certinel-Signature: t=<unix seconds>,v1=<hex>`, where hex is the HMAC-SHA256 of
  `<t>.` followed by the exact bytes of the body. The timestamp is signed with the body, so a
  receiver that refuses old timestamps refuses replays; the body also carries its delivery
  id and the time it was sent (docs/verification.md, "Webhooks").
* Redirects are not followed (a redirect could lead anywhere); the answer must be 2xx.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

TIMEOUT_SECONDS = 5
SIGNATURE_HEADER = "X-Certinel-Signature"
USER_AGENT = "Certinel-Webhook/1"


class WebhookRefused(ValueError):
    """The address may not receive webhooks; the message says why, for the user."""


def _local_allowed() -> bool:
    """Development, tests, and the demo (fictional data served on this machine: `certinel demo`
    serves with DEBUG off, and a receiver on this machine is how one tries webhooks there)."""
    return bool(settings.DEBUG or getattr(settings, "CERTINEL_WATCH_ALLOW_LOCAL_WEBHOOKS", False)
                or getattr(settings, "CERTINEL_DEMO", False))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, resolve: bool = True) -> str:
    """The URL, or WebhookRefused saying why it may not receive webhooks."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise WebhookRefused(_("请输入完整的网址，例如 https://erp.example.com/hooks/certinel。"))
    if parts.username or parts.password:
        raise WebhookRefused(_("网址中不能包含用户名或密码；请用签名密钥验证请求。"))
    if parts.scheme == "http" and not _local_allowed():
        raise WebhookRefused(_("Webhook 地址必须使用 https。"))
    if resolve and not _local_allowed():
        for address in addresses_of(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)):
            if not _public(address):
                raise WebhookRefused(_("该地址指向内部网络（%(ip)s），不能接收 Webhook。") % {"ip": address})
    return url.strip()


def addresses_of(host: str, port: int) -> list[str]:
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})
    except (socket.gaierror, UnicodeError):
        raise WebhookRefused(_("无法解析主机名 %(host)s。") % {"host": host}) from None


# A receiver should refuse signatures older (or newer) than this many seconds.
TOLERANCE_SECONDS = 300


def _mac(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def sign(secret: bytes, body: bytes, *, timestamp: int | None = None) -> str:
    """The value of the signature header: `t=<unix seconds>,v1=<HMAC-SHA256 hex of "t." + body>`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify_signature(secret: bytes, body: bytes, header: str, *, tolerance: int = TOLERANCE_SECONDS,
                     now: float | None = None) -> bool:
    """What a receiver does (documented in docs/verification.md; used by the tests): the header
    parses, its timestamp is within `tolerance` seconds of now, and one of its `v1` values is
    the HMAC of the timestamp and the body."""
    timestamp, macs = None, []
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            macs.append(value)
    if timestamp is None or not macs:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, mac) for mac in macs)


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl} not followed", headers, fp)


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass
class PostResult:
    ok: bool
    http_status: int | None
    error: str
    duration_ms: int


def post(url: str, *, body: bytes, secret: bytes, event: str, delivery_id: int) -> PostResult:
    """POST a signed JSON body; never raises for what the receiver does."""
    started = time.monotonic()
    try:
        check_url(url)
    except WebhookRefused as exc:
        return PostResult(False, None, str(exc), 0)
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310 - scheme checked above
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        "X-Certinel-Event": event, "X-Certinel-Delivery": str(delivery_id), SIGNATURE_HEADER: sign(secret, body)})
    status, error = None, ""
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
            response.read(4096)
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code} {exc.reason}"[:500]
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:500]
    elapsed = int((time.monotonic() - started) * 1000)
    ok = status is not None and 200 <= status < 300
    return PostResult(ok, status, "" if ok else (error or f"HTTP {status}"), elapsed)
