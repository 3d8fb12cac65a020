"""How notifications really leave the server, end to end, with committed transactions and real
threads: the courier thread that `certinel serve`'s workers use for first attempts, the
scheduler's `watch deliveries` job for what is due and for retries with backoff, Celery
workers on a real Redis broker when one is configured; the webhook signature as receivers
check it (and as docs/verification.md shows them); no fork of the server while a background
job holds the database."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from certinel.certificates import services as certificates
from certinel.core import scheduler
from certinel.core.actor import Actor
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, certificate_data
from certinel.watch import notify, services, webhooks
from certinel.watch.courier import courier
from certinel.watch.models import Delivery, DeliveryAttempt, Notification

from .conftest import check_signature

TODAY = dt.date.today()
DOCS = Path(__file__).resolve().parents[4] / "docs"


def wait_for(predicate, timeout: float = 15.0, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def statuses() -> list[tuple[str, str, int]]:
    return sorted(Delivery.objects.values_list("channel", "status", "attempts"))


@pytest.fixture
def in_background(settings):
    """Deliveries go the way they go under `certinel serve`: not in the calling thread."""
    settings.CERTINEL_WATCH_SEND_INLINE = False
    yield
    assert courier.drain(15), "the courier thread did not finish its deliveries"


@pytest.fixture
def world(buyer, receiver):
    """A supplier with a valid certificate, watched by the buyer by e-mail and signed webhook."""
    supplier = build_org(name="测试华盛电子有限公司")
    cert = certificates.certificate_issue(actor=SYSTEM, body=body_with_scopes(),
                                          data=certificate_data(holder=supplier, number="TW2401001Q"))
    me = Actor.for_user(buyer)
    watchlist, secret = services.watchlist_create(actor=me, name="主要供应商", email="buyer@example.com",
                                                  webhook_url=receiver.url)
    services.watch_item_add(actor=me, watchlist=watchlist, uscc=supplier.uscc, label="华盛")
    receiver.secret = secret
    return cert, watchlist


def suspend(cert):
    return certificates.certificate_suspend(actor=SYSTEM, certificate=cert, until=TODAY + dt.timedelta(days=30),
                                            reason="监督审核发现严重不符合", signed_by="李主任")


# --- without a broker: what `certinel serve` and `certinel demo` do ---------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_suspension_is_delivered_within_seconds_by_the_courier(world, receiver, in_background):
    cert, watchlist = world
    started = time.monotonic()
    suspend(cert)                                   # committed: the change's on_commit runs for real
    [request] = receiver.wait(1)
    assert wait_for(lambda: len(mail.outbox) == 1)
    assert time.monotonic() - started < 5
    assert request.verified is True                 # the receiver's own HMAC check
    assert request.headers["X-Certinel-Event"] == "certificate.suspended"
    assert request.json["certificate"]["status"] == "suspended" and request.json["attempt"] == 1
    assert "TW2401001Q" in mail.outbox[0].subject and mail.outbox[0].to == ["buyer@example.com"]
    assert wait_for(lambda: statuses() == [("email", "delivered", 1), ("webhook", "delivered", 1)])
    assert Notification.objects.get().watchlist == watchlist


@pytest.mark.django_db(transaction=True)
def test_a_test_notification_from_the_page_is_delivered(world, receiver, buyer, client, in_background):
    _cert, watchlist = world
    client.force_login(buyer)
    response = client.post(f"/watch/{watchlist.pk}/test/")
    assert response.status_code == 302
    [request] = receiver.wait(1)
    assert request.verified is True and request.json["type"] == "test"
    assert wait_for(lambda: len(mail.outbox) == 1) and "测试通知" in mail.outbox[0].subject
    assert wait_for(lambda: statuses() == [("email", "delivered", 1), ("webhook", "delivered", 1)])
    page = client.get(f"/watch/{watchlist.pk}/").content.decode()
    assert "已送达" in page and "待发送" not in page


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_job_sends_what_is_due(world, receiver):
    """Deliveries nobody attempted (the process that made them ended first) go out from the
    scheduler's own thread, started as `certinel serve` starts it."""
    _cert, watchlist = world
    notify.notify(watchlist, event="test", payload={"type": "test", "event": "test",
                                                    "watchlist": {"id": watchlist.pk, "name": watchlist.name}})
    assert statuses() == [("email", "pending", 0), ("webhook", "pending", 0)]
    job = next(j for j in scheduler.JOBS if j.name == "watch deliveries")
    assert job.every <= 2
    running = scheduler.start([job])
    try:
        [request] = receiver.wait(1, timeout=10)
        assert wait_for(lambda: statuses() == [("email", "delivered", 1), ("webhook", "delivered", 1)], 10)
    finally:
        running.stop()
    assert request.verified is True and len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_changes_made_by_a_scheduler_job_wait_for_the_delivery_job(world, receiver, in_background):
    """The lifecycle job (here: expiring the certificate) makes the notifications; the
    deliveries job sends them, in its own thread, not in the middle of the lifecycle job."""
    cert, _watchlist = world
    tick = scheduler.Job("certificate lifecycle", 3600,
                         lambda: str(certificates.certificates_tick(on=cert.expires_on + dt.timedelta(days=1))))
    assert "'expired': 1" in scheduler.run_job(tick)
    assert statuses() == [("email", "pending", 0), ("webhook", "pending", 0)] and receiver.requests == []
    assert scheduler.watch_deliveries() == "2 delivered"
    assert receiver.requests[0].json["event"] == "expired" and receiver.requests[0].verified is True
    assert scheduler.watch_deliveries() == ""          # nothing left


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_is_retried_with_backoff_then_given_up(world, receiver, in_background):
    cert, _watchlist = world
    receiver.answers = [500] * 10
    suspend(cert)
    receiver.wait(1)
    hook = wait_for(lambda: Delivery.objects.filter(channel="webhook", attempts=1).first())
    assert hook.status == "retrying" and hook.last_error == "HTTP 500 Internal Server Error"
    for number, wait in enumerate(notify.BACKOFF, start=1):
        hook.refresh_from_db()
        last = hook.log.get(number=number)
        assert hook.next_attempt_at - last.at == dt.timedelta(seconds=wait)   # 1 min, 5 min, 30 min …
        assert scheduler.watch_deliveries() == ""                            # not due yet: left alone
        Delivery.objects.filter(pk=hook.pk).update(next_attempt_at=timezone.now())  # the wait has passed
        assert scheduler.watch_deliveries() in ("1 retrying", "1 failed")
    hook.refresh_from_db()
    assert (hook.status, hook.attempts, hook.next_attempt_at) == ("failed", len(notify.BACKOFF) + 1, None)
    log = list(DeliveryAttempt.objects.filter(delivery=hook).order_by("number").values_list("ok", "http_status"))
    assert log == [(False, 500)] * (len(notify.BACKOFF) + 1)
    assert [r.json["attempt"] for r in receiver.requests] == list(range(1, len(notify.BACKOFF) + 2))
    assert all(r.verified for r in receiver.requests) and len({r.json["delivery_id"] for r in receiver.requests}) == 1
    Delivery.objects.filter(pk=hook.pk).update(next_attempt_at=timezone.now())
    assert scheduler.watch_deliveries() == ""                                # given up: never again
    assert Delivery.objects.get(channel="email").status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_recovers_gets_the_retry(world, receiver, in_background):
    cert, _watchlist = world
    receiver.answers = [503]
    suspend(cert)
    hook = wait_for(lambda: Delivery.objects.filter(channel="webhook", attempts=1).first())
    Delivery.objects.filter(pk=hook.pk).update(next_attempt_at=timezone.now())
    assert scheduler.watch_deliveries() == "1 delivered"
    assert [(r.json["attempt"], r.verified) for r in receiver.requests] == [(1, True), (2, True)]


