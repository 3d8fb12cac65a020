"""The monitor catches each kind of tampering with the stored log.

Each test builds a log of 700 entries (two full level-0 tiles, then a partial one) with signed
checkpoints at 300 and 700, tampers with the database as its owner could (see `tamper` in
conftest), and checks that the monitor names what was done."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection

from certinel.transparency import merkle as m
from certinel.transparency.checkpoint import CheckpointBody, sign_checkpoint
from certinel.transparency.models import Checkpoint, LogTile
from certinel.transparency.monitor import state_for, verify_log
from certinel.transparency.note import Ed25519Signer
from certinel.transparency.services import checkpoint_sign

from .conftest import append, change, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(fill, signer):
    fill(300)
    first = checkpoint_sign(signer=signer)
    fill(400, start=300)
    return first, checkpoint_sign(signer=signer)


def verify(signer, origin, **kw):
    return verify_log(origin=origin, verifiers=[signer.verifier], batch=97, **kw)


def problems(report, kind):
    return [p for p in report.problems if p.kind == kind]


def test_a_clean_log_verifies(log, signer, origin):
    seen = []
    report = verify(signer, origin, progress=lambda done, total: seen.append((done, total)))
    assert report.ok, report.problems
    assert (report.size, report.entries, report.tiles) == (700, 700, 2)
    assert [c.size for c in report.claims] == [300, 700] and all(c.matches for c in report.claims)
    assert report.newest.size == 700 and seen[-1] == (700, 700)
    state = state_for(report.newest, origin)
    assert verify(signer, origin, state=state).ok


def test_an_empty_log_verifies(signer, origin):
    assert verify(signer, origin).ok
    checkpoint_sign(signer=signer)
    assert verify(signer, origin).ok


def forge(cursor, index: int, number: int = 99_999) -> None:
    """Rewrite a record's leaf, leaf hash and the detail its leaf commits to: the leaf of record
    `number` in place of the one at `index`, the record agreeing with it (the caller lifts the
    triggers of core_changerecord and core_privatedetail)."""
    forged = record(number)
    cursor.execute("UPDATE core_changerecord SET leaf = %s, leaf_hash = %s WHERE log_index = %s",
                   [forged, m.leaf_hash(forged), index])
    cursor.execute("UPDATE core_privatedetail SET after = %s WHERE record_id = "
                   "(SELECT id FROM core_changerecord WHERE log_index = %s)", [f'{{"n":{number}}}', index])


def test_rewritten_bytes(log, signer, origin, tamper):
    with tamper("core_changerecord") as cursor:
        cursor.execute("UPDATE core_changerecord SET leaf = %s WHERE log_index = 10", [record(99_999)])
    report = verify(signer, origin)
    assert [p.index for p in problems(report, "rewritten")] == [10]
    assert [p.index for p in problems(report, "history")] == [10]  # nor is it the leaf of the record's columns
    assert len(problems(report, "checkpoint")) == 2  # both checkpoints cover entry 10


def test_rewritten_bytes_and_leaf_hash(log, signer, origin, tamper):
    with tamper("core_changerecord") as cursor, tamper("core_privatedetail"):
        forge(cursor, 400)
    report = verify(signer, origin)
    assert [p.index for p in problems(report, "rewritten")] == [400]
    assert "both replaced" in problems(report, "rewritten")[0].message
    assert [p.message.split(" (")[0] for p in problems(report, "checkpoint")] == [f"checkpoint #{log[1].pk}"]


def test_rewritten_entry_after_the_last_full_tile(log, signer, origin, tamper):
    with tamper("core_changerecord") as cursor, tamper("core_privatedetail"):
        forge(cursor, 650)
    report = verify(signer, origin)
    assert report.kinds() == {"checkpoint"}  # no tile says which entry: the checkpoint says the data changed


def test_removed_entry(log, signer, origin, tamper):
    with tamper("core_changerecord") as cursor:
        cursor.execute("DELETE FROM core_privatedetail WHERE record_id IN "  # their details too
                       "(SELECT id FROM core_changerecord WHERE log_index IN (100, 101, 102))")
        cursor.execute("DELETE FROM core_changerecord WHERE log_index IN (100, 101, 102)")
    report = verify(signer, origin)
    assert report.kinds() == {"removed"}  # the tile's hashes stand in for them: the rest still holds
    assert problems(report, "removed")[0].message.startswith("entries 100..102 are missing")


def test_removed_entries_at_the_end(log, signer, origin, tamper):
    with tamper("core_changerecord") as cursor:
        cursor.execute("DELETE FROM core_privatedetail WHERE record_id IN "  # their details too
                       "(SELECT id FROM core_changerecord WHERE log_index >= 690)")
        cursor.execute("DELETE FROM core_changerecord WHERE log_index >= 690")
    report = verify(signer, origin)
    assert report.size == 690
    assert "covers 700 entries but the log holds 690" in problems(report, "removed")[0].message


def test_reordered_entries(log, signer, origin, tamper):
    with tamper("core_changerecord") as cursor:
        cursor.execute("UPDATE core_changerecord SET log_index = -1 WHERE log_index = 5")
        cursor.execute("UPDATE core_changerecord SET log_index = 5 WHERE log_index = 260")
        cursor.execute("UPDATE core_changerecord SET log_index = 260 WHERE log_index = -1")
    report = verify(signer, origin)
    reordered = problems(report, "reordered")
    assert [(p.index, p.message.split("index ")[1].split(":")[0]) for p in reordered] == [(5, "260"), (260, "5")]
    assert not problems(report, "rewritten")


def test_tampered_tiles(log, signer, origin, tamper):
    with tamper("transparency_logtile") as cursor:
        cursor.execute('UPDATE transparency_logtile SET root = %s WHERE level = 0 AND "index" = 1', [bytes(32)])
        cursor.execute('UPDATE transparency_logtile SET hashes = %s WHERE level = 0 AND "index" = 0',
                       [bytes(8192)])
        cursor.execute('INSERT INTO transparency_logtile (level, "index", hashes, root) VALUES (0, 9, %s, %s)',
                       [bytes(8192), bytes(32)])
    report = verify(signer, origin)
    messages = [p.message for p in problems(report, "tile")]
    assert any("tile 0/1's root column was changed" in x for x in messages)
    assert any("tile 0/9 is stored but" in x for x in messages)
    # Tile 0/0 now disagrees with every entry: each is reported as not what was published.
    assert len(problems(report, "rewritten")) == 256


def test_missing_tile(log, signer, origin, tamper):
    with tamper("transparency_logtile") as cursor:
        cursor.execute('DELETE FROM transparency_logtile WHERE "index" = 1')
    report = verify(signer, origin)
    assert [p.message for p in report.problems] == ["tile 0/1 is missing"]


def test_tampered_checkpoint_rows(log, signer, origin, tamper):
    first, second = log
    with tamper("transparency_checkpoint") as cursor:
        cursor.execute("UPDATE transparency_checkpoint SET size = 299 WHERE id = %s", [first.pk])
        cursor.execute("UPDATE transparency_checkpoint SET note = %s WHERE id = %s",
                       [second.note.replace("700", "701"), second.pk])
    report = verify(signer, origin)
    assert "stored size, root, origin or key (299) differs" in problems(report, "checkpoint")[0].message
    assert "invalid signature" in problems(report, "signature")[0].message


def test_tampered_checkpoint_origin_and_cosignatures(log, signer, origin, tamper):
    from certinel.transparency.note import Cosigner, split_note
    from certinel.transparency.services import checkpoint_add_cosignatures

    first, second = log
    witness = Cosigner.generate("witness.example/w1")
    for cp in (first, second):
        text = split_note(cp.note)[0]
        checkpoint_add_cosignatures(checkpoint=cp, cosigned=cp.note + witness.cosign(text).line,
                                    witnesses=[witness.verifier])
    assert verify(signer, origin, witnesses=[witness.verifier]).ok
    with tamper("transparency_checkpoint") as cursor:
        cursor.execute("UPDATE transparency_checkpoint SET origin = 'elsewhere.example/log' WHERE id = %s",
                       [first.pk])
    with tamper("transparency_cosignature") as cursor:
        cursor.execute("UPDATE transparency_cosignature SET line = %s WHERE checkpoint_id = %s",
                       [witness.cosign(split_note(first.note)[0]).line, second.pk])  # first's, on second
        cursor.execute("UPDATE transparency_cosignature SET key_name = 'other' WHERE checkpoint_id = %s",
                       [first.pk])
    report = verify(signer, origin, witnesses=[witness.verifier])
    messages = [str(p) for p in report.problems]
    assert any(f"checkpoint #{first.pk}'s stored size, root, origin or key" in m for m in messages)
    assert any("stored name or key ID differs" in m for m in messages)
    assert any(f"on checkpoint #{second.pk} does not verify" in m for m in messages)


def test_the_history_and_the_log_must_agree(signer, origin, tamper):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from certinel.core.actor import Actor
    from certinel.core.history import record_change

    user = get_user_model().objects.create(username="wang.wu", role="admin")
    changes = []
    with transaction.atomic():  # every history record goes into the log as it is written
        for i in range(4):
            changes.append(record_change(actor=Actor.system(), action="thing_changed", obj=user, before={"n": i},
                                         after={"n": i + 1}, reason=f"step {i}"))
    checkpoint_sign(signer=signer)
    assert verify(signer, origin).ok
    with tamper("core_changerecord") as cursor:
        cursor.execute("UPDATE core_changerecord SET reason = 'rewritten' WHERE id = %s", [changes[1].pk])
    with connection.cursor() as cursor:  # a record written around the services: no leaf, no place in the log
        cursor.execute("INSERT INTO core_changerecord (time, actor_label, via, request_id, action, content_type_id, "
                       "object_id, object_repr, region_code, reason) SELECT time, actor_label, via, request_id, "
                       "action, content_type_id, object_id, object_repr, region_code, reason "
                       "FROM core_changerecord WHERE id = %s", [changes[2].pk])
    report = verify(signer, origin)
    assert report.kinds() == {"history"}
    assert [p.index for p in report.problems] == [1, None]
    assert f"change record #{changes[1].pk}'s columns" in report.problems[0].message
    assert "1 history record(s) are in no entry" in report.problems[1].message


def test_a_private_detail_changed_by_sql_is_caught(signer, origin, tamper):
    """A private kind's before and after are in its PrivateDetail, committed to by its leaf: a
    detail rewritten (even to the same value in other bytes) or removed no longer matches."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from certinel.core.actor import Actor
    from certinel.core.history import record_change
    from certinel.core.models import ChangeRecord, PrivateDetail

    user = get_user_model().objects.create(username="zhao.liu", role="admin")
    with transaction.atomic():
        changes = [record_change(actor=Actor.system(), action="thing_changed", obj=user, before={"n": i},
                                 after={"n": i + 1}) for i in range(4)]
    assert PrivateDetail.objects.filter(record__in=changes).count() == 4
    checkpoint_sign(signer=signer)
    assert verify(signer, origin).ok
    with tamper("core_privatedetail") as cursor:
        cursor.execute("UPDATE core_privatedetail SET after = %s WHERE record_id = %s", ['{"n":99}', changes[0].pk])
        cursor.execute("UPDATE core_privatedetail SET after = %s WHERE record_id = %s", ['{"n": 2}', changes[1].pk])
        cursor.execute("DELETE FROM core_privatedetail WHERE record_id = %s", [changes[2].pk])
    assert ChangeRecord.objects.get(pk=changes[0].pk).after == {"n": 99}
    report = verify(signer, origin)
    assert report.kinds() == {"history"}
    assert [p.index for p in report.problems] == [c.log_index for c in changes[:3]]
    assert all("private detail" in p.message for p in report.problems)


