"""The fast bulk writer stores exactly what the ORM would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from certinel.core.actor import Actor
from certinel.core.bulk import allocate_ids, create_objects, insert_rows, new_instance, update_objects
from certinel.core.history import change_record, record_changes
from certinel.core.models import ChangeRecord, PrivateDetail
from certinel.core.testing.builders import build_org
from certinel.registry.models import Organization, Site

pytestmark = pytest.mark.django_db


def test_created_rows_read_back_equal():
    org = build_org()
    ct = ContentType.objects.get_for_model(org)
    moment = timezone.now().replace(microsecond=123456)
    with transaction.atomic():
        records = create_objects([
            ChangeRecord(time=moment, actor_label="bulk", via="import", action="thing_done", content_type=ct,
                         object_id=str(org.pk), object_repr="对象", region_code="320102", leaf=b'{"v":1}',
                         reason="理由")
            for _ in range(3)])
    ids = [r.pk for r in records]
    assert len(set(ids)) == 3
    stored = ChangeRecord.objects.get(pk=ids[0])
    assert stored.time == moment and bytes(stored.leaf) == b'{"v":1}'
    assert stored.content_type == ct and stored.reason == "理由"
    # The ORM goes on from where the bulk writer stopped.
    later = ChangeRecord.objects.create(actor_label="orm", via="web", action="x", content_type=ct,
                                        object_id="1", object_repr="x")
    assert later.pk > max(ids)


def test_update_objects_writes_only_named_fields():
    org = build_org()
    site = Site.objects.get(organization=org)
    site.address, site.name = "新地址", "不应写入"
    with transaction.atomic():
        update_objects([site], ["address"])
    site.refresh_from_db()
    assert site.address == "新地址" and site.name == ""


def test_allocated_ids_lie_above_every_existing_row():
    org = build_org()
    existing = Site.objects.get(organization=org).pk
    with transaction.atomic():
        ids = allocate_ids(Site, 5)
    assert len(set(ids)) == 5 and min(ids) > existing


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_new_instance_is_what_the_constructor_makes(django_assert_num_queries):
    org = build_org()
    ct = ContentType.objects.get_for_model(org)
    moment = timezone.now()
    values = {"time": moment, "actor_label": "x", "via": "import", "action": "a", "object_id": "1",
              "object_repr": "r", "before": {"k": 1}}
    fast = new_instance(ChangeRecord, values, {"content_type": ct})
    slow = ChangeRecord(**values, content_type=ct)
    assert _fields(fast) == _fields(slow)
    assert fast._state.adding and fast._state.db is None
    with django_assert_num_queries(0):
        assert fast.content_type is ct
    # Defaults that are functions are called for each instance, not shared.
    a, b = new_instance(Site, {"organization_id": org.pk}), new_instance(Site, {"organization_id": org.pk})
    made = Site(organization_id=org.pk)
    assert a.created_at is not b.created_at and abs(a.created_at - made.created_at) < dt.timedelta(seconds=5)
    assert {**_fields(a), "created_at": None} == {**_fields(made), "created_at": None}
    # Saved like any other instance.
    # A property given by name is set as the constructor sets it (a record's before and after).
    assert fast.before == slow.before == {"k": 1} and fast.after is None and slow.after is None
    with transaction.atomic():
        fast.save()
    assert ChangeRecord.objects.get(pk=fast.pk).object_repr == "r"


def test_new_instance_refuses_what_is_not_a_field_attribute():
    # As the constructor refuses an unexpected keyword; a relation goes by its attname here.
    with pytest.raises(TypeError, match="organization"):
        new_instance(Site, {"organization": 1})
    with pytest.raises(TypeError, match="colour"):
        new_instance(Site, {"colour": "red"})


def test_new_instance_falls_back_to_the_constructor_when_init_signals_listen():
    from django.db.models.signals import post_init

    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(listener, sender=Organization)
    try:
        org = new_instance(Organization, {"name": "甲"})
    finally:
        post_init.disconnect(listener, sender=Organization)
    assert seen == [org] and org.name == "甲"


def test_recorded_changes_store_their_canonical_json_and_read_back_equal():
    org = build_org()
    actor = Actor.system("bulk-test")
    before = {"名称": "旧", "b": [1, 2], "a": None}
    after = {"名称": "新", "b": [1, 2, 3], "a": "x"}
    with transaction.atomic():
        record = change_record(actor=actor, action="organization_changed", obj=org, before=before, after=after)
        record_changes([record])
    stored = ChangeRecord.objects.get(pk=record.pk)
    assert stored.before == {"名称": "旧", "b": [1, 2], "a": None}
    assert stored.after == {"名称": "新", "b": [1, 2, 3], "a": "x"}
    assert stored.time == record.time and stored.actor_label == "bulk-test" and stored.object_id == str(org.pk)
    # Kept once, in the leaf, as its canonical text (keys sorted); a public record has no detail.
    assert '"after":{"a":"x","b":[1,2,3],"名称":"新"}'.encode() in bytes(stored.leaf)
    assert not PrivateDetail.objects.filter(record_id=record.pk).exists()


def test_insert_rows_writes_encoded_columns_as_they_are():
    from certinel.credit.models import CreditFact

    org = build_org()
    fact = CreditFact(subject_kind="organization", organization=org, kind=CreditFact.kind.field.choices[0][0],
                      severity=CreditFact.severity.field.choices[0][0], occurred_on=dt.date(2026, 1, 2),
                      source="x", recorded_by="x", details={"k": [2]}, updated_at=timezone.now())
    names = [f.attname for f in CreditFact._meta.concrete_fields]
    at = names.index("details"), names.index("id")
    with transaction.atomic():
        encoded, plain = allocate_ids(CreditFact, 2)
        row = [getattr(fact, name) for name in names]
        row[at[1]], row[at[0]] = encoded, '{"k":[1]}'
        insert_rows(CreditFact, names, [row], encoded=["details"])
        row[at[1]], row[at[0]] = plain, {"k": [2]}
        insert_rows(CreditFact, names, [row])
    assert CreditFact.objects.get(pk=encoded).details == {"k": [1]}
    assert CreditFact.objects.get(pk=plain).details == {"k": [2]}
