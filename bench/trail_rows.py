"""Certificate actions written straight into the history table, for benchmarks that fill a
register without the services: one `core_changerecord` row per event, its leaf (version 2)
carrying the event as the reporting engine's would (docs/transparency.md), so that
`certinel.certificates.trail` reads the trail the benchmark meant. The rows take no place in
the log (no log index): `certinel log verify` is not what these benchmarks measure.

An event is (certificate id, kind, occurred on, reported at, delay days, status before,
status after, body id)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

Event = tuple[int, str, dt.date, dt.datetime, int, str, str, int]
COLUMNS = ("id", "time", "actor_id", "actor_label", "via", "request_id", "action", "content_type_id", "object_id",
           "object_repr", "region_code", "before", "after", "reason", "log_index", "leaf_hash", "leaf")
ACTOR = "bench"


def insert_events(events: Iterable[Event], *, via: str = "import", signed_by: str = "王签发") -> int:
    """Insert the history records of these events (in each certificate's order); returns how many."""
    import json

    from django.contrib.contenttypes.models import ContentType

    from certinel.certificates.models import Certificate
    from certinel.core.bulk import allocate_ids, insert_rows
    from certinel.core.models import ChangeRecord
    from certinel.transparency.leaf import stored_record_leaf
    from certinel.transparency.merkle import leaf_hash

    events = list(events)
    content_type = ContentType.objects.get_for_model(Certificate).pk
    rows = []
    for pk, (cert_id, kind, occurred_on, at, delay, status_before, status_after, body_id) in zip(
            allocate_ids(ChangeRecord, len(events)), events, strict=True):
        before = None if not status_before else {"status": status_before}
        after = {"status": status_after, "body": body_id} if before is None else {"status": status_after}
        action = f"certificate_{kind}"
        event = {"kind": kind, "occurred_on": occurred_on.isoformat(), "signed_by": signed_by, "delay_days": delay,
                 "details": {}}
        leaf = stored_record_leaf(action=action, time=at, object_type="certificates.certificate",
                                  object_id=str(cert_id), actor=ACTOR, before=before, after=after, event=event)
        rows.append((pk, at, None, ACTOR, via, "", action, content_type, str(cert_id), str(cert_id), "",
                     None if before is None else json.dumps(before), json.dumps(after), "", None, leaf_hash(leaf),
                     leaf))
    return insert_rows(ChangeRecord, COLUMNS, rows, encoded=("before", "after"))


def events_sql(pg: bool) -> str:
    """The certificates' events as a derived table for plain SQL, read from their history
    records' leaves: body_id, reported_at, via, certificate_id, kind, delay_days, occurred_on,
    status_after (the columns of the former event table that reference queries read). Its
    `%%` are for a cursor given parameters."""
    if pg:
        return ("(SELECT c.body_id, r.time AS reported_at, r.via, c.id AS certificate_id, "
                "substr(r.action, 13) AS kind, (r.j #>> '{event,delay_days}')::int AS delay_days, "
                "(r.j #>> '{event,occurred_on}')::date AS occurred_on, r.j #>> '{after,status}' AS status_after "
                "FROM (SELECT time, via, action, object_id, convert_from(leaf, 'UTF8')::jsonb AS j "
                "FROM core_changerecord WHERE action LIKE 'certificate\\_%%') r "
                "JOIN certificates_certificate c ON c.id = r.object_id::bigint)")
    leaf = "CAST(r.leaf AS TEXT)"
    return ("(SELECT c.body_id, r.time AS reported_at, r.via, c.id AS certificate_id, "
            f"substr(r.action, 13) AS kind, json_extract({leaf}, '$.event.delay_days') AS delay_days, "
            f"json_extract({leaf}, '$.event.occurred_on') AS occurred_on, "
            f"json_extract({leaf}, '$.after.status') AS status_after "
            "FROM core_changerecord r JOIN certificates_certificate c ON c.id = CAST(r.object_id AS INTEGER) "
            "WHERE r.action LIKE 'certificate\\_%%' ESCAPE '\\')")
