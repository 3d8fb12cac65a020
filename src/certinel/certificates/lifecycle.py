"""Applying lifecycle actions to a certificate in memory, and writing the results: the
certificate row and its history record, whose leaf carries the public event (`trail.py`).
Both the reporting engine (batches) and the single-action services use these, so a change
means the same thing on every channel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from certinel.core.actor import Actor
from certinel.core.dates import add_months
from certinel.core.history import change_record, record_changes, snapshot
from certinel.core.models import ChangeRecord
from certinel.reference.models import Scheme

from .choices import CertificateStatus
from .models import Certificate
from .transitions import CERTIFICATE, EVENT_OF

# Fields an action may set from its details.
SCOPE_FIELDS = ("scope_text", "scope_codes", "products", "sites", "standards", "manufacturer", "factory",
                "factory_address")
CORRECTABLE_FIELDS = ("holder_name", "first_issued_on", "standards", "manufacturer", "factory", "factory_address")


@dataclass
class Action:
    """One step in a certificate's life, as reported."""

    name: str
    occurred_on: dt.date
    signed_by: str
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def next_surveillance(scheme: Scheme, from_day: dt.date, expires_on: dt.date) -> dt.date | None:
    """When the next surveillance is due: one interval after `from_day`, unless the
    certificate expires first (then renewal takes its place)."""
    if not scheme.surveillance_interval_months:
        return None
    due = add_months(from_day, scheme.surveillance_interval_months)
    return due if due < expires_on else None


def issue(cert: Certificate, scheme: Scheme, action: Action) -> None:
    """Set up a new certificate's lifecycle fields (the rest was filled from the report)."""
    cert.status = CertificateStatus.VALID
    cert.version = 1
    cert.status_changed_on = action.occurred_on
    cert.next_surveillance_due = next_surveillance(scheme, cert.last_surveillance_on or cert.issued_on,
                                                   cert.expires_on)


def apply(cert: Certificate, scheme: Scheme, action: Action) -> tuple[str, str]:
    """Apply an action to the certificate in memory; returns (status before, status after).
    Raises TransitionNotAllowed when the action is not allowed from the current status."""
    before = cert.status
    after = CERTIFICATE.target(action.name, before)
    d = action.details
    if action.name == "suspend":
        cert.suspended_until = d["until"]
    elif action.name == "surveillance_miss":
        cert.suspended_until = add_months(action.occurred_on, scheme.max_suspension_months)
    elif action.name == "reinstate":
        cert.suspended_until = None
    elif action.name == "surveillance_pass":
        cert.last_surveillance_on = action.occurred_on
        cert.next_surveillance_due = next_surveillance(scheme, action.occurred_on, cert.expires_on)
    elif action.name == "renew":
        cert.issued_on, cert.expires_on = d["issued_on"], d["expires_on"]
        cert.signed_by = action.signed_by
        cert.next_surveillance_due = next_surveillance(scheme, cert.issued_on, cert.expires_on)
    elif action.name == "change_scope":
        for name in SCOPE_FIELDS:
            if name in d:
                setattr(cert, name, d[name])
    elif action.name == "correct":
        for name in CORRECTABLE_FIELDS:
            if name in d:
                setattr(cert, name, d[name])
    if after != before:
        cert.status = after
        cert.status_changed_on = action.occurred_on
        cert.status_reason = action.reason
        if after != CertificateStatus.SUSPENDED:
            cert.suspended_until = None
    cert.version += 1
    return before, after


# The statuses that end by themselves when the certificate's expiry date passes.
ENDS_BY_EXPIRY = (CertificateStatus.VALID, CertificateStatus.SUSPENDED, CertificateStatus.TRANSFER_PENDING)


class Writer:
    """Collects the history records a batch of actions produces and writes them in bulk. Each
    record's leaf carries its event (`event_member`): the certificate's public trail."""

    def __init__(self, *, actor: Actor, now: dt.datetime | None = None) -> None:
        self.actor = actor
        self.now = now or timezone.now()
        # (certificate id, event kind) of each action, for the e-certificates' status.
        self.events: list[tuple[int, str]] = []
        self.records: list[ChangeRecord] = []
        # Certificates created by this write: none has an electronic certificate yet, so
        # there are no credentials to bring in step with their events.
        self.created: set[int] = set()
        self._ct = None
        self._reported = timezone.localtime(self.now).date()

    def record(self, cert: Certificate, action: Action, snap_before: dict[str, Any] | None) -> dict[str, Any]:
        """The event and the history record of one applied action (the certificate must have
        its primary key). Returns the certificate's snapshot after the action, which is the
        snapshot before the next one."""
        from django.contrib.contenttypes.models import ContentType

        if self._ct is None:
            self._ct = ContentType.objects.get_for_model(Certificate)
        event_kind = EVENT_OF[action.name]
        self.events.append((cert.pk, event_kind))
        after = snapshot(cert)
        record = change_record(
            actor=self.actor, action=f"certificate_{event_kind}", obj=cert, before=snap_before,
            after=after, reason=action.reason, region_code=cert.region_code, content_type=self._ct, time=self.now)
        record._event = event_member(event_kind, action, self._reported)  # type: ignore[attr-defined]
        self.records.append(record)
        return after

    def flush(self) -> None:
        from .ecert import sync_status

        record_changes(self.records)
        sync_status(((pk, kind) for pk, kind in self.events if pk not in self.created), actor=self.actor)
        self.events, self.records, self.created = [], [], set()


def event_member(kind: str, action: Action, reported_on: dt.date) -> dict[str, Any]:
    """The `event` member of an action's leaf: what its body reported (docs/transparency.md)."""
    return {"kind": kind, "occurred_on": action.occurred_on.isoformat(), "signed_by": action.signed_by,
            "delay_days": (reported_on - action.occurred_on).days, "details": _plain(action.details)}


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in details.items()}


def effective_status(cert: Certificate, scheme: Scheme, on: dt.date) -> tuple[str, str]:
    """The status as of `on`, applying expiry and missed surveillance even when the scheduled
    job has not run yet. Returns (status, why) where why explains a computed change."""
    if cert.status in ENDS_BY_EXPIRY and cert.expires_on < on:
        return CertificateStatus.EXPIRED, "expired"
    if cert.status == CertificateStatus.VALID and cert.next_surveillance_due is not None:
        grace = dt.timedelta(days=scheme.surveillance_grace_days)
        if cert.next_surveillance_due + grace < on:
            return CertificateStatus.SUSPENDED, "surveillance_missed"
    return cert.status, ""
