"""The back office: every add, change and decision goes through a service (with the admin
as channel), service refusals show as form errors or messages (never a 500), registry rows and
history cannot be deleted or edited, regulators stay inside their jurisdiction."""

from __future__ import annotations

import random

import pytest
from django.contrib.admin import helpers

from certinel.accounts.models import ApiKey, User
from certinel.accounts.services import api_key_create
from certinel.core.actor import Actor
from certinel.core.history import history_for
from certinel.core.models import ChangeRecord
from certinel.reference import generators
from certinel.registry.models import BodyScope, CertificationBody, Organization

CHANGELIST = "/admin/registry/certificationbody/"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_back_office_opens_for_administrators_and_regulators_only(db, world, client_for):
    assert client_for("admin").get("/admin/").status_code == 200
    assert client_for("regulator").get("/admin/").status_code == 200
    for who in ("org_user", "cb_operator"):
        assert client_for(who).get("/admin/").status_code == 302


@pytest.mark.parametrize("path", [
    "registry/certificationbody", "registry/bodyscope", "registry/lab", "registry/labscopeitem",
    "registry/organization", "registry/site", "registry/person", "registry/personrole", "core/changerecord",
    "accounts/user", "accounts/apikey",
])
def test_every_changelist_and_add_page_renders(db, world, client_for, path):
    client = client_for("admin")
    assert client.get(f"/admin/{path}/").status_code == 200
    add = client.get(f"/admin/{path}/add/")
    assert add.status_code in (200, 403)
    rows = client.get(f"/admin/{path}/").context["cl"].result_list
    if rows:
        assert client.get(f"/admin/{path}/{rows[0].pk}/change/").status_code == 200


def _body_form(**overrides) -> dict:
    rng = random.Random(7)
    data = {"name": "江苏新设认证有限公司", "name_en": "", "uscc": generators.make_uscc("320102", rng),
            "region": "320102", "address": "南京市玄武区新路 1 号", "approval_no": "CNCA-R-2020-321",
            "approval_date": "2020-05-01", "approval_valid_until": "", "accreditation_no": "", "website": "",
            "phone": "", "legal_representative": "", "scopes-TOTAL_FORMS": "0",
            "scopes-INITIAL_FORMS": "0"}
    data.update(overrides)
    return data