def test_two_checkpoints_that_cannot_both_be_true(log, signer, origin):
    """The log's key signs a second, different tree of size 700 (a fork)."""
    fork = CheckpointBody(origin, 700, m.leaf_hash(b"another history"))
    Checkpoint.objects.create(size=700, root_hash=fork.root_hash, origin=origin, key_name=signer.name,
                              note=sign_checkpoint(fork, [signer]))
    report = verify(signer, origin)
    assert len(problems(report, "conflict")) == 1
    assert "cannot both be true" in problems(report, "conflict")[0].message
    assert len(problems(report, "checkpoint")) == 1


def test_a_rewritten_history_is_caught_by_the_state_file(log, signer, origin, tamper):
    """The operator rewrites an entry, drops the checkpoints and signs the new history: the
    log agrees with itself, but not with the checkpoint the monitor saw before."""
    state = state_for(verify(signer, origin).newest, origin)
    with tamper("core_changerecord") as cursor, tamper("core_privatedetail"):
        forge(cursor, 650)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM transparency_checkpoint")  # the test database allows deletes
    checkpoint_sign(signer=signer)
    assert verify(signer, origin).ok  # self-consistent...
    report = verify(signer, origin, state=state)  # ...but not with what was seen
    assert {"checkpoint", "conflict"} <= report.kinds()
    assert "state file" in problems(report, "checkpoint")[0].message


