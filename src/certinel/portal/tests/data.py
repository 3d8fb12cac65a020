"""A small fictional registry for the portal and API tests, built through the real services.

Every name and code here is invented: identifiers come from the reference generators (valid
check characters, random bodies), names are made up."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from certinel.accounts.models import Role, User
from certinel.accounts.services import user_create
from certinel.core.actor import Actor
from certinel.reference import generators
from certinel.registry import services
from certinel.registry.models import CertificationBody, Lab, Organization, Person

SYSTEM = Actor.system("test")
PASSWORD = "portal-test-pass-2026"

NANJING = "320102"   # 玄武区, 南京市, 江苏省
SUZHOU = "320506"    # 吴中区, 苏州市, 江苏省
BEIJING = "110101"   # 东城区, 北京市


@dataclass
class World:
    body: CertificationBody          # in Nanjing, QMS (IAF 17, 19) and CCC scopes
    body_far: CertificationBody      # in Beijing
    lab: Lab                         # in Suzhou, with basic and industry-specific scope
    lab_far: Lab                     # in Beijing
    org: Organization                # 南京星河精密科技有限公司, renamed from 南京星河电子有限公司
    org_far: Organization            # in Beijing
    auditor: Person
    users: dict[str, User]


def _rng(seed: int = 20261122) -> random.Random:
    return random.Random(seed)


def _user(role: str, username: str, **binding) -> User:
    return user_create(actor=SYSTEM, username=username, password=PASSWORD, role=role, **binding)


def _bodies(rng: random.Random) -> tuple[CertificationBody, CertificationBody]:
    body = services.body_create(
        actor=SYSTEM, name="江苏恒信质量认证中心有限公司", name_en="Jiangsu Hengxin Quality Certification Centre",
        uscc=generators.make_uscc(NANJING, rng), approval_no="CNCA-R-2004-117", approval_date=dt.date(2004, 6, 1),
        approval_valid_until=dt.date(2029, 5, 31), accreditation_no="CNAS C117-M", region_code=NANJING,
        address="南京市玄武区示例大道 88 号", website="https://cb.example.cn", phone="025-83000000",
        legal_representative="王示例")
    services.body_scope_grant(actor=SYSTEM, body=body, scheme_code="QMS", iaf_sector=17)
    services.body_scope_grant(actor=SYSTEM, body=body, scheme_code="QMS", iaf_sector=19)
    services.body_scope_grant(actor=SYSTEM, body=body, scheme_code="CCC", ccc_product_code="0101")
    far = services.body_create(
        actor=SYSTEM, name="北京远方认证有限公司", uscc=generators.make_uscc(BEIJING, rng),
        approval_no="CNCA-R-2010-042", approval_date=dt.date(2010, 3, 1), region_code=BEIJING,
        address="北京市东城区示例胡同 1 号")
    services.body_scope_grant(actor=SYSTEM, body=far, scheme_code="EMS", iaf_sector=17)
    return body, far


def _labs(rng: random.Random) -> tuple[Lab, Lab]:
    lab = services.lab_create(
        actor=SYSTEM, name="苏州青禾检测技术有限公司", name_en="Suzhou Qinghe Testing Technology Co., Ltd.",
        uscc=generators.make_uscc(SUZHOU, rng), cma_no=generators.make_cma(rng, year=2023),
        cma_issued_on=dt.date(2023, 3, 1), cma_valid_until=dt.date(2029, 2, 28), region_code=SUZHOU,
        address="苏州市吴中区检测路 6 号", phone="0512-66000000", field_codes=["00"])
    services.lab_scope_item_add(actor=SYSTEM, lab=lab, kind="basic", field_code="00", item="食品中铅的测定",
                                standard="GB 5009.12-2017")
    services.lab_scope_item_add(actor=SYSTEM, lab=lab, kind="industry", field_code="02", item="水泥胶砂强度",
                                standard="GB/T 17671-2021")
    far = services.lab_create(
        actor=SYSTEM, name="北京远方检测中心", uscc=generators.make_uscc(BEIJING, rng),
        cma_no=generators.make_cma(rng, year=2022), cma_issued_on=dt.date(2022, 1, 10),
        cma_valid_until=dt.date(2028, 1, 9), region_code=BEIJING, address="北京市东城区检测街 2 号")
    return lab, far


def _organizations(rng: random.Random) -> tuple[Organization, Organization]:
    org = services.organization_create(
        actor=SYSTEM, uscc=generators.make_uscc(NANJING, rng), name="南京星河电子有限公司", region_code=NANJING,
        address="南京市玄武区星河路 1 号", industry_code="39", size_class="small",
        contact_phone="13812345678", contact_email="contact@xinghe.example.cn")
    org = services.organization_update(actor=SYSTEM, organization=org, name="南京星河精密科技有限公司",
                                       name_en="Nanjing Xinghe Precision Technology Co., Ltd.",
                                       renamed_on=dt.date(2024, 1, 15))
    services.site_add(actor=SYSTEM, organization=org, kind="production", address="南京市玄武区工厂路 9 号",
                      region_code=NANJING, name="一号工厂")
    for i, name in enumerate(("南京示例机械制造有限公司", "南京示例食品有限公司", "苏州示例纺织有限公司")):
        services.organization_create(actor=SYSTEM, uscc=generators.make_uscc(SUZHOU if i == 2 else NANJING, rng),
                                     name=name, region_code=SUZHOU if i == 2 else NANJING,
                                     address=f"示例路 {i + 10} 号", size_class="medium")
    far = services.organization_create(
        actor=SYSTEM, uscc=generators.make_uscc(BEIJING, rng), name="北京远方科技有限公司", region_code=BEIJING,
        address="北京市东城区远方路 3 号", contact_phone="13900001111")
    return org, far


def build_world() -> World:
    from certinel.reference.testing import ensure_reference_data

    ensure_reference_data()
    rng = _rng()
    body, body_far = _bodies(rng)
    lab, lab_far = _labs(rng)
    org, org_far = _organizations(rng)
    auditor = services.person_create(actor=SYSTEM, name="李审核", phone="13700002222", region_code=NANJING)
    services.person_role_add(actor=SYSTEM, person=auditor, kind="auditor", body=body, grade="auditor",
                             registration_no="2024-N1QMS-1234567", scheme_code="QMS")
    users = {
        "regulator": _user(Role.REGULATOR, "reg-nanjing", jurisdiction_code="3201"),
        "regulator_province": _user(Role.REGULATOR, "reg-jiangsu", jurisdiction_code="32"),
        "regulator_far": _user(Role.REGULATOR, "reg-beijing", jurisdiction_code="11"),
        "cb_operator": _user(Role.CB_OPERATOR, "cb-hengxin", body=body),
        "cb_operator_far": _user(Role.CB_OPERATOR, "cb-far", body=body_far),
        "lab_operator": _user(Role.LAB_OPERATOR, "lab-qinghe", lab=lab),
        "org_user": _user(Role.ORG_USER, "org-xinghe", organization=org),
        "org_user_far": _user(Role.ORG_USER, "org-far", organization=org_far),
        "admin": _user(Role.ADMIN, "admin-1"),
    }
    return World(body, body_far, lab, lab_far, org, org_far, auditor, users)
