"""Appending to the stored log and signing its checkpoints, on the real database."""

from __future__ import annotations

import base64
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from certinel.core.actor import Actor
from certinel.core.db import MAINTENANCE_TABLE
from certinel.core.history import record_change
from certinel.core.models import AppendOnlyError, ChangeRecord
from certinel.transparency import merkle as m
from certinel.transparency import selectors
from certinel.transparency.errors import CheckpointConflict, EntryTooLarge, LogCorrupted
from certinel.transparency.leaf import change_record_leaf, parse_leaf
from certinel.transparency.models import Checkpoint, Cosignature, LogTile
from certinel.transparency.note import Cosigner, Ed25519Signer, open_note, split_note
from certinel.transparency.services import checkpoint_add_cosignatures, checkpoint_sign, log_records, log_size
from certinel.transparency.store import DatabaseTileStore
from certinel.transparency.tiledtree import MissingTile, consistency_proof, inclusion_proof, tree_root

from .conftest import append, change, record, records

pytestmark = pytest.mark.django_db


def _leaves(n: int) -> list[bytes]:
    return [m.leaf_hash(leaf) for leaf in records(range(n))]


def test_append_assigns_indexes_and_writes_full_tiles(fill):
    assert log_records([]) == []
    assert fill(300) == list(range(300))
    assert append([change(300), change(301)]) == [300, 301]
    assert fill(600, start=302)[-1] == 901
    assert log_size() == 902
    assert list(LogTile.objects.values_list("level", "index")) == [(0, 0), (0, 1), (0, 2)]
    leaves = _leaves(902)
    tile = LogTile.objects.get(level=0, index=1)
    assert bytes(tile.hashes) == b"".join(leaves[256:512]) and bytes(tile.root) == m.root_hash(leaves[256:512])
    entry = ChangeRecord.objects.get(log_index=5)
    assert bytes(entry.leaf) == record(5) and bytes(entry.leaf_hash) == leaves[5] and entry.after == {"n": 5}
    assert all(record(i) == change_record_leaf(change(i)) == change_record_leaf(ChangeRecord.objects.get(log_index=i))
               for i in (0, 5, 301, 777))  # the fixtures' fast leaves are the records' leaves


