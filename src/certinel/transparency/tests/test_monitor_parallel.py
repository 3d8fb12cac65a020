"""`certinel log verify` holds the register against the log in a second process while it
scans the entries (`monitor._RegisterCheck`): outside a transaction, as the command runs, that
process sees the committed register and finds what one process finds; its failure is raised."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from certinel.certificates.choices import CertificateStatus
from certinel.certificates.models import Certificate
from certinel.transparency import register
from certinel.transparency.monitor import verify_log
from certinel.transparency.signers import log_origin, log_verifiers

# Committed rows, seen by a second connection; emptied again after each test.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo() -> None:
    call_command("demo", "--no-serve", "--organizations", "40", stdout=io.StringIO())


def verify(**kwargs):
    return verify_log(origin=log_origin(), verifiers=log_verifiers(), **kwargs)


def messages(report) -> list[str]:
    return sorted(str(p) for p in report.problems)


def test_the_second_process_finds_what_one_process_finds(demo, register_checks_started):
    started = register_checks_started
    assert not connection.in_atomic_block
    clean = verify(parallel=True)
    assert started == ["default"]
    assert clean.ok, messages(clean)
    alone = verify()
    assert clean.rows == alone.rows > 40 and clean.size == alone.size
    out = io.StringIO()  # the command runs it so
    call_command("log", "verify", "--progress", "always", stdout=out, stderr=io.StringIO())
    assert len(started) == 2
    assert f"{clean.rows:,} register rows agree with it" in out.getvalue()
    cert = Certificate.objects.exclude(status=CertificateStatus.VALID).order_by("pk").first()
    with connection.cursor() as cursor:  # committed: the second process sees it
        cursor.execute("UPDATE certificates_certificate SET status = 'valid' WHERE id = %s", [cert.pk])
    there, here = verify(parallel=True), verify()
    assert len(started) == 3
    assert any(f"certificates.certificate #{cert.pk}: status" in m for m in messages(there)), messages(there)
    assert messages(there) == messages(here) and there.rows == here.rows


def test_a_failure_of_the_second_process_is_raised(monkeypatch):
    def broken(**_kwargs):
        raise ValueError("the register cannot be read")

    monkeypatch.setattr(register, "check_register", broken)
    with pytest.raises(RuntimeError, match="register check failed: ValueError: the register cannot be read"):
        verify(parallel=True)


def test_a_second_process_that_dies_is_reported(monkeypatch):
    import os

    monkeypatch.setattr(register, "check_register", lambda **_kwargs: os._exit(3))
    with pytest.raises(RuntimeError, match=r"ended without a result \(exit code 3\)"):
        verify(parallel=True)
