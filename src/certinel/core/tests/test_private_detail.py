"""A history record's before and after are stored once (docs/decisions/0007): in its leaf for
a public kind, in its PrivateDetail when its leaf does not hold them (a private kind's leaf is a
commitment; a leaf too large for an entry holds their digests)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction

from certinel.core.actor import Actor
from certinel.core.db import MAINTENANCE_TABLE
from certinel.core.history import change_record, record_change, record_changes
from certinel.core.models import AppendOnlyError, ChangeRecord, PrivateDetail
from certinel.core.testing.builders import build_org
from certinel.transparency.leaf import change_record_leaf, commitment, full_record_leaf, object_type_of

pytestmark = pytest.mark.django_db

BIG = {"note": "长" * 30_000}  # 90,000 bytes of UTF-8: more than a log entry holds


def _write(obj, before, after, *, bulk: bool = False) -> ChangeRecord:
    with transaction.atomic():
        if bulk:
            record = change_record(actor=Actor.system("t"), action="thing_changed", obj=obj, before=before,
                                   after=after)
            record_changes([record])
            return record
        return record_change(actor=Actor.system("t"), action="thing_changed", obj=obj, before=before, after=after)


@pytest.mark.parametrize("bulk", [False, True])
def test_a_public_record_keeps_its_before_and_after_in_its_leaf_only(bulk, django_assert_num_queries):
    org = build_org()
    written = _write(org, {"name": "旧", "a": [1]}, {"name": "新", "a": [1, 2]}, bulk=bulk)
    assert not PrivateDetail.objects.filter(record_id=written.pk).exists()
    stored = ChangeRecord.objects.get(pk=written.pk)
    with django_assert_num_queries(0):  # read from the leaf, parsed once
        assert stored.before == {"a": [1], "name": "旧"} and stored.after == {"a": [1, 2], "name": "新"}
        assert stored.leaf_data is stored.leaf_data and stored.changed_fields == ["a", "name"]
    assert '"after":{"a":[1,2],"name":"新"},"before":{"a":[1],"name":"旧"},'.encode() in bytes(stored.leaf)


@pytest.mark.parametrize("bulk", [False, True])
def test_a_private_record_keeps_its_before_and_after_in_its_detail(bulk):
    user = get_user_model().objects.create(username="li.si", role="admin")
    written = _write(user, {"role": "admin", "x": None}, {"role": "regulator", "x": "是"}, bulk=bulk)
    detail = PrivateDetail.objects.get(record_id=written.pk)
    # The canonical JSON the full leaf was made of: the leaf commits to it.
    assert (detail.before, detail.after) == ('{"role":"admin","x":null}', '{"role":"regulator","x":"是"}')
    stored = ChangeRecord.objects.get(pk=written.pk)
    assert stored.leaf_data["type"] == "private" and "regulator" not in bytes(stored.leaf).decode()
    assert stored.before == {"role": "admin", "x": None} and stored.after == {"role": "regulator", "x": "是"}
    full = full_record_leaf(stored, object_type=object_type_of(stored))
    assert stored.leaf_data["commitment"] == commitment(full)
    assert change_record_leaf(stored) == bytes(stored.leaf)


def test_a_creation_of_a_private_kind_keeps_its_null_before():
    user = get_user_model().objects.create(username="zhou.ba", role="admin")
    written = _write(user, None, {"role": "admin"})
    detail = PrivateDetail.objects.get(record_id=written.pk)
    assert detail.before is None and detail.after == '{"role":"admin"}'
    stored = ChangeRecord.objects.get(pk=written.pk)
    assert stored.before is None and stored.after == {"role": "admin"}
    assert change_record_leaf(stored) == bytes(stored.leaf)


@pytest.mark.parametrize("bulk", [False, True])
def test_a_record_too_large_for_its_leaf_keeps_a_detail(bulk):
    org = build_org()
    written = _write(org, None, BIG, bulk=bulk)
    stored = ChangeRecord.objects.get(pk=written.pk)
    assert set(stored.leaf_data["after"]) == {"sha256"}  # the leaf holds its digest only
    assert PrivateDetail.objects.filter(record_id=written.pk).exists()
    assert stored.after == BIG and stored.before is None
    assert change_record_leaf(stored) == bytes(stored.leaf)  # the digest is of the detail's bytes


def test_a_record_without_a_detail_it_needs_shows_nothing():
    """A private record whose detail is gone (only SQL can do that; the monitor reports it)."""
    user = get_user_model().objects.create(username="wu.jiu", role="admin")
    written = _write(user, {"role": "admin"}, {"role": "regulator"})
    with connection.cursor() as cursor:  # the test database's maintenance permit allows deletes
        cursor.execute("DELETE FROM core_privatedetail WHERE record_id = %s", [written.pk])
    stored = ChangeRecord.objects.get(pk=written.pk)
    assert stored.before is None and stored.after is None
    assert change_record_leaf(stored) != bytes(stored.leaf)


def test_the_records_know_a_private_leaf_by_the_logs_type():
    from certinel.core import models
    from certinel.transparency import privacy

    assert models.PRIVATE_TYPE == privacy.PRIVATE_TYPE


def test_an_unsaved_record_keeps_what_it_was_given():
    record = ChangeRecord(action="x", before={"a": 1})
    assert record.before == {"a": 1} and record.after is None and record.leaf_data is None
    record.after = {"a": 2}
    assert record.changed_fields == ["a"]
    assert ChangeRecord(action="x").before is None


def test_details_are_append_only():
    user = get_user_model().objects.create(username="zheng.shi", role="admin")
    written = _write(user, {"role": "admin"}, {"role": "regulator"})
    detail = PrivateDetail.objects.get(record_id=written.pk)
    detail.after = '{"role":"admin"}'
    with pytest.raises(AppendOnlyError):
        detail.save()
    with pytest.raises(AppendOnlyError):
        detail.delete()
    with pytest.raises(AppendOnlyError):
        PrivateDetail.objects.filter(pk=detail.pk).update(after="{}")
    with pytest.raises(AppendOnlyError):
        PrivateDetail.objects.filter(pk=detail.pk).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MAINTENANCE_TABLE}")
    for statement in ("UPDATE core_privatedetail SET after = '{}'", "DELETE FROM core_privatedetail"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert PrivateDetail.objects.get(pk=detail.pk).after == '{"role":"regulator"}'
