"""Fixtures of the credentials tests: fictional certification bodies with signing keys."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from certinel.core.actor import Actor
from certinel.reference.choices import RegionLevel
from certinel.reference.models import Region
from certinel.registry.models import CertificationBody

HOST = "certs.example.test"
_n = itertools.count(1)


@pytest.fixture
def actor() -> Actor:
    return Actor.system("credentials-test")


@pytest.fixture
def region(db) -> Region:
    region, _ = Region.objects.get_or_create(
        code="320102", valid_from=dt.date(2000, 1, 1),
        defaults={"name": "玄武区", "level": RegionLevel.COUNTY, "parent_code": "320100", "source": "test"})
    return region


def make_body(region: Region, **kw) -> CertificationBody:
    """A fictional body, written directly: the registry's own services are tested there."""
    n = next(_n)
    return CertificationBody.objects.create(
        name=kw.pop("name", f"测试认证中心{n}有限公司"), uscc=kw.pop("uscc", f"91320102TEST{n:06d}"),
        approval_no=kw.pop("approval_no", f"CNCA-R-2099-{n:03d}"), approval_date=dt.date(2015, 3, 1),
        region=region, region_code=region.code, address=f"测试路{n}号", **kw)


@pytest.fixture
def body(region) -> CertificationBody:
    return make_body(region)


@pytest.fixture
def keyed_body(body, actor) -> CertificationBody:
    from certinel.credentials.services import signing_key_create

    signing_key_create(actor=actor, body=body)
    return body
