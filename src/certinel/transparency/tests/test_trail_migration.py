"""Moving an existing database to trails read from the log (certificates 0009, core 0005): a
register written the old way, with each certificate's events in their own table beside leaves
that do not hold them, keeps every leaf, tile and root, and reads the same trails after.

The test writes certificates the new way, goes back to the schema before the change with
Django's migration executor (which rebuilds the event rows from the leaves), writes one more
action the old way through the historical models (an event row, and a record whose leaf is
version 1), signs a checkpoint, and goes forward again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.utils import timezone

from certinel.accounts.models import Role
from certinel.certificates import services
from certinel.certificates.models import Certificate
from certinel.certificates.trail import event_records, trail_of
from certinel.core.actor import Actor
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import body_with_scopes, build_org, build_user, certificate_data
from certinel.transparency.leaf import parse_leaf
from certinel.transparency.monitor import verify_log
from certinel.transparency.services import checkpoint_sign, log_records, log_size

MIGRATION = importlib.import_module("certinel.certificates.migrations.0009_trail_in_records")
BEFORE = [("certificates", "0008_indexes_queries_use"), ("core", "0004_record_is_log_entry")]
# What an event row held, as the trail reads it.
FIELDS = ("certificate_id", "seq", "kind", "occurred_on", "reported_at", "delay_days", "status_before",
          "status_after", "reason", "signed_by", "details", "body_id", "actor_label", "via")


def _migrate(executor: MigrationExecutor, targets=None):  # type: ignore[no-untyped-def]
    executor.loader.build_graph()  # what is applied now
    return executor.migrate(targets or executor.loader.graph.leaf_nodes()).apps


def _trails(certificates: list[int]) -> list[tuple]:
    return [tuple(getattr(e, name) for name in FIELDS) for pk in certificates for e in trail_of(pk)]


def _rows(old, certificates: list[int]) -> list[tuple]:  # type: ignore[no-untyped-def]
    Event = old.get_model("certificates", "CertificateEvent")
    return list(Event.objects.filter(certificate_id__in=certificates).order_by("certificate_id", "seq")
                .values_list(*FIELDS))


def _an_action_the_old_way(old, cert: Certificate, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    """A surveillance passed, as the writer recorded it before: an event row, and a history
    record whose leaf (version 1) does not hold the event."""
    from django.contrib.contenttypes.models import ContentType

    Record, Event = old.get_model("core", "ChangeRecord"), old.get_model("certificates", "CertificateEvent")
    now = timezone.now()
    with transaction.atomic():
        record = Record(time=now, actor_label="lifecycle", via="task", action="certificate_surveillance_passed",
                        content_type_id=ContentType.objects.get_for_model(Certificate).pk, object_id=str(cert.pk),
                        object_repr=cert.number, region_code=cert.region_code,
                        before={"last_surveillance_on": None}, after={"last_surveillance_on": day.isoformat()},
                        reason="")
        log_records([record])
        record.save()
        old.get_model("certificates", "Certificate").objects.filter(pk=cert.pk).update(
            last_surveillance_on=day, version=F("version") + 1)
        seq = Event.objects.filter(certificate_id=cert.pk).count() + 1
        Event.objects.create(certificate_id=cert.pk, seq=seq, kind="surveillance_passed", occurred_on=day,
                             reported_at=now, delay_days=(timezone.localtime(now).date() - day).days,
                             status_before="valid", status_after="valid", reason="", signed_by="旧签发人",
                             details={"note": "old"}, body_id=cert.body_id, actor_label="lifecycle", via="task")


@pytest.mark.django_db(transaction=True)
def test_a_register_written_the_old_way_keeps_its_leaves_roots_and_trails(signer, origin):
    body = body_with_scopes()
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    today = timezone.localdate()
    first = services.certificate_issue(actor=operator, body=body,
                                       data=certificate_data(holder=build_org(name="测试迁移电子有限公司")))
    first = services.certificate_suspend(actor=operator, certificate=first, until=today + dt.timedelta(days=60),
                                         reason="监督审核严重不符合", signed_by="李主任")
    first = services.certificate_reinstate(actor=operator, certificate=first, reason="整改验证通过", signed_by="李主任")
    second = services.certificate_issue(actor=operator, body=body, data=dataclasses.replace(
        certificate_data(holder=build_org(name="测试迁移机械有限公司")), number="00126Q30099R0M"))
    certificates = [first.pk, second.pk]
    new_way = _trails(certificates)
    assert [row[2] for row in new_way] == ["issued", "suspended", "reinstated", "issued"]
    executor = MigrationExecutor(connection)
    try:
        old = _migrate(executor, BEFORE)
        # Going back rebuilt the event rows from the leaves.
        assert _rows(old, certificates) == new_way
        _an_action_the_old_way(old, first, today - dt.timedelta(days=3))
        old_rows = _rows(old, certificates)
        checkpoint = checkpoint_sign(signer=signer, origin=origin)
        leaves = list(ChangeRecord.objects.order_by("log_index").values_list("log_index", "leaf", "leaf_hash"))
        # An event no record matches (only raw writes made those) stops the move.
        Event = old.get_model("certificates", "CertificateEvent")
        orphan = Event.objects.create(certificate_id=second.pk, seq=2, kind="revoked", occurred_on=today,
                                      reported_at=timezone.now(), delay_days=0, status_before="valid",
                                      status_after="revoked", signed_by="x", body_id=body.pk, actor_label="x",
                                      via="web")
        with pytest.raises(MIGRATION.OrphanEvents, match=f"certificate {second.pk}'s event #2 \\(revoked"):
            _migrate(executor)
        Event.objects.filter(pk=orphan.pk)._raw_delete(orphan._state.db)  # the test database allows it
    finally:
        _migrate(executor)
    # The leaves and the root are as they were, and the trails read the same as the rows did.
    assert list(ChangeRecord.objects.order_by("log_index").values_list("log_index", "leaf", "leaf_hash")) == leaves
    assert _trails(certificates) == old_rows and len(old_rows) == len(new_way) + 1
    assert old_rows[3][9] == "旧签发人" and old_rows[3][10] == {"note": "old"}
    # Only the record written the old way keeps its event in the column; the others' leaves hold theirs.
    kept = {r.pk: r for r in event_records()}
    assert [r.action for r in kept.values() if r.legacy_event] == ["certificate_surveillance_passed"]
    assert all(parse_leaf(bytes(r.leaf))["v"] == (1 if r.legacy_event else 2) for r in kept.values())
    report = verify_log(origin=origin, verifiers=[signer.verifier])
    assert report.ok, [str(p) for p in report.problems]
    assert report.size == log_size() == checkpoint.size and [c.matches for c in report.claims] == [True]
    # The records are append-only again.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_changerecord SET legacy_event = NULL WHERE id = %s", [max(kept)])
