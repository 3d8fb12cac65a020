"""PostgreSQL's COPY in the binary format where every column and value allows it, in the text
format otherwise: the same rows either way, as the ORM reads them back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from certinel.core.bulk import _binary_types, columns_of, create_objects
from certinel.core.testing.builders import build_org
from certinel.credit.models import CreditFact

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 1, 2)


def facts(org, occurred_on) -> list[CreditFact]:
    return [CreditFact(subject_kind="organization", organization=org, region_code="320102", kind="other",
                       severity="minor", occurred_on=occurred_on, source="test", description=f"说明 {n}",
                       details={"n": n, "中文": ["一", None, True]}, recorded_by="bulk")
            for n in range(3)]


def read(ids: list[int]) -> list[tuple]:
    return list(CreditFact.objects.filter(pk__in=ids).order_by("pk").values_list(
        "occurred_on", "description", "details", "region_code", "created_at"))


@pytest.mark.parametrize("occurred_on", [DAY, DAY.isoformat()], ids=["date", "text"])
def test_facts_written_in_either_format_read_back_as_the_orm_writes_them(occurred_on):
    org = build_org()
    with transaction.atomic():
        written = create_objects(facts(org, occurred_on))
        orm = [CreditFact.objects.create(**{f.attname: getattr(f_, f.attname) for f in CreditFact._meta.concrete_fields
                                            if f.attname not in ("id", "created_at", "updated_at")})
               for f_ in facts(org, DAY)]
    got, expected = read([f.pk for f in written]), read([f.pk for f in orm])
    assert [row[:4] for row in got] == [row[:4] for row in expected]
    assert all(row[0] == DAY and row[2]["中文"] == ["一", None, True] for row in got)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY formats are PostgreSQL's")
def test_binary_only_when_every_value_fits_its_column():
    fields = columns_of(CreditFact, ["occurred_on", "details", "organization_id"])
    assert _binary_types(fields, connection, [(DAY, '{"a":1}', 7), (None, None, None)]) == ["date", "jsonb", "int8"]
    # A date given as text, a moment as a date, a whole number as a boolean: the text format.
    assert _binary_types(fields, connection, [(DAY.isoformat(), "{}", 7)]) is None
    assert _binary_types(fields, connection, [(dt.datetime(2026, 1, 2, tzinfo=dt.UTC), "{}", 7)]) is None
    assert _binary_types(fields, connection, [(DAY, "{}", True)]) is None
