"""Thin task wrappers (Celery in production, in-process when embedded)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="certinel.transparency.tasks.checkpoint")
def checkpoint() -> str:
    """Sign a checkpoint of the log with the operator's key when the log has grown (scheduled
    every minute: receipts wait for the next checkpoint)."""
    from certinel.core.scheduler import sign_checkpoint_if_grown

    return sign_checkpoint_if_grown()
