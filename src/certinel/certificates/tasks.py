"""Thin task wrappers (Celery in production, in-process when embedded)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="certinel.certificates.tasks.tick")
def tick() -> dict[str, int]:
    """Expire certificates and suspend those whose surveillance is overdue."""
    return services.certificates_tick()