def test_database_proofs_agree_with_merkle(fill):
    fill(1000)
    leaves, store = _leaves(1000), DatabaseTileStore()
    for size in (1, 255, 256, 257, 700, 1000):
        assert tree_root(store, size) == m.root_hash(leaves[:size])
        for index in {0, size // 3, size - 1}:
            assert inclusion_proof(store, index, size) == m.inclusion_proof(index, leaves[:size])
        for old in {1, size // 2 or 1, size}:
            assert consistency_proof(store, old, size) == m.consistency_proof(old, leaves[:size])
    index, proof = selectors.inclusion_proof_by_leaf_hash(leaf_hash=leaves[777], tree_size=1000)
    assert index == 777 and m.verify_inclusion(leaves[777], 777, 1000, proof, m.root_hash(leaves))


def test_three_tile_levels_on_the_database(fill):
    """66,000 entries: full tiles at levels 0 and 1, partial tiles at levels 0, 1 and 2."""
    fill(66_000)
    leaves, store = _leaves(66_000), DatabaseTileStore()
    assert LogTile.objects.filter(level=1).count() == 1
    for size in (65_536, 65_537, 66_000):
        root = m.root_hash(leaves[:size])
        assert tree_root(store, size) == root
        for index in (0, 65_535, size - 1):
            assert m.verify_inclusion(leaves[index], index, size, inclusion_proof(store, index, size), root)
        assert consistency_proof(store, 300, size) == m.consistency_proof(300, leaves[:size])


def test_a_proof_costs_one_query(fill, django_assert_max_num_queries):
    fill(70_000 // 100)  # enough for partial tiles at two levels with the 256-leaf tiles
    store = DatabaseTileStore()
    with django_assert_max_num_queries(1):
        inclusion_proof(store, 123, 700)
    with django_assert_max_num_queries(1):
        consistency_proof(store, 300, 700)


def test_missing_rows_are_missing_tiles(fill, tamper):
    fill(600)
    store = DatabaseTileStore()
    assert len(store.read_tiles([(0, 2, 88), (1, 0, 2), (0, 0, 256)])[(1, 0, 2)]) == 64
    with tamper("core_changerecord") as cursor:
        cursor.execute("DELETE FROM core_privatedetail WHERE record_id IN "  # their details too
                       "(SELECT id FROM core_changerecord WHERE log_index >= 520)")
        cursor.execute("DELETE FROM core_changerecord WHERE log_index >= 520")
    with tamper("transparency_logtile") as cursor:
        cursor.execute('DELETE FROM transparency_logtile WHERE "index" = 1')
    for key in [(0, 2, 88), (0, 2, 10), (1, 0, 2), (0, 1, 256), (2, 0, 1)]:
        with pytest.raises(MissingTile):
            store.read_tiles([key])
    assert store.read_tiles([]) == {}
    with pytest.raises(LogCorrupted):
        append([change(1000)])


def test_entries_too_large_are_refused_whole(fill, monkeypatch):
    fill(3)
    from certinel.transparency import services

    monkeypatch.setattr(services, "change_record_leaf", lambda r, signer=None: b"x" * (65536 if r.after["n"] else 2))
    with pytest.raises(EntryTooLarge):
        append([change(0), change(1)])
    assert log_size() == 3 and ChangeRecord.objects.count() == 3


def test_an_exception_in_the_callers_transaction_leaves_the_log_as_it_was(fill):
    fill(250)
    root = tree_root(DatabaseTileStore(), 250)
    with pytest.raises(RuntimeError), transaction.atomic():
        append([change(i) for i in range(250, 520)])  # completes tiles 0/0 and 0/1
        assert log_size() == 520 and LogTile.objects.count() == 2
        raise RuntimeError("the service failed after appending")
    assert log_size() == 250 and not LogTile.objects.exists()
    assert tree_root(DatabaseTileStore(), 250) == root
    assert fill(10, start=250) == list(range(250, 260))


def test_a_failure_half_way_through_an_append_rolls_it_all_back(fill):
    """The tiles are written, then the records: make the tile insert fail (a row is already
    where the append must write tile 0/0), and nothing of the append remains."""
    fill(200)
    LogTile.objects.create(level=0, index=0, hashes=b"\x00" * 8192, root=b"\x00" * 32)
    with pytest.raises(IntegrityError):
        append([change(i) for i in range(200, 300)])
    assert log_size() == 200 and ChangeRecord.objects.count() == 200


def test_orm_and_database_refuse_rewrites(fill):
    fill(300)
    entry = ChangeRecord.objects.get(log_index=1)
    entry.leaf = b"rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        ChangeRecord.objects.filter(log_index=1).update(leaf=b"x")
    with pytest.raises(AppendOnlyError):
        LogTile.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MAINTENANCE_TABLE}")
    for statement in ["UPDATE core_changerecord SET leaf = leaf", "UPDATE core_changerecord SET log_index = NULL",
                      "DELETE FROM core_changerecord",
                      "UPDATE transparency_logtile SET root = root", "DELETE FROM transparency_logtile"]:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
            c.execute(statement)
    assert log_size() == 300


def test_every_history_record_goes_into_the_log(origin):
    """Writing a change record makes it the log's next entry, in the same transaction (and a
    rolled-back change leaves no leaf)."""
    from certinel.core.testing.builders import build_org

    user = get_user_model().objects.create(username="zhang.san", role="admin")
    org = build_org()
    with transaction.atomic():
        change = record_change(actor=Actor.for_user(user, request_id="req-12345678"), action="organization_renamed",
                               obj=org, before={"name": "A"}, after={"name": "B"}, reason="typo")
    entry = ChangeRecord.objects.get(pk=change.pk)
    assert entry.log_index == change.log_index == log_size() - 1 and bytes(entry.leaf_hash) == m.leaf_hash(entry.leaf)
    leaf = parse_leaf(bytes(entry.leaf))
    assert leaf["type"] == "organization_renamed"
    assert leaf["object"] == {"type": "registry.organization", "id": str(org.pk)}
    assert leaf["actor"].startswith("hmac-sha256:") and "zhang" not in bytes(entry.leaf).decode()
    assert leaf["before"] == {"name": "A"} and leaf["request_id"] == "req-12345678"
    size = log_size()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO core_changerecord (time, actor_label, via, request_id, action, content_type_id, "
                       "object_id, object_repr, region_code, reason, log_index) SELECT time, actor_label, via, "
                       "request_id, action, content_type_id, object_id, object_repr, region_code, reason, log_index "
                       "FROM core_changerecord WHERE id = %s", [change.pk])  # one record per index
    with pytest.raises(RuntimeError), transaction.atomic():
        record_change(actor=Actor.system(), action="organization_renamed", obj=org, before=None, after={})
        raise RuntimeError("the service fails after writing")
    assert log_size() == size


def test_a_bulk_writer_gives_its_records_leaves_and_the_log_their_tiles(origin):
    """A writer inserting records itself (the demo's loader) makes their leaves; BulkLog checks
    their order and stores the tiles they complete."""
    from certinel.transparency.services import BulkLog

    written = [change(i) for i in range(300)]
    with transaction.atomic():
        log = BulkLog()
        for index, (record, leaf) in enumerate(zip(written, records(range(300)), strict=True)):
            record.log_index, record.leaf, record.leaf_hash = index, leaf, m.leaf_hash(leaf)
            record.save()
        log.add([(r.log_index, r.leaf_hash) for r in written])
        with pytest.raises(LogCorrupted, match="where the log's next is 300"):
            log.add([(301, bytes(32))])
    assert tree_root(DatabaseTileStore(), 300) == m.root_hash(_leaves(300))


def test_checkpoints_extend_each_other_and_are_not_repeated(fill, signer, origin):
    with pytest.raises(LogCorrupted), transaction.atomic():
        Checkpoint.objects.create(size=5, root_hash=bytes(32), origin=origin, note="x", key_name="k")
        append([change(0)])  # fewer entries than a signed checkpoint: refuse to append
    assert not Checkpoint.objects.exists()
    first = checkpoint_sign(signer=signer)
    assert first.size == 0 and bytes(first.root_hash) == m.EMPTY_ROOT
    fill(10)
    second = checkpoint_sign(signer=signer)
    assert second.size == 10 and second.pk != first.pk
    assert checkpoint_sign(signer=signer).pk == second.pk  # nothing new: the same checkpoint
    rotated = Ed25519Signer.generate(origin)
    third = checkpoint_sign(signer=rotated)
    assert third.size == 10 and third.pk != second.pk
    opened = open_note(third.note, [rotated.verifier])
    assert opened.text == f"{origin}\n10\n{base64.b64encode(m.root_hash(_leaves(10))).decode()}\n"
    with pytest.raises(CheckpointConflict, match="origin"):
        checkpoint_sign(signer=signer, origin="another.example/log")


def test_signing_refuses_a_checkpoint_that_contradicts_an_earlier_one(fill, signer, tamper):
    fill(300)
    checkpoint_sign(signer=signer)
    with tamper("core_changerecord") as cursor:
        cursor.execute("UPDATE core_changerecord SET leaf_hash = %s WHERE log_index = 299", [bytes(32)])
    fill(5, start=300)
    with pytest.raises(CheckpointConflict, match="no longer have the root"):
        checkpoint_sign(signer=signer)
    with tamper("core_changerecord") as cursor:
        cursor.execute("DELETE FROM core_privatedetail WHERE record_id IN "  # their details too
                       "(SELECT id FROM core_changerecord WHERE log_index >= 290)")
        cursor.execute("DELETE FROM core_changerecord WHERE log_index >= 290")
    with pytest.raises(CheckpointConflict, match="holds only 290"):
        checkpoint_sign(signer=signer)
    with tamper("transparency_checkpoint") as cursor:
        cursor.execute("UPDATE transparency_checkpoint SET size = 1")
    with pytest.raises(LogCorrupted, match="differ from the note"):
        checkpoint_sign(signer=signer)


def test_witness_cosignatures_are_kept_and_served(fill, signer, origin):
    fill(3)
    cp = checkpoint_sign(signer=signer)
    witness, stranger = Cosigner.generate("witness.example/w1"), Cosigner.generate("stranger.example")
    text = split_note(cp.note)[0]
    cosigned = cp.note + witness.cosign(text).line + stranger.cosign(text).line
    added = checkpoint_add_cosignatures(checkpoint=cp, cosigned=cosigned, witnesses=[witness.verifier])
    assert [c.key_name for c in added] == ["witness.example/w1"]
    assert checkpoint_add_cosignatures(checkpoint=cp, cosigned=cosigned, witnesses=[witness.verifier]) == []
    served = selectors.checkpoint_note(cp)
    assert served.startswith(cp.note) and served.count("\n— ") == 2
    opened = open_note(served, [signer.verifier, witness.verifier])
    assert len(opened.signatures) == 2
    other_text = text.replace("\n3\n", "\n4\n")
    for bad in [cp.note + stranger.cosign(text).line, other_text + "\n" + witness.cosign(other_text).line,
                cp.note + witness.cosign(text).line[:-10] + "AAAAAAAAA\n"]:
        with pytest.raises(CheckpointConflict):
            checkpoint_add_cosignatures(checkpoint=cp, cosigned=bad, witnesses=[witness.verifier])
    assert Cosignature.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_appenders_never_share_an_index():
    errors: list[BaseException] = []

    def appender(worker: int) -> None:
        try:
            for batch in range(6):
                with transaction.atomic():
                    append([change(worker * 10_000 + batch * 100 + i) for i in range(40)])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=appender, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    indexes = list(ChangeRecord.objects.order_by("log_index").values_list("log_index", flat=True))
    assert indexes == list(range(4 * 6 * 40))
    data = [bytes(d) for d in ChangeRecord.objects.order_by("log_index").values_list("leaf", flat=True)]
    assert tree_root(DatabaseTileStore(), len(data)) == m.root_hash([m.leaf_hash(d) for d in data])
    assert LogTile.objects.filter(level=0).count() == len(data) // 256