def test_a_checkpoint_from_outside_that_disagrees(log, signer, origin):
    other = sign_checkpoint(CheckpointBody(origin, 500, m.leaf_hash(b"x")), [signer])
    report = verify(signer, origin, notes=[("witness copy", other)])
    assert report.kinds() == {"checkpoint", "conflict"}
    stranger = sign_checkpoint(CheckpointBody(origin, 500, m.leaf_hash(b"x")), [Ed25519Signer.generate(origin)])
    report = verify(signer, origin, notes=[("stranger", stranger)])
    assert report.kinds() == {"signature"}


def test_without_keys_signatures_are_a_problem(log, origin):
    report = verify_log(origin=origin, verifiers=[])
    assert report.kinds() == {"signature"}


def test_a_crash_in_the_middle_of_an_append_leaves_the_log_consistent(log, signer, origin):
    LogTile.objects.create(level=0, index=2, hashes=bytes(8192), root=bytes(32))  # in the append's way
    with pytest.raises(IntegrityError):
        append([change(i) for i in range(700, 900)])
    LogTile.objects.filter(level=0, index=2)._raw_delete(LogTile.objects.db)  # the test database allows it
    report = verify(signer, origin)
    assert report.ok and report.size == 700
    append([change(i) for i in range(700, 900)])
    checkpoint_sign(signer=signer)
    assert verify(signer, origin).ok
