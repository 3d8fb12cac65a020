"""The national data set (`certinel demo --scale national`) at a small size: every province,
valid codes, the name index and the history written by the bulk loader, the indexes put back
after the load, and the database usable by the services afterwards."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from certinel.core.actor import Actor
from certinel.core.models import ChangeRecord
from certinel.demo.national import build_national, province_counts
from certinel.reference import identifiers
from certinel.reference.generators import make_uscc
from certinel.registry import services
from certinel.registry.models import NameGram, Organization, OrganizationName, Site
from certinel.registry.search import index_rows, organization_ids_matching

pytestmark = pytest.mark.django_db(transaction=True)

N = 3000


def _index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
        return {row[0] for row in cursor.fetchall()}


def test_shares_add_up():
    counts = province_counts(1001, [("32", 10.0), ("44", 13.0), ("54", 0.1)])
    assert sum(c for _, c in counts) == 1001 and dict(counts)["44"] > dict(counts)["32"] > dict(counts)["54"]


def test_a_small_national_build():
    before = {t: _index_names(t) for t in ("registry_namegram", "core_changerecord", "registry_organization")}
    summary = build_national(seed=7, organizations=N, chunk=500)
    assert summary.organizations == Organization.objects.count() == N
    provinces = {code[:2] for code in Organization.objects.values_list("region_code", flat=True)}
    assert len(provinces) >= 25 and summary.provinces == len(provinces)
    for uscc, region in Organization.objects.values_list("uscc", "region_code")[:500]:
        identifiers.validate_uscc(uscc)
        assert uscc[2:8] == region
    # The indexes dropped for the load are back, with the same names.
    assert {t: _index_names(t) for t in before} == before
    # Name index and history, as the services would have written them.
    assert NameGram.objects.count() == summary.index_rows
    for org in Organization.objects.order_by("?")[:20]:
        names = [org.name, org.name_en, *org.former_names.values_list("name", flat=True)]
        stored = set(NameGram.objects.filter(organization_id=org.pk).values_list("gram", "organization_id"))
        assert stored == set(index_rows(org.pk, names, region_code=org.region_code))
    # Each organization's registration, each of its sites (the registered one too) and, per
    # former name, the rename and the former name's own record.
    assert ChangeRecord.objects.filter(action="organization_registered").count() == N
    assert (ChangeRecord.objects.count() == N + Site.objects.count() + 2 * OrganizationName.objects.count()
            == summary.history)
    # The search works, and narrows to regions.
    org = Organization.objects.order_by("id")[N // 2]
    assert org.pk in organization_ids_matching(org.name, Organization.objects.all(), offset=0, limit=5).ids
    narrowed = Organization.objects.filter(region_code__startswith=org.region_code[:2])
    assert org.pk in organization_ids_matching(org.name, narrowed, offset=0, limit=5).ids
    # The services go on after the bulk load (sequences continue after the loaded ids).
    new = services.organization_create(actor=Actor.system("test"), uscc=make_uscc("320102", random.Random(1)),
                                       name="测试新登记科技有限公司", region_code="320102", address="测试地址")
    assert new.pk > max(Organization.objects.exclude(pk=new.pk).values_list("pk", flat=True))
    assert organization_ids_matching("测试新登记", Organization.objects.all(), offset=0, limit=5).ids == [new.pk]
