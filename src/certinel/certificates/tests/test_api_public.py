"""The open API of the certificate register, through real HTTP requests: search with every
filter, one certificate, the verification verdict (never a 404), exports, errors, and that
only public fields leave the server."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from certinel.accounts.models import Role
from certinel.core.testing.builders import build_user

from .test_search import TODAY, World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


def get(client, path: str, **params):
    return client.get(f"/api/v1{path}", params)


def test_search_with_filters(client, world):
    response = get(client, "/certificates", q="华盛", status="valid", region="31")
    assert response.status_code == 200
    body = response.json()
    assert [i["number"] for i in body["items"]] == ["TQ2401001Q", "WQ2404005Q"]
    assert (body["total"], body["total_display"], body["page"], body["pages"]) == (2, "2", 1, 1)
    item = body["items"][0]
    assert item["status"] == "valid" and item["body"]["approval_no"] == world.west.approval_no
    assert item["holder"]["uscc"] == world.shanghai.uscc


def test_status_today_and_what_was_recorded(client, world):
    items = get(client, "/certificates", number="TQ2203004Q").json()["items"]
    assert [(i["status"], i["recorded_status"], i["status_computed"]) for i in items] == [
        ("suspended", "valid", "surveillance_missed")]


def test_every_filter_is_accepted(client, world):
    params = {"number": "TQ2401002E", "q": world.huasheng.uscc, "body": world.east.approval_no, "scheme": "EMS",
              "status": "suspended", "region": "3201", "issued_from": str(TODAY - dt.timedelta(days=365)),
              "issued_to": str(TODAY), "expires_from": str(TODAY),
              "expires_to": str(TODAY.replace(year=TODAY.year + 4)),
              "page": 1, "page_size": 5}
    body = get(client, "/certificates", **params).json()
    assert [i["number"] for i in body["items"]] == ["TQ2401002E"]


def test_only_public_fields(client, world):
    item = get(client, "/certificates", number="TQ2401002E").json()["items"][0]
    for private in ("actor_label", "via", "version", "created_at", "updated_at"):
        assert private not in item
    assert set(item["holder"]) == {"name", "uscc", "organization_id"}


@pytest.mark.parametrize(("params", "field"), [
    ({"q": "华"}, "q"), ({"region": "3"}, "region"), ({"status": "gone"}, "status"),
    ({"issued_from": "2024-02-30"}, "issued_from"), ({"page_size": 500}, "page_size"),
])
def test_bad_filters_get_422_naming_the_field(client, world, params, field):
    response = get(client, "/certificates", **params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed" and body["errors"][0]["field"] == field


def test_reversed_date_range_is_422(client, world):
    response = get(client, "/certificates", issued_from="2024-05-01", issued_to="2024-04-01")
    assert response.status_code == 422 and "issued_from comes after issued_to" in response.json()["message"]


def test_too_deep_a_page_is_a_clear_error(client, world):
    response = get(client, "/certificates", page=600, page_size=20)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "too_deep"


def test_one_certificate_with_its_trail(client, world):
    cert = world.certs["jg_qms"]
    response = get(client, f"/certificates/{cert.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == "TQ2302003Q" and body["status"] == "revoked"
    assert [(e["kind"], e["status_after"], e["signed_by"]) for e in body["events"]] == [
        ("issued", "valid", "王签发"), ("revoked", "revoked", "李主任")]
    assert body["verify_url"] == "/verify/TQ2302003Q"


@pytest.mark.parametrize("bad", ["999999", "0", "abc", "99999999999999999999999"])
def test_unknown_certificate_is_404_or_422(client, world, bad):
    response = get(client, f"/certificates/{bad}")
    assert response.status_code in (404, 422)
    assert response.json()["code"] in ("not_found", "validation_failed")


def test_verify_valid(client, world):
    body = get(client, "/verify", number="TQ2401001Q", holder="测试华盛电子有限公司").json()
    assert body["outcome"] == "valid" and body["found"] and body["others"] == 1
    check = body["certificates"][0]
    assert check["genuine"] and check["valid_today"]
    assert check["holder_match"]["result"] == "exact"
    assert check["approval"]["at_issue"] and check["approval"]["today"]
    assert check["certificate"]["events"][0]["kind"] == "issued"
    assert body["reasons"] == [] and body["next_steps"]


def test_verify_mismatch(client, world):
    body = get(client, "/verify", number="WQ2404005Q", holder="测试宏达机电有限公司").json()
    assert body["outcome"] == "mismatch"
    match = body["certificates"][0]["holder_match"]
    assert match["result"] == "mismatch" and match["closest"] == "上海测试华盛贸易有限公司"
    assert 0 < match["similarity"] < 1


def test_not_found_is_a_verdict_not_a_404(client, world):
    response = get(client, "/verify", number="NOPE-0001", holder="华盛电子")
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "not_found" and not body["found"] and body["certificates"] == []
    assert [r["code"] for r in body["reasons"]] == ["not_yet_reported", "typo", "forgery", "outside_register"]
    assert body["suggestions"][0]["uscc"] == world.huasheng.uscc


def test_verify_several_and_warnings(client, world):
    body = get(client, "/verify", number="TQ2401001Q").json()
    assert body["outcome"] == "several" and len(body["certificates"]) == 2
    partial = get(client, "/verify", number="WQ2404005Q", holder="华盛贸易").json()
    codes = [w["code"] for w in partial["certificates"][0]["warnings"]]
    assert "holder_partial" in codes


def test_verify_speaks_the_callers_language(client, world):
    zh = client.get("/api/v1/verify", {"number": "NOPE-0001"}, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert "没有登记" in zh["message"]


def test_verify_needs_a_number(client, world):
    response = get(client, "/verify", holder="测试")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "number"
    assert get(client, "/verify", number="x" * 65).status_code == 422


def test_export_csv_follows_the_filters_and_escapes_formulas(client, world):
    from certinel.certificates import services
    from certinel.core.testing.builders import SYSTEM

    services.certificate_change_scope(actor=SYSTEM, certificate=world.certs["hs_qms"], signed_by="周",
                                      scope_text="=HYPERLINK(\"http://example.invalid\")")
    response = get(client, "/certificates/export", region="3201")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "证书编号" and {r[0] for r in rows[1:]} == {"TQ2401001Q", "TQ2401002E", "TQ2302003Q"}
    scope = next(r for r in rows if r[0] == "TQ2401001Q")[rows[0].index("认证范围")]
    assert scope.startswith("'=")


def test_a_wrong_api_key_is_refused_not_ignored(client, world):
    response = client.get("/api/v1/certificates", HTTP_AUTHORIZATION="Bearer ck_wrong_key")
    assert response.status_code == 401


def test_signed_in_users_see_the_same_public_data(client, world):
    client.force_login(build_user(Role.REGULATOR, jurisdiction_code="32"))
    assert get(client, "/certificates", number="TQ2401002E").json()["items"][0]["status"] == "suspended"


def test_openapi_documents_the_verdict(client, world):
    schema = client.get("/api/v1/openapi.json").json()
    verify = schema["paths"]["/api/v1/verify"]["get"]
    assert "not_found" in verify["description"] and "200" in verify["responses"]
    outcome = schema["components"]["schemas"]["VerdictOut"]["properties"]["outcome"]
    assert set(outcome["enum"]) == {"valid", "not_valid", "mismatch", "not_found", "several", "inconsistent"}
