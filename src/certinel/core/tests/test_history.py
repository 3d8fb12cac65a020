"""The history of every change: written in the service's transaction, never rewritten."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction

from certinel.core.actor import Actor
from certinel.core.db import MAINTENANCE_TABLE
from certinel.core.history import history_for, record_change, snapshot
from certinel.core.models import AppendOnlyError, ChangeRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject():
    return get_user_model().objects.create(username="subject", role="admin")


def _record(subject, **kw):
    with transaction.atomic():
        return record_change(actor=Actor.system("test"), action="thing_changed", obj=subject,
                             before={"a": 1, "b": 2}, after={"a": 1, "b": 3}, **kw)


def test_record_keeps_only_what_changed(subject):
    rec = _record(subject, reason="because")
    assert rec.before == {"b": 2} and rec.after == {"b": 3}
    assert rec.changed_fields == ["b"]
    assert list(history_for(subject)) == [rec]


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused(subject):
    with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
        record_change(actor=Actor.system(), action="x", obj=subject, before=None, after={})


def test_orm_refuses_update_and_delete(subject):
    rec = _record(subject)
    rec.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        rec.save()
    with pytest.raises(AppendOnlyError):
        rec.delete()
    with pytest.raises(AppendOnlyError):
        ChangeRecord.objects.filter(pk=rec.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        ChangeRecord.objects.filter(pk=rec.pk).delete()


@pytest.mark.parametrize("statement", [
    "UPDATE core_changerecord SET reason = 'rewritten'",
    "DELETE FROM core_changerecord",
])
def test_database_refuses_raw_rewrites(subject, statement):
    _record(subject)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MAINTENANCE_TABLE}")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert ChangeRecord.objects.filter(reason="rewritten").count() == 0
    assert ChangeRecord.objects.count() == 1


def test_snapshot_hashes_personal_fields(subject):
    subject.HISTORY_PERSONAL = ("email",)
    subject.email = "someone@example.org"
    snap = snapshot(subject)
    assert snap["email"].startswith("hmac-sha256:") and "someone" not in snap["email"]
    assert snap["username"] == "subject"


APPEND_ONLY_TABLES = {"core_changerecord", "certificates_certificatecredential",
                      "credentials_issuedcredential", "transparency_logtile",
                      "transparency_checkpoint", "transparency_cosignature", "watch_deliveryattempt",
                      "core_privatedetail"}


def test_every_append_only_table_keeps_its_guard_after_all_migrations():
    """Later migrations must not lose the triggers (on SQLite, altering a field rebuilds the
    table without them; index changes go through DropColumnIndexes instead)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                           "WHERE t.tgname LIKE '%%append_only%%'")
        else:
            cursor.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE '%append_only%'")
        guarded = {row[0] for row in cursor.fetchall()}
    assert guarded == APPEND_ONLY_TABLES