def test_adding_a_body_calls_the_service(db, world, client_for):
    response = client_for("admin").post("/admin/registry/certificationbody/add/", _body_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    body = CertificationBody.objects.get(approval_no="CNCA-R-2020-321")
    record = history_for(body).get()
    assert (record.action, record.via, record.actor_label) == ("body_approved", "admin", "admin-1")


def test_service_errors_show_on_the_form_and_nothing_is_saved(db, world, client_for):
    response = client_for("admin").post("/admin/registry/certificationbody/add/",
                                        _body_form(uscc="91320102MA1XXXXX00", region="999999"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "uscc" in errors
    assert not CertificationBody.objects.filter(approval_no="CNCA-R-2020-321").exists()
    unknown_region = client_for("admin").post("/admin/registry/certificationbody/add/", _body_form(region="999999"))
    assert "region" in unknown_region.context["adminform"].form.errors


def test_a_regulator_cannot_add_a_body_outside_its_jurisdiction(db, world, client_for):
    response = client_for("regulator").post("/admin/registry/certificationbody/add/", _body_form(region="110101"))
    assert response.status_code == 200
    assert "无权新建认证机构" in str(response.context["adminform"].form.non_field_errors())
    assert not CertificationBody.objects.filter(approval_no="CNCA-R-2020-321").exists()


def test_changing_a_body_records_the_change_and_its_reason(db, world, client_for):
    client = client_for("admin")
    url = f"/admin/registry/certificationbody/{world.body.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name, "") or "" for name in form.fields}
    data.update({"region": "320102", "approval_date": "2004-06-01", "approval_valid_until": "2029-05-31",
                 "foreign": "", "phone": "025-80000001", "reason": "机构搬迁", "scopes-TOTAL_FORMS": "3",
                 "scopes-INITIAL_FORMS": "3"})
    data.pop("foreign")
    for i, scope in enumerate(BodyScope.objects.filter(body=world.body).order_by("scheme", "iaf_sector",
                                                                                 "ccc_product_code")):
        data[f"scopes-{i}-id"] = str(scope.pk)
        data[f"scopes-{i}-body"] = str(world.body.pk)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert CertificationBody.objects.get(pk=world.body.pk).phone == "025-80000001"
    record = history_for(world.body).filter(action="body_updated").get()
    assert record.reason == "机构搬迁" and record.after == {"phone": "025-80000001"} and record.via == "admin"


def test_registry_rows_cannot_be_deleted(db, world, client_for):
    client = client_for("admin")
    assert client.get(f"/admin/registry/certificationbody/{world.body.pk}/delete/").status_code == 403
    actions = client.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert "delete_selected" not in dict(actions)
    assert CertificationBody.objects.filter(pk=world.body.pk).exists()


def test_suspending_through_the_action_asks_for_a_reason(db, world, client_for):
    client = client_for("regulator")
    ask = client.post(CHANGELIST, {"action": "suspend", helpers.ACTION_CHECKBOX_NAME: [world.body.pk]})
    assert ask.status_code == 200 and "理由" in ask.content.decode()
    assert CertificationBody.objects.get(pk=world.body.pk).status == "approved"
    no_reason = client.post(CHANGELIST, {"action": "suspend", "apply": "1", "reason": "",
                                         helpers.ACTION_CHECKBOX_NAME: [world.body.pk]})
    assert no_reason.status_code == 200
    assert CertificationBody.objects.get(pk=world.body.pk).status == "approved"
    done = client.post(CHANGELIST, {"action": "suspend", "apply": "1", "reason": "年度监督不合格",
                                    helpers.ACTION_CHECKBOX_NAME: [world.body.pk]}, follow=True)
    assert done.status_code == 200
    body = CertificationBody.objects.get(pk=world.body.pk)
    assert (body.status, body.status_reason) == ("suspended", "年度监督不合格")
    assert history_for(body).get(action="body_suspended").via == "admin"


def test_a_refused_decision_is_a_message_not_a_500(db, world, client_for):
    response = client_for("admin").post(CHANGELIST, {
        "action": "reinstate", "apply": "1", "reason": "无需恢复",
        helpers.ACTION_CHECKBOX_NAME: [world.body.pk, world.body_far.pk]}, follow=True)
    assert response.status_code == 200
    text = " ".join(_messages(response))
    assert "认证机构当前状态为“有效”，不能恢复" in text
    assert CertificationBody.objects.get(pk=world.body.pk).status == "approved"


def test_a_regulator_sees_and_acts_only_within_its_jurisdiction(db, world, client_for):
    client = client_for("regulator")
    names = {b.name for b in client.get(CHANGELIST).context["cl"].result_list}
    assert names == {"江苏恒信质量认证中心有限公司"}
    response = client.get(f"/admin/registry/certificationbody/{world.body_far.pk}/change/")
    assert response.status_code == 302  # not found in its queryset
    client.post(CHANGELIST, {"action": "suspend", "apply": "1", "reason": "越权",
                             helpers.ACTION_CHECKBOX_NAME: [world.body_far.pk]})
    assert CertificationBody.objects.get(pk=world.body_far.pk).status == "approved"
    orgs = {o.name for o in client.get("/admin/registry/organization/").context["cl"].result_list}
    assert "北京远方科技有限公司" not in orgs and "南京星河精密科技有限公司" in orgs


def test_granting_a_scope_in_the_back_office(db, world, client_for):
    client = client_for("admin")
    ok = client.post("/admin/registry/bodyscope/add/", {"body": world.body.pk, "scheme": "QMS", "iaf_sector": "28",
                                                       "ccc_product_code": "", "granted_on": ""})
    assert ok.status_code == 302
    assert BodyScope.objects.filter(body=world.body, iaf_sector__number=28).exists()
    dup = client.post("/admin/registry/bodyscope/add/", {"body": world.body.pk, "scheme": "QMS", "iaf_sector": "28",
                                                        "ccc_product_code": "", "granted_on": ""})
    assert dup.status_code == 200 and "已获批此范围" in str(dup.context["adminform"].form.errors)


def test_renaming_an_organization_keeps_the_former_name(db, world, client_for):
    client = client_for("regulator")
    org = world.org
    url = f"/admin/registry/organization/{org.pk}/change/"
    data = {"name": "南京星河智造科技有限公司", "name_en": org.name_en, "address": org.address,
            "industry_code": "39", "size_class": "small", "contact_phone": org.contact_phone,
            "contact_email": org.contact_email, "renamed_on": "2026-11-01", "reason": "工商变更",
            "former_names-TOTAL_FORMS": "1", "former_names-INITIAL_FORMS": "1", "sites-TOTAL_FORMS": "2",
            "sites-INITIAL_FORMS": "2"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    org = Organization.objects.get(pk=org.pk)
    assert org.name == "南京星河智造科技有限公司"
    assert list(org.former_names.values_list("name", flat=True)) == ["南京星河精密科技有限公司", "南京星河电子有限公司"]


def test_history_is_read_only_and_filterable(db, world, client_for):
    client = client_for("admin")
    record = ChangeRecord.objects.order_by("id").first()
    assert client.get("/admin/core/changerecord/add/").status_code == 403
    assert client.post(f"/admin/core/changerecord/{record.pk}/change/", {"reason": "rewritten"}).status_code == 403
    assert client.get(f"/admin/core/changerecord/{record.pk}/delete/").status_code == 403
    listed = client.get("/admin/core/changerecord/", {"action": "body_scope_granted"}).context["cl"].result_list
    assert {r.action for r in listed} == {"body_scope_granted"}
    assert client.get("/admin/core/changerecord/", {"via__exact": "system"}).status_code == 200
    seen = client_for("regulator").get("/admin/core/changerecord/").context["cl"].result_list
    assert {r.region_code[:4] for r in seen} == {"3201"}


def test_api_keys_are_listed_without_their_hash_and_revoked_by_action(db, world, client_for):
    key, secret = api_key_create(actor=Actor.for_user(world.users["cb_operator"]), body=world.body, name="ERP")
    client = client_for("admin")
    html = client.get(f"/admin/accounts/apikey/{key.pk}/change/").content.decode()
    assert key.key_hash not in html and secret not in html and f"ck_{key.prefix}_" in html
    assert client.get("/admin/accounts/apikey/add/").status_code == 403
    client.post("/admin/accounts/apikey/", {"action": "revoke", "apply": "1", "reason": "泄露",
                                            helpers.ACTION_CHECKBOX_NAME: [key.pk]})
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_users_are_created_through_the_service(db, world, client_for):
    client = client_for("admin")
    data = {"username": "reg-suzhou", "password1": "a-long-pass-2026", "password2": "a-long-pass-2026",
            "role": "regulator", "jurisdiction_code": "3205", "first_name": "", "last_name": "", "email": ""}
    response = client.post("/admin/accounts/user/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    user = User.objects.get(username="reg-suzhou")
    assert user.is_staff and user.jurisdiction_code == "3205"
    assert history_for(user).get().action == "user_created"
    missing = client.post("/admin/accounts/user/add/", {**data, "username": "reg-x", "jurisdiction_code": ""})
    assert missing.status_code == 200 and "jurisdiction_code" in missing.context["adminform"].form.errors
    assert not User.objects.filter(username="reg-x").exists()
    assert client_for("regulator").get("/admin/accounts/user/").status_code == 403


def test_the_back_office_speaks_english_too(db, world, client_for):
    client = client_for("admin")
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    html = client.get(CHANGELIST).content.decode()
    assert "Certification body" in html and "Approval number" in html
    assert "Suspend the selected bodies" in html


def test_a_write_is_undone_when_the_page_is_shown_again(db, world, client_for):
    data = {k: v for k, v in _body_form().items() if not k.startswith("scopes-")}  # a tampered post
    response = client_for("admin").post("/admin/registry/certificationbody/add/", data)
    assert response.status_code == 200
    assert not CertificationBody.objects.filter(approval_no="CNCA-R-2020-321").exists()
    assert not ChangeRecord.objects.filter(action="body_approved", object_repr="江苏新设认证有限公司").exists()
