"""A certificate's public trail, read from its history records (docs/decisions/0007).

Each lifecycle action of a certificate is one `core.ChangeRecord` (action
`certificate_<event kind>`), and its leaf in the transparency log carries the event as the
body reported it: kind, occurrence date, signatory, reporting delay and details (the leaf's
`event` member, `transparency/leaf.py`). Records written before the event moved into the leaf
keep the same five members in their `legacy_event` column (read only for them).

The rest of an event is the record's own: when it was reported (the record's time), why, who
typed it in and through which channel; the certificate's version after it (`seq`) and its
status come from the record's before and after, which hold only what changed, so a trail is
read in order and carries the status and the body forward from the issue. Every action adds
one to the certificate's version, which starts at 1: an event's place in the trail (`seq`,
from 1) is the version the action left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from certinel.core.models import ChangeRecord

from .choices import CertificateStatus, EventKind

PREFIX = "certificate_"
# The history actions of a certificate's lifecycle, one per event kind.
EVENT_ACTIONS = tuple(PREFIX + kind for kind in EventKind.values)
_LABELS = dict(EventKind.choices)
_STATUS_LABELS = dict(CertificateStatus.choices)


@dataclass(slots=True)
class TrailEvent:
    """One event of a certificate's public trail."""

    certificate_id: int
    seq: int
    kind: str
    occurred_on: dt.date
    reported_at: dt.datetime
    delay_days: int
    status_before: str
    status_after: str
    reason: str
    signed_by: str
    details: dict[str, Any] = field(default_factory=dict)
    body_id: int | None = None
    actor_label: str = ""
    via: str = ""
    record_id: int | None = None
    log_index: int | None = None

    def get_kind_display(self) -> str:
        return str(_LABELS.get(self.kind, self.kind))

    @property
    def before_label(self) -> str:
        return str(_STATUS_LABELS.get(self.status_before, self.status_before))

    @property
    def after_label(self) -> str:
        return str(_STATUS_LABELS.get(self.status_after, self.status_after))


def certificate_type() -> ContentType:
    from .models import Certificate

    return ContentType.objects.get_for_model(Certificate)


def event_records(using: str = "default") -> QuerySet[ChangeRecord]:
    """Every certificate action's history record (unordered)."""
    return ChangeRecord.objects.using(using).filter(content_type=certificate_type(), action__in=EVENT_ACTIONS)


def reported_event(record: ChangeRecord) -> dict[str, Any] | None:
    """The event as its body reported it ({kind, occurred_on, signed_by, delay_days, details}):
    the leaf's `event` member, or the record's `legacy_event` for a record written before the
    leaf carried it; None when the record has neither (not a certificate action). The leaf is
    parsed once per record."""
    cached = getattr(record, "_event", None)
    if cached is not None:
        return cached
    event = None
    if record.leaf is not None and b'"event":' in bytes(record.leaf):
        # Read, not verified: the monitor holds the leaves against the log and the register.
        # The record's own parse of its leaf, which its before and after read too.
        try:
            event = (record.leaf_data or {}).get("event")
        except ValueError:
            event = None
    if event is None:
        event = record.legacy_event
    record._event = event  # type: ignore[attr-defined]
    return event


def event_of(record: ChangeRecord, *, status: str = "", body_id: int | None = None, seq: int = 0
             ) -> TrailEvent | None:
    """The trail's event a certificate action's record holds. `status` and `body_id` are the
    certificate's before the action (what the previous event left), used when the action did not
    change them (the record holds only what changed); `seq` its place in the trail."""
    reported = reported_event(record)
    if reported is None:
        return None
    before, after = record.before or {}, record.after or {}
    status_before = "" if record.before is None else before.get("status", status) or ""
    status_after = after.get("status", status_before) or ""
    body = after.get("body", body_id)
    return TrailEvent(
        certificate_id=int(record.object_id), seq=seq, kind=reported["kind"],
        occurred_on=dt.date.fromisoformat(reported["occurred_on"]), reported_at=record.time,
        delay_days=int(reported["delay_days"]), status_before=status_before, status_after=status_after,
        reason=record.reason, signed_by=reported["signed_by"], details=reported.get("details") or {},
        body_id=body, actor_label=record.actor_label, via=record.via, record_id=record.pk,
        log_index=record.log_index)


