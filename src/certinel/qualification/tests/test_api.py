"""The test-report API: a lab operator reports (signed in), anyone verifies."""

from __future__ import annotations

import pytest

from certinel.accounts.models import Role
from certinel.accounts.services import api_key_create
from certinel.core.actor import Actor
from certinel.core.testing.builders import build_body, build_user
from certinel.qualification.models import TestReport

from .factories import SIGNATORY, lab_with_scope

pytestmark = pytest.mark.django_db
BATCH = "/api/v1/reports/batch"
VERIFY = "/api/v1/reports/verify"


def _row(number="R-1", **kw):
    row = {"number": number, "issued_on": "2025-06-10", "sample_received_on": "2025-06-02",
           "client_name": "示例粮油有限公司", "object": "大米",
           "parameters": [{"parameter": "铅含量", "standard": "GB 5009.12-2017"}], "signatory": SIGNATORY,
           "pdf_sha256": "ef" * 32}
    row.update(kw)
    return row


@pytest.fixture
def lab():
    return lab_with_scope()


@pytest.fixture
def operator(client, lab):
    client.force_login(build_user(Role.LAB_OPERATOR, lab=lab))
    return client


def _post(client, body, **headers):
    return client.post(BATCH, body, content_type="application/json", **headers)


def test_a_lab_operator_reports_and_resending_changes_nothing(operator, lab):
    answer = _post(operator, {"reports": [_row()]})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["created"] == 1 and answer.json()["rows"][0]["events"] == ["issue"]
    again = _post(operator, {"reports": [_row()]})
    assert again.status_code == 200 and again.json()["unchanged"] == 1
    assert TestReport.objects.get(lab=lab, number="R-1").version == 1


def test_a_dry_run_writes_nothing(operator):
    answer = _post(operator, {"dry_run": True, "reports": [_row()]})
    assert answer.status_code == 200 and answer.json()["written"] is False
    assert not TestReport.objects.exists()


def test_a_reused_number_with_another_content_is_422_naming_the_field(operator):
    _post(operator, {"reports": [_row()]})
    answer = _post(operator, {"reports": [_row(object="糙米"), _row("R-2", status="withdrawn")]})
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "validation_failed" and body["written"] is False
    assert {(e["row"], e["field"], e["code"]) for e in body["errors"]} == {(1, "object_name", "content_changed"),
                                                                   (2, "status_reason", "required")}
    assert not TestReport.objects.filter(number="R-2").exists()


def test_a_correction_through_the_api(operator):
    _post(operator, {"reports": [_row()]})
    answer = _post(operator, {"reports": [_row(object="糙米", correction=True, status_reason="笔误")]})
    assert answer.status_code == 200 and answer.json()["rows"][0]["events"] == ["correct"]


def test_a_schema_violation_is_422(operator):
    answer = _post(operator, {"reports": [_row(pdf_sha256="xyz")]})
    assert answer.status_code == 422 and answer.json()["code"] == "validation_failed"
    assert _post(operator, {"reports": []}).status_code == 422


def test_the_sample_and_results_digest_through_the_api(operator, lab, client):
    row = _row(sample_no="YP2025-001", results_sha256="C3" * 32)
    assert _post(operator, {"reports": [row]}).status_code == 200
    report = TestReport.objects.get(lab=lab, number="R-1")
    assert (report.sample_no, report.results_sha256) == ("YP2025-001", "c3" * 32)
    assert _post(operator, {"reports": [row]}).json()["unchanged"] == 1
    answer = _post(operator, {"reports": [{**row, "results_sha256": "d4" * 32}]})
    assert answer.status_code == 422 and [(e["field"], e["code"]) for e in answer.json()["errors"]] == [
        ("results_sha256", "content_changed")]
    assert _post(operator, {"reports": [_row("R-2", results_sha256="xyz")]}).status_code == 422
    assert _post(operator, {"reports": [_row("R-2", sample_no="样" * 65)]}).status_code == 422
    # Another report of the same sample with other results: flagged, the sample never shown.
    second = _row("R-2", sample_no="YP2025-001", results_sha256="d4" * 32)
    assert _post(operator, {"reports": [second]}).status_code == 200
    body = client.get(VERIFY, {"lab": lab.cma_no, "number": "R-1"})
    assert [f["code"] for f in body.json()["flags"]] == ["sample_reported_twice"]
    assert "YP2025" not in body.content.decode() and "c3c3" not in body.content.decode()


def test_without_a_session_401_and_with_another_role_or_a_body_key_403(client, lab):
    answer = _post(client, {"reports": [_row()]})
    assert answer.status_code == 401 and answer.json()["code"] == "unauthorized"
    body = build_body()
    cb = build_user(Role.CB_OPERATOR, body=body)
    key = api_key_create(actor=Actor.for_user(cb), body=body, name="t")[1]
    answer = _post(client, {"reports": [_row()]}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert answer.status_code == 403
    client.force_login(build_user(Role.REGULATOR, jurisdiction_code="32"))
    assert _post(client, {"reports": [_row()]}).status_code == 403
    assert not TestReport.objects.exists()


def test_anyone_verifies_by_number_or_hash(operator, lab, client):
    _post(operator, {"reports": [_row()]})
    client.logout()
    answer = client.get(VERIFY, {"lab": lab.cma_no, "number": "R-1"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["genuine"] and body["lab"]["cma_no"] == lab.cma_no and body["all_in_scope"]
    assert body["signatory_authorised"] and body["flags"] == [] and body["status"] == "valid"
    assert "示例粮油" not in answer.content.decode() and SIGNATORY not in answer.content.decode()
    assert client.get(VERIFY, {"sha256": "EF" * 32}).json()["number"] == "R-1"


def test_verify_not_found_is_404_and_a_bad_query_422(client, lab):
    answer = client.get(VERIFY, {"lab": lab.cma_no, "number": "NOPE"})
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert client.get(VERIFY).status_code == 422
    assert client.get(VERIFY, {"lab": lab.cma_no}).status_code == 422
    assert client.get(VERIFY, {"sha256": "zz"}).status_code == 422
