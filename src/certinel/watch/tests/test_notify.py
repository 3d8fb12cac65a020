"""From a change of status to the watchers: e-mail through Django's mail (locmem backend) and
webhooks to a real HTTP receiver in a thread, signed; retries with backoff and the delivery
log; nothing for rolled-back changes, paused lists or unwatched suppliers; once per change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from certinel.certificates import services as certificates
from certinel.core.actor import Actor
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, certificate_data
from certinel.watch import notify, services, webhooks
from certinel.watch.models import Delivery, DeliveryAttempt, Notification

TODAY = dt.date.today()


@pytest.fixture
def supplier(db):
    return build_org(name="测试华盛电子有限公司")


@pytest.fixture
def body(db):
    return body_with_scopes()


@pytest.fixture
def cert(body, supplier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return certificates.certificate_issue(actor=SYSTEM, body=body,
                                              data=certificate_data(holder=supplier, number="TW2401001Q"))


@pytest.fixture
def watching(buyer, supplier, receiver):
    """The buyer watches the supplier, by e-mail and webhook; returns (watchlist, secret)."""
    me = Actor.for_user(buyer)
    watchlist, secret = services.watchlist_create(actor=me, name="主要供应商", email="buyer@example.com",
                                                  webhook_url=receiver.url)
    services.watch_item_add(actor=me, watchlist=watchlist, uscc=supplier.uscc, label="华盛")
    receiver.secret = secret  # the receiver checks every signature itself
    return watchlist, secret


def suspend(cert, capture):
    with capture(execute=True):
        return certificates.certificate_suspend(actor=SYSTEM, certificate=cert, until=TODAY + dt.timedelta(days=30),
                                                reason="监督审核发现严重不符合", signed_by="李主任")


def test_a_suspension_reaches_mail_and_webhook(cert, watching, receiver, django_capture_on_commit_callbacks):
    watchlist, secret = watching
    suspend(cert, django_capture_on_commit_callbacks)
    # E-mail, in the watchlist's language.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["buyer@example.com"]
    assert "TW2401001Q" in message.subject and "暂停" in message.subject
    assert "监督审核发现严重不符合" in message.body and "/verify/TW2401001Q" in message.body
    # Webhook: one signed POST with the change.
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.verified is True
    assert webhooks.verify_signature(secret.encode(), request.body, request.headers["X-Certinel-Signature"])
    assert not webhooks.verify_signature(b"wrong", request.body, request.headers["X-Certinel-Signature"])
    assert request.headers["X-Certinel-Event"] == "certificate.suspended"
    body = request.json
    assert (body["event"], body["certificate"]["status_before"], body["certificate"]["status"]) == (
        "suspended", "valid", "suspended")
    assert body["certificate"]["suspended_until"] == (TODAY + dt.timedelta(days=30)).isoformat()
    assert body["certificate"]["holder"]["uscc"] == cert.holder_uscc and body["delivery_id"]
    # The log the user sees.
    deliveries = Delivery.objects.filter(notification__watchlist=watchlist)
    assert sorted(d.status for d in deliveries) == ["delivered", "delivered"]
    assert DeliveryAttempt.objects.filter(delivery__in=deliveries, ok=True).count() == 2


def test_every_status_change_is_told(cert, watching, receiver, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    cert = suspend(cert, capture)
    with capture(execute=True):
        cert = certificates.certificate_reinstate(actor=SYSTEM, certificate=cert, reason="整改通过", signed_by="李")
    with capture(execute=True):
        cert = certificates.certificate_surveillance_pass(actor=SYSTEM, certificate=cert, signed_by="李")
    with capture(execute=True):
        certificates.certificate_revoke(actor=SYSTEM, certificate=cert, reason="冒用认证标志", signed_by="李")
    assert [r.json["event"] for r in receiver.requests] == ["suspended", "reinstated", "revoked"]
    assert len(mail.outbox) == 3


def test_a_new_certificate_and_expiry_are_told(body, supplier, watching, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=supplier))
    assert [r.json["event"] for r in receiver.requests] == ["issued"]
    with django_capture_on_commit_callbacks(execute=True):
        counts = certificates.certificates_tick(on=TODAY + dt.timedelta(days=4 * 366))
    assert counts["expired"] == 1
    assert [r.json["event"] for r in receiver.requests] == ["issued", "expired"]


def test_a_batch_report_is_told_once_per_change(body, supplier, watching, receiver, django_capture_on_commit_callbacks):
    from certinel.certificates.reporting import report_certificates

    others = [build_org() for _ in range(3)]
    items = [certificate_data(holder=supplier, number=f"TB24010{i}Q") for i in range(2)]
    items += [certificate_data(holder=o) for o in others]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert report_certificates(actor=SYSTEM, body=body, items=items).ok
    assert len(callbacks) == 1                     # one batch for the whole transaction
    assert sorted(r.json["certificate"]["number"] for r in receiver.requests) == ["TB240100Q", "TB240101Q"]
    assert Notification.objects.count() == 2


def test_rolled_back_changes_notify_nobody(cert, watching, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        certificates.certificate_revoke(actor=SYSTEM, certificate=cert, reason="x", signed_by="李")
        raise RuntimeError("the surrounding work failed")
    assert receiver.requests == [] and mail.outbox == []
    # A later change in a new transaction is told as usual.
    suspend(cert, django_capture_on_commit_callbacks)
    assert [r.json["event"] for r in receiver.requests] == ["suspended"]


def test_a_rolled_back_savepoint_does_not_lose_the_rest(cert, body, supplier, watching, receiver,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        second = certificates.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=supplier))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                certificates.certificate_revoke(actor=SYSTEM, certificate=cert, reason="x", signed_by="李")
                raise RuntimeError("undo this part")
        except RuntimeError:
            pass
        certificates.certificate_cancel(actor=SYSTEM, certificate=second, reason="企业申请注销", signed_by="李")
    assert [r.json["event"] for r in receiver.requests] == ["issued", "cancelled"]


def test_paused_lists_and_unwatched_suppliers_hear_nothing(cert, body, watching, buyer, receiver,
                                                           django_capture_on_commit_callbacks):
    stranger = build_org(name="测试无关企业有限公司")
    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=stranger))
    assert receiver.requests == []
    services.watchlist_set_active(actor=Actor.for_user(buyer), watchlist=watching[0], active=False)
    suspend(cert, django_capture_on_commit_callbacks)
    assert receiver.requests == [] and mail.outbox == []


def test_each_change_is_notified_once(cert, watching, receiver, django_capture_on_commit_callbacks):
    suspend(cert, django_capture_on_commit_callbacks)
    record_id = Notification.objects.get().change_id
    assert notify.fan_out([record_id]) == 0          # a repeated or late batch adds nothing
    assert Notification.objects.count() == 1 and len(receiver.requests) == 1


def test_failed_webhooks_are_retried_with_backoff(cert, watching, receiver, django_capture_on_commit_callbacks):
    receiver.answers = [500, 503]
    suspend(cert, django_capture_on_commit_callbacks)
    hook = Delivery.objects.get(channel="webhook")
    assert (hook.status, hook.attempts, hook.last_error) == ("retrying", 1, "HTTP 500 Internal Server Error")
    first_due = hook.next_attempt_at
    assert dt.timedelta(seconds=55) < first_due - timezone.now() <= dt.timedelta(seconds=60)
    # Not yet due: nothing happens.
    assert notify.deliver_due() == 0
    # Due: the second attempt fails too and waits longer; the third succeeds.
    assert notify.deliver_due(now=first_due) == 1
    hook.refresh_from_db()
    assert (hook.status, hook.attempts) == ("retrying", 2)
    assert hook.next_attempt_at - first_due == dt.timedelta(seconds=300)
    notify.deliver_due(now=hook.next_attempt_at)
    hook.refresh_from_db()
    assert (hook.status, hook.attempts, hook.last_error) == ("delivered", 3, "")
    log = list(hook.log.order_by("number").values_list("number", "ok", "http_status"))
    assert log == [(1, False, 500), (2, False, 503), (3, True, 200)]
    assert [r.json["attempt"] for r in receiver.requests] == [1, 2, 3]
    assert len({r.json["delivery_id"] for r in receiver.requests}) == 1


def test_a_delivery_is_given_up_after_the_last_attempt(cert, watching, receiver, django_capture_on_commit_callbacks):
    receiver.answers = [500] * 10
    suspend(cert, django_capture_on_commit_callbacks)
    hook = Delivery.objects.get(channel="webhook")
    for _ in range(len(notify.BACKOFF)):
        hook.refresh_from_db()
        notify.deliver_due(now=hook.next_attempt_at)
    hook.refresh_from_db()
    assert (hook.status, hook.attempts, hook.next_attempt_at) == ("failed", len(notify.BACKOFF) + 1, None)
    assert notify.deliver_due(now=timezone.now() + dt.timedelta(days=2)) == 0


def test_an_unreachable_receiver_is_an_attempt_not_a_crash(cert, watching, receiver, django_capture_on_commit_callbacks,
                                                           buyer):
    services.watchlist_update(actor=Actor.for_user(buyer), watchlist=watching[0], webhook_url="http://127.0.0.1:9/x")
    suspend(cert, django_capture_on_commit_callbacks)
    hook = Delivery.objects.get(channel="webhook")
    assert hook.status == "retrying" and "Error" in hook.last_error
    assert Delivery.objects.get(channel="email").status == "delivered"


def test_redirects_are_not_followed(cert, watching, receiver, django_capture_on_commit_callbacks):
    receiver.answers = [302]
    suspend(cert, django_capture_on_commit_callbacks)
    hook = Delivery.objects.get(channel="webhook")
    assert hook.status == "retrying" and hook.log.get().http_status == 302


def test_mail_failures_are_retried(cert, watching, receiver, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    suspend(cert, django_capture_on_commit_callbacks)
    email = Delivery.objects.get(channel="email")
    assert email.status == "retrying" and email.attempts == 1 and email.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notify.deliver_due(now=email.next_attempt_at)
    email.refresh_from_db()
    assert email.status == "delivered" and len(mail.outbox) == 1


def test_test_notification(buyer, watching, receiver):
    sent = services.watchlist_send_test(actor=Actor.for_user(buyer), watchlist=watching[0])
    assert sent == 2
    assert receiver.requests[0].json["type"] == "test" and "测试通知" in mail.outbox[0].subject


def test_english_watchlists_get_english_labels(buyer, supplier, cert, receiver, django_capture_on_commit_callbacks):
    me = Actor.for_user(buyer)
    watchlist, _secret = services.watchlist_create(actor=me, name="Key suppliers", webhook_url=receiver.url,
                                                   language="en")
    services.watch_item_add(actor=me, watchlist=watchlist, uscc=supplier.uscc)
    suspend(cert, django_capture_on_commit_callbacks)
    assert receiver.requests[0].json["certificate"]["status_label"] == "Suspended"
