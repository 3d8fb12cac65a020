"""Thin task wrappers (Celery in production, in-process when embedded)."""

from __future__ import annotations

from celery import shared_task

from . import services_warnings


@shared_task(name="certinel.cases.tasks.warnings_if_due")
def warnings_if_due() -> dict[str, int]:
    """Run the warning rules when certificates or bodies changed since the last run."""
    return services_warnings.run_if_due()


@shared_task(name="certinel.cases.tasks.warnings_daily")
def warnings_daily() -> dict[str, int]:
    """Run every warning rule (findings that depend on the date appear without any change)."""
    return services_warnings.warnings_run()
