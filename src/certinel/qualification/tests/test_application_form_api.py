"""Filling in an application through the API (issue 16, point 1): a draft created by the lab's
operator, its parts filled in with the pages' refusals naming the field, all or nothing, and
who may do it (401 without a session, 403 for an API key, a regulator or a missing CSRF token,
404 for an application the caller may not see, 409 once submitted). Staff personal data never
comes back."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from certinel.accounts.models import Role
from certinel.accounts.services import api_key_create
from certinel.core.actor import Actor
from certinel.core.testing.builders import build_body, build_lab, build_user
from certinel.qualification import services_applications as apps
from certinel.qualification.models import Application

from .applications import PDF, STAFF, form, people

pytestmark = pytest.mark.django_db
URL = "/api/v1/qualification/applications"


def signed_in(user, **kw) -> Client:
    client = Client(**kw)
    client.force_login(user)
    return client


def _post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


def _patch(client, number, body):
    return client.patch(f"{URL}/{number}", json.dumps(body), content_type="application/json")


def _errors(answer) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in answer.json()["errors"]]


def test_the_operator_creates_a_draft_fills_it_in_and_submits():
    lab, operator, _regulator = people()
    desk = signed_in(operator.user)
    created = _post(desk, {"lab": lab.cma_no, "kind": "first"})
    assert created.status_code == 201
    body = created.json()
    number = body["number"]
    assert body["status"] == "draft" and body["legal_entity"]["uscc"] == lab.uscc
    assert ("items", "required") in {(m["field"], m["code"]) for m in body["missing"]}
    parts = form()
    filled = _patch(desk, number, parts)
    assert filled.status_code == 200, filled.content
    body = filled.json()
    assert body["staff_count"] == 1 and body["signatories"] == 1 and body["items"][0]["standard"] == "GB 14881-2013"
    assert body["site"]["address"] == "检测路1号" and body["equipment"][0]["name"] == "原子吸收光谱仪"
    assert [m["field"] for m in body["missing"]] == ["evidence"]
    for value in (STAFF[0]["id_number"], STAFF[0]["phone"], STAFF[0]["name"]):
        assert value not in filled.content.decode()
    app = Application.objects.get(number=number)
    assert app.staff[0]["id_number"] == STAFF[0]["id_number"]  # kept, for the lab and the regulator
    apps.application_attach(actor=operator, application=app, files=[PDF])
    submitted = desk.post(f"{URL}/{number}/actions", {"action": "submit"}, content_type="application/json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert submitted.json()["missing"] == []
    # Submitted: the form no longer changes.
    assert _patch(desk, number, {"site": {"address": "新址"}}).status_code == 409


def test_refusals_name_the_field_and_change_nothing():
    lab, operator, _regulator = people()
    desk = signed_in(operator.user)
    number = _post(desk, {"lab": lab.cma_no, "kind": "first"}).json()["number"]
    answer = _patch(desk, number, {"site": {"address": "检测路1号"}, "items": [
        {"field": "00", "object": "大米", "parameter": "铅", "standard": "GB 0000-1999"}]})
    assert answer.status_code == 422 and _errors(answer) == [("items[0].standard", "unknown_standard")]
    assert Application.objects.get(number=number).site == {}  # all or nothing
    answer = _patch(desk, number, {"staff": [{"name": "甲", "signatory": "yes"}]})
    assert answer.status_code == 422
    assert set(_errors(answer)) == {("staff[0].signatory", "invalid"), ("staff[0].id_number", "required"),
                                    ("staff[0].title", "required")}
    answer = _patch(desk, number, {"legal_entity": {"name": ["x"], "uscc": "1", "address": "a", "boss": "b"}})
    assert ("legal_entity.name", "invalid") in _errors(answer) and ("legal_entity", "unknown_field") in _errors(answer)
    answer = _patch(desk, number, {"items": [{"field": ["00"], "object": "x", "parameter": "y", "standard": "z"}]})
    assert ("items[0].field", "invalid") in _errors(answer)
    answer = _patch(desk, number, {"colour": "red"})
    assert answer.status_code == 422 and _errors(answer)[0][0] == "colour"
    answer = _patch(desk, number, {"commitment_signed_by": "钱签署"})
    assert answer.status_code == 422 and _errors(answer) == [("procedure", "no_commitment")]
    answer = _post(desk, {"lab": lab.cma_no, "kind": "first", "qualifications": ["CMA", "NOPE"]})
    assert answer.status_code == 422 and _errors(answer) == [("qualifications", "unknown")]
    answer = _post(desk, {"lab": "12345", "kind": "first"})
    assert answer.status_code == 422 and _errors(answer)[0][0] == "lab"
    assert _post(desk, {"lab": "000000000000", "kind": "first"}).status_code == 404


def test_a_commitment_is_signed_through_the_api():
    lab, operator, _regulator = people()
    desk = signed_in(operator.user)
    number = _post(desk, {"lab": lab.cma_no, "kind": "first", "procedure": "commitment"}).json()["number"]
    answer = _patch(desk, number, {"commitment_signed_by": "钱签署"})
    assert answer.status_code == 200 and answer.json()["commitment_signed"] is True
    assert "钱签署" not in answer.content.decode()


def test_who_may_create_and_fill_in():
    lab, operator, regulator = people()
    number = apps.application_create(actor=operator, lab=lab, kind="first").number
    assert _post(Client(), {"lab": lab.cma_no, "kind": "first"}).status_code == 401
    assert _patch(Client(), number, {"site": {"address": "x"}}).status_code == 401
    assert _post(signed_in(regulator.user), {"lab": lab.cma_no, "kind": "first"}).status_code == 403
    assert _patch(signed_in(regulator.user), number, {"site": {"address": "x"}}).status_code == 403
    other = signed_in(build_user(Role.LAB_OPERATOR, lab=build_lab()))
    assert _post(other, {"lab": lab.cma_no, "kind": "first"}).status_code == 403
    assert _patch(other, number, {"site": {"address": "x"}}).status_code == 404
    strict = signed_in(operator.user, enforce_csrf_checks=True)
    assert _patch(strict, number, {"site": {"address": "x"}}).status_code == 403
    body = build_body()
    key = api_key_create(actor=Actor.for_user(build_user(Role.CB_OPERATOR, body=body)), body=body, name="t")[1]
    keyed = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert _post(keyed, {"lab": lab.cma_no, "kind": "first"}).status_code == 403
    assert _patch(keyed, number, {"site": {"address": "x"}}).status_code == 403
    assert Application.objects.get(number=number).site == {}
