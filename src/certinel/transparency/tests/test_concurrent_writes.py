"""The log and the history agree at every moment: a small demo is built, then several kinds of
write run at once from their own threads and connections (a body's operator acting on its
certificates with the body's signing key, an import, a buyer's watchlist, accounts and API keys,
and the background jobs: checkpoint signing and the lifecycle tick), and the monitor must then
report nothing at all, on either database."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from certinel.accounts.models import Role, User
from certinel.accounts.services import api_key_create, user_create
from certinel.certificates.choices import CertificateStatus
from certinel.certificates.io.importer import import_file
from certinel.certificates.models import Certificate
from certinel.certificates.services import certificate_reinstate, certificate_suspend, certificates_tick
from certinel.core.actor import Actor
from certinel.core.models import ChangeRecord
from certinel.core.scheduler import sign_checkpoint_if_grown
from certinel.credentials.models import SigningKey
from certinel.credentials.services import signing_key_create
from certinel.transparency.monitor import verify_log
from certinel.transparency.signers import log_origin, log_verifiers
from certinel.watch.services import watch_item_add, watchlist_create

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLE = Path(__file__).resolve().parents[4] / "docs" / "samples" / "certificates-sample.xlsx"


def _in_thread(fn: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()
    return threading.Thread(target=run)


def test_concurrent_writes_leave_the_log_and_the_register_in_agreement(settings, tmp_path):
    settings.CERTINEL_LOG_SIGNING_KEY_FILE = str(tmp_path / "log.key")
    call_command("demo", "--no-serve", "--organizations", "150", stdout=io.StringIO())
    operator = User.objects.get(username="demo-cb")
    body = operator.body
    admin = User.objects.get(username="demo-admin")
    buyer = User.objects.get(username="demo-org")
    if not SigningKey.objects.filter(body=body).exists():
        signing_key_create(actor=Actor.for_user(admin), body=body)
    certs = list(Certificate.objects.filter(body=body, status=CertificateStatus.VALID).order_by("pk")[:4])
    assert certs, "the demo CB operator's body has valid certificates"
    holders = sorted(set(Certificate.objects.values_list("holder_uscc", flat=True)))[:6]
    today = timezone.localdate()

    def suspend_and_reinstate() -> None:
        actor = Actor.for_user(User.objects.get(pk=operator.pk))
        for cert in certs:
            certificate_suspend(actor=actor, certificate=Certificate.objects.get(pk=cert.pk),
                                until=today + dt.timedelta(days=60), reason="监督审核未通过", signed_by="张审核")
            certificate_reinstate(actor=actor, certificate=Certificate.objects.get(pk=cert.pk), reason="整改完成",
                                  signed_by="张审核")

    def import_sample() -> None:
        import_file(SAMPLE, actor=Actor.for_user(User.objects.get(pk=operator.pk)), body=body)

    def watch() -> None:
        actor = Actor.for_user(User.objects.get(pk=buyer.pk))
        watchlist = watchlist_create(actor=actor, name="主要供应商", email="buyer@certinel.example")[0]
        for code in holders:
            watch_item_add(actor=actor, watchlist=watchlist, uscc=code, label="供应商")

    def accounts() -> None:
        actor = Actor.for_user(User.objects.get(pk=admin.pk))
        for n in range(3):
            user_create(actor=actor, username=f"load-{n}", password="load-password-2026", role=Role.REGULATOR,
                        jurisdiction_code="3201")
        api_key_create(actor=actor, body=body, name="integration")

    def jobs() -> None:
        for _ in range(3):
            sign_checkpoint_if_grown()
            certificates_tick(on=today)

    errors: list[BaseException] = []
    threads = [_in_thread(fn, errors) for fn in (suspend_and_reinstate, import_sample, watch, accounts, jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors
    sign_checkpoint_if_grown()

    # Leaves signed by the body were written, and the monitor checks them rather than failing them.
    assert any(b'"sig":' in bytes(data) for data in ChangeRecord.objects.values_list("leaf", flat=True))
    report = verify_log(origin=log_origin(), verifiers=log_verifiers())
    assert report.ok, [str(p) for p in report.problems]
    out = io.StringIO()
    call_command("log", "verify", stdout=out)
    assert "OK:" in out.getvalue()
