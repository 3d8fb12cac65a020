"""The facts Certinel records from its own events, in the transaction that writes them (a
subscriber of the history, `core.history.subscribe_batch`):

* a certificate suspended or revoked by its body: a fact in the holder's file;
* a subject listed as seriously illegal and dishonest: a serious fact in its file (and the
  fact annulled when the listing is);
* a body's report that reached the register after the reporting deadline
  (`CERTINEL_REPORTING_DEADLINE_DAYS`): one late-reporting fact per body and report.

Each fact links to the history record it came from, unique per kind, so that an event seen
twice (a replay, a catch-up) never makes a second fact. The subjects' classes are recomputed
at once. The subscriber runs after the transparency log's, so that the log keeps the order of
the records: the event's leaves first, then the facts'."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone

from certinel.core.actor import Actor
from certinel.core.bulk import create_objects
from certinel.core.history import change_record, record_changes, snapshot
from certinel.core.models import ChangeRecord, Via

from .choices import CreditSubjectKind, FactKind, FactStatus, Severity
from .models import CreditFact
from .services_classes import classes_recompute, subjects_of
from .transitions import FACT

SYSTEM_LABEL = "credit:facts"
_CERTIFICATE_FACTS = {"certificate_suspended": FactKind.CERTIFICATE_SUSPENDED,
                      "certificate_revoked": FactKind.CERTIFICATE_REVOKED}
_WATCHED = {*_CERTIFICATE_FACTS, "credit_listed", "credit_annulled"}


def _source(action: str) -> str:
    return f"certinel:{action}"


def _day(value: Any, record: ChangeRecord) -> dt.date:
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    return timezone.localtime(record.time).date()


def on_records(records: list[ChangeRecord]) -> None:
    """The history subscriber: the facts of one write's records."""
    watched = [r for r in records if r.action in _WATCHED]
    reported = [r for r in records if r.action.startswith("certificate_") and r.via != Via.TASK]
    if not watched and not reported:
        return
    facts = _certificate_facts(watched) + _listing_facts(watched) + _late_facts(reported)
    facts = _new_only(facts)
    actor = Actor.system(SYSTEM_LABEL)
    touched: list[CreditFact] = list(facts)
    if facts:
        create_objects(facts)
        record_changes([change_record(actor=actor, action="credit_fact_recorded", obj=f, before=None,
                                      after=snapshot(f)) for f in facts])
    touched += _annul_listings([r for r in watched if r.action == "credit_annulled"], actor)
    if touched:
        classes_recompute(subjects=subjects_of(touched))


def _new_only(facts: list[CreditFact]) -> list[CreditFact]:
    """Leave out the facts already made from the same record (a replayed event)."""
    ids = sorted({f.change_record_id for f in facts if f.change_record_id is not None})
    seen: set[tuple[int | None, str]] = set()
    for start in range(0, len(ids), 900):
        seen.update(CreditFact.objects.filter(change_record_id__in=ids[start:start + 900])
                    .values_list("change_record_id", "kind"))
    out = []
    for fact in facts:
        key = (fact.change_record_id, fact.kind)
        if key not in seen:
            seen.add(key)
            out.append(fact)
    return out


def _certificate_facts(records: list[ChangeRecord]) -> list[CreditFact]:
    from certinel.certificates.models import Certificate

    wanted = [r for r in records if r.action in _CERTIFICATE_FACTS]
    if not wanted:
        return []
    ids = sorted({int(r.object_id) for r in wanted})
    certs: dict[int, Mapping[str, Any]] = {}
    for start in range(0, len(ids), 900):
        for row in Certificate.objects.filter(pk__in=ids[start:start + 900]).values(
                "id", "number", "holder_id", "holder__region_code", "body_id", "body__name"):
            certs[row["id"]] = row
    out = []
    for record in wanted:
        cert = certs.get(int(record.object_id))
        if cert is None or cert["holder_id"] is None:
            continue
        out.append(CreditFact(
            subject_kind=CreditSubjectKind.ORGANIZATION, organization_id=cert["holder_id"],
            region_code=cert["holder__region_code"] or "", kind=_CERTIFICATE_FACTS[record.action],
            severity=Severity.GENERAL, occurred_on=_day((record.after or {}).get("status_changed_on"), record),
            source=_source(record.action), decision_no=cert["number"], authority=cert["body__name"],
            description=record.reason, details={"certificate": cert["number"], "body_id": cert["body_id"]},
            recorded_by=SYSTEM_LABEL, change_record_id=record.pk))
    return out


