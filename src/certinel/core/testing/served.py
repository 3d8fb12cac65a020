"""`certinel serve` for tests: the production server (gunicorn, its worker processes forked by a
master that runs the scheduler's jobs) in a subprocess on a free loopback port, against this test
run's own database (the file-backed SQLite database or the PostgreSQL test database), on the
development settings `certinel demo` serves with. A plain HTTP client with cookies and
multipart forms goes with it (the standard library's, so that the test depends on nothing the
project does not).

The data a test writes must be committed for the server to see it: use it from tests marked
`django_db(transaction=True)`."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

SRC = Path(__file__).resolve().parents[3]
READY_SECONDS = 180  # a bound for a loaded machine, not a measure


class QuickPBKDF2(PBKDF2PasswordHasher):
    """The hasher a served test's accounts are made with: the development settings' own
    algorithm (so the server checks the passwords), with few iterations (the server upgrades
    the hash at the first sign-in, as it would after a change of its iteration count)."""

    iterations = 1000


QUICK_HASHERS = [f"{QuickPBKDF2.__module__}.{QuickPBKDF2.__qualname__}"]


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "postgres") + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `certinel` command run on this test run's database, with the test
    settings' secrets (so that it reads what the tests wrote: hashed personal data, encrypted
    signing keys)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "certinel.settings.dev", "DATABASE_URL": database_url(),
           "CERTINEL_DATA_DIR": str(data_dir), "CERTINEL_SECRET_KEY": settings.SECRET_KEY,
           "CERTINEL_PERSONAL_DATA_SALT": settings.CERTINEL_PERSONAL_DATA_SALT,
           "PYTHONPATH": str(SRC), "PYTHONUNBUFFERED": "1", **extra}
    if settings.CERTINEL_KEY_ENCRYPTION_KEY:
        env["CERTINEL_KEY_ENCRYPTION_KEY"] = settings.CERTINEL_KEY_ENCRYPTION_KEY
    for name in ("CERTINEL_TEST_DB", "CERTINEL_TEST_DB_NAME", "CERTINEL_CELERY_BROKER_URL", "CERTINEL_PUBLIC_URL"):
        if name not in extra:
            env.pop(name, None)
    return env


def certinel(args: list[str], data_dir: Path, *, timeout: float = 300,
             **extra: str) -> subprocess.CompletedProcess[str]:
    """Run a `certinel` command on this test run's database."""
    return subprocess.run([sys.executable, "-m", "certinel.cli", *args], env=environment(data_dir, **extra),
                          capture_output=True, text=True, timeout=timeout, check=False, cwd=SRC.parent)


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def served(data_dir: Path, *, workers: int = 2, threads: int = 4, **extra: str) -> Iterator[Server]:
    """`certinel serve` on a free loopback port, answering once it is up; stopped (master and
    workers) when the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "serve.log"
    args = [sys.executable, "-m", "certinel.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--threads", str(threads)]
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(args, env=environment(data_dir, CERTINEL_PUBLIC_URL=url, **extra),
                                   stdout=log, stderr=subprocess.STDOUT, cwd=SRC.parent, start_new_session=True)
    server = Server(url, port, process, log_path)
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(process)


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"certinel serve ended with {server.process.returncode}:\n{server.output()[-5000:]}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"certinel serve did not listen within {READY_SECONDS} s:\n{server.output()[-5000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the master and its workers
            process.wait(timeout=30)


# --- a client -------------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Client:
    """A browser's part of HTTP: cookies, forms with their CSRF token, redirects followed or not."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    timeout: float = 120

    def request(self, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
                follow: bool = True) -> Response:
        handlers: list = [urllib.request.HTTPCookieProcessor(self.jar)]
        if not follow:
            handlers.append(_NoRedirect())
        opener = urllib.request.build_opener(*handlers)
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 - loopback
        try:
            with opener.open(request, timeout=self.timeout) as answer:
                return Response(answer.status, dict(answer.headers), answer.read(), answer.url)
        except urllib.error.HTTPError as exc:
            return Response(exc.code, dict(exc.headers), exc.read(), url)

    def get(self, path: str, **params: str) -> Response:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self.request(path + query)

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if found is None:
            raise AssertionError(f"{path} answered {page.status} without a form:\n{page.text[:2000]}")
        return found.group(1)

    def post_form(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None, *,
                  follow: bool = False) -> Response:
        fields = {"csrfmiddlewaretoken": self.csrf_token(path), **fields}
        headers = {"Referer": self.base + path}
        if files:
            body, content_type = multipart(fields, files)
        else:
            body, content_type = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        headers["Content-Type"] = content_type
        return self.request(path, data=body, headers=headers, follow=follow)

    def sign_in(self, username: str, password: str) -> Response:
        return self.post_form("/login/", {"username": username, "password": password})


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
