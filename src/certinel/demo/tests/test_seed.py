"""The same seed gives the same demo."""

from __future__ import annotations

import pytest
from django.db import transaction

from certinel.demo.builder import build_province
from certinel.registry.models import CertificationBody, Organization


class _Rollback(Exception):
    pass


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data():
    built = []
    for _ in range(2):
        with pytest.raises(_Rollback), transaction.atomic():
            build_province(seed=99, organizations=60)
            built.append((list(Organization.objects.order_by("id").values_list("name", "uscc", "address")),
                          list(CertificationBody.objects.order_by("id").values_list("name", "approval_no"))))
            raise _Rollback
    assert built[0] == built[1] and len(built[0][0]) == 60
