"""From a certificate's change of status to the watchers' mailboxes and webhooks.

1. `on_change` is subscribed to the history (`core.history.subscribe`): it is called inside
   the transaction of every change. It only notes the ids of certificate status changes and,
   once per transaction, asks for them to be processed when the transaction commits
   (`transaction.on_commit`); a change that is rolled back notifies nobody.
2. `fan_out` finds the watchlists watching each certificate's holder and writes one
   `Notification` per watchlist and change (never twice: a unique constraint) and one
   `Delivery` per channel (e-mail, webhook), then hands them to `dispatch`.
3. `deliver` makes one attempt, records it (`DeliveryAttempt`, append-only) and, on failure,
   schedules the next one with backoff (`BACKOFF`); after `len(BACKOFF) + 1` attempts a
   delivery is given up ("failed"). `deliver_due` attempts whatever is due.

Where the work runs:

* With a Celery broker (`CERTINEL_CELERY_BROKER_URL`): `fan_out` and each attempt are Celery
  tasks on the workers; a retry is a task sent with a countdown, and beat runs `deliver_due`
  every 30 seconds for anything a lost message left behind.
* Without one (`certinel serve`, `certinel demo`, commands): `fan_out` runs right after the
  commit in the process that made the change (it only writes rows), and the first attempts
  go to this process's courier thread (courier.py), so a request does not wait for mail
  servers and webhooks. Retries, and whatever a process did not get to, are sent by the
  `watch deliveries` job of `certinel serve`'s scheduler (core/scheduler.py), every two
  seconds. `CERTINEL_WATCH_SEND_INLINE = True` makes the first attempt in the calling thread
  instead (the tests).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from certinel.core.models import ChangeRecord

from . import webhooks
from .models import Channel, Delivery, DeliveryAttempt, DeliveryStatus, Notification, WatchItem, Watchlist

logger = logging.getLogger(__name__)

# The certificate events that change its status (the history action is `certificate_<event>`).
STATUS_EVENTS = ("issued", "suspended", "surveillance_missed", "reinstated", "revoked", "cancelled", "expired",
                 "transferred")
ACTIONS = frozenset(f"certificate_{e}" for e in STATUS_EVENTS)
# Seconds to wait before the 2nd, 3rd … attempt; then the delivery is given up.
BACKOFF = (60, 300, 1800, 7200, 21600)
# While one worker attempts a delivery, others leave it alone for this long.
LEASE_SECONDS = 120
# How long an SMTP server may take to answer when EMAIL_TIMEOUT is not set.
MAIL_TIMEOUT_SECONDS = 20


# --- 1. in the transaction of the change ----------------------------------------------------------

class _Batch:
    def __init__(self) -> None:
        self.ids: list[int] = []
        self.done = False

    def flush(self) -> None:
        self.done = True
        ids, self.ids = self.ids, []
        if not ids:
            return
        if not in_process():
            from .tasks import fan_out as fan_out_task

            try:
                fan_out_task.delay(ids)
                return
            except Exception:  # the broker is unreachable: do it here rather than lose the changes
                logger.exception("Could not queue the notifications of %s changes; making them in-process", len(ids))
        fan_out(ids)


def _registered(connection: Any, batch: _Batch, index: int) -> bool:
    """Whether the batch's callback is still pending: Django drops the callbacks of a
    transaction (or savepoint) that rolls back."""
    hooks = connection.run_on_commit
    return not batch.done and index < len(hooks) and hooks[index][1] == batch.flush


def is_status_change(record: ChangeRecord) -> bool:
    """Whether a history record is a change of a certificate's status that watchers are told
    of: one of STATUS_EVENTS, or any other certificate event whose status differs before and
    after (so that an event added later, such as a transfer's, is not missed)."""
    if not record.action.startswith("certificate_"):
        return False
    if record.action in ACTIONS:
        return True
    before, after = record.before or {}, record.after or {}
    return "status" in after and before.get("status") != after.get("status")


def on_change(record: ChangeRecord) -> None:
    if not is_status_change(record):
        return
    connection = transaction.get_connection()
    state = getattr(connection, "_certinel_watch_batch", None)
    if state is None or not _registered(connection, *state):
        batch = _Batch()
        # Robust: a failure here is logged and never turns the committed change into an error.
        transaction.on_commit(batch.flush, robust=True)
        state = (batch, len(connection.run_on_commit) - 1)
        connection._certinel_watch_batch = state
    state[0].ids.append(record.pk)


# --- 2. after the commit: who is told ---------------------------------------------------------------

def _public_url(name: str, fallback: str, **kwargs: Any) -> str:
    """An absolute link to a public page (the fixed path when the pages are not mounted)."""
    base = settings.CERTINEL_PUBLIC_URL.rstrip("/")
    try:
        return base + reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return base + fallback


def payload_for(record: ChangeRecord, cert: Any, watchlist: Watchlist) -> dict[str, Any]:
    """What a notification says (the webhook body without its delivery fields)."""
    from certinel.certificates.choices import CertificateStatus

    event = record.action.removeprefix("certificate_")
    after, before = record.after or {}, record.before or {}
    status = after.get("status", cert.status)
    labels = dict(CertificateStatus.choices)
    with translation.override(watchlist.language):
        return {
            "type": "certificate.status_changed", "event": event, "change_id": record.pk,
            "recorded_at": record.time.isoformat(),
            "watchlist": {"id": watchlist.pk, "name": watchlist.name},
            "certificate": {
                "id": cert.pk, "number": cert.number, "scheme": cert.scheme.code,
                "body": {"approval_no": cert.body.approval_no, "name": cert.body.name},
                "holder": {"name": cert.holder_name, "uscc": cert.holder_uscc},
                "status_before": before.get("status"), "status": status,
                "status_label": str(labels.get(status, status)),
                "reason": record.reason, "status_changed_on": after.get("status_changed_on"),
                "suspended_until": after.get("suspended_until"), "expires_on": cert.expires_on.isoformat(),
                "url": _public_url("certificates:detail", f"/certificates/{cert.pk}/", pk=cert.pk),
                "verify_url": _public_url("certificates:verify_number", f"/verify/{cert.number}", number=cert.number),
            },
        }


def _channels(watchlist: Watchlist) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if watchlist.email:
        out.append((Channel.EMAIL, watchlist.email))
    if watchlist.webhook_url and watchlist.has_secret:
        out.append((Channel.WEBHOOK, watchlist.webhook_url))
    return out


def notify(watchlist: Watchlist, *, event: str, payload: dict[str, Any], change: ChangeRecord | None = None,
           certificate: Any = None) -> list[Delivery]:
    """One notification and its deliveries (none when this change was already notified)."""
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                watchlist=watchlist, change=change, certificate=certificate, event=event, payload=payload,
                status_before=payload.get("certificate", {}).get("status_before") or "",
                status_after=payload.get("certificate", {}).get("status") or "")
            now = timezone.now()
            return [Delivery.objects.create(notification=note, channel=channel, target=target, next_attempt_at=now)
                    for channel, target in _channels(watchlist)]
    except IntegrityError:
        return []


