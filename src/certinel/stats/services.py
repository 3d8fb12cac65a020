"""Writes of the stats app: a responsible unit's progress report on a target, entered by a
regulator of the target's region. Stored once, with its history record (`record_change`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certinel.accounts.permissions import can
from certinel.cases.evidence import EvidenceFile, check, shown_name
from certinel.core.actor import Actor
from certinel.core.errors import ErrorList, NotFound, NotPermitted
from certinel.core.history import record_change, snapshot

from .models import ProgressReport
from .targets import target_by_id


def attachments_folder() -> Path:
    """Attachments are kept by their SHA-256 digest outside MEDIA_ROOT (as complaint evidence)."""
    return Path(settings.DATA_DIR) / "stats-progress"


def _store(file: EvidenceFile) -> dict[str, Any]:
    digest = file.sha256
    path = attachments_folder() / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(file.data)
        partial.replace(path)
    return {"name": shown_name(file.name), "sha256": digest, "size": len(file.data),
            "content_type": file.content_type}


def progress_report_create(*, actor: Actor, target_id: str, unit: str, as_of: dt.date, narrative: str,
                           figure: Decimal | None = None, attachment: EvidenceFile | None = None,
                           today: dt.date | None = None) -> ProgressReport:
    """Record what a responsible unit reports on a target: the unit must be one the target
    names, the date not in the future, the narrative given; the attachment (optional) a PDF,
    PNG or JPEG within the evidence size limit."""
    today = today or timezone.localdate()
    target = target_by_id(target_id, on=today)
    if target is None:
        raise NotFound(_("No target %(id)s.") % {"id": target_id})
    if not can(actor.user, "decide", "supervision", region_code=target.region):
        raise NotPermitted(_("Only regulators of the target's region may enter its units' progress reports."),
                           details={"action": "report", "kind": "target"})
    errors = ErrorList()
    unit = (unit or "").strip()
    if unit not in target.units:
        errors.add("unit", _("%(unit)s is not a unit responsible for this target.") % {"unit": unit or "-"},
                   "not_responsible")
    if as_of > today:
        errors.add("as_of", _("This date lies in the future."), "future_date")
    if not (narrative or "").strip():
        errors.add("narrative", _("Say what the unit has done."), "required")
    if figure is not None and figure < 0:
        errors.add("figure", _("The figure cannot be negative."), "negative")
    errors.raise_if_any()
    if attachment is not None:
        check([attachment])
    with transaction.atomic():
        report = ProgressReport.objects.create(
            target_id=target.id, unit=unit, as_of=as_of, figure=figure, narrative=narrative.strip(),
            attachment=_store(attachment) if attachment is not None else {}, entered_by=actor.label[:150])
        record_change(actor=actor, action="target_progress_reported", obj=report, before=None,
                      after=snapshot(report), region_code=target.region)
    return report
