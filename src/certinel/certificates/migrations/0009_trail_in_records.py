"""A certificate's public trail is its history records (docs/decisions/0007, point 2): the
event rows go, and what the old leaves do not hold of each event (its kind, occurrence date,
signatory, reporting delay and details) is kept on its record, in `legacy_event`. The leaves,
the tiles and the checkpoints are untouched, so `certinel log verify` finds the same roots.

An event is matched to its record by the certificate, the action (`certificate_<kind>`) and
the time (the event's reporting time is its record's time), in order within a certificate
(events by sequence, records by id). An event without its record (only raw writes of a test or
a benchmark made those) has nowhere to go: the migration refuses rather than lose it.

The records' append-only triggers are lifted while the column is filled, once, and put back.
Going back rebuilds the event rows from the records (the leaves' `event` member, or
`legacy_event`), carrying each certificate's status and body forward from its issue; an
event's sequence is its place in the trail (each action adds one to the version).
"""

import datetime as dt
import json

from django.db import migrations

from certinel.core.db import AppendOnly, LiftAppendOnly

RECORD = "core_changerecord"
EVENT = "certificates_certificateevent"
PREFIX = "certificate_"
CHUNK = 2000


class OrphanEvents(RuntimeError):
    """Certificate events that no history record matches."""


def _certificate_type(apps):  # type: ignore[no-untyped-def]
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.filter(app_label="certificates", model="certificate").first()


def _leaf_event(leaf) -> dict | None:  # type: ignore[no-untyped-def]
    data = bytes(leaf or b"")
    return json.loads(data).get("event") if b'"event":' in data else None


def _changes(leaf) -> tuple[dict | None, dict | None]:  # type: ignore[no-untyped-def]
    """A record's before and after, as its leaf holds them (whether or not the record keeps
    them in columns of its own)."""
    parsed = json.loads(bytes(leaf))
    return parsed.get("before"), parsed.get("after")


def keep_events(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    """Each event's reported members onto the record of its action."""
    Event = apps.get_model("certificates", "CertificateEvent")
    Record = apps.get_model("core", "ChangeRecord")
    content_type = _certificate_type(apps)
    ids = list(Event.objects.order_by("certificate_id").values_list("certificate_id", flat=True).distinct())
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        waiting: dict[tuple[str, str, dt.datetime], list] = {}
        records = (Record.objects.filter(content_type=content_type, object_id__in=[str(i) for i in chunk],
                                         action__startswith=PREFIX)
                   .order_by("id").only("id", "object_id", "action", "time", "leaf"))
        for record in records:
            waiting.setdefault((record.object_id, record.action, record.time), []).append(record)
        kept = []
        for event in Event.objects.filter(certificate_id__in=chunk).order_by("certificate_id", "seq"):
            found = waiting.get((str(event.certificate_id), PREFIX + event.kind, event.reported_at))
            if not found:
                raise OrphanEvents(
                    f"certificate {event.certificate_id}'s event #{event.seq} ({event.kind}, reported "
                    f"{event.reported_at.isoformat()}) has no history record: only raw writes (tests, benchmarks) "
                    "make those; this database cannot be moved to trails read from the log without losing it")
            record = found.pop(0)
            if _leaf_event(record.leaf) is not None:
                continue  # its leaf holds the event already
            record.legacy_event = {"kind": event.kind, "occurred_on": event.occurred_on.isoformat(),
                                   "signed_by": event.signed_by, "delay_days": event.delay_days,
                                   "details": event.details or {}}
            kept.append(record)
        Record.objects.bulk_update(kept, ["legacy_event"], batch_size=500)


def rebuild_events(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    """The reverse: an event row for each certificate action's record."""
    Event = apps.get_model("certificates", "CertificateEvent")
    Record = apps.get_model("core", "ChangeRecord")
    content_type = _certificate_type(apps)
    if content_type is None:
        return
    state: dict[str, tuple[str, object, int]] = {}
    rows = []
    records = (Record.objects.filter(content_type=content_type, action__startswith=PREFIX).order_by("id")
               .only("id", "object_id", "action", "time", "reason", "actor_label", "via", "leaf", "legacy_event"))
    for record in records.iterator(chunk_size=CHUNK):
        event = _leaf_event(record.leaf) or record.legacy_event
        if event is None:
            continue
        old, new = _changes(record.leaf)
        before, after = old or {}, new or {}
        status, body, seq = state.get(record.object_id, ("", None, 0))
        status_before = "" if old is None else before.get("status", status) or ""
        status_after = after.get("status", status_before) or ""
        body = after.get("body", body)
        state[record.object_id] = (status_after, body, seq + 1)
        rows.append(Event(certificate_id=int(record.object_id), seq=seq + 1,
                          kind=event["kind"], occurred_on=dt.date.fromisoformat(event["occurred_on"]),
                          reported_at=record.time, delay_days=event["delay_days"], status_before=status_before,
                          status_after=status_after, reason=record.reason, signed_by=event["signed_by"],
                          details=event.get("details") or {}, body_id=body, actor_label=record.actor_label,
                          via=record.via))
        if len(rows) >= CHUNK:
            Event.objects.bulk_create(rows)
            rows = []
    Event.objects.bulk_create(rows)


class Migration(migrations.Migration):

    dependencies = [
        ('certificates', '0008_indexes_queries_use'),
        ('core', '0006_changerecord_legacy_event'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        LiftAppendOnly(RECORD),
        migrations.RunPython(keep_events, rebuild_events),
        AppendOnly(RECORD),
        LiftAppendOnly(EVENT),
        migrations.DeleteModel(name='CertificateEvent'),
    ]