def fan_out(record_ids: list[int]) -> int:
    """Notify the watchers of the certificates these history records changed; returns how
    many deliveries were made (and attempted at once). Large batches (a file import) are read
    a thousand records at a time."""
    made: list[Delivery] = []
    if not WatchItem.objects.filter(watchlist__active=True).exists():
        return 0  # nobody watches anything: nothing to read
    for start in range(0, len(record_ids), 1000):
        made += _fan_out_chunk(record_ids[start:start + 1000])
    dispatch_new([delivery.pk for delivery in made])
    return len(made)


def _fan_out_chunk(record_ids: list[int]) -> list[Delivery]:
    from django.contrib.contenttypes.models import ContentType

    from certinel.certificates.models import Certificate

    ct = ContentType.objects.get_for_model(Certificate)
    changed = list(ChangeRecord.objects.filter(pk__in=record_ids, content_type=ct, action__startswith="certificate_")
                   .values_list("pk", "object_id"))
    holders = dict(Certificate.objects.filter(pk__in={int(object_id) for _pk, object_id in changed})
                   .values_list("pk", "holder_uscc"))
    watched: dict[str, list[Watchlist]] = {}
    for item in (WatchItem.objects.filter(uscc__in=set(holders.values()), watchlist__active=True)
                 .select_related("watchlist")):
        watched.setdefault(item.uscc, []).append(item.watchlist)
    made: list[Delivery] = []
    if not watched:
        return made
    certs = Certificate.objects.select_related("scheme", "body").in_bulk(
        [pk for pk, uscc in holders.items() if uscc in watched])
    # Only the records of watched certificates are read in full.
    records = ChangeRecord.objects.filter(pk__in=[pk for pk, object_id in changed if int(object_id) in certs]
                                          ).order_by("pk")
    for record in records:
        cert = certs.get(int(record.object_id))
        if not is_status_change(record):
            continue
        for watchlist in watched.get(cert.holder_uscc, []) if cert is not None else []:
            made += notify(watchlist, event=record.action.removeprefix("certificate_"),
                           payload=payload_for(record, cert, watchlist), change=record, certificate=cert)
    return made


def in_process() -> bool:
    """Whether background work runs in this process (no Celery broker configured)."""
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


def dispatch_new(delivery_ids: list[int]) -> None:
    """First attempts at deliveries just made (and committed)."""
    if not delivery_ids:
        return
    if not in_process():
        for pk in delivery_ids:
            dispatch(pk)
    elif getattr(settings, "CERTINEL_WATCH_SEND_INLINE", False):
        for pk in delivery_ids:
            deliver(pk)
    elif not _in_background():
        from .courier import courier

        # After the commit of the caller's transaction, if any: the courier's thread reads them.
        transaction.on_commit(lambda: courier.send(delivery_ids), robust=True)
    # In a scheduler job (the lifecycle job expiring certificates): the `watch deliveries` job
    # sends them within seconds.


