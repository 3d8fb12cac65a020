"""The open statistics API: the same figures as the selectors, the downloads in each format,
and the errors in the API's form. Given / when / then."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from certinel.certificates import services
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, certificate_data
from certinel.stats.refresh import stats_refresh

TODAY = dt.date.today()


@pytest.fixture
def register(db):
    body = body_with_scopes()
    nanjing, suzhou = build_org(region_code="320102"), build_org(region_code="320505")
    a = services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(
        holder=nanjing, issued_on=TODAY - dt.timedelta(days=100)))
    services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(
        holder=suzhou, scheme="EMS", issued_on=TODAY - dt.timedelta(days=60)))
    services.certificate_suspend(actor=SYSTEM, certificate=a, until=TODAY + dt.timedelta(days=30), reason="不符合",
                                 signed_by="李", occurred_on=TODAY - dt.timedelta(days=10))
    stats_refresh()
    return body


def test_counts_by_dimension_and_date(client, register):
    found = client.get("/api/v1/stats/counts?by=scheme,city&region=320000").json()
    assert found["totals"] == {"valid": 1, "suspended": 1, "withdrawn": 0, "expired": 0}
    assert [(r["scheme"], r["city"], r["valid"], r["suspended"]) for r in found["rows"]] == [
        ("EMS", "320500", 1, 0), ("QMS", "320100", 0, 1)]
    past = (TODAY - dt.timedelta(days=20)).isoformat()
    found = client.get(f"/api/v1/stats/counts?on={past}&body={register.approval_no}&by=body").json()
    assert found["totals"]["valid"] == 2 and found["rows"][0]["body"] == register.approval_no
    flows = client.get("/api/v1/stats/flows?period=year").json()
    assert sum(r["new"] for r in flows) == 2 and sum(r["suspended"] for r in flows) == 1
    assert client.get("/api/v1/stats/trend").json()[-1]["valid"] == 1
    targets = client.get("/api/v1/stats/targets?region=500106").json()
    assert [t["id"] for t in targets] == ["SPB-MS-1200", "SPB-UPGRADE-200"]


def test_downloads_in_each_format(client, register):
    url = "/api/v1/stats/download/counts?by=scheme"
    text = client.get(url + "&format=csv").content.decode("utf-8-sig")
    assert next(csv.DictReader(io.StringIO(text))) == {"scheme": "EMS", "valid": "1", "suspended": "0",
                                                       "withdrawn": "0", "expired": "0"}
    assert json.loads(client.get(url + "&format=json").content)[1]["scheme"] == "QMS"
    sheet = load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content)).active
    assert [c.value for c in sheet[1]] == ["scheme", "valid", "suspended", "withdrawn", "expired"]
    response = client.get(url + "&format=parquet")
    assert response.content[:4] == b"PAR1" and "attachment" in response["Content-Disposition"]
    rows = json.loads(client.get("/api/v1/stats/download/targets?format=json").content)
    assert all("lead" in r and "co_operating" in r for r in rows)


@pytest.mark.parametrize(("url", "status", "code"), [
    ("/api/v1/stats/download/people?format=csv", 404, "not_found"),
    ("/api/v1/stats/counts?body=CNCA-R-1999-999", 404, "not_found"),
    ("/api/v1/stats/counts?by=street", 422, "validation_failed"),
    ("/api/v1/stats/counts?region=32", 422, "validation_failed"),
    ("/api/v1/stats/counts?on=2025-13-01", 422, "validation_failed"),
    ("/api/v1/stats/flows?start=0", 422, "validation_failed"),
    ("/api/v1/stats/download/counts?format=pdf", 422, "validation_failed"),
])
def test_errors_in_the_api_form(client, db, url, status, code):
    response = client.get(url)
    assert response.status_code == status
    assert response.json()["code"] == code
