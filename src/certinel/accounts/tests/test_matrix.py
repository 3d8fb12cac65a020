"""The permission matrix: who may see and change what, checked for every role against
objects of their own, inside their jurisdiction and outside it. The expectations are written
out by hand, not derived from the matrix, so that a change to the matrix must be deliberate.

The world: Jiangsu (32) with Nanjing (3201: districts 320102 Xuanwu and 320104 Qinhuai) and
Wuxi (3202); Beijing (11) elsewhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from certinel.accounts.models import Role
from certinel.accounts.permissions import can, scope
from certinel.core.actor import Actor
from certinel.core.history import history_for
from certinel.core.testing.builders import (
    SYSTEM,
    build_body,
    build_lab,
    build_org,
    build_person,
    build_user,
    ensure_reference,
)
from certinel.registry import services
from certinel.registry.models import CertificationBody, Lab, Organization, Person

USERS = ["anonymous", "org_user", "cb_operator", "lab_operator", "reg_province", "reg_city", "reg_district",
         "reg_beijing", "admin"]


@pytest.fixture
def world(db):
    ensure_reference()
    w = {
        "body_own": build_body(region_code="320102"),
        "body_wuxi": build_body(region_code="320205"),
        "lab_own": build_lab(region_code="320102"),
        "lab_beijing": build_lab(region_code="110101"),
        "org_own": build_org(region_code="320102"),
        "org_qinhuai": build_org(region_code="320104"),
    }
    w["auditor"] = build_person(name="李审核", region_code="320102")
    services.person_role_add(actor=SYSTEM, person=w["auditor"], kind="auditor", body=w["body_own"],
                             scheme_code="QMS", grade="auditor", registration_no="2026-N1QMS-9000001")
    w["stranger"] = build_person(name="王外地", region_code="110101")
    w["users"] = {
        "anonymous": AnonymousUser(),
        "org_user": build_user(Role.ORG_USER, organization=w["org_own"]),
        "cb_operator": build_user(Role.CB_OPERATOR, body=w["body_own"]),
        "lab_operator": build_user(Role.LAB_OPERATOR, lab=w["lab_own"]),
        "reg_province": build_user(Role.REGULATOR, jurisdiction_code="32"),
        "reg_city": build_user(Role.REGULATOR, jurisdiction_code="3201"),
        "reg_district": build_user(Role.REGULATOR, jurisdiction_code="320102"),
        "reg_beijing": build_user(Role.REGULATOR, jurisdiction_code="11"),
        "admin": build_user(Role.ADMIN),
    }
    return w


REGS_320102 = {"reg_province", "reg_city", "reg_district", "admin"}

# (kind, action, object) -> the users allowed.
EXPECTED = {
    ("body", "view", "body_own"): {"cb_operator"} | REGS_320102,
    ("body", "view", "body_wuxi"): {"reg_province", "admin"},
    ("body", "change", "body_own"): {"cb_operator"} | REGS_320102,
    ("body", "change", "body_wuxi"): {"reg_province", "admin"},
    ("body", "decide", "body_own"): REGS_320102,
    ("body", "decide", "body_wuxi"): {"reg_province", "admin"},
    ("body", "manage_keys", "body_own"): {"cb_operator", "admin"},
    ("body", "manage_keys", "body_wuxi"): {"admin"},
    ("lab", "view", "lab_own"): {"lab_operator"} | REGS_320102,
    ("lab", "view", "lab_beijing"): {"reg_beijing", "admin"},
    ("lab", "change", "lab_own"): {"lab_operator"} | REGS_320102,
    ("lab", "decide", "lab_own"): REGS_320102,
    ("lab", "decide", "lab_beijing"): {"reg_beijing", "admin"},
    ("organization", "view", "org_own"): {"org_user"} | REGS_320102,
    ("organization", "view", "org_qinhuai"): {"reg_province", "reg_city", "admin"},
    ("organization", "change", "org_own"): {"org_user"} | REGS_320102,
    ("organization", "change", "org_qinhuai"): {"reg_province", "reg_city", "admin"},
    ("organization", "decide", "org_own"): REGS_320102,
    ("person", "view", "auditor"): {"cb_operator"} | REGS_320102,
    ("person", "view", "stranger"): {"reg_beijing", "admin"},
    ("person", "change", "auditor"): {"cb_operator"} | REGS_320102,
    ("person", "decide", "auditor"): REGS_320102,
    ("person", "decide", "stranger"): {"reg_beijing", "admin"},
}


@pytest.mark.parametrize(("kind", "action", "obj"), list(EXPECTED))
def test_matrix(world, kind, action, obj):
    allowed = {name for name in USERS if can(world["users"][name], action, kind, world[obj])}
    assert allowed == EXPECTED[(kind, action, obj)]


CREATE_EXPECTED = {
    # (kind, region) -> users allowed to create such a record there
    ("body", "320102"): REGS_320102,
    ("body", "110101"): {"reg_beijing", "admin"},
    ("lab", "320205"): {"reg_province", "admin"},
    ("organization", "320104"): {"cb_operator", "reg_province", "reg_city", "admin"},
    ("person", ""): {"org_user", "cb_operator", "lab_operator", "reg_province", "reg_city", "reg_district",
                     "reg_beijing", "admin"},
}


@pytest.mark.parametrize(("kind", "region"), list(CREATE_EXPECTED))
def test_create_matrix(world, kind, region):
    allowed = {n for n in USERS if can(world["users"][n], "create", kind, region_code=region)}
    assert allowed == CREATE_EXPECTED[(kind, region)]


def test_inactive_users_may_do_nothing(world):
    admin = world["users"]["admin"]
    admin.is_active = False
    assert not can(admin, "view", "body", world["body_own"])


@pytest.mark.parametrize(("user", "expected"), [
    ("reg_province", {"body_own", "body_wuxi"}),
    ("reg_city", {"body_own"}),
    ("reg_district", {"body_own"}),
    ("reg_beijing", set()),
    ("cb_operator", {"body_own"}),
    ("org_user", set()),
    ("anonymous", set()),
    ("admin", {"body_own", "body_wuxi"}),
])
def test_scope_of_full_body_records(world, user, expected):
    names = {k for k in ("body_own", "body_wuxi")}
    qs = scope(world["users"][user], "view", "body", CertificationBody.objects.all())
    assert {k for k in names if qs.filter(pk=world[k].pk).exists()} == expected


def test_scope_of_history_follows_jurisdiction_and_ownership(world):
    own_history = set(history_for(world["org_own"]).values_list("pk", flat=True))
    qinhuai_history = set(history_for(world["org_qinhuai"]).values_list("pk", flat=True))
    from certinel.core.models import ChangeRecord

    def visible(user):
        qs = scope(world["users"][user], "view", "history", ChangeRecord.objects.all())
        return set(qs.values_list("pk", flat=True))

    assert own_history <= visible("org_user") and not (qinhuai_history & visible("org_user"))
    assert own_history <= visible("reg_district") and not (qinhuai_history & visible("reg_district"))
    assert (own_history | qinhuai_history) <= visible("reg_city")
    assert not ((own_history | qinhuai_history) & visible("reg_beijing"))
    assert not visible("anonymous")


def test_scope_of_people(world):
    qs = Person.objects.all()
    assert set(scope(world["users"]["cb_operator"], "view", "person", qs)) == {world["auditor"]}
    assert set(scope(world["users"]["lab_operator"], "view", "person", qs)) == set()
    assert world["stranger"] in set(scope(world["users"]["reg_beijing"], "view", "person", qs))
    assert world["auditor"] not in set(scope(world["users"]["reg_beijing"], "view", "person", qs))


def test_scope_of_labs_and_organizations(world):
    assert list(scope(world["users"]["lab_operator"], "view", "lab", Lab.objects.all())) == [world["lab_own"]]
    assert set(scope(world["users"]["reg_city"], "view", "organization", Organization.objects.all())) == {
        world["org_own"], world["org_qinhuai"]}
    assert set(scope(world["users"]["reg_district"], "view", "organization", Organization.objects.all())) == {
        world["org_own"]}


# --- transfers between bodies -----------------------------------------------------------------
# The holder org_own moves from body_own to body_wuxi: body_own's operator and the holder's user
# answer; body_wuxi's operator (who asked) only sees it; regulators of 320102 see it.

@pytest.fixture
def transfer_world(world):
    from certinel.certificates.models import CertificateTransfer
    from certinel.certificates.reporting import report_certificates
    from certinel.core.testing.builders import certificate_data

    for body in (world["body_own"], world["body_wuxi"]):
        services.body_scope_grant(actor=SYSTEM, body=body, scheme_code="QMS")
    old = certificate_data(holder=world["org_own"], number="OWN2401001Q")
    assert report_certificates(actor=SYSTEM, body=world["body_own"], items=[old]).ok
    moved = certificate_data(holder=world["org_own"], number="WUX2405001Q", transferred_from_body=world[
        "body_own"].approval_no, transferred_from_number="OWN2401001Q")
    assert report_certificates(actor=SYSTEM, body=world["body_wuxi"], items=[moved]).ok
    world["transfer"] = CertificateTransfer.objects.get()
    world["users"]["cb_new"] = build_user(Role.CB_OPERATOR, body=world["body_wuxi"])
    return world


TRANSFER_USERS = [*USERS, "cb_new"]
TRANSFER_EXPECTED = {
    "view": {"cb_operator", "cb_new", "org_user"} | REGS_320102,
    "answer": {"cb_operator", "org_user", "admin"},
}


@pytest.mark.parametrize("action", list(TRANSFER_EXPECTED))
def test_transfer_matrix(transfer_world, action):
    users = transfer_world["users"]
    allowed = {n for n in TRANSFER_USERS if can(users[n], action, "transfer", transfer_world["transfer"])}
    assert allowed == TRANSFER_EXPECTED[action]
    from certinel.certificates.models import CertificateTransfer

    listed = {n for n in TRANSFER_USERS
              if scope(users[n], action, "transfer", CertificateTransfer.objects.all()).exists()}
    assert listed == TRANSFER_EXPECTED[action]


@pytest.mark.parametrize("user", ["cb_new", "reg_district", "reg_beijing", "lab_operator"])
def test_only_the_parties_asked_may_answer_a_transfer(transfer_world, user):
    from certinel.certificates.services_transfers import transfer_confirm
    from certinel.core.actor import Actor
    from certinel.core.errors import NotPermitted

    with pytest.raises(NotPermitted):
        transfer_confirm(actor=Actor.for_user(transfer_world["users"][user]), transfer=transfer_world["transfer"],
                         signed_by="某人")
    transfer_world["transfer"].refresh_from_db()
    assert transfer_world["transfer"].state == "pending"


# --- The serious-violation list (credit) -------------------------------------------------------

@pytest.fixture
def credit_world(world):
    from certinel.credit.services import notice_serve

    regulator = Actor.for_user(world["users"]["reg_province"])
    beijing = Actor.for_user(world["users"]["reg_beijing"])
    facts = {"violation": "出具虚假认证证书", "basis": "《认证认可条例》", "penalty": "吊销营业执照",
             "authority": "市场监督管理局"}
    for name, subject, actor in (("notice_org", "org_own", regulator), ("notice_body", "body_own", regulator),
                                 ("notice_lab", "lab_own", regulator), ("notice_qinhuai", "org_qinhuai", regulator),
                                 ("notice_beijing_lab", "lab_beijing", beijing)):
        world[name] = notice_serve(actor=actor, uscc=world[subject].uscc, penalty_decision_no=f"罚{name}", **facts)
    return world


CREDIT_EXPECTED = {
    ("credit", "view", "notice_org"): {"org_user"} | REGS_320102,
    ("credit", "view", "notice_body"): {"cb_operator"} | REGS_320102,
    ("credit", "view", "notice_lab"): {"lab_operator"} | REGS_320102,
    ("credit", "view", "notice_qinhuai"): {"reg_province", "reg_city", "admin"},
    ("credit", "decide", "notice_org"): REGS_320102,
    ("credit", "decide", "notice_qinhuai"): {"reg_province", "reg_city", "admin"},
    ("credit", "decide", "notice_beijing_lab"): {"reg_beijing", "admin"},
    ("credit", "answer", "notice_org"): {"org_user", "admin"},
    ("credit", "answer", "notice_body"): {"cb_operator", "admin"},
    ("credit", "answer", "notice_lab"): {"lab_operator", "admin"},
    ("credit", "answer", "notice_qinhuai"): {"admin"},
}


@pytest.mark.parametrize(("kind", "action", "obj"), list(CREDIT_EXPECTED))
def test_credit_matrix(credit_world, kind, action, obj):
    allowed = {name for name in USERS if can(credit_world["users"][name], action, kind, credit_world[obj])}
    assert allowed == CREDIT_EXPECTED[(kind, action, obj)]


def test_scope_of_credit_records(credit_world):
    from certinel.credit.models import ListNotice

    def seen(name: str) -> set[str]:
        rows = scope(credit_world["users"][name], "view", "credit", ListNotice.objects.all())
        return {n for n in ("notice_org", "notice_body", "notice_lab", "notice_qinhuai", "notice_beijing_lab")
                if rows.filter(pk=credit_world[n].pk).exists()}

    assert seen("org_user") == {"notice_org"}
    assert seen("cb_operator") == {"notice_body"}
    assert seen("lab_operator") == {"notice_lab"}
    assert seen("reg_district") == {"notice_org", "notice_body", "notice_lab"}
    assert seen("reg_beijing") == {"notice_beijing_lab"}
    assert seen("anonymous") == set()


# --- Credit risk classes (credit_class): regulators of the subject's region only ---------------------

@pytest.fixture
def class_world(world):
    from certinel.credit.services_facts import fact_record

    regulator = Actor.for_user(world["users"]["reg_province"])
    beijing = Actor.for_user(world["users"]["reg_beijing"])
    for name, subject, actor in (("org_own", "org_own", regulator), ("org_qinhuai", "org_qinhuai", regulator),
                                 ("body_own", "body_own", regulator), ("lab_own", "lab_own", regulator),
                                 ("lab_beijing", "lab_beijing", beijing)):
        fact_record(actor=actor, subject=world[subject].uscc, kind="complaint_upheld", severity="general",
                    occurred_on=dt.date.today(), decision_no=f"诉{name}",
                    authority="市场监督管理局")
    from certinel.credit.models import CreditClass

    for name in ("org_own", "org_qinhuai", "body_own", "lab_own", "lab_beijing"):
        kind = {"org": "organization", "bod": "body", "lab": "lab"}[name[:3]]
        world[f"class_{name}"] = CreditClass.objects.get(**{kind: world[name]})
    return world


CLASS_EXPECTED = {
    ("credit_class", "view", "class_org_own"): REGS_320102,
    ("credit_class", "view", "class_body_own"): REGS_320102,
    ("credit_class", "view", "class_lab_own"): REGS_320102,
    ("credit_class", "view", "class_org_qinhuai"): {"reg_province", "reg_city", "admin"},
    ("credit_class", "view", "class_lab_beijing"): {"reg_beijing", "admin"},
    # nobody changes a class by hand: it is computed
    ("credit_class", "change", "class_org_own"): {"admin"},
    ("credit_class", "decide", "class_org_own"): {"admin"},
}


@pytest.mark.parametrize(("kind", "action", "obj"), list(CLASS_EXPECTED))
def test_credit_class_matrix(class_world, kind, action, obj):
    """The subject's own users never see their class (SAMR 2022 No. 6: an internal reference)."""
    allowed = {name for name in USERS if can(class_world["users"][name], action, kind, class_world[obj])}
    assert allowed == CLASS_EXPECTED[(kind, action, obj)]


def test_scope_of_credit_classes(class_world):
    from certinel.credit.models import CreditClass

    def seen(name: str) -> set[str]:
        rows = scope(class_world["users"][name], "view", "credit_class", CreditClass.objects.all())
        return {n for n in ("org_own", "org_qinhuai", "body_own", "lab_own", "lab_beijing")
                if rows.filter(pk=class_world[f"class_{n}"].pk).exists()}

    for own in ("org_user", "cb_operator", "lab_operator", "anonymous"):
        assert seen(own) == set()
    assert seen("reg_district") == {"org_own", "body_own", "lab_own"}
    assert seen("reg_city") == {"org_own", "org_qinhuai", "body_own", "lab_own"}
    assert seen("reg_beijing") == {"lab_beijing"}
    assert seen("admin") == {"org_own", "org_qinhuai", "body_own", "lab_own", "lab_beijing"}
