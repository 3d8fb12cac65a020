"""The `any` lookup finds what `in` finds, on both databases."""

from __future__ import annotations

import pytest

from certinel.core.testing.builders import build_org
from certinel.registry.models import Organization, Site

pytestmark = pytest.mark.django_db


def test_any_finds_what_in_finds():
    orgs = [build_org() for _ in range(3)]
    codes = [o.uscc for o in orgs[:2]] + ["91320000NOTHERE00X"]
    assert set(Organization.objects.filter(uscc__any=codes)) == set(Organization.objects.filter(uscc__in=codes))
    assert set(Organization.objects.filter(uscc__any=codes)) == set(orgs[:2])
    ids = [orgs[0].pk, orgs[2].pk]
    assert set(Organization.objects.filter(pk__any=ids)) == {orgs[0], orgs[2]}
    assert set(Site.objects.filter(organization_id__any=ids).values_list("organization_id", flat=True)) == set(ids)
    assert list(Organization.objects.filter(uscc__any=[])) == []
    assert Organization.objects.exclude(uscc__any=codes).filter(pk__any=[o.pk for o in orgs]).get() == orgs[2]
