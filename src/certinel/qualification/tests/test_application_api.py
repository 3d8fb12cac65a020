"""The API of qualification approval: the public scope on a date, an application for those who
may see it (404 for anyone else), the steps with their 401/403/404/409/422 answers, and no
staff personal data in any answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils.timezone import localdate

from certinel.accounts.models import Role
from certinel.core.testing.builders import build_lab, build_user
from certinel.qualification import services_applications as apps

from .applications import SOURCES, STAFF, people, reviewers, submitted

pytestmark = pytest.mark.django_db
API = "/api/v1"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _step(client: Client, number: str, **body):
    return client.post(f"{API}/qualification/applications/{number}/actions", body, content_type="application/json")


def test_steps_through_the_api_and_who_may_take_them():
    lab, operator, regulator = people()
    reviewers(2)
    app = submitted(lab, operator)
    desk = signed_in(regulator.user)
    assert _step(Client(), app.number, action="accept").status_code == 401
    assert _step(signed_in(build_user(Role.REGULATOR, jurisdiction_code="31")), app.number,
                 action="accept").status_code == 404
    assert _step(signed_in(operator.user), app.number, action="accept").status_code == 403
    assert _step(desk, "ZR000000-00000", action="accept").status_code == 404
    assert _step(desk, app.number, action="approve").status_code == 409  # not accepted yet
    assert _step(desk, app.number, action="accept").json()["status"] == "accepted"
    assert _step(desk, app.number, action="accept").status_code == 409
    answer = _step(desk, app.number, action="approve")
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "review"
    answer = _step(desk, app.number, action="draw", sources=SOURCES)
    assert answer.status_code == 200 and len(answer.json()["reviewers"]) == 2
    assert _step(desk, app.number, action="close_review").json()["status"] == "reviewed"
    body = _step(desk, app.number, action="approve").json()
    assert body["status"] == "approved" and body["items"][0]["standard"] == "GB 14881-2013"
    seen = signed_in(operator.user).get(f"{API}/qualification/applications/{app.number}")
    assert seen.status_code == 200
    for value in (STAFF[0]["id_number"], STAFF[0]["phone"], STAFF[0]["name"]):
        assert value not in seen.content.decode()
    assert Client().get(f"{API}/qualification/applications/{app.number}").status_code == 404
    other = signed_in(build_user(Role.LAB_OPERATOR, lab=build_lab()))
    assert other.get(f"{API}/qualification/applications/{app.number}").status_code == 404
    assert _step(desk, app.number, action="teleport").status_code == 422


def test_the_public_scope_on_a_date():
    lab, operator, regulator = people()
    reviewers(2)
    app = submitted(lab, operator, kind="extension", procedure="commitment")
    apps.application_accept(actor=regulator, application=app)
    apps.application_approve(actor=regulator, application=app)
    now = Client().get(f"{API}/labs/{lab.cma_no}/scope").json()
    assert [line["item"] for line in now["lines"]] == ["卫生规范符合性"] and now["on"] == localdate().isoformat()
    before = Client().get(f"{API}/labs/{lab.cma_no}/scope", {"on": (localdate() - dt.timedelta(days=1))})
    assert before.json()["lines"] == []
    assert Client().get(f"{API}/labs/{lab.cma_no}/scope", {"on": "soon"}).status_code == 422
    assert Client().get(f"{API}/labs/{lab.cma_no}/scope", {"on": "2026-02-30"}).json()["errors"][0]["field"] == "on"
    assert Client().get(f"{API}/labs/000000000000/scope").status_code == 404
