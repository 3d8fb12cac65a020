"""The fast bulk writer stores exactly what the ORM would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from certinel.core.bulk import allocate_ids, create_objects, update_objects
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import build_org
from certinel.registry.models import Site

pytestmark = pytest.mark.django_db


def test_created_rows_read_back_equal():
    org = build_org()
    ct = ContentType.objects.get_for_model(org)
    moment = timezone.now().replace(microsecond=123456)
    with transaction.atomic():
        records = create_objects([
            ChangeRecord(time=moment, actor_label="bulk", via="import", action="thing_done", content_type=ct,
                         object_id=str(org.pk), object_repr="对象", region_code="320102",
                         before={"a": [1, "二"]}, after={"d": dt.date(2026, 1, 2).isoformat()}, reason="理由")
            for _ in range(3)])
    ids = [r.pk for r in records]
    assert len(set(ids)) == 3
    stored = ChangeRecord.objects.get(pk=ids[0])
    assert stored.time == moment and stored.before == {"a": [1, "二"]} and stored.after == {"d": "2026-01-02"}
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
