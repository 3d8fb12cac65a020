"""The signed-in pages: recent changes, a regulator's decisions, a body's API keys, an
organization's contact details, signing in and out. Forbidden actions get 403 and change
nothing; service refusals show as form errors."""

from __future__ import annotations

import pytest
from django.test import Client

from certinel.accounts.models import ApiKey
from certinel.core.history import history_for
from certinel.core.models import ChangeRecord
from certinel.registry.models import CertificationBody, Lab, Organization

from .data import PASSWORD

SIGNED_IN_PAGES = ["/changes/", "/account/api-keys/"]


# --- Signing in --------------------------------------------------------------------------

def test_login_and_logout(db, world):
    client = Client()
    assert client.get("/login/").status_code == 200
    wrong = client.post("/login/", {"username": "reg-nanjing", "password": "nope"})
    assert wrong.status_code == 200 and "用户名或密码不正确" in wrong.content.decode()
    ok = client.post("/login/?next=/changes/", {"username": "reg-nanjing", "password": PASSWORD, "next": "/changes/"})
    assert ok.status_code == 302 and ok["Location"] == "/changes/"
    assert "reg-nanjing" in client.get("/").content.decode()
    assert client.post("/logout/").status_code == 302
    assert client.get("/changes/").status_code == 302


@pytest.mark.parametrize("url", ["/changes/", "/account/api-keys/", "/bodies/CNCA-R-2004-117/decide/"])
def test_anonymous_users_are_sent_to_sign_in(db, world, url):
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


# --- Recent changes -------------------------------------------------------------------------

def _objects(html: str) -> set[str]:
    names = ("江苏恒信质量认证中心有限公司", "北京远方认证有限公司", "苏州青禾检测技术有限公司", "北京远方检测中心",
             "南京星河精密科技有限公司", "北京远方科技有限公司")
    return {n for n in names if n in html}


def test_a_regulator_sees_the_changes_in_its_jurisdiction_only(db, world, client_for):
    html = client_for("regulator").get("/changes/").content.decode()
    assert _objects(html) == {"江苏恒信质量认证中心有限公司", "南京星河精密科技有限公司"}
    province = client_for("regulator_province").get("/changes/").content.decode()
    assert _objects(province) == {"江苏恒信质量认证中心有限公司", "苏州青禾检测技术有限公司",
                                  "南京星河精密科技有限公司"}
    far = client_for("regulator_far").get("/changes/").content.decode()
    assert _objects(far) == {"北京远方认证有限公司", "北京远方检测中心", "北京远方科技有限公司"}


def test_bodies_labs_and_organizations_see_their_own_history(db, world, client_for):
    assert _objects(client_for("cb_operator").get("/changes/").content.decode()) == {"江苏恒信质量认证中心有限公司"}
    assert _objects(client_for("lab_operator").get("/changes/").content.decode()) == {"苏州青禾检测技术有限公司"}
    org = client_for("org_user").get("/changes/").content.decode()
    assert _objects(org) == {"南京星河精密科技有限公司"}
    assert "南京星河电子有限公司" in org and "组织更名" in org  # the rename, old name → new name


def test_change_filters(db, world, client_for):
    client = client_for("regulator_province")
    orgs = client.get("/changes/", {"kind": "organization"}).content.decode()
    assert _objects(orgs) == {"南京星河精密科技有限公司"}
    renamed = client.get("/changes/", {"action": "organization_renamed"}).content.decode()
    assert "组织更名" in renamed and "组织登记" not in renamed.split('id="list-results"')[1]
    suzhou = client.get("/changes/", {"region": "3205"}).content.decode()
    assert _objects(suzhou) == {"苏州青禾检测技术有限公司"}
    bad = client.get("/changes/", {"region": "3x", "days": "999"}).content.decode()
    assert "区划代码应为两位" in bad and "天数应在 1 到 366 之间" in bad


def test_personal_data_is_not_shown_in_the_history(db, world, client_for):
    from certinel.core.actor import Actor
    from certinel.registry import services

    services.person_update(actor=Actor.system("test"), person=world.auditor, phone="13900009999")
    html = client_for("regulator").get("/changes/", {"kind": "person"}).content.decode()
    assert "人员信息变更" in html and "（个人信息，不显示）" in html
    assert "13900009999" not in html and "hmac-sha256" not in html


# --- A regulator's decisions ----------------------------------------------------------------

@pytest.mark.parametrize("who", ["cb_operator", "org_user", "lab_operator", "regulator_far"])
def test_others_may_not_decide(db, world, client_for, who):
    client = client_for(who)
    url = f"/bodies/{world.body.approval_no}/decide/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"action": "suspend", "reason": "试图越权"})
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    assert CertificationBody.objects.get(pk=world.body.pk).status == "approved"
    assert not history_for(world.body).filter(action="body_suspended").exists()


def test_a_regulator_suspends_and_reinstates_a_body(db, world, client_for):
    client = client_for("regulator")
    url = f"/bodies/{world.body.approval_no}/decide/"
    page = client.get(url).content.decode()
    assert "暂停" in page and "撤销" in page and 'value="reinstate"' not in page
    missing = client.post(url, {"action": "suspend", "reason": ""})
    assert missing.status_code == 200 and "这个字段是必填项" in missing.content.decode()
    assert CertificationBody.objects.get(pk=world.body.pk).status == "approved"

    done = client.post(url, {"action": "suspend", "reason": "监督检查发现审核记录不实", "on": "2026-11-20"},
                       follow=True)
    body = CertificationBody.objects.get(pk=world.body.pk)
    assert (body.status, body.status_reason, str(body.status_changed_on)) == (
        "suspended", "监督检查发现审核记录不实", "2026-11-20")
    html = done.content.decode()
    assert "已暂停：江苏恒信质量认证中心有限公司。" in html and "监督检查发现审核记录不实" in html
    record = history_for(body).get(action="body_suspended")
    assert record.actor_label == "reg-nanjing" and record.via == "web"

    stale = client.post(url, {"action": "suspend", "reason": "再次暂停"})
    assert stale.status_code == 200 and "选择一个有效的选项" in stale.content.decode()
    client.post(url, {"action": "reinstate", "reason": "整改完成"})
    assert CertificationBody.objects.get(pk=world.body.pk).status == "approved"


