"""Thin task wrappers (Celery in production, in-process when embedded)."""

from __future__ import annotations

from celery import shared_task

from . import notify


@shared_task(name="certinel.watch.tasks.fan_out")
def fan_out(record_ids: list[int]) -> int:
    """Notify the watchers of the certificates these history records changed."""
    return notify.fan_out(record_ids)


@shared_task(name="certinel.watch.tasks.deliver")
def deliver(delivery_id: int) -> str | None:
    """One attempt at one delivery (e-mail or webhook)."""
    delivery = notify.deliver(delivery_id)
    return delivery.status if delivery is not None else None


@shared_task(name="certinel.watch.tasks.deliver_due")
def deliver_due() -> int:
    """Retry the deliveries whose next attempt is due (run every minute)."""
    return notify.deliver_due()
