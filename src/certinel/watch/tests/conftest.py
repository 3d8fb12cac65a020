"""Fixtures of the watchlist tests: a real HTTP receiver in a thread (the webhook's other
end), users, and a certificate of a watched supplier."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from certinel.accounts.models import Role
from certinel.core.actor import Actor
from certinel.core.testing.builders import build_org, build_user


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    # Whether the signature checked out with the receiver's secret (None: no secret set).
    verified: bool | None = None

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: records every request and answers with the next of
    `answers` (then 200)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    # The watchlist's signing secret: when set, each request's signature is checked the way
    # docs/verification.md tells receivers to, independently of certinel.watch.webhooks.
    secret: str = ""
    arrived: threading.Event = field(default_factory=threading.Event)

    def wait(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The requests, once at least `count` have arrived (or the timeout has passed)."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            self.arrived.wait(0.05)
            self.arrived.clear()
        return self.requests


def check_signature(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """A receiver's check: `X-Certinel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t." + body>`."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if "t" not in fields or "v1" not in fields or abs(time.time() - int(fields["t"])) > tolerance:
        return False
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.CERTINEL_WATCH_ALLOW_LOCAL_WEBHOOKS = True
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            verified = (check_signature(state.secret, body, self.headers.get("X-Certinel-Signature", ""))
                        if state.secret else None)
            code = state.answers.pop(0) if state.answers else 200
            state.requests.append(Received(self.path, dict(self.headers.items()), body, verified))
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if code < 300 else b"no")
            state.arrived.set()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/certinel"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def buyer(db):
    user = build_user(Role.ORG_USER, organization=build_org(name="测试采购方集团有限公司"))
    user.email = "buyer@example.com"
    user.save()
    return user


@pytest.fixture
def other_user(db):
    return build_user(Role.REGULATOR, jurisdiction_code="32")


def actor(user) -> Actor:
    return Actor.for_user(user)


@pytest.fixture(autouse=True)
def _send_inline(settings):
    """First attempts are made in the calling thread, so that a test sees them at once (the
    tests of the courier thread and of the scheduler's job turn this off)."""
    settings.CERTINEL_WATCH_SEND_INLINE = True


@pytest.fixture(autouse=True)
def _chinese():
    """Each test starts in the default language (a request of an earlier test may have left
    another one active in this thread)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield
