"""Thin task wrappers (Celery in production)."""

from __future__ import annotations

from celery import shared_task

from .refresh import stats_refresh


@shared_task(name="certinel.stats.tasks.refresh")
def refresh() -> int:
    """Bring the statistics up to date with the register (what changed since the last run)."""
    return stats_refresh().certificates
