"""The open API of complaints: the deadline calculator, a complaint without an account, and
its progress by link and code; errors in the project's format."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from certinel.cases.models import Complaint
from certinel.core.testing.builders import build_org

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def test_deadline(client):
    got = client.get("/api/v1/cases/deadline", {"received": "2026-09-30", "kind": "accept"}).json()
    assert (got["due"], got["days"], got["unit"]) == ("2026-10-15", 7, "working") and "Order No. 20" in got["source"]
    assert client.get("/api/v1/cases/deadline", {"received": "2026-09-18", "kind": "verify",
                                                 "extended": "true"}).json()["due"] == "2026-11-05"
    bad = client.get("/api/v1/cases/deadline", {"kind": "appeal"})
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"


def test_submit_and_follow(client):
    org = build_org()
    sent = client.post("/api/v1/cases/complaints", {"kind": "report", "subject": org.uscc, "facts": "虚假认证"},
                       content_type="application/json")
    assert sent.status_code == 200, sent.content
    body = sent.json()
    assert Complaint.objects.get().channel == "api"
    url = f"/api/v1/cases/follow/{body['follow_token']}"
    assert client.get(url).status_code == 404
    assert client.get(url, HTTP_X_FOLLOW_CODE="WRONG").json()["code"] == "not_found"
    seen = client.get(url, HTTP_X_FOLLOW_CODE=body["code"]).json()
    assert seen["number"] == body["number"] and seen["status"] == "received"


def test_refusals_are_422_with_every_field(client, settings):
    bad = client.post("/api/v1/cases/complaints", {"kind": "complaint", "subject": "NOPE", "facts": "x"},
                      content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
    unknown = client.post("/api/v1/cases/complaints", {"kind": "report", "subject": "NOPE", "facts": "x"},
                          content_type="application/json")
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_subject"
    settings.CERTINEL_CASES_SUBMISSIONS_PER_HOUR = 1  # complaints written are counted, not refusals
    org = build_org()
    payload = {"kind": "report", "subject": org.uscc, "facts": "x"}
    assert client.post("/api/v1/cases/complaints", payload, content_type="application/json").status_code == 200
    limited = client.post("/api/v1/cases/complaints", payload, content_type="application/json")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
