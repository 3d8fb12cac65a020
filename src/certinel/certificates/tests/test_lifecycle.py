"""Single-certificate lifecycle services, the scheduled job, status on read, and concurrent
changes. Given / when / then."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from certinel.accounts.models import Role
from certinel.certificates import services
from certinel.certificates.lifecycle import effective_status
from certinel.certificates.models import Certificate
from certinel.certificates.reporting import report_certificates
from certinel.certificates.trail import trail_of
from certinel.core.actor import Actor
from certinel.core.errors import Conflict, NotPermitted, TransitionNotAllowed, ValidationFailed
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, build_user, certificate_data

TODAY = dt.date.today()


@pytest.fixture
def world(db):
    body = body_with_scopes()
    holder = build_org(name="测试华盛电子有限公司")
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    cert = services.certificate_issue(actor=operator, body=body, data=certificate_data(holder=holder))
    return {"body": body, "holder": holder, "operator": operator, "cert": cert}


def codes(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.code for e in exc.errors}


def test_suspend_reinstate_revoke(world):
    op, cert = world["operator"], world["cert"]
    cert = services.certificate_suspend(actor=op, certificate=cert, until=TODAY + dt.timedelta(days=90),
                                        reason="监督审核严重不符合", signed_by="李主任")
    assert (cert.status, cert.suspended_until, cert.status_reason) == ("suspended", TODAY + dt.timedelta(days=90),
                                                                       "监督审核严重不符合")
    cert = services.certificate_reinstate(actor=op, certificate=cert, reason="整改验证通过", signed_by="李主任")
    assert cert.status == "valid" and cert.suspended_until is None
    cert = services.certificate_revoke(actor=op, certificate=cert, reason="冒用认证标志", signed_by="李主任")
    with pytest.raises(TransitionNotAllowed):
        services.certificate_reinstate(actor=op, certificate=cert, reason="x", signed_by="李主任")
    events = list([(e.kind, e.signed_by, e.reason) for e in trail_of(cert.pk)])
    assert events == [("issued", "王签发", ""), ("suspended", "李主任", "监督审核严重不符合"),
                      ("reinstated", "李主任", "整改验证通过"), ("revoked", "李主任", "冒用认证标志")]


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"until": TODAY + dt.timedelta(days=30), "reason": "", "signed_by": "李"}, {"reason": "required"}),
    ({"until": TODAY + dt.timedelta(days=30), "reason": "x", "signed_by": " "}, {"signed_by": "required"}),
    ({"until": TODAY, "reason": "x", "signed_by": "李"}, {"until": "date_order"}),
    ({"until": TODAY + dt.timedelta(days=200), "reason": "x", "signed_by": "李"}, {"until": "too_long"}),
    ({"until": TODAY + dt.timedelta(days=30), "reason": "x", "signed_by": "李",
      "occurred_on": TODAY + dt.timedelta(days=1)}, {"occurred_on": "future_date"}),
])
def test_suspension_checks(world, kwargs, expected):
    with pytest.raises(ValidationFailed) as err:
        services.certificate_suspend(actor=world["operator"], certificate=world["cert"], **kwargs)
    assert codes(err.value) == expected
    world["cert"].refresh_from_db()
    assert world["cert"].status == "valid" and world["cert"].version == 1


def test_ccc_seasonal_suspension_may_last_twelve_months(db):
    import random

    from certinel.reference.generators import make_ccc_number

    body = body_with_scopes(schemes=(), ccc_products=("0701",))
    holder = build_org()
    cert = services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(
        holder=holder, scheme="CCC", number=make_ccc_number(random.Random(9), product_code="0701"),
        scope_codes=["0701"], expires_on=TODAY + dt.timedelta(days=1500)))
    until = TODAY.replace(year=TODAY.year + 1)
    cert = services.certificate_suspend(actor=SYSTEM, certificate=cert, until=until, reason="季节性停产",
                                        signed_by="赵")
    assert cert.suspended_until == until


def test_only_the_issuing_body_changes_a_certificate(world):
    other = Actor.for_user(build_user(Role.CB_OPERATOR, body=body_with_scopes()))
    regulator = Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code="32"))
    holder_user = Actor.for_user(build_user(Role.ORG_USER, organization=world["holder"]))
    for actor in (other, regulator, holder_user):
        with pytest.raises(NotPermitted):
            services.certificate_revoke(actor=actor, certificate=world["cert"], reason="x", signed_by="y")
    world["cert"].refresh_from_db()
    assert world["cert"].status == "valid"


def test_version_checks_refuse_stale_decisions(world):
    op, cert = world["operator"], world["cert"]
    services.certificate_surveillance_pass(actor=op, certificate=cert, signed_by="李", expected_version=1)
    with pytest.raises(Conflict):
        services.certificate_revoke(actor=op, certificate=cert, reason="x", signed_by="李", expected_version=1)


def test_renew_and_change_scope(world):
    op, cert = world["operator"], world["cert"]
    new_expiry = TODAY.replace(year=TODAY.year + 3)
    cert = services.certificate_renew(actor=op, certificate=cert, issued_on=TODAY, expires_on=new_expiry,
                                      signed_by="周")
    assert (cert.issued_on, cert.expires_on, cert.signed_by) == (TODAY, new_expiry, "周")
    with pytest.raises(ValidationFailed) as err:
        services.certificate_renew(actor=op, certificate=cert, issued_on=TODAY, expires_on=new_expiry, signed_by="周")
    assert codes(err.value) == {"expires_on": "dates_backwards"}
    cert = services.certificate_change_scope(actor=op, certificate=cert, signed_by="周", scope_codes=["18", "19"],
                                             scope_text="机械和电子产品的生产")
    assert cert.scope_codes == ["18", "19"]
    with pytest.raises(ValidationFailed) as err:
        services.certificate_change_scope(actor=op, certificate=cert, signed_by="周", scope_codes=["99"])
    assert codes(err.value) == {"scope_codes": "unknown_sector"}


# The scheduled job also settles transfers between bodies (tests/test_transfers.py).
NO_TRANSFERS = {"transfers_confirmed": 0, "transfers_withdrawn": 0, "transfers_lapsed": 0}


def test_status_on_read_and_the_scheduled_job(world):
    cert = world["cert"]
    scheme = cert.scheme
    due = cert.next_surveillance_due
    assert effective_status(cert, scheme, TODAY) == ("valid", "")
    after_grace = due + dt.timedelta(days=scheme.surveillance_grace_days + 1)
    assert effective_status(cert, scheme, after_grace) == ("suspended", "surveillance_missed")
    assert effective_status(cert, scheme, cert.expires_on + dt.timedelta(days=1)) == ("expired", "expired")
    # The job has not run: nothing stored changed. Running it on a day after the grace suspends.
    counts = services.certificates_tick(on=after_grace)
    assert counts == {"expired": 0, "surveillance_missed": 1, **NO_TRANSFERS}
    cert.refresh_from_db()
    assert cert.status == "suspended" and trail_of(cert.pk)[-1].kind == "surveillance_missed"
    assert trail_of(cert.pk)[-1].signed_by == services.SYSTEM_SIGNER
    # Running again changes nothing; past expiry, the job expires it.
    assert services.certificates_tick(on=after_grace) == {"expired": 0, "surveillance_missed": 0, **NO_TRANSFERS}
    assert services.certificates_tick(on=cert.expires_on + dt.timedelta(days=3)) == {
        "expired": 1, "surveillance_missed": 0, **NO_TRANSFERS}
    cert.refresh_from_db()
    assert cert.status == "expired" and trail_of(cert.pk)[-1].occurred_on == cert.expires_on + dt.timedelta(days=1)


@pytest.mark.django_db(transaction=True)
def test_two_operators_at_once_cannot_both_win():
    """Two operators read version 1 and decide at the same moment: one wins, the other is told
    the certificate changed. Real threads, real connections."""
    body = body_with_scopes()
    cert = services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=build_org()))
    a = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    b = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(actor, action):
        try:
            barrier.wait(timeout=10)
            if action == "revoke":
                services.certificate_revoke(actor=actor, certificate=cert, reason="撤销", signed_by="甲",
                                            expected_version=1)
            else:
                services.certificate_suspend(actor=actor, certificate=cert, reason="暂停", signed_by="乙",
                                             until=TODAY + dt.timedelta(days=30), expected_version=1)
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(a, "revoke")),
               threading.Thread(target=decide, args=(b, "suspend"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "won"]
    cert.refresh_from_db()
    assert cert.version == 2 and len(trail_of(cert.pk)) == 2


@pytest.mark.django_db(transaction=True)
def test_two_batches_for_the_same_new_certificate_do_not_duplicate():
    body = body_with_scopes()
    data = certificate_data(holder=build_org())
    barrier = threading.Barrier(2)
    results = []

    def send():
        try:
            barrier.wait(timeout=10)
            results.append(report_certificates(actor=SYSTEM, body=body, items=[data]).ok)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True, True]
    assert Certificate.objects.filter(number=data.number).count() == 1
    assert len(trail_of(Certificate.objects.get(number=data.number).pk)) == 1