def test_the_courier_and_the_job_never_send_one_delivery_twice_at_once(world, receiver):
    """A claimed delivery is leased: a second attempt while the first runs does nothing."""
    _cert, watchlist = world
    [delivery, *_] = notify.notify(watchlist, event="test", payload={"type": "test", "event": "test"})
    claimed = notify._claim(delivery.pk, timezone.now())
    assert claimed is not None and notify.deliver(delivery.pk) is None and receiver.requests == []


# --- with a broker: Celery workers -------------------------------------------------------------------

@pytest.fixture
def celery_worker(settings, redis_url):
    """A real Celery worker (in a thread) on a real Redis broker, consuming a queue of its own,
    and the settings of a deployment with CERTINEL_CELERY_BROKER_URL set."""
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    import certinel

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CERTINEL_WATCH_SEND_INLINE = False
    app = Celery("certinel-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    queue = f"certinel-test-{uuid.uuid4().hex[:12]}"
    app.conf.update(broker_url=redis_url, task_always_eager=False, task_default_queue=queue,
                    broker_connection_retry_on_startup=False, worker_hijack_root_logger=False)
    app.autodiscover_tasks(force=True)  # as `celery -A certinel worker` finds them: the apps' tasks.py
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
            yield app
    finally:
        certinel.celery_app.set_default()
        certinel.celery_app.set_current()


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_celery_workers_deliver_and_retry(world, receiver, celery_worker, monkeypatch):
    monkeypatch.setattr(notify, "BACKOFF", (1, 1))   # seconds, so that the test sees the retry
    cert, _watchlist = world
    receiver.answers = [500]
    suspend(cert)                                   # fan_out is a task, each attempt is a task
    requests = receiver.wait(2, timeout=30)
    assert [(r.json["attempt"], r.verified) for r in requests] == [(1, True), (2, True)]
    assert wait_for(lambda: statuses() == [("email", "delivered", 1), ("webhook", "delivered", 2)], 30)
    assert len(mail.outbox) == 1


def test_tasks_called_from_any_thread_use_certinels_celery_app():
    """gunicorn serves requests in threads: a task called there must use Certinel's app (its
    broker, or in-process), not Celery's unconfigured fallback."""
    import certinel
    from certinel.watch import tasks

    seen = []
    thread = threading.Thread(target=lambda: seen.append((tasks.deliver.app, tasks.fan_out.app)))
    thread.start()
    thread.join()
    assert seen == [(certinel.celery_app, certinel.celery_app)]


def test_beat_retries_what_is_due(settings):
    import certinel

    entry = settings.CELERY_BEAT_SCHEDULE["watch-deliver-due"]
    assert entry["task"] in certinel.celery_app.tasks and entry["schedule"] <= 60


# --- the signature -------------------------------------------------------------------------------------

def test_the_signature_covers_the_timestamp_and_the_body():
    secret, body = b"whsec_test", b'{"event":"suspended"}'
    header = webhooks.sign(secret, body, timestamp=1_800_000_000)
    assert re.fullmatch(r"t=1800000000,v1=[0-9a-f]{64}", header)
    assert webhooks.verify_signature(secret, body, header, now=1_800_000_100)
    assert check_signature(secret.decode(), body, webhooks.sign(secret, body))        # what receivers do
    assert not webhooks.verify_signature(b"whsec_other", body, header, now=1_800_000_100)
    assert not webhooks.verify_signature(secret, body + b" ", header, now=1_800_000_100)
    assert not webhooks.verify_signature(secret, body, header, now=1_800_000_000 + 301)  # too old: a replay
    forged = header.replace("t=1800000000", "t=1800000300")                           # a newer time, same MAC
    assert not webhooks.verify_signature(secret, body, forged, now=1_800_000_300)
    assert not webhooks.verify_signature(secret, body, "sha256=" + "0" * 64)
    rotated = f"t=1800000000,v1={'0' * 64},v1={header.split('v1=')[1]}"
    assert webhooks.verify_signature(secret, body, rotated, now=1_800_000_000)


def test_the_receivers_snippet_in_the_docs_works():
    text = (DOCS / "verification.md").read_text(encoding="utf-8")
    snippet = next(block for block in re.findall(r"```python\n(.*?)```", text, re.S) if "X-Certinel-Signature" in block
                   or "def is_from_certinel" in block)
    namespace: dict = {}
    exec(snippet, namespace)  # noqa: S102 - our own documentation
    body = b'{"type":"test"}'
    header = webhooks.sign(b"whsec_abc", body)
    assert namespace["is_from_certinel"]("whsec_abc", body, header) is True
    assert namespace["is_from_certinel"]("whsec_abc", body + b"x", header) is False
    assert namespace["is_from_certinel"]("whsec_abc", body, webhooks.sign(b"whsec_abc", body,
                                                                          timestamp=int(time.time()) - 3600)) is False


# --- the fork of gunicorn's workers ---------------------------------------------------------------------

def _fork_while_a_job_writes(path: Path, *, guarded: bool) -> int:
    """A background thread holds a write transaction on an SQLite file while this process forks;
    returns the exit code of a child that then writes to the file (0: it could)."""
    holding, done = threading.Event(), threading.Event()

    def job() -> None:
        def write() -> None:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t VALUES (1)")
            holding.set()
            time.sleep(0.3)
            conn.execute("COMMIT")
            conn.close()

        if guarded:
            with scheduler.guard():
                write()
        else:
            write()
        done.set()

    thread = threading.Thread(target=job)
    thread.start()
    holding.wait(5)
    pid = os.fork()
    if pid == 0:  # the child: one try at a write, a second after the parent's job ended
        code = 1
        try:
            time.sleep(0.5)
            conn = sqlite3.connect(path, timeout=1)
            conn.execute("INSERT INTO t VALUES (2)")
            conn.commit()
            code = 0
        finally:
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    thread.join()
    return os.waitstatus_to_exitcode(status)


def test_the_server_does_not_fork_while_a_background_job_holds_the_database(tmp_path):
    path = tmp_path / "fork.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    # What went wrong before: a worker forked during a job can never write again.
    assert _fork_while_a_job_writes(path, guarded=False) != 0
    # Under the guard the fork waits for the job to end, and the child writes.
    assert _fork_while_a_job_writes(path, guarded=True) == 0
