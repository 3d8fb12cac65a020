"""The open API of the registry, through real HTTP requests against the app: lists, filters,
pagination, detail pages, errors (404, 422, 401) and what each caller may see."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client, override_settings

from certinel.accounts.services import api_key_create, api_key_revoke
from certinel.core.actor import Actor
from certinel.portal.tests.data import PASSWORD, World, build_world

API = "/api/v1"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def api(db, world) -> Client:
    return Client()


def get(client: Client, path: str, **params):
    return client.get(API + path, params, HTTP_ACCEPT_LANGUAGE="zh-hans")


def names(response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


# --- Certification bodies ------------------------------------------------------------------

def test_body_list_is_a_paginated_envelope_of_public_fields(api, world):
    response = get(api, "/bodies")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"items", "total", "total_display", "page", "page_size", "pages"}
    assert (data["total"], data["total_display"], data["page"], data["page_size"], data["pages"]) == (2, "2", 1, 20, 1)
    first = data["items"][0]
    assert first["approval_no"] == "CNCA-R-2004-117"
    assert first["region"] == {"code": "320102", "name": "玄武区"}
    assert first["status"] == "approved" and first["status_label"] == "有效"
    assert "phone" not in first and "private" not in first


@pytest.mark.parametrize(("params", "expected"), [
    ({"region": "32"}, ["江苏恒信质量认证中心有限公司"]),
    ({"region": "11"}, ["北京远方认证有限公司"]),
    ({"scheme": "QMS"}, ["江苏恒信质量认证中心有限公司"]),
    ({"scheme": "qms", "iaf_sector": "19"}, ["江苏恒信质量认证中心有限公司"]),
    ({"iaf_sector": "17"}, ["江苏恒信质量认证中心有限公司", "北京远方认证有限公司"]),
    ({"scheme": "CCC"}, ["江苏恒信质量认证中心有限公司"]),
    ({"status": "suspended"}, []),
    ({"q": "恒信"}, ["江苏恒信质量认证中心有限公司"]),
    ({"q": "cnca-r-2010-042"}, ["北京远方认证有限公司"]),
    ({"q": "CNAS C117-M"}, ["江苏恒信质量认证中心有限公司"]),
])
def test_body_filters(api, params, expected):
    response = get(api, "/bodies", **params)
    assert response.status_code == 200, response.content
    assert names(response) == expected


def test_body_search_by_uscc(api, world):
    assert names(get(api, "/bodies", q=world.body_far.uscc)) == ["北京远方认证有限公司"]


def test_pagination_pages_through_the_results(api):
    first = get(api, "/bodies", page_size=1).json()
    second = get(api, "/bodies", page_size=1, page=2).json()
    beyond = get(api, "/bodies", page_size=1, page=9).json()
    assert (first["pages"], first["total"]) == (2, 2)
    assert [first["items"][0]["approval_no"], second["items"][0]["approval_no"]] == ["CNCA-R-2004-117",
                                                                                     "CNCA-R-2010-042"]
    assert beyond["items"] == [] and beyond["total"] == 2


@pytest.mark.parametrize(("params", "field"), [
    ({"region": "3x"}, "region"),
    ({"region": "321"}, "region"),
    ({"iaf_sector": "40"}, "iaf_sector"),
    ({"iaf_sector": "abc"}, "iaf_sector"),
    ({"status": "gone"}, "status"),
    ({"page": "0"}, "page"),
    ({"page_size": "101"}, "page_size"),
    ({"q": "x" * 101}, "q"),
])
def test_bad_body_filters_get_422_naming_the_field(api, params, field):
    response = get(api, "/bodies", **params)
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "validation_failed"
    assert [e["field"] for e in data["errors"]] == [field]
    assert data["errors"][0]["message"]


def test_body_detail_by_approval_number_and_by_id(api, world):
    by_no = get(api, "/bodies/CNCA-R-2004-117")
    by_id = get(api, f"/bodies/{world.body.pk}")
    assert by_no.status_code == by_id.status_code == 200
    data = by_no.json()
    assert data == by_id.json()
    assert data["accreditation_no"] == "CNAS C117-M" and data["phone"] == "025-83000000"
    scopes = {(s["scheme"], s["iaf_sector"], s["ccc_product_code"]) for s in data["scopes"]}
    assert scopes == {("QMS", 17, None), ("QMS", 19, None), ("CCC", None, "0101")}
    assert data["people_counts"] == [{"kind": "auditor", "label": "审核员", "count": 1}]
    assert data["private"] is None
    assert "李审核" not in by_no.content.decode()


@pytest.mark.parametrize("key", ["CNCA-R-1999-999", "999999", "99999999999999999999999", "%20"])
def test_unknown_body_is_404_with_a_message(api, key):
    response = api.get(f"{API}/bodies/{key}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and response.json()["message"]


# --- Labs --------------------------------------------------------------------------------

def test_labs_list_filters_and_detail(api, world):
    assert names(get(api, "/labs")) == sorted(["苏州青禾检测技术有限公司", "北京远方检测中心"],
                                             key=lambda n: {world.lab.name: world.lab.cma_no,
                                                            world.lab_far.name: world.lab_far.cma_no}[n])
    assert names(get(api, "/labs", field="02")) == ["苏州青禾检测技术有限公司"]
    assert names(get(api, "/labs", field="05")) == []
    assert names(get(api, "/labs", region="3205")) == ["苏州青禾检测技术有限公司"]
    assert names(get(api, "/labs", q=world.lab_far.cma_no)) == ["北京远方检测中心"]
    assert names(get(api, "/labs", q="青禾")) == ["苏州青禾检测技术有限公司"]
    assert get(api, "/labs", status="valid").json()["total"] == 2
    assert get(api, "/labs", status="approved").status_code == 422

    by_cma = get(api, f"/labs/{world.lab.cma_no}")
    assert by_cma.status_code == 200
    data = by_cma.json()
    assert data == get(api, f"/labs/{world.lab.pk}").json()
    assert {f["code"] for f in data["fields"]} == {"00", "02"}
    assert [(i["kind"], i["field"]["code"], i["item"]) for i in data["scope"]] == [
        ("basic", "00", "食品中铅的测定"), ("industry", "02", "水泥胶砂强度")]
    assert data["private"] is None
    assert get(api, "/labs/000000000000").status_code == 404


# --- Organizations ------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "expected"), [
    ({"q": "星河"}, ["南京星河精密科技有限公司"]),
    ({"q": "星河电子"}, ["南京星河精密科技有限公司"]),              # a former name
    ({"q": "Xinghe Precision"}, ["南京星河精密科技有限公司"]),       # the English name
    ({"q": "示例", "region": "3205"}, ["苏州示例纺织有限公司"]),
    ({"q": "示例", "size": "medium", "region": "3201"}, ["南京示例机械制造有限公司", "南京示例食品有限公司"]),
    ({"industry": "C"}, ["南京星河精密科技有限公司"]),
    ({"industry": "39"}, ["南京星河精密科技有限公司"]),
    ({"industry": "13"}, []),
    ({"q": "不存在的名称"}, []),
])
def test_organization_search(api, params, expected):
    response = get(api, "/organizations", **params)
    assert response.status_code == 200, response.content
    assert sorted(names(response)) == sorted(expected)


def test_organization_search_by_uscc_prefix(api, world):
    response = get(api, "/organizations", q=world.org.uscc[:10].lower())
    assert names(response) == ["南京星河精密科技有限公司"]


@pytest.mark.parametrize(("params", "field", "zh", "en"), [
    ({"q": "星"}, "q", "请至少输入两个字符", "at least two characters"),
    ({"industry": "ZZ"}, "industry", "GB/T 4754", "GB/T 4754"),
    ({"size": "huge"}, "size", "", ""),
    ({"region": "3"}, "region", "区划代码应为两位", "GB/T 2260"),
])
def test_bad_organization_filters_get_422_in_the_callers_language(api, params, field, zh, en):
    response = get(api, "/organizations", **params)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == field and zh in error["message"]
    english = api.get(f"{API}/organizations", params, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 422
    error = english.json()["errors"][0]
    assert error["field"] == field and en in error["message"]


def test_organization_detail_hides_contact_data_from_the_public(api, world):
    response = get(api, f"/organizations/{world.org.uscc.lower()}")
    assert response.status_code == 200
    data = response.json()
    assert data["former_names"] == [{"name": "南京星河电子有限公司", "used_until": "2024-01-15"}]
    assert data["industry"]["code"] == "39" and data["size_class"] == "small"
    assert {s["kind"] for s in data["sites"]} == {"registered", "production"}
    assert data["private"] is None
    text = response.content.decode()
    assert "13812345678" not in text and "contact@" not in text
    assert get(api, f"/organizations/{world.org.pk}").json()["uscc"] == world.org.uscc
    assert get(api, "/organizations/91000000000000000X").status_code == 404


# --- Who sees what -------------------------------------------------------------------------

def _session(world: World, name: str) -> Client:
    client = Client()
    assert client.login(username=world.users[name].username, password=PASSWORD)
    return client


@pytest.mark.parametrize(("user", "sees"), [
    ("org_user", True), ("regulator", True), ("regulator_province", True), ("admin", True),
    ("regulator_far", False), ("org_user_far", False), ("cb_operator", False), ("lab_operator", False),
])
def test_organization_private_fields_follow_the_matrix(db, world, user, sees):
    data = get(_session(world, user), f"/organizations/{world.org.uscc}").json()
    if sees:
        assert data["private"]["contact_phone"] == "13812345678"
        assert data["private"]["contact_email"] == "contact@xinghe.example.cn"
    else:
        assert data["private"] is None


def test_a_bodys_key_shows_its_own_people_unmasked(db, world):
    _key, secret = api_key_create(actor=Actor.for_user(world.users["cb_operator"]), body=world.body, name="ERP")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    own = get(client, "/bodies/CNCA-R-2004-117").json()
    assert own["private"]["people"][0]["name"] == "李审核"
    assert own["private"]["people"][0]["phone"] == "13700002222"
    assert get(client, "/bodies/CNCA-R-2010-042").json()["private"] is None
    assert get(client, f"/organizations/{world.org.uscc}").json()["private"] is None


def test_a_regulator_sees_people_with_masked_phones_outside_its_person_scope(db, world):
    data = get(_session(world, "regulator"), "/bodies/CNCA-R-2004-117").json()
    assert data["private"]["people"][0]["name"] == "李审核"
    assert data["private"]["people"][0]["phone"] in ("13700002222", "137****2222")
    assert get(_session(world, "regulator_far"), "/bodies/CNCA-R-2004-117").json()["private"] is None


@pytest.mark.parametrize("header", ["Bearer ck_000000000000_wrong", "Bearer nonsense", "Bearer "])
def test_a_wrong_key_is_refused_with_401(api, header):
    response = api.get(f"{API}/bodies", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert "key" in response.json()["message"]


def test_a_revoked_key_is_refused(db, world):
    actor = Actor.for_user(world.users["cb_operator"])
    key, secret = api_key_create(actor=actor, body=world.body, name="old system")
    assert Client().get(f"{API}/bodies", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    api_key_revoke(actor=actor, key=key)
    assert Client().get(f"{API}/bodies/{world.body.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_status_labels_follow_the_request_language(api):
    response = api.get(f"{API}/bodies/CNCA-R-2004-117", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["status_label"] == "Valid"


# --- The description of the API ------------------------------------------------------------

def test_openapi_schema_describes_every_endpoint(api):
    response = api.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    for path in ("/bodies", "/bodies/{key}", "/labs", "/labs/{key}", "/organizations", "/organizations/{key}"):
        assert f"{API}{path}" in schema["paths"], path
    body_list = schema["paths"][f"{API}/bodies"]["get"]
    assert {p["name"] for p in body_list["parameters"]} >= {"q", "region", "scheme", "iaf_sector", "status", "page",
                                                           "page_size"}
    assert set(body_list["responses"]) >= {"200", "401", "422"}
    assert set(schema["paths"][f"{API}/labs/{{key}}"]["get"]["responses"]) >= {"200", "404"}
    assert {"BodyDetail", "LabDetail", "OrganizationDetail", "OrganizationPage"} <= set(schema["components"]["schemas"])
    assert any(s.get("scheme") == "bearer" for s in schema["components"]["securitySchemes"].values())


def test_docs_page_uses_the_assets_bundled_with_django_ninja(api, settings):
    from django.conf import settings as django_settings

    apps = list(django_settings.INSTALLED_APPS)
    if "ninja" not in apps:
        apps.append("ninja")  # the deployment needs this; see docs/api.md
    with override_settings(INSTALLED_APPS=apps):
        client = Client()
        page = client.get(f"{API}/docs")
        assert page.status_code == 200
        html = page.content.decode()
        assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn." not in html
        assert client.get("/static/ninja/swagger-ui-init.js").status_code == 200