def events_in_order(records: Iterable[ChangeRecord]) -> Iterator[TrailEvent]:
    """The events of records of one or more certificates, each certificate's in their order
    (by id, which is the order they were written in), carrying each certificate's status and
    body forward."""
    state: dict[str, tuple[str, int | None, int]] = {}
    for record in sorted(records, key=lambda r: r.pk):
        status, body, seq = state.get(record.object_id, ("", None, 0))
        event = event_of(record, status=status, body_id=body, seq=seq + 1)
        if event is None:
            continue
        state[record.object_id] = (event.status_after, event.body_id, event.seq)
        yield event


def trail_of(certificate_id: int, *, using: str = "default") -> list[TrailEvent]:
    """One certificate's public trail, oldest first."""
    records = event_records(using).filter(object_id=str(certificate_id))
    return list(events_in_order(records))


def trails_of(certificate_ids: Iterable[int], *, using: str = "default", chunk: int = 900
              ) -> dict[int, list[TrailEvent]]:
    """The trails of many certificates, by certificate id (each oldest first)."""
    ids = [str(i) for i in certificate_ids]
    out: dict[int, list[TrailEvent]] = {}
    for start in range(0, len(ids), chunk):
        records = event_records(using).filter(object_id__in=ids[start:start + chunk])
        for event in events_in_order(records):
            out.setdefault(event.certificate_id, []).append(event)
    return out


def body_event_records(body_id: int, *, using: str = "default") -> QuerySet[ChangeRecord]:
    """The certificate actions' records of one body's certificates (a certificate keeps its
    body: a transfer issues a new certificate), through the records' object index."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from .models import Certificate

    keys = (Certificate.objects.using(using).filter(body_id=body_id).order_by()
            .annotate(key=Cast("pk", output_field=CharField())).values("key"))
    return event_records(using).filter(object_id__in=keys)


def kind_of(record: ChangeRecord) -> str:
    """The event kind of a certificate action's record, from its action."""
    return record.action.removeprefix(PREFIX)


def kinds_leaving_in(statuses: Iterable[str]) -> tuple[set[str], set[str]]:
    """The event kinds after which a certificate may be in one of these statuses: (those that
    lead there, those that keep a status that may be one of them)."""
    from .transitions import CERTIFICATE, EVENT_OF, SAME

    wanted = set(statuses)
    leading, keeping = set(), set()
    for action, (sources, target) in CERTIFICATE.table.items():
        if target in wanted:
            leading.add(EVENT_OF[action])
        elif target == SAME and wanted & set(sources):
            keeping.add(EVENT_OF[action])
    return leading, keeping


def events_ending_in(statuses: Iterable[str], records: QuerySet[ChangeRecord]) -> list[TrailEvent]:
    """The events among these certificate records after which the certificate was in one of
    these statuses (unordered). An action that keeps the status (a correction) is placed by
    reading its certificate's trail."""
    wanted = set(statuses)
    leading, keeping = kinds_leaving_in(wanted)
    found: list[TrailEvent] = []
    kept: list[ChangeRecord] = []
    for record in records.filter(action__in=[PREFIX + k for k in leading | keeping]).iterator(chunk_size=2000):
        if kind_of(record) in keeping:
            kept.append(record)
            continue
        event = event_of(record)
        if event is not None and event.status_after in wanted:
            found.append(event)
    if kept:
        ids = {r.pk for r in kept}
        for trail in trails_of({int(r.object_id) for r in kept}).values():
            found.extend(e for e in trail if e.record_id in ids and e.status_after in wanted)
    return found


def events(*, body_id: int | None = None, using: str = "default") -> list[TrailEvent]:
    """Every certificate's events (of one body's certificates), by certificate, oldest first."""
    records = event_records(using) if body_id is None else body_event_records(body_id, using=using)
    return sorted(events_in_order(records), key=lambda e: (e.certificate_id, e.seq))