def test_a_regulator_revokes_a_lab_and_then_nothing_more_can_be_decided(db, world, client_for):
    client = client_for("regulator_province")
    url = f"/labs/{world.lab.cma_no}/decide/"
    client.post(url, {"action": "revoke", "reason": "出具虚假报告"})
    assert Lab.objects.get(pk=world.lab.pk).status == "revoked"
    assert "不能再作状态决定" in client.get(url).content.decode()
    public = Client().get(f"/labs/{world.lab.cma_no}/").content.decode()
    assert "撤销" in public and "出具虚假报告" in public


def test_a_regulator_cannot_decide_outside_its_jurisdiction(db, world, client_for):
    response = client_for("regulator").post(f"/labs/{world.lab_far.cma_no}/decide/",
                                            {"action": "suspend", "reason": "越权"})
    assert response.status_code == 403
    assert Lab.objects.get(pk=world.lab_far.pk).status == "valid"


# --- A body's API keys ---------------------------------------------------------------------

def test_a_body_operator_creates_a_key_shown_once_and_revokes_it(db, world, client_for):
    client = client_for("cb_operator")
    assert "还没有密钥" in client.get("/account/api-keys/").content.decode()
    empty = client.post("/account/api-keys/", {"name": ""})
    assert "这个字段是必填项" in empty.content.decode() and not ApiKey.objects.exists()

    created = client.post("/account/api-keys/", {"name": "证书管理系统"})
    assert "no-store" in created["Cache-Control"]
    html = created.content.decode()
    key = ApiKey.objects.get(body=world.body)
    assert f'value="ck_{key.prefix}_' in html and "只显示这一次" in html
    secret = html.split(f'value="ck_{key.prefix}_')[1].split('"')[0]
    assert key.matches(f"ck_{key.prefix}_{secret}")
    again = client.get("/account/api-keys/").content.decode()
    assert secret not in again and f"ck_{key.prefix}_…" in again

    api = Client(HTTP_AUTHORIZATION=f"Bearer ck_{key.prefix}_{secret}")
    assert api.get("/api/v1/bodies").status_code == 200
    client.post(f"/account/api-keys/{key.pk}/revoke/")
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert api.get("/api/v1/bodies").status_code == 401
    assert "已吊销" in client.get("/account/api-keys/").content.decode()


@pytest.mark.parametrize("who", ["regulator", "org_user", "lab_operator", "admin"])
def test_only_a_body_operator_has_a_keys_page(db, world, client_for, who):
    client = client_for(who)
    assert client.get("/account/api-keys/").status_code == 403
    assert client.post("/account/api-keys/", {"name": "x"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_a_body_cannot_revoke_another_bodys_key(db, world, client_for):
    from certinel.accounts.services import api_key_create
    from certinel.core.actor import Actor

    key, _secret = api_key_create(actor=Actor.for_user(world.users["cb_operator"]), body=world.body, name="ERP")
    response = client_for("cb_operator_far").post(f"/account/api-keys/{key.pk}/revoke/")
    assert response.status_code == 404
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


# --- An organization's contact details ------------------------------------------------------

def test_an_organization_user_edits_its_contact_details(db, world, client_for):
    client = client_for("org_user")
    url = f"/organizations/{world.org.uscc}/edit/"
    assert "13812345678" in client.get(url).content.decode()
    bad = client.post(url, {"contact_phone": "call me", "contact_email": "not-an-email"})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "电话号码只能包含数字" in html and "有效的 Email 地址" in html
    assert Organization.objects.get(pk=world.org.pk).contact_phone == "13812345678"

    done = client.post(url, {"contact_phone": "025-86668888", "contact_email": "qa@xinghe.example.cn"}, follow=True)
    org = Organization.objects.get(pk=world.org.pk)
    assert (org.contact_phone, org.contact_email) == ("025-86668888", "qa@xinghe.example.cn")
    assert "联系方式已更新" in done.content.decode()
    record = ChangeRecord.objects.filter(action="organization_updated").latest("id")
    assert record.actor_label == "org-xinghe" and set(record.changed_fields) == {"contact_phone", "contact_email"}


@pytest.mark.parametrize(("who", "allowed"), [("regulator", True), ("org_user_far", False), ("cb_operator", False),
                                              ("regulator_far", False)])
def test_who_may_edit_an_organizations_contact_details(db, world, client_for, who, allowed):
    client = client_for(who)
    url = f"/organizations/{world.org.uscc}/edit/"
    response = client.post(url, {"contact_phone": "010-1", "contact_email": ""})
    if allowed:
        assert response.status_code == 302
    else:
        assert response.status_code == 403
        assert client.get(url).status_code == 403
        assert Organization.objects.get(pk=world.org.pk).contact_phone == "13812345678"


def test_the_navigation_follows_the_role(db, world, client_for):
    assert "接口密钥" in client_for("cb_operator").get("/").content.decode()
    assert "接口密钥" not in client_for("regulator").get("/").content.decode()
    assert "本组织" in client_for("org_user").get("/").content.decode()
    assert "变更记录" not in Client().get("/").content.decode()