def _in_background() -> bool:
    from certinel.core.scheduler import in_background

    return in_background()


def dispatch(delivery_id: int, countdown: int | None = None) -> None:
    """An attempt at a delivery, now or in `countdown` seconds. With a broker, a Celery task
    (if the broker cannot be reached, the delivery stays due and beat's `deliver_due` sends
    it); in-process, a first attempt goes the way of `dispatch_new` and a later one waits for
    the scheduler's `watch deliveries` job."""
    if in_process():
        if not countdown:
            dispatch_new([delivery_id])
        return
    from .tasks import deliver as deliver_task

    try:
        if countdown:
            deliver_task.apply_async((delivery_id,), countdown=countdown)
        else:
            deliver_task.delay(delivery_id)
    except Exception:
        logger.exception("Could not queue delivery %s; deliver_due will send it", delivery_id)


# --- 3. sending ---------------------------------------------------------------------------------------

def _claim(delivery_id: int, now: dt.datetime) -> Delivery | None:
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update().select_related("notification__watchlist")
                    .filter(pk=delivery_id).first())
        if delivery is None or delivery.status not in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING):
            return None
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return None
        delivery.next_attempt_at = now + dt.timedelta(seconds=LEASE_SECONDS)
        delivery.save(update_fields=["next_attempt_at"])
        return delivery


def _email(delivery: Delivery) -> webhooks.PostResult:
    note = delivery.notification
    context = {"note": note, "p": note.payload, "c": note.payload.get("certificate", {})}
    with translation.override(note.watchlist.language):
        subject = render_to_string("watch/email/subject.txt", context).strip()
        text = render_to_string("watch/email/body.txt", context)
    try:
        # A mail server that does not answer must not hold the sender forever.
        connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT or MAIL_TIMEOUT_SECONDS)
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [delivery.target], fail_silently=False,
                  connection=connection)
    except Exception as exc:
        return webhooks.PostResult(False, None, f"{type(exc).__name__}: {exc}"[:500], 0)
    return webhooks.PostResult(True, None, "", 0)


def _webhook(delivery: Delivery, now: dt.datetime) -> webhooks.PostResult:
    from .services import watchlist_secret

    note = delivery.notification
    body = webhooks.encode({**note.payload, "delivery_id": delivery.pk, "attempt": delivery.attempts + 1,
                            "sent_at": now.isoformat()})
    return webhooks.post(delivery.target, body=body, secret=watchlist_secret(note.watchlist),
                         event=f"certificate.{note.event}", delivery_id=delivery.pk)


def deliver(delivery_id: int, *, now: dt.datetime | None = None) -> Delivery | None:
    """Attempt a delivery if it is due; record the attempt; schedule the next on failure."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    started = time.monotonic()
    try:
        result = _email(delivery) if delivery.channel == Channel.EMAIL else _webhook(delivery, now)
    except Exception as exc:  # e.g. the webhook secret cannot be decrypted: an attempt that failed
        logger.exception("Delivery %s could not be attempted", delivery_id)
        result = webhooks.PostResult(False, None, f"{type(exc).__name__}: {exc}"[:500], 0)
    if not result.duration_ms:
        result.duration_ms = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        delivery.attempts += 1
        DeliveryAttempt.objects.create(delivery=delivery, number=delivery.attempts, at=now, ok=result.ok,
                                       http_status=result.http_status, error=result.error,
                                       duration_ms=result.duration_ms)
        wait = None
        if result.ok:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
            delivery.last_error = ""
        elif delivery.attempts > len(BACKOFF):
            delivery.status, delivery.next_attempt_at, delivery.last_error = DeliveryStatus.FAILED, None, result.error
        else:
            wait = BACKOFF[delivery.attempts - 1]
            delivery.status, delivery.last_error = DeliveryStatus.RETRYING, result.error
            delivery.next_attempt_at = now + dt.timedelta(seconds=wait)
        delivery.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at", "last_error"])
    if wait is not None:
        logger.info("Delivery %s failed (%s); next attempt in %ss", delivery_id, result.error, wait)
        transaction.on_commit(lambda: dispatch(delivery_id, countdown=wait))
    return delivery


def due_ids(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """The deliveries whose next attempt is due, the longest waiting first."""
    now = now or timezone.now()
    return list(Delivery.objects.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING),
                                        next_attempt_at__lte=now).order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:limit])


def deliver_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Attempt every delivery that is due (the periodic task); returns how many were tried."""
    now = now or timezone.now()
    due = due_ids(now=now, limit=limit)
    for pk in due:
        deliver(pk, now=now)
    return len(due)
