"""Fixtures of the transparency log's tests."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from certinel.core.actor import Actor
from certinel.core.bulk import allocate_ids, insert_rows
from certinel.core.history import change_record, record_changes
from certinel.core.models import ChangeRecord, PrivateDetail, Via
from certinel.transparency.leaf import commitment, full_record_leaf, object_type_of, private_leaf
from certinel.transparency.merkle import leaf_hash
from certinel.transparency.note import Ed25519Signer
from certinel.transparency.services import BulkLog

DATA = Path(__file__).parent / "data"
ORIGIN = "certinel.test/log"


@pytest.fixture
def origin(settings) -> str:
    settings.CERTINEL_LOG_ORIGIN = ORIGIN
    return ORIGIN


@pytest.fixture
def signer(origin) -> Ed25519Signer:
    return Ed25519Signer.generate(origin)


@pytest.fixture
def note_vectors() -> dict[str, Any]:
    return json.loads((DATA / "note_vectors.json").read_text(encoding="utf-8"))


# The log's entries are history records. The tests' small records are about an account that
# is never saved (a private kind, so each leaf is a commitment, and the register has nothing
# to compare them with), all at one moment, so that `record(i)` is the leaf of the i-th.
FILL_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
FILL_ACTION = "test_event"
FILL_ACTOR = "log-test"
FILL_OBJECT = 10**9


def change(i: int) -> ChangeRecord:
    """The unsaved history record number i (its `after` holds i)."""
    subject = get_user_model()(pk=FILL_OBJECT, username=FILL_ACTOR)
    return change_record(actor=Actor.system(FILL_ACTOR), action=FILL_ACTION, obj=subject, before=None,
                         after={"n": i}, time=FILL_TIME)


def _templates() -> tuple[bytes, bytes, bytes, bytes]:
    """The whole leaf of record 0, cut where its number goes, and a private leaf cut where its
    commitment goes (building a record and its leaf for each of 66,000 entries would take the
    tests a minute)."""
    first = change(0)
    whole = full_record_leaf(first, object_type=object_type_of(first))
    head, mark, tail = whole.partition(b'"after":{"n":0}')
    marker = "hmac-sha256:" + "0" * 64
    private = private_leaf(time=FILL_TIME, full=b"").replace(commitment(b"").encode(), marker.encode())
    p_head, p_mark, p_tail = private.partition(marker.encode())
    assert mark and p_mark and mark not in tail and p_mark not in p_tail
    return head + b'"after":{"n":', b"}" + tail, p_head, p_tail


def records(numbers: Iterable[int]) -> list[bytes]:
    """The leaves of history records with these numbers: `change_record_leaf(change(i))`."""
    head, tail, p_head, p_tail = _templates()
    return [p_head + commitment(head + str(i).encode() + tail).encode() + p_tail for i in numbers]


def record(i: int) -> bytes:
    """The leaf of history record number i."""
    return records([i])[0]


def append(records: list[ChangeRecord]) -> list[int]:
    """Write history records (and so log them) in one transaction; returns their indexes."""
    with transaction.atomic():
        record_changes(records)
    return [r.log_index for r in records]


_FILL_COLUMNS = ("id", "time", "actor_label", "via", "request_id", "action", "content_type_id", "object_id",
                 "object_repr", "region_code", "reason", "log_index", "leaf_hash", "leaf")


@pytest.fixture
def fill() -> Callable[[int], list[int]]:
    """Append records number `start` to `start + n - 1` to the log: the rows `record_changes`
    writes for `change(i)`, inserted directly, a batch at a time (as the demo's bulk loader
    does, its tiles stored by BulkLog)."""
    content_type = ContentType.objects.get_for_model(get_user_model()).pk

    def add(n: int, start: int = 0) -> list[int]:
        indexes: list[int] = []
        for lo in range(start, start + n, 10_000):
            with transaction.atomic():
                log = BulkLog()
                rows, first, numbers = [], log.size, range(lo, min(start + n, lo + 10_000))
                ids = allocate_ids(ChangeRecord, len(numbers))
                for k, leaf in enumerate(records(numbers)):
                    rows.append((ids[k], FILL_TIME, FILL_ACTOR, Via.SYSTEM, "", FILL_ACTION, content_type,
                                 str(FILL_OBJECT), FILL_ACTOR, "", "", first + k, leaf_hash(leaf), leaf))
                insert_rows(ChangeRecord, _FILL_COLUMNS, rows)
                # A private kind's before and after are in its detail (its leaf is a commitment).
                insert_rows(PrivateDetail, ("record_id", "before", "after"),
                            [(pk, None, f'{{"n":{i}}}') for pk, i in zip(ids, numbers, strict=True)])
                log.add([(row[11], row[12]) for row in rows])
                indexes += [row[11] for row in rows]
        return indexes
    return add


@contextmanager
def writable(table: str) -> Iterator[Any]:
    """Lift the append-only triggers of `table` inside the test's transaction, to tamper with
    it as someone with the database's owner rights could. SQLite: the triggers are dropped and
    created again from their own SQL; PostgreSQL: they are disabled and enabled again. The
    test's transaction rolls back either way. (Without a maintenance permit, nothing short of
this gets past the triggers; the test database has a permit, so plain DELETE works there.)"""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign key checks pending in the transaction would block ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            try:
                yield cursor
            finally:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            try:
                yield cursor
            finally:
                for _, sql in triggers:
                    cursor.execute(sql)


@pytest.fixture
def tamper() -> Callable[[str], Any]:
    return writable


@pytest.fixture
def register_checks_started(monkeypatch) -> list[str]:
    """The register checks `verify_log(parallel=True)` starts in a second process (the real
    ones run): the database alias of each."""
    from certinel.transparency import monitor

    seen: list[str] = []
    real = monitor._RegisterCheck
    monkeypatch.setattr(monitor, "_RegisterCheck", lambda using: seen.append(using) or real(using))
    return seen
