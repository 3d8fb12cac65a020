"""Moving an existing database to one record per change (core 0004, transparency 0004): a log
written the old way, with its entries in their own table, keeps every leaf, tile and root.

The test goes back to the schema before the change with Django's migration executor, writes
history records, their entries, tiles and a signed checkpoint as the old code did (through the
historical models), and goes forward again."""

from __future__ import annotations

import importlib

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from certinel.core.models import ChangeRecord
from certinel.transparency import merkle as m
from certinel.transparency.checkpoint import CheckpointBody, sign_checkpoint
from certinel.transparency.leaf import change_record_leaf
from certinel.transparency.monitor import verify_log
from certinel.transparency.services import log_size
from certinel.transparency.tiledtree import TileBuilder

from .conftest import FILL_ACTION, FILL_ACTOR, FILL_OBJECT, FILL_TIME

MIGRATION = importlib.import_module("certinel.core.migrations.0004_record_is_log_entry")
BEFORE = [("core", "0003_fewer_indexes"), ("transparency", "0003_fewer_indexes")]


def _migrate(executor: MigrationExecutor, targets=None):  # type: ignore[no-untyped-def]
    executor.loader.build_graph()  # what is applied now
    return executor.migrate(targets or executor.loader.graph.leaf_nodes()).apps


def _write_the_old_way(apps, signer, origin: str, count: int) -> list[tuple[int, bytes, bytes, int]]:  # type: ignore[no-untyped-def]
    """`count` more history records and their entries, tiles and a checkpoint, as the log
    wrote them before: (index, leaf, leaf hash, record id) of every entry."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    Record, Entry, Tile, Checkpoint = (apps.get_model(*name) for name in (
        ("core", "ChangeRecord"), ("transparency", "LogEntry"), ("transparency", "LogTile"),
        ("transparency", "Checkpoint")))
    content_type = ContentType.objects.get_for_model(get_user_model()).pk
    with transaction.atomic():
        size = Entry.objects.count()
        for i in range(count):
            record = Record.objects.create(time=FILL_TIME, actor_label=FILL_ACTOR, via="system", action=FILL_ACTION,
                                           content_type_id=content_type, object_id=str(FILL_OBJECT),
                                           object_repr=FILL_ACTOR, after={"n": i}, reason=f"step {i}")
            leaf = change_record_leaf(record)
            Entry.objects.create(index=size + i, data=leaf, leaf_hash=m.leaf_hash(leaf), change_record_id=record.pk)
        entries = [(i, bytes(d), bytes(h), r) for i, d, h, r in Entry.objects.order_by("index").values_list(
            "index", "data", "leaf_hash", "change_record_id")]
        builder = TileBuilder()
        for _, _, digest, _ in entries:
            builder.add(digest)
        stored = set(Tile.objects.values_list("level", "index"))
        Tile.objects.bulk_create([Tile(level=t.level, index=t.index, hashes=t.hashes, root=t.root)
                                  for t in builder.drain() if (t.level, t.index) not in stored])
        root = m.root_hash([digest for _, _, digest, _ in entries])
        Checkpoint.objects.create(size=len(entries), root_hash=root, origin=origin, key_name=signer.name,
                                  note=sign_checkpoint(CheckpointBody(origin, len(entries), root), [signer]))
    return entries


@pytest.mark.django_db(transaction=True)
def test_a_log_written_the_old_way_keeps_its_leaves_and_roots(signer, origin):
    from certinel.core.testing.builders import build_org

    org = build_org()  # written the new way; going back puts its entries in their own table
    written = list(ChangeRecord.objects.order_by("log_index").values_list("log_index", "leaf", "pk"))
    assert written and all(index is not None for index, _, _ in written)
    executor = MigrationExecutor(connection)
    try:
        old = _migrate(executor, BEFORE)
        back = list(old.get_model("transparency", "LogEntry").objects.order_by("index")
                    .values_list("index", "data", "change_record_id"))
        assert [(i, bytes(d), r) for i, d, r in back] == [(i, bytes(d), r) for i, d, r in written]
        entries = _write_the_old_way(old, signer, origin, 300)
        # A raw leaf that logs no record (only tests and benchmarks wrote those) stops the move.
        orphan = old.get_model("transparency", "LogEntry").objects.create(
            index=len(entries), data=b'{"raw":true}', leaf_hash=m.leaf_hash(b'{"raw":true}'))
        with pytest.raises(MIGRATION.OrphanLeaves, match=f"the first at index {len(entries)}"):
            _migrate(executor)
        type(orphan).objects.filter(pk=orphan.pk)._raw_delete(orphan._state.db)  # the test database allows it
    finally:
        _migrate(executor)
    assert len(entries) == len(written) + 300 == log_size()
    records = ChangeRecord.objects.in_bulk([record_id for *_, record_id in entries])
    for index, leaf, digest, record_id in entries:
        record = records[record_id]
        assert (record.log_index, bytes(record.leaf), bytes(record.leaf_hash)) == (index, leaf, digest)
    report = verify_log(origin=origin, verifiers=[signer.verifier])
    assert report.ok, [str(p) for p in report.problems]
    assert report.size == len(entries) and [c.matches for c in report.claims] == [True]
    # The records are append-only again, and the log goes on from where it was.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_changerecord SET leaf = leaf WHERE id = %s", [record_id])
    build_org(name=f"{org.name}二")
    assert log_size() > len(entries)
    assert verify_log(origin=origin, verifiers=[signer.verifier]).ok
