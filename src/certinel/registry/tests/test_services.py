"""Registry services: every state change, allowed and forbidden, and its history.
Given / when / then."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import translation

from certinel.accounts.models import Role
from certinel.core import history as core_history
from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
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
from certinel.registry.models import BodyScope, CertificationBody, NameGram, Organization, Person, Site
from certinel.registry.search import grams, indexed_bigrams

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reference(db):
    ensure_reference()


def actions(obj):
    return [r.action for r in history_for(obj)]


def codes(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.code for e in exc.errors}


# --- certification bodies -------------------------------------------------------------------

def test_body_create_records_its_approval():
    body = build_body(name="测试华衡认证有限公司")
    assert body.status == "approved" and body.region_code == "320102"
    record = history_for(body).get()
    assert record.action == "body_approved" and record.after["name"] == "测试华衡认证有限公司"
    assert record.region_code == "320102"


def test_body_create_reports_every_bad_field_at_once():
    with pytest.raises(ValidationFailed) as err, translation.override("en"):
        services.body_create(actor=SYSTEM, name="", uscc="91320000ABCDEFGHIJ", approval_no="CNCA-X-1",
                             approval_date=dt.date(2020, 1, 1), approval_valid_until=dt.date(2019, 1, 1),
                             region_code="320102", address="")
    assert codes(err.value) == {"name": "required", "address": "required", "uscc": "invalid_identifier",
                                "approval_no": "invalid_identifier", "approval_valid_until": "date_order"}
    assert "position" in str(err.value)
    assert not CertificationBody.objects.exists()


def test_body_create_refuses_unknown_region_and_duplicates():
    with pytest.raises(ValidationFailed) as err:
        build_body(region_code="329999")
    assert codes(err.value) == {"region_code": "unknown_region"}
    body = build_body()
    with pytest.raises(ValidationFailed) as err:
        build_body(approval_no=body.approval_no)
    assert "approval_no" in codes(err.value)


def test_body_decisions_follow_the_transitions():
    body = build_body()
    body = services.body_suspend(actor=SYSTEM, body=body, reason="监督检查发现问题")
    assert body.status == "suspended" and body.status_reason == "监督检查发现问题"
    body = services.body_reinstate(actor=SYSTEM, body=body, reason="整改完成")
    body = services.body_revoke(actor=SYSTEM, body=body, reason="严重违规")
    assert body.status == "revoked"
    for decide in (services.body_suspend, services.body_reinstate, services.body_revoke, services.body_cancel):
        with pytest.raises(TransitionNotAllowed):
            decide(actor=SYSTEM, body=body, reason="再次")
    assert actions(body) == ["body_approved", "body_suspended", "body_reinstated", "body_revoked"]


def test_body_reinstate_needs_a_suspended_body_and_a_reason():
    body = build_body()
    with pytest.raises(TransitionNotAllowed, match="suspended"), translation.override("en"):
        services.body_reinstate(actor=SYSTEM, body=body, reason="x")
    with pytest.raises(ValidationFailed) as err:
        services.body_suspend(actor=SYSTEM, body=body, reason="  ")
    assert codes(err.value) == {"reason": "required"}
    body.refresh_from_db()
    assert body.status == "approved" and actions(body) == ["body_approved"]


def test_body_cancel_from_suspended():
    body = services.body_suspend(actor=SYSTEM, body=build_body(), reason="暂停")
    assert services.body_cancel(actor=SYSTEM, body=body, reason="主动注销").status == "cancelled"


def test_own_operator_edits_contact_details_only():
    body = build_body()
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    body = services.body_update(actor=operator, body=body, phone="025-88886666", website="https://example.org")
    assert body.phone == "025-88886666"
    with pytest.raises(ValidationFailed) as err:
        services.body_update(actor=operator, body=body, approval_no="CNCA-R-2020-001")
    assert codes(err.value) == {"approval_no": "not_editable"}
    with pytest.raises(NotPermitted):
        services.body_suspend(actor=operator, body=body, reason="自己暂停")
    other = build_body(region_code="320205")
    with pytest.raises(NotPermitted):
        services.body_update(actor=operator, body=other, phone="1")
    assert actions(body) == ["body_approved", "body_updated"]
    record = history_for(body).last()
    assert record.before == {"phone": "", "website": ""}
    assert record.after == {"phone": "025-88886666", "website": "https://example.org"}


def test_regulator_decides_only_inside_the_jurisdiction():
    nanjing_body, wuxi_body = build_body(region_code="320102"), build_body(region_code="320205")
    city = Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code="3201"))
    services.body_suspend(actor=city, body=nanjing_body, reason="检查")
    with pytest.raises(NotPermitted):
        services.body_suspend(actor=city, body=wuxi_body, reason="检查")
    wuxi_body.refresh_from_db()
    assert wuxi_body.status == "approved"
    with pytest.raises(NotPermitted):
        build_body(region_code="320205", actor=city)


def test_scope_grant_and_withdraw():
    body = build_body()
    scope = services.body_scope_grant(actor=SYSTEM, body=body, scheme_code="QMS", iaf_sector=17)
    assert scope.iaf_sector.number == 17
    with pytest.raises(ValidationFailed) as err:
        services.body_scope_grant(actor=SYSTEM, body=body, scheme_code="QMS", iaf_sector=17)
    assert codes(err.value) == {"scheme": "duplicate"}
    services.body_scope_withdraw(actor=SYSTEM, scope=scope, reason="能力不足")
    with pytest.raises(ValidationFailed):
        services.body_scope_withdraw(actor=SYSTEM, scope=scope, reason="again")
    # Withdrawn scopes may be granted again.
    services.body_scope_grant(actor=SYSTEM, body=body, scheme_code="QMS", iaf_sector=17)
    assert BodyScope.objects.filter(body=body).count() == 2


def test_scopes_granted_in_one_batch_all_or_nothing():
    from certinel.core.history import history_for
    from certinel.core.models import ChangeRecord
    from certinel.transparency.services import log_size

    body = build_body()
    grant = services.ScopeGrant
    # Every wrong row is named, and nothing is written.
    with pytest.raises(ValidationFailed) as err:
        services.body_scopes_grant(actor=SYSTEM, body=body, scopes=[
            grant("QMS", 17), grant("QMS", 45), grant("EMS", ccc_product_code="0701"), grant("CCC", None, "9999")])
    assert {(e.row, e.field, e.code) for e in err.value.errors} == {
        (2, "iaf_sector", "unknown_sector"), (3, "ccc_product_code", "not_applicable"),
        (4, "ccc_product_code", "not_in_catalogue")}
    assert not BodyScope.objects.filter(body=body).exists()
    with pytest.raises(ValidationFailed) as twice:
        services.body_scopes_grant(actor=SYSTEM, body=body, scopes=[grant("QMS", 17), grant("QMS", 17)])
    assert codes(twice.value) == {"scheme": "duplicate"}
    logged = log_size()
    scopes = services.body_scopes_grant(actor=SYSTEM, body=body, scopes=[grant("QMS", 17), grant("EMS", 18),
                                                                          grant("CCC", None, "0701")])
    assert [str(s) for s in scopes] == ["QMS / IAF 17", "EMS / IAF 18", "CCC / 0701"]
    # One history record and one leaf each, as one service call at a time writes them.
    assert [r.action for s in scopes for r in history_for(s)] == ["body_scope_granted"] * 3
    assert log_size() == logged + 3 and [s.pk for s in scopes] == [int(r.object_id) for r in ChangeRecord.objects
                                                                    .filter(log_index__gte=logged).order_by("log_index")]
    # A scope already in force refuses the whole batch.
    with pytest.raises(ValidationFailed) as again:
        services.body_scopes_grant(actor=SYSTEM, body=body, scopes=[grant("QMS", 18), grant("EMS", 18)])
    assert codes(again.value) == {"scheme": "duplicate"}
    assert BodyScope.objects.filter(body=body).count() == 3


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"scheme_code": "NOPE"}, {"scheme": "unknown_scheme"}),
    ({"scheme_code": "QMS", "iaf_sector": 40}, {"iaf_sector": "unknown_sector"}),
    ({"scheme_code": "CCC", "iaf_sector": 3}, {"iaf_sector": "not_applicable"}),
    ({"scheme_code": "QMS", "ccc_product_code": "0101"}, {"ccc_product_code": "not_applicable"}),
    ({"scheme_code": "CCC", "ccc_product_code": "9999"}, {"ccc_product_code": "not_in_catalogue"}),
])
def test_scope_grant_refuses_scopes_that_do_not_fit_the_scheme(kwargs, expected):
    with pytest.raises(ValidationFailed) as err:
        services.body_scope_grant(actor=SYSTEM, body=build_body(), **kwargs)
    assert codes(err.value) == expected


def test_scope_grant_for_a_ccc_product_of_the_catalogue():
    from certinel.reference.models import CCCEdition

    product = CCCEdition.current().products.first()
    scope = services.body_scope_grant(actor=SYSTEM, body=build_body(), scheme_code="CCC",
                                      ccc_product_code=product.code)
    assert scope.ccc_product_code == product.code


def test_a_suspended_body_cannot_gain_scope():
    body = services.body_suspend(actor=SYSTEM, body=build_body(), reason="暂停")
    with pytest.raises(ValidationFailed) as err:
        services.body_scope_grant(actor=SYSTEM, body=body, scheme_code="QMS", iaf_sector=1)
    assert codes(err.value) == {"body": "body_not_approved"}


# --- labs -----------------------------------------------------------------------------------

def test_lab_lifecycle_and_scope():
    from certinel.reference.models import LabField

    field = LabField.objects.first()
    lab = build_lab(field_codes=[field.code])
    assert list(lab.fields.all()) == [field]
    item = services.lab_scope_item_add(actor=SYSTEM, lab=lab, kind="industry", field_code=field.code,
                                       item="生活饮用水 全部参数", standard="GB 5749-2022")
    services.lab_scope_item_withdraw(actor=SYSTEM, item=item, reason="能力验证不满意")
    lab = services.lab_suspend(actor=SYSTEM, lab=lab, reason="监督抽查不合格")
    with pytest.raises(ValidationFailed) as err:
        services.lab_scope_item_add(actor=SYSTEM, lab=lab, kind="basic", field_code=field.code, item="x")
    assert codes(err.value) == {"lab": "lab_not_valid"}
    lab = services.lab_reinstate(actor=SYSTEM, lab=lab, reason="整改完成")
    lab = services.lab_cancel(actor=SYSTEM, lab=lab, reason="申请注销")
    with pytest.raises(TransitionNotAllowed):
        services.lab_revoke(actor=SYSTEM, lab=lab, reason="x")
    assert actions(lab) == ["lab_qualified", "lab_suspended", "lab_reinstated", "lab_cancelled"]


def test_lab_create_checks_identifiers_and_dates():
    with pytest.raises(ValidationFailed) as err:
        services.lab_create(actor=SYSTEM, name="测试", uscc="1", cma_no="12", cma_issued_on=dt.date(2024, 1, 1),
                            cma_valid_until=dt.date(2023, 1, 1), region_code="320102", address="路")
    assert codes(err.value) == {"uscc": "invalid_identifier", "cma_no": "invalid_identifier",
                                "cma_valid_until": "date_order"}


def test_lab_operator_cannot_change_its_fields_or_status():
    from certinel.reference.models import LabField

    lab = build_lab()
    operator = Actor.for_user(build_user(Role.LAB_OPERATOR, lab=lab))
    services.lab_update(actor=operator, lab=lab, phone="025-1234")
    with pytest.raises(ValidationFailed):
        services.lab_update(actor=operator, lab=lab, field_codes=[LabField.objects.first().code])
    with pytest.raises(NotPermitted):
        services.lab_scope_item_add(actor=operator, lab=lab, kind="basic", field_code=LabField.objects.first().code,
                                    item="x")


@pytest.mark.parametrize("kind", ["bogus", ""])
def test_lab_scope_kind_must_be_known(kind):
    from certinel.reference.models import LabField

    with pytest.raises(ValidationFailed) as err:
        services.lab_scope_item_add(actor=SYSTEM, lab=build_lab(), kind=kind, field_code=LabField.objects.first().code,
                                    item="水质")
    assert codes(err.value)["kind"] == "invalid_choice"


# --- organizations --------------------------------------------------------------------------

def test_organization_registration_indexes_the_name_and_adds_the_registered_site():
    org = build_org(name="测试恒达机械有限公司")
    assert indexed_bigrams(org.pk) == grams(org.name)
    site = Site.objects.get(organization=org)
    assert site.kind == "registered" and site.address == org.address


def test_rename_keeps_the_former_name_searchable():
    org = build_org(name="测试旧名称有限公司")
    org = services.organization_update(actor=SYSTEM, organization=org, name="测试新名称有限公司",
                                       renamed_on=dt.date(2025, 6, 1))
    assert list(org.former_names.values_list("name", flat=True)) == ["测试旧名称有限公司"]
    assert grams("旧名称") <= indexed_bigrams(org.pk)
    assert actions(org) == ["organization_registered", "organization_renamed"]


def test_organization_user_edits_only_its_own_contact_details():
    org, other = build_org(), build_org()
    user = Actor.for_user(build_user(Role.ORG_USER, organization=org))
    services.organization_update(actor=user, organization=org, contact_phone="13800000000", size_class="small")
    with pytest.raises(ValidationFailed) as err:
        services.organization_update(actor=user, organization=org, name="改名")
    assert codes(err.value) == {"name": "not_editable"}
    with pytest.raises(NotPermitted):
        services.organization_update(actor=user, organization=other, contact_phone="1")
    with pytest.raises(ValidationFailed) as err:
        services.organization_update(actor=user, organization=org, size_class="huge")
    assert codes(err.value) == {"size_class": "invalid_choice"}


def test_organization_create_refuses_bad_input_and_writes_nothing():
    with pytest.raises(ValidationFailed) as err:
        services.organization_create(actor=SYSTEM, uscc="91320102MA1XXXXXX0", name=" ", region_code="320102",
                                     address="", size_class="giant", industry_code=None)
    assert set(codes(err.value)) == {"uscc", "name", "address", "size_class"}
    with pytest.raises(ValidationFailed) as err:
        build_org(industry_code="ZZ")
    assert codes(err.value) == {"industry_code": "unknown_industry"}
    assert not Organization.objects.exists() and not NameGram.objects.exists()


def test_a_failure_after_the_write_rolls_everything_back():
    def explode(record):
        raise RuntimeError("the log is down")

    core_history.subscribe(explode)
    try:
        with pytest.raises(RuntimeError):
            build_org(name="测试回滚有限公司")
    finally:
        core_history._subscribers.remove(explode)
    assert not Organization.objects.filter(name="测试回滚有限公司").exists()
    assert not Site.objects.exists() and not NameGram.objects.exists()


def test_a_body_may_register_clients_anywhere_but_not_edit_them():
    body = build_body()
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    org = build_org(region_code="110101", actor=operator)
    with pytest.raises(NotPermitted):
        services.organization_update(actor=operator, organization=org, contact_phone="1")


def test_deregister_and_restore():
    org = build_org()
    org = services.organization_deregister(actor=SYSTEM, organization=org, reason="吊销营业执照")
    with pytest.raises(TransitionNotAllowed):
        services.organization_deregister(actor=SYSTEM, organization=org, reason="again")
    org = services.organization_restore(actor=SYSTEM, organization=org, reason="撤销错误登记")
    assert org.status == "active"


def test_sites():
    org = build_org()
    site = services.site_add(actor=SYSTEM, organization=org, kind="production", address="生产路1号",
                             region_code="320104", name="二号厂区")
    services.site_deactivate(actor=SYSTEM, site=site, reason="搬迁")
    with pytest.raises(ValidationFailed):
        services.site_deactivate(actor=SYSTEM, site=site)
    registered = Site.objects.get(organization=org, kind="registered")
    with pytest.raises(ValidationFailed) as err:
        services.site_deactivate(actor=SYSTEM, site=registered)
    assert codes(err.value) == {"site": "registered_site"}
    with pytest.raises(ValidationFailed) as err:
        services.site_add(actor=SYSTEM, organization=org, kind="moon", address="", region_code="320104")
    assert codes(err.value) == {"kind": "invalid_choice", "address": "required"}


# --- people ---------------------------------------------------------------------------------

VALID_ID = "11010519491231002X"  # the GB 11643 standard's own example


def test_person_id_number_is_kept_only_hashed():
    person = build_person(name="赵测试", id_number=VALID_ID, phone="13912345678")
    stored = Person.objects.get(pk=person.pk)
    assert stored.id_number_hash.startswith("hmac-sha256:") and stored.id_number_tail == "002X"
    assert VALID_ID not in str(stored.__dict__)
    assert stored.masked_phone == "139****5678"
    record = history_for(person).get()
    assert "赵测试" not in str(record.after) and "13912345678" not in str(record.after)
    with pytest.raises(ValidationFailed) as err:
        build_person(name="钱重复", id_number=VALID_ID)
    assert codes(err.value) == {"id_number": "duplicate"}


@pytest.mark.parametrize(("id_number", "phone", "expected"), [
    ("110105194912310021", "", {"id_number": "invalid_identifier"}),
    ("1101051949", "", {"id_number": "invalid_identifier"}),
    ("", "2391234567", {"phone": "invalid_phone"}),
])
def test_person_create_rejects_bad_numbers(id_number, phone, expected):
    with pytest.raises(ValidationFailed) as err:
        build_person(id_number=id_number, phone=phone)
    assert codes(err.value) == expected


@pytest.mark.parametrize(("kind", "kwargs", "missing"), [
    ("auditor", {}, {"body", "scheme", "grade", "registration_no"}),
    ("signatory", {}, {"lab"}),
    ("cqo", {}, {"organization"}),
    ("inspector", {}, {"authority_code"}),
    ("reviewer", {"authority_code": "32"}, {"field"}),
    ("inspector", {"authority_code": "3"}, {"authority_code"}),
])
def test_person_roles_need_what_they_attach_to(kind, kwargs, missing):
    with pytest.raises(ValidationFailed) as err:
        services.person_role_add(actor=SYSTEM, person=build_person(), kind=kind, **kwargs)
    assert set(codes(err.value)) == missing


def test_auditor_registration_lifecycle():
    body = build_body()
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    regulator = Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code="3201"))
    person = build_person(name="孙审核", region_code="320102", actor=operator)
    role = services.person_role_add(actor=operator, person=person, kind="auditor", body=body, scheme_code="QMS",
                                    grade="senior", registration_no="2026-N1QMS-1234567")
    with pytest.raises(NotPermitted):
        services.person_role_suspend(actor=operator, role=role, reason="x")
    role = services.person_role_suspend(actor=regulator, role=role, reason="审核造假嫌疑")
    role = services.person_role_reinstate(actor=regulator, role=role, reason="查无实据")
    role = services.person_role_end(actor=operator, role=role, reason="离职", on=dt.date(2026, 10, 1))
    assert role.status == "ended" and role.valid_until == dt.date(2026, 10, 1)
    role = services.person_role_ban(actor=regulator, role=role, reason="终身禁入")
    with pytest.raises(TransitionNotAllowed):
        services.person_role_reinstate(actor=regulator, role=role, reason="x")
    assert actions(role) == ["person_role_added", "person_role_suspended", "person_role_reinstated",
                             "person_role_ended", "person_role_banned"]


def test_a_body_cannot_register_auditors_for_another_body():
    body, other = build_body(), build_body()
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    with pytest.raises(NotPermitted):
        services.person_role_add(actor=operator, person=build_person(actor=operator), kind="auditor", body=other,
                                 scheme_code="QMS", grade="auditor", registration_no="2026-N1QMS-7654321")


def test_registration_numbers_are_unique_per_kind():
    body = build_body()
    kw = {"kind": "auditor", "body": body, "scheme_code": "QMS", "grade": "auditor",
          "registration_no": "2026-N1QMS-1111111"}
    services.person_role_add(actor=SYSTEM, person=build_person(), **kw)
    with pytest.raises(ValidationFailed):
        services.person_role_add(actor=SYSTEM, person=build_person(name="周重复"), **kw)


def test_history_is_written_in_the_same_transaction():
    """A service called inside an outer transaction that rolls back leaves no history."""
    with pytest.raises(RuntimeError), transaction.atomic():
        build_org(name="测试外层回滚有限公司")
        raise RuntimeError("outer failure")
    assert not Organization.objects.filter(name="测试外层回滚有限公司").exists()
    from certinel.core.models import ChangeRecord

    assert not ChangeRecord.objects.filter(object_repr="测试外层回滚有限公司").exists()
