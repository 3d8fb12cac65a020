"""Thin task wrappers (Celery in production, in-process when embedded)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="certinel.credit.tasks.expire")
def expire() -> int:
    """Remove the list's entries whose maximum period has run."""
    return services.entries_expire()


@shared_task(name="certinel.credit.tasks.end_displays")
def end_displays() -> int:
    """End the display of published penalties whose maximum period has run."""
    from .services_repair import publications_expire

    return publications_expire()


@shared_task(name="certinel.credit.tasks.classify")
def classify() -> int:
    """Recompute every subject's credit risk class (facts age out of their windows)."""
    from .services_classes import classes_recompute

    return classes_recompute().total
