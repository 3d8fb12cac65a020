"""The open API of random inspections: real HTTP requests through Django's test client."""

from __future__ import annotations

import hashlib
import json

import pytest

from certinel.supervision import draw
from certinel.supervision.services import plan_create
from certinel.supervision.services_inspections import ItemFinding, inspection_publish, inspection_record

from .factories import drawn_plan, inspectors, orgs, plan_data, regulator

pytestmark = pytest.mark.django_db


def test_a_drawn_plan_can_be_replayed_from_the_api(client):
    reg = regulator()
    orgs(8)
    inspectors(reg, 4)
    plan = drawn_plan(reg)
    draft = plan_create(actor=reg, data=plan_data())
    listing = client.get("/api/v1/supervision/plans").json()
    assert [p["number"] for p in listing["items"]] == [plan.number]  # a draft is not public
    assert client.get(f"/api/v1/supervision/plans/{draft.number}").status_code == 404
    one = client.get(f"/api/v1/supervision/plans/{plan.number}").json()
    assert one["result_hash"] == plan.result_hash and one["source_values"] == ["a1b2c3d4e5f6"]
    inputs = client.get(f"/api/v1/supervision/plans/{plan.number}/inputs")
    assert inputs["Content-Type"].startswith("application/json")
    result = client.get(f"/api/v1/supervision/plans/{plan.number}/result")
    assert hashlib.sha256(result.content).hexdigest() == plan.result_hash
    assert draw.dumps(draw.replay(json.loads(inputs.content))).encode() == result.content


def test_results_are_public_only_once_published(client):
    reg = regulator()
    orgs(1)
    team = inspectors(reg, 2)
    plan = drawn_plan(reg, ratios={"-": "100"})
    inspection = plan.inspections.get()
    inspection = inspection_record(actor=reg, inspection=inspection, inspected_on=plan.starts_on,
                                   summary="发现问题，已责令整改",
                                   findings=[ItemFinding("ORG-01", "conforming"),
                                             ItemFinding("ORG-02", "nonconforming", "私密的检查发现")])
    rows = client.get(f"/api/v1/supervision/plans/{plan.number}/inspections").json()
    assert rows[0]["outcome"] is None and rows[0]["summary"] is None
    assert client.get(f"/api/v1/supervision/results/{inspection.uscc}").json() == []
    inspection_publish(actor=reg, inspection=inspection)
    rows = client.get(f"/api/v1/supervision/results/{inspection.uscc}").json()
    assert rows[0]["outcome"] == "nonconforming" and rows[0]["summary"] == "发现问题，已责令整改"
    body = client.get(f"/api/v1/supervision/plans/{plan.number}/inspections").content.decode()
    assert "私密的检查发现" not in body and team[0].name not in body


def test_unknown_plan_is_404(client):
    assert client.get("/api/v1/supervision/plans/NOPE").status_code == 404
    assert client.get("/api/v1/supervision/plans/NOPE/result").status_code == 404
