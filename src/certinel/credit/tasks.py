"""Thin task wrappers (Celery in production, in-process when embedded)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="certinel.credit.tasks.expire")
def expire() -> int:
    """Remove the list's entries whose maximum period has run."""
    return services.entries_expire()


@shared_task(name="certinel.credit.tasks.classify")
def classify() -> int:
    """Recompute every subject's credit risk class (facts age out of their windows)."""
    from .services_classes import classes_recompute

    return classes_recompute().total
