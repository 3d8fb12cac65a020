"""The reporting API: a body's key, batches of certificates (dry run, real run, all or nothing,
idempotent, every row error), the schema's limits, and the reporting delays. The router is
mounted here on an API of its own with the project's error handlers, at /api/v1/."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from certinel.accounts.models import Role
from certinel.accounts.services import api_key_create, api_key_revoke
from certinel.api import auth_error, domain_error, validation_error
from certinel.certificates import trail
from certinel.certificates.api_reporting import router
from certinel.certificates.io import import_file
from certinel.certificates.models import Certificate
from certinel.certificates.reporting import report_certificates
from certinel.certificates.services import certificates_tick
from certinel.certificates.trail import trail_of
from certinel.core.actor import Actor
from certinel.core.errors import DomainError
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_user, certificate_data
from certinel.reference.generators import make_uscc
from certinel.registry.models import Organization

api = NinjaAPI(title="reporting (test)", version="test", urls_namespace="reporting-test")
api.add_exception_handler(DomainError, domain_error)
api.add_exception_handler(ValidationError, validation_error)
api.add_exception_handler(AuthenticationError, auth_error)
api.add_router("/", router)
urlpatterns = [path("api/v1/", api.urls)]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
BATCH = "/api/v1/certificates/batch"
DELAYS = "/api/v1/certificates/reporting-delays"
TODAY = dt.date.today()
_rng = random.Random(99)


@pytest.fixture
def body():
    return body_with_scopes(schemes=("QMS", "EMS"), ccc_products=("0701",))


@pytest.fixture
def key(body) -> str:
    operator = build_user(Role.CB_OPERATOR, body=body)
    return api_key_create(actor=Actor.for_user(operator), body=body, name="业务系统")[1]


def cert(n: int, *, days_ago: int = 10, **change: Any) -> dict[str, Any]:
    issued = TODAY - dt.timedelta(days=days_ago)
    values = {"number": f"API{n:06d}Q", "scheme": "QMS", "holder_uscc": make_uscc("320102", _rng),
              "holder_name": f"南京示例接口{n}有限公司", "holder_region": "320102", "holder_address": f"示例路{n}号",
              "issued_on": issued.isoformat(),
              "expires_on": (issued.replace(year=issued.year + 3) - dt.timedelta(days=1)).isoformat(),
              "scope_text": "机械零部件的设计和生产", "scope_codes": ["17", "18"], "signed_by": "王签发"}
    values.update(change)
    return values


def post(client, key: str | None, payload: Any):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.post(BATCH, payload, content_type="application/json", **headers)


# --- Keys ------------------------------------------------------------------------------------


def test_no_key_a_wrong_key_or_a_revoked_key_is_401(client, body, key):
    payload = {"certificates": [cert(1)]}
    for header in ({}, {"HTTP_AUTHORIZATION": "Bearer ck_nope_nope"}, {"HTTP_AUTHORIZATION": key}):
        response = client.post(BATCH, payload, content_type="application/json", **header)
        assert response.status_code == 401 and response.json()["code"] == "unauthorized"
        assert client.get(DELAYS, **header).status_code == 401
    from certinel.accounts.models import ApiKey

    record = ApiKey.objects.get(body=body)
    api_key_revoke(actor=Actor.for_user(record.user), key=record)
    assert post(client, key, payload).status_code == 401
    assert not Certificate.objects.exists()


def test_a_key_whose_user_may_no_longer_report_is_refused(client, body, key):
    User = get_user_model()
    user = User.objects.get(api_keys__body=body)
    User.objects.filter(pk=user.pk).update(body=body_with_scopes())
    response = post(client, key, {"certificates": [cert(1)]})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert post(client, key, {"certificates": [cert(1)]}).status_code == 401
    assert not Certificate.objects.exists()


# --- Batches ---------------------------------------------------------------------------------


def test_a_dry_run_then_a_real_run_then_the_same_again(client, body, key):
    batch = [cert(1), cert(2, status="suspended", status_reason="监督审核发现严重不符合",
                             suspended_until=(TODAY + dt.timedelta(days=60)).isoformat())]
    dry = post(client, key, {"dry_run": True, "certificates": batch})
    assert dry.status_code == 200
    data = dry.json()
    assert data["dry_run"] and data["ok"] and not data["written"] and data["created"] == 2
    assert data["rows"][1] == {"row": 2, "number": "API000002Q", "outcome": "created", "events": ["issue", "suspend"]}
    assert not Certificate.objects.exists()
    real = post(client, key, {"certificates": batch}).json()
    assert real["written"] and Certificate.objects.filter(body=body).count() == 2
    event = trail_of(Certificate.objects.get(number="API000001Q").pk)[0]
    assert event.via == "api" and event.actor_label.startswith("api-key:")
    assert real["message"].startswith("全部数据已写入：新增 2 条")
    again = post(client, key, {"certificates": batch}).json()
    assert again["unchanged"] == 2 and len(trail.events()) == 3
    # A resend that changes nothing says so, in the request's language.
    assert again["message"] == "没有任何变化：2 条证书与登记册完全一致，本次没有写入任何数据。"
    english = client.post(BATCH, {"certificates": batch}, content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["message"] == "Nothing changed: all 2 certificates already match the register; nothing was written."


def test_every_row_error_is_returned_with_422_and_nothing_is_written(client, body, key):
    batch = [cert(1), cert(2, scope_codes=["45"]), cert(3, status="revoked"), cert(4, number="API000001Q")]
    response = post(client, key, {"certificates": batch})
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "validation_failed" and "nothing was written" in data["message"]
    assert {(e["row"], e["index"], e["field"], e["code"]) for e in data["errors"]} == {
        (2, 1, "scope_codes", "unknown_sector"), (3, 2, "status_reason", "required"),
        (4, 3, "number", "duplicate_in_batch")}
    assert [r["outcome"] for r in data["rows"]] == ["created", "invalid", "invalid", "invalid"]
    assert not data["written"] and not Certificate.objects.exists()
    assert not Organization.objects.filter(name__startswith="南京示例接口").exists()


@pytest.mark.parametrize(("payload", "field"), [
    ({"certificates": [{k: v for k, v in cert(1).items() if k != "signed_by"}]}, "certificates.0.signed_by"),
    ({"certificates": [cert(1, issued_on="15/03/2026")]}, "certificates.0.issued_on"),
    ({"certificates": [cert(1, status="lost")]}, "certificates.0.status"),
    ({"certificates": [cert(1, approval_no="CNCA-R-2005-971")]}, "certificates.0.approval_no"),
    ({"certificates": [cert(1, sites=[{"name": "一厂"}])]}, "certificates.0.sites.0.address"),
    ({"certificates": [cert(1, version=0)]}, "certificates.0.version"),
    ({"certificates": []}, "certificates"),
    ({"certificates": [cert(1)], "approval_no": "CNCA-R-2005-971"}, "approval_no"),
    ({"dry_run": "maybe", "certificates": [cert(1)]}, "dry_run"),
])
def test_requests_that_do_not_match_the_schema_are_422(client, key, payload, field):
    response = post(client, key, payload)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Certificate.objects.exists()


def test_at_most_5000_certificates_per_call(client, key):
    one = cert(1)
    response = post(client, key, {"dry_run": True, "certificates": [one] * 5001})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "certificates"


def test_a_body_reports_only_as_itself(client, body, key):
    other = body_with_scopes()
    number = "SAME000001Q"
    holder = cert(1)
    report_certificates(actor=SYSTEM, body=other, items=[certificate_data(
        holder=Organization(uscc=holder["holder_uscc"], name=holder["holder_name"]), number=number,
        holder_region="320102", holder_address="示例路1号")])
    assert post(client, key, {"certificates": [cert(1, number=number, holder_uscc=holder["holder_uscc"])]}).json()[
        "created"] == 1
    assert set(Certificate.objects.filter(number=number).values_list("body_id", flat=True)) == {body.pk, other.pk}


def test_the_api_and_a_file_describe_the_same_certificate_the_same_way(client, body, key, tmp_path):
    one = cert(1, scope_codes=[17, "18"], standards=" GB/T 19001-2016 ",
               products=[{"name": "电冰箱", "models": ["BCD-1", "BCD-2"]}],
               sites=[{"name": "总部", "address": "南京市示例路1号", "scope": "设计"},
                      {"name": "一厂", "address": "南京市示例路8号"}])
    assert post(client, key, {"certificates": [one]}).json()["created"] == 1
    stored = Certificate.objects.get(number="API000001Q")
    assert stored.scope_codes == ["17", "18"] and stored.standards == "GB/T 19001-2016"
    assert stored.sites[1] == {"name": "一厂", "address": "南京市示例路8号", "scope": ""}
    header = ("证书编号,认证制度,统一社会信用代码,获证组织名称,发证日期,有效期至,认证范围,范围代码,签发人,"
              "认证依据,产品及型号,覆盖场所")
    line = (f'API000001Q,QMS,{one["holder_uscc"]},{one["holder_name"]},{one["issued_on"]},{one["expires_on"]},'
            f'{one["scope_text"]},17;18,王签发,GB/T 19001-2016,"电冰箱: BCD-1, BCD-2",'
            "总部|南京市示例路1号|设计;一厂|南京市示例路8号")
    result = import_file(io.BytesIO(f"{header}\n{line}\n".encode()), actor=SYSTEM, body=body, name="same.csv")
    assert result.ok and result.counts()["unchanged"] == 1, [e.as_dict() for e in result.errors]


# --- Reporting delays ------------------------------------------------------------------------


def test_reporting_delays_count_on_time_and_late_events_of_the_body(client, body, key, settings):
    settings.CERTINEL_REPORTING_DEADLINE_DAYS = 5
    batch = [cert(1, days_ago=2), cert(2, days_ago=30), cert(3, days_ago=8)]
    assert post(client, key, {"certificates": batch}).status_code == 200
    suspended = cert(1, days_ago=2, holder_uscc=batch[0]["holder_uscc"], status="suspended",
                     status_reason="监督审核发现问题", status_date=TODAY.isoformat(),
                     suspended_until=(TODAY + dt.timedelta(days=30)).isoformat())
    assert post(client, key, {"certificates": [suspended]}).status_code == 200
    # Another body's late events and the register's own (expiry by the scheduled job) do not count.
    other = body_with_scopes()
    holder = Organization.objects.get(uscc=batch[0]["holder_uscc"])
    old = TODAY - dt.timedelta(days=3 * 365 + 40)
    report_certificates(actor=SYSTEM, body=other, items=[certificate_data(holder=holder, scheme="EMS", issued_on=old)],
                        today=old + dt.timedelta(days=1))
    report_certificates(actor=SYSTEM, body=body, items=[dataclasses.replace(certificate_data(
        holder=holder, number="OLD0000001", issued_on=old))], today=old + dt.timedelta(days=1))
    assert certificates_tick()["expired"] == 2
    response = client.get(DELAYS, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    data = response.json()
    assert (data["body"], data["deadline_days"], data["total"], data["on_time"], data["late"]) == (
        body.approval_no, 5, 5, 2, 3)
    assert data["median_delay_days"] == 8
    assert {(e["number"], e["kind"], e["delay_days"]) for e in data["late_events"]} == {
        ("API000002Q", "issued", 30), ("API000003Q", "issued", 8), ("OLD0000001", "issued", (TODAY - old).days)}
    later = client.get(DELAYS, {"since": (TODAY + dt.timedelta(days=1)).isoformat()},
                       HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert (later["total"], later["median_delay_days"], later["late_events"]) == (0, None, [])
    limited = client.get(DELAYS, {"late_limit": 1, "until": TODAY.isoformat()}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert len(limited.json()["late_events"]) == 1
    assert client.get(DELAYS, {"late_limit": 5000}, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 422


def test_the_openapi_document_describes_both_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    batch = schema["paths"]["/api/v1/certificates/batch"]["post"]
    assert batch["summary"] == "Report a batch of certificates" and "all or nothing" in batch["description"]
    assert set(batch["responses"]) >= {"200", "401", "422"}
    body = schema["components"]["schemas"]["BatchIn"]["properties"]["certificates"]
    assert body["maxItems"] == 5000 and body["minItems"] == 1
    assert "/api/v1/certificates/reporting-delays" in schema["paths"]
