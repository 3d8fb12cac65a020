"""Concurrent readers and writers against the server a deployment runs: `certinel serve` (gunicorn
workers forked by a master that runs the scheduler's jobs) on a loopback port, on this run's
database (a SQLite file, or PostgreSQL). Sign-ins (each one writes a session and the account's
last sign-in), verifications on the API and the page, and an import through the upload page go at
once, while the lifecycle job expires a batch of certificates at start-up, as a fresh demo's
first run does, and gunicorn starts more workers meanwhile (as it does whenever it replaces one),
which the job lets in between its transactions. Nothing may answer 5xx or say "database is
locked", and the public never sees Django's debug pages. Bounded (a fixed number of requests),
no timing asserted."""

from __future__ import annotations

import datetime as dt
import random
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import override_settings

from certinel.accounts.models import Role
from certinel.certificates.models import Certificate
from certinel.certificates.reporting import report_certificates
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_lab, build_org, build_user, certificate_data
from certinel.core.testing.served import QUICK_HASHERS, Client, Response, served
from certinel.reference.generators import make_uscc

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "test-password-123"
TODAY = dt.date.today()
EXPIRING = 300  # certificates the lifecycle job expires while the server starts
IMPORTED = 40  # rows of the file uploaded
ROUNDS = 2  # sign-ins per account
CHECKS = 6  # verifications per thread, on the API and on the page
HEADER = ("证书编号,认证制度,统一社会信用代码,获证组织名称,获证组织区划代码,获证组织地址,发证日期,有效期至,"
          "认证范围,范围代码,签发人")
PROBLEMS = ("database is locked", "Traceback", "Internal Server Error", "No hostname was supplied")


def _seed():
    body = body_with_scopes()
    holder = build_org()
    with override_settings(PASSWORD_HASHERS=QUICK_HASHERS):
        operator = build_user(Role.CB_OPERATOR, body=body)
        accounts = [build_user(Role.ADMIN), build_user(Role.REGULATOR, jurisdiction_code="32"),
                    build_user(Role.REGULATOR, jurisdiction_code="320102"),
                    build_user(Role.ORG_USER, organization=holder), build_user(Role.LAB_OPERATOR, lab=build_lab()),
                    build_user(Role.CB_OPERATOR, body=body)]
    current = [certificate_data(holder=holder, number=f"LIVE{n:06d}Q") for n in range(3)]
    report_certificates(actor=SYSTEM, body=body, items=current)
    old = TODAY - dt.timedelta(days=3 * 365 + 40)
    report_certificates(actor=SYSTEM, body=body, today=old + dt.timedelta(days=1), items=[
        certificate_data(holder=holder, number=f"OLD{n:06d}Q", issued_on=old) for n in range(EXPIRING)])
    return body, operator, accounts, [c.number for c in current]


def _upload_file() -> bytes:
    rng = random.Random(11)
    issued = TODAY - dt.timedelta(days=3)
    expires = issued.replace(year=issued.year + 3) - dt.timedelta(days=1)
    lines = [HEADER] + [f"LOAD{n:06d}Q,QMS,{make_uscc('320102', rng)},南京示例并发{n}有限公司,320102,示例路{n}号,"
                        f"{issued},{expires},机械零部件的设计和生产,17;18,王签发" for n in range(1, IMPORTED + 1)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _sign_ins(base: str, user) -> list[tuple[str, Response]]:
    seen = []
    for _ in range(ROUNDS):
        client = Client(base)
        answer = client.sign_in(user.username, PASSWORD)
        seen.append(("sign-in", answer))
        assert answer.status == 302, (user.username, answer.status, answer.text[:1000])
        seen.append(("signed-in page", client.get("/admin/" if user.is_staff else "/")))
    return seen


def _verifications(base: str, numbers: list[str]) -> list[tuple[str, Response]]:
    client = Client(base)
    seen = []
    for n in range(CHECKS):
        number = numbers[n % len(numbers)]
        seen.append(("api verify", client.get("/api/v1/verify", number=number)))
        seen.append(("verify page", client.get("/verify/", number=number)))
    return seen


def _import(base: str, operator) -> list[tuple[str, Response]]:
    client = Client(base)
    seen = [("sign-in", client.sign_in(operator.username, PASSWORD))]
    for mode in ("dry_run", "write"):
        posted = client.post_form("/report/", {"mode": mode}, {"file": ("certificates.csv", _upload_file())})
        seen.append((f"upload {mode}", posted))
        assert posted.status == 302, (mode, posted.status, posted.text[:2000])
        seen.append((f"result {mode}", client.get(posted.headers["Location"])))
    return seen


def _workers(server) -> int:
    pid = server.process.pid
    return len(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())


def _grow(server, expired) -> int:
    """Once the lifecycle job is under way, gunicorn is asked for two more workers (SIGTTIN),
    forked by the master whose scheduler is writing, as a replacement worker would be. Returns
    how many certificates had expired when the first of them was up: the job lets a fork in
    between its transactions rather than hold it off until it ends."""
    deadline = time.monotonic() + 180
    while not expired.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    before = _workers(server)
    server.process.send_signal(signal.SIGTTIN)
    while _workers(server) == before and time.monotonic() < deadline:
        time.sleep(0.02)
    expired_then = expired.count()
    server.process.send_signal(signal.SIGTTIN)
    return expired_then


def test_sign_ins_verifications_and_an_import_at_once_answer_without_a_server_error(tmp_path):
    body, operator, accounts, numbers = _seed()
    expired = Certificate.objects.filter(number__startswith="OLD", status="expired")
    with served(tmp_path / "served") as server:
        expired_when_grown = _grow(server, expired)
        with ThreadPoolExecutor(max_workers=len(accounts) + 3) as pool:
            jobs = [pool.submit(_sign_ins, server.url, user) for user in accounts]
            jobs += [pool.submit(_verifications, server.url, numbers) for _ in range(2)]
            jobs.append(pool.submit(_import, server.url, operator))
            seen = [item for job in jobs for item in job.result()]
        # The lifecycle job that started with the server finishes (a bound, not a measure).
        deadline = time.monotonic() + 180
        while expired.count() < EXPIRING and time.monotonic() < deadline:
            time.sleep(0.5)
        # Django's debug pages (tracebacks, settings, URL patterns) never reach the public.
        missing = Client(server.url).get("/no-such-page/")
        output = server.output()

    failures = [(what, r.status, r.url, r.text[:500]) for what, r in seen if r.status >= 500
                or "database is locked" in r.text]
    assert not failures, failures
    assert {(what, r.status) for what, r in seen if "verify" in what or "page" in what} == {
        ("api verify", 200), ("verify page", 200), ("signed-in page", 200)}
    assert len(seen) == len(accounts) * ROUNDS * 2 + 2 * CHECKS * 2 + 5
    assert Certificate.objects.filter(body=body, number__startswith="LOAD").count() == IMPORTED
    assert expired.count() == EXPIRING
    assert expired_when_grown < EXPIRING
    assert missing.status == 404 and "URLconf" not in missing.text and "Django" not in missing.text
    assert [p for p in PROBLEMS if p in output] == [], output[-5000:]