def _listing_facts(records: list[ChangeRecord]) -> list[CreditFact]:
    out = []
    for record in records:
        if record.action != "credit_listed":
            continue
        entry = record.after or {}
        kind = entry.get("subject_kind", "")
        if kind not in (CreditSubjectKind.ORGANIZATION, CreditSubjectKind.BODY, CreditSubjectKind.LAB):
            continue
        out.append(CreditFact(
            subject_kind=kind, **{f"{kind}_id": entry.get(kind)}, region_code=entry.get("region_code", ""),
            kind=FactKind.SERIOUS_VIOLATION_LISTED, severity=Severity.SERIOUS,
            occurred_on=_day(entry.get("listed_on"), record), source=_source(record.action),
            decision_no=entry.get("decision_no", ""), authority=entry.get("authority", ""),
            description=entry.get("violation", ""), details={"entry": int(record.object_id)},
            recorded_by=SYSTEM_LABEL, change_record_id=record.pk))
    return out


def _late_facts(records: list[ChangeRecord]) -> list[CreditFact]:
    """One fact per body for the events of this write it reported after the deadline."""
    from certinel.certificates.choices import TRANSFER_EVENTS
    from certinel.certificates.models import Certificate
    from certinel.certificates.trail import EVENT_ACTIONS, PREFIX, reported_event
    from certinel.registry.models import CertificationBody

    if not records:
        return []
    deadline = settings.CERTINEL_REPORTING_DEADLINE_DAYS
    skipped = {PREFIX + kind for kind in TRANSFER_EVENTS}
    by_cert: dict[int, ChangeRecord] = {}
    found: list[tuple[int, str, int]] = []  # (certificate id, kind, delay) of each late event
    for record in records:
        by_cert.setdefault(int(record.object_id), record)
        if record.via == Via.TASK or record.action not in EVENT_ACTIONS or record.action in skipped:
            continue
        event = reported_event(record)
        if event is not None and event["delay_days"] > deadline:
            found.append((int(record.object_id), event["kind"], event["delay_days"]))
    certs: dict[int, tuple[str, int]] = {}
    ids = sorted({cert_id for cert_id, _, _ in found})
    for start in range(0, len(ids), 900):
        certs.update((pk, (number, body_id)) for pk, number, body_id in Certificate.objects.filter(
            pk__in=ids[start:start + 900]).values_list("pk", "number", "body_id"))
    late: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for cert_id, kind, delay in found:
        number, body_id = certs[cert_id]
        late[body_id].append({"certificate_id": cert_id, "certificate__number": number, "body_id": body_id,
                              "kind": kind, "delay_days": delay})
    if not late:
        return []
    bodies = {b.pk: b for b in CertificationBody.objects.filter(pk__in=list(late))}
    out = []
    for body_id, events in sorted(late.items()):
        events.sort(key=lambda e: (-e["delay_days"], e["certificate_id"]))
        first = min(events, key=lambda e: by_cert[e["certificate_id"]].pk)
        record = by_cert[first["certificate_id"]]
        out.append(CreditFact(
            subject_kind=CreditSubjectKind.BODY, body_id=body_id, region_code=bodies[body_id].region_code,
            kind=FactKind.LATE_REPORTING, severity=Severity.MINOR, occurred_on=timezone.localtime(record.time).date(),
            source=_source("certificate_reported_late"), decision_no="", authority="",
            description="",
            details={"events": len(events), "deadline_days": deadline, "max_delay_days": events[0]["delay_days"],
                     "certificates": [e["certificate__number"] for e in events[:20]]},
            recorded_by=SYSTEM_LABEL, change_record_id=record.pk))
    return out


def _annul_listings(records: list[ChangeRecord], actor: Actor) -> list[CreditFact]:
    """A listing annulled: the fact it made no longer counts."""
    if not records:
        return []
    entry_ids = [r.object_id for r in records]
    reasons = {r.object_id: r.reason for r in records}
    facts = list(CreditFact.objects.select_for_update().filter(
        kind=FactKind.SERIOUS_VIOLATION_LISTED, status=FactStatus.RECORDED, change_record__action="credit_listed",
        change_record__object_id__in=entry_ids).select_related("change_record"))
    changes = []
    for fact in facts:
        listing = fact.change_record
        assert listing is not None  # the query selects facts made from a listing's record
        before = snapshot(fact)
        fact.status = FACT.target("annul", fact.status)
        fact.save(update_fields=["status", "updated_at"])
        changes.append(change_record(actor=actor, action="credit_fact_annulled", obj=fact, before=before,
                                     after=snapshot(fact), reason=reasons.get(listing.object_id, "")))
    record_changes(changes)
    return facts
