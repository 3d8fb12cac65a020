"""Fixtures of the transparency log's tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from certinel.transparency.note import Ed25519Signer
from certinel.transparency.services import log_append

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


def record(i: int) -> bytes:
    return json.dumps({"v": 1, "type": "test_event", "n": i}, separators=(",", ":")).encode()


@pytest.fixture
def fill() -> Callable[[int], list[int]]:
    """Append n small records to the log (in batches of up to 1000)."""
    def append(n: int, start: int = 0) -> list[int]:
        indexes: list[int] = []
        for lo in range(start, start + n, 1000):
            indexes += log_append(records=[record(i) for i in range(lo, min(start + n, lo + 1000))])
        return indexes
    return append


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
