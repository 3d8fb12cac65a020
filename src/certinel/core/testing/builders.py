"""Builders of registry records for tests, through the real services, with valid generated
identifiers. Every name and code here is fictional."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from certinel.accounts.models import Role, User
from certinel.accounts.services import user_create
from certinel.core.actor import Actor
from certinel.registry import services
from certinel.registry.models import CertificationBody, Lab, Organization, Person

SYSTEM = Actor.system("test")
_counter = itertools.count(1)
_rng = random.Random(20261122)


def ensure_reference() -> None:
    from certinel.reference.testing import ensure_reference_data

    ensure_reference_data()


def _ids():
    from certinel.reference import generators

    return generators


def build_body(*, region_code: str = "320102", name: str | None = None, actor: Actor = SYSTEM,
               **kw) -> CertificationBody:
    n = next(_counter)
    ids = _ids()
    return services.body_create(
        actor=actor, name=name or f"测试认证中心{n}有限公司", uscc=ids.make_uscc(region_code, _rng),
        approval_no=kw.pop("approval_no", None) or ids.make_cb_approval(_rng),
        approval_date=kw.pop("approval_date", dt.date(2015, 3, 1)), region_code=region_code,
        address=kw.pop("address", f"测试路{n}号"), **kw)


def build_lab(*, region_code: str = "320102", name: str | None = None, actor: Actor = SYSTEM, **kw) -> Lab:
    n = next(_counter)
    ids = _ids()
    return services.lab_create(
        actor=actor, name=name or f"测试检测技术{n}有限公司", uscc=ids.make_uscc(region_code, _rng),
        cma_no=kw.pop("cma_no", None) or ids.make_cma(_rng), cma_issued_on=dt.date(2022, 1, 10),
        cma_valid_until=dt.date(2028, 1, 9), region_code=region_code, address=f"检测路{n}号", **kw)


def build_org(*, region_code: str = "320102", name: str | None = None, actor: Actor = SYSTEM,
              **kw) -> Organization:
    n = next(_counter)
    return services.organization_create(
        actor=actor, uscc=kw.pop("uscc", None) or _ids().make_uscc(region_code, _rng),
        name=name or f"测试制造{n}有限公司", region_code=region_code, address=kw.pop("address", f"工业路{n}号"), **kw)


def build_person(*, name: str = "张测试", actor: Actor = SYSTEM, **kw) -> Person:
    return services.person_create(actor=actor, name=name, **kw)


def build_user(role: str, *, username: str | None = None, **binding) -> User:
    n = next(_counter)
    return user_create(actor=SYSTEM, username=username or f"{role}-{n}", password="test-password-123",
                       role=role, **binding)


def actor_for(user: User) -> Actor:
    return Actor.for_user(user)


ROLES = Role


def body_with_scopes(*, region_code: str = "320102", schemes: tuple[str, ...] = ("QMS", "EMS"),
                     ccc_products: tuple[str, ...] = ()) -> CertificationBody:
    """A body approved for whole schemes and, for CCC, for the given catalogue products."""
    body = build_body(region_code=region_code)
    for code in schemes:
        services.body_scope_grant(actor=SYSTEM, body=body, scheme_code=code)
    for product in ccc_products:
        services.body_scope_grant(actor=SYSTEM, body=body, scheme_code="CCC", ccc_product_code=product)
    return body


def certificate_data(*, holder: Organization, number: str | None = None, scheme: str = "QMS", **kw):
    """A valid report of one certificate for `holder`."""
    from certinel.certificates.data import CertificateData

    n = next(_counter)
    issued = kw.pop("issued_on", dt.date.today() - dt.timedelta(days=30))
    values = {
        "number": number or f"TEST{n:06d}Q", "scheme": scheme, "holder_uscc": holder.uscc, "holder_name": holder.name,
        "issued_on": issued, "expires_on": issued.replace(year=issued.year + 3) - dt.timedelta(days=1),
        "scope_text": "机械零部件的设计和生产", "signed_by": "王签发", "scope_codes": ["18"],
    }
    values.update(kw)
    return CertificateData(**values)
