"""Building qualification applications and reviewers for the tests, through the services.
Every name, number and code here is fictional."""

from __future__ import annotations

import datetime as dt
import itertools

from certinel.accounts.models import Role
from certinel.cases.evidence import EvidenceFile
from certinel.core.actor import Actor
from certinel.core.testing.builders import SYSTEM, build_lab, build_person, build_user
from certinel.qualification import services_applications as apps
from certinel.qualification import services_review as review
from certinel.registry import services

FIELD = "00"
STANDARD = "GB 14881-2013"
SOURCES = ["20261201 3 11 19 24 30 33"]
PDF = EvidenceFile("组织机构.pdf", b"%PDF-1.4 evidence")
_n = itertools.count(1)

STAFF = [{"name": "王质量", "id_number": "110101199001011234", "phone": "13800001111", "title": "技术负责人",
          "signatory": True, "fields": [FIELD]}]


def form(**kw):
    values = {
        "legal_entity": {"name": "测试检测技术有限公司", "uscc": "91320102MA1XXXXX0X", "legal_representative": "赵法人",
                         "address": "检测路1号"},
        "staff": STAFF,
        "site": {"address": "检测路1号", "area_m2": "800"},
        "equipment": [{"name": "原子吸收光谱仪", "model": "AA-1", "serial": "S1"}],
        "management_system": {"manual_version": "A/0", "effective_on": "2026-01-01"},
        "items": [{"field": FIELD, "object": "食品生产企业", "parameter": "卫生规范符合性", "standard": STANDARD,
                   "clause": "5.1"}],
    }
    values.update(kw)
    return values


def people(region: str = "32"):
    """A lab of Nanjing with its operator, a regulator of the province and one of another."""
    lab = build_lab(region_code="320102")
    operator = Actor.for_user(build_user(Role.LAB_OPERATOR, lab=lab))
    regulator = Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code=region))
    return lab, operator, regulator


def reviewers(count: int = 4, authority: str = "32", field: str = FIELD):
    out = []
    for _i in range(count):
        n = next(_n)
        person = build_person(name=f"评审员{n}")
        out.append(services.person_role_add(actor=SYSTEM, person=person, kind="reviewer", authority_code=authority,
                                            field_code=field, registration_no=f"PSY-{n:05d}",
                                            valid_from=dt.date(2020, 1, 1)))
    return out


def submitted(lab, operator, *, kind="first", procedure="general", on=None, **parts):
    app = apps.application_create(actor=operator, lab=lab, kind=kind, procedure=procedure)
    apps.application_update(actor=operator, application=app, **form(**parts))
    apps.application_attach(actor=operator, application=app, files=[PDF])
    if procedure == "commitment":
        apps.application_sign_commitment(actor=operator, application=app, signer="钱签署")
    return apps.application_submit(actor=operator, application=app, on=on)


def reviewed(lab, operator, regulator, **kw):
    app = submitted(lab, operator, **kw)
    apps.application_accept(actor=regulator, application=app)
    review.reviewers_draw(actor=regulator, application=app, sources=SOURCES)
    return review.review_close(actor=regulator, application=app)
