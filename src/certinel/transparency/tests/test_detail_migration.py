"""A record's before and after stored once (core 0005): a database written the old way, with
before and after in columns of every record, keeps every record's before and after (in its
leaf, or in a PrivateDetail when the leaf does not hold them) and every root of its log.

The test goes back to the schema before the change with Django's migration executor, writes
records as the old code did (through the historical models: a public record, one too large for
its leaf, a private one and one written before the log took every record), signs a checkpoint
and goes forward again."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from certinel.core.actor import Actor
from certinel.core.history import record_change
from certinel.core.models import ChangeRecord, PrivateDetail
from certinel.core.testing.builders import build_org
from certinel.registry.models import Organization
from certinel.transparency import merkle as m
from certinel.transparency.leaf import change_record_leaf
from certinel.transparency.monitor import verify_log
from certinel.transparency.services import BulkLog, checkpoint_sign, log_size

MIGRATION = importlib.import_module("certinel.core.migrations.0005_private_detail")
BEFORE = [("core", "0004_record_is_log_entry")]
BIG = {"note": "长" * 30_000}  # too large for a log entry: the leaf holds its digest


def _migrate(executor: MigrationExecutor, targets=None):  # type: ignore[no-untyped-def]
    executor.loader.build_graph()  # what is applied now
    return executor.migrate(targets or executor.loader.graph.leaf_nodes()).apps


def _columns(Record) -> dict[int, tuple[Any, Any]]:  # type: ignore[no-untyped-def]
    return {pk: (b, a) for pk, b, a in Record.objects.values_list("pk", "before", "after")}


def _write_the_old_way(apps, org: Organization, user) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Records with before and after in their columns, logged as the old code logged them
    (the leaf made from the columns); one more written before the log took every record."""
    Record = apps.get_model("core", "ChangeRecord")
    org_type = ContentType.objects.get_for_model(Organization).pk
    user_type = ContentType.objects.get_for_model(get_user_model()).pk
    cases = {
        "public": (org_type, org.pk, {"name": "甲"}, {"name": "乙", "n": 1.5}),
        "oversized": (org_type, org.pk, None, BIG),
        "private": (user_type, user.pk, {"role": "admin", "x": None}, {"role": "regulator", "x": [1, "二"]}),
        "legacy": (org_type, org.pk, {"status": "active"}, {"status": "cancelled"}),
    }
    written = {}
    with transaction.atomic():
        log = BulkLog()
        for name, (content_type, object_id, before, after) in cases.items():
            record = Record(time=timezone.now(), actor_label="old-code", via="system", action="thing_changed",
                            content_type_id=content_type, object_id=str(object_id), object_repr="x",
                            before=before, after=after, reason=name)
            if name != "legacy":
                record.leaf = change_record_leaf(record)
                record.leaf_hash, record.log_index = m.leaf_hash(record.leaf), log.size
                log.add([(record.log_index, record.leaf_hash)])
            record.save()
            written[name] = record.pk
    return written


@pytest.mark.django_db(transaction=True)
def test_a_database_written_the_old_way_keeps_every_before_and_after_and_its_roots(signer, origin):
    org = build_org()  # written the new way: going back fills the columns from the leaves
    user = get_user_model().objects.create(username="old.way", role="admin")
    with transaction.atomic():
        new_private = record_change(actor=Actor.system(), action="thing_changed", obj=user, before={"a": 1},
                                    after={"a": 2})
        new_big = record_change(actor=Actor.system(), action="thing_changed", obj=org, before=None, after=BIG)
    new_way = {r.pk: (r.before, r.after) for r in ChangeRecord.objects.all()}
    assert new_way[new_private.pk] == ({"a": 1}, {"a": 2}) and new_way[new_big.pk] == (None, BIG)
    executor = MigrationExecutor(connection)
    try:
        old = _migrate(executor, BEFORE)
        Record = old.get_model("core", "ChangeRecord")
        assert _columns(Record) == new_way  # the reverse put them back, from the details and the leaves
        written = _write_the_old_way(old, org, user)
        checkpoint_sign(signer=signer)
        expected = _columns(Record)
        roots = [(size, bytes(root)) for size, root in old.get_model("transparency", "Checkpoint").objects
                 .order_by("size").values_list("size", "root_hash")]
    finally:
        _migrate(executor)
    assert len(expected) == len(new_way) + 4 and roots
    # Every record reads the same before and after.
    assert {r.pk: (r.before, r.after) for r in ChangeRecord.objects.all()} == expected
    # Details only for the records whose leaf does not hold them.
    detailed = set(PrivateDetail.objects.values_list("record_id", flat=True))
    assert detailed == {written["oversized"], written["private"], written["legacy"], new_private.pk, new_big.pk}
    private = PrivateDetail.objects.get(pk=written["private"])
    assert (private.before, private.after) == ('{"role":"admin","x":null}', '{"role":"regulator","x":[1,"二"]}')
    # The monitor finds the same roots; the private and oversized records' leaves are still
    # those of their details. Only the record the log never took is reported, as before.
    report = verify_log(origin=origin, verifiers=[signer.verifier], register=False)
    assert [(c.size, c.root, c.matches) for c in report.claims] == [(size, root, True) for size, root in roots]
    assert [(p.kind, p.index) for p in report.problems] == [("history", None)]
    assert f"#{written['legacy']}" in report.problems[0].message
    stored = ChangeRecord.objects.get(pk=written["legacy"])
    assert stored.leaf is None and stored.after == {"status": "cancelled"}
    # Both tables are append-only, and the log goes on from where it was.
    for statement in ("UPDATE core_changerecord SET reason = 'x'", "UPDATE core_privatedetail SET after = '{}'"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    size = log_size()
    build_org(name=f"{org.name}二")
    assert log_size() > size
