"""The pages of qualification approval: the applicant's form and application page, the
regulator's queue (overdue first) and actions, the public scope on a date, the draw's JSON;
who sees what (applicant, another lab, the regulator of the region, of another region, the
public), and no staff personal data where the public reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils.timezone import localdate

from certinel.accounts.models import Role
from certinel.core.testing.builders import build_lab, build_user
from certinel.qualification import services_applications as apps
from certinel.qualification.models import Application

from .applications import SOURCES, STAFF, people, reviewed, reviewers, submitted

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(number: str) -> str:
    return f"/qualification/a/{number}/"


def test_the_applicant_fills_in_the_form_uploads_and_submits():
    lab = build_lab(region_code="320102")
    client = signed_in(build_user(Role.LAB_OPERATOR, lab=lab))
    answer = client.post("/qualification/", {"kind": "first", "procedure": "general", "qualifications": ["CMA"]})
    app = Application.objects.get(lab=lab)
    assert answer.status_code == 302 and answer["Location"] == _page(app.number)
    form = {"action": "save", "legal_name": lab.name, "legal_uscc": lab.uscc, "legal_address": "检测路1号",
            "site_address": "检测路1号", "manual_version": "A/0",
            "staff": "王质量|110101199001011234|13800001111|技术负责人|是|00", "equipment": "光谱仪|AA-1|S1",
            "items": "00|食品生产企业|卫生规范符合性|GB 0000-2000|5.1"}
    page = client.post(_page(app.number), form, follow=True)
    assert "items[0].standard" in page.content.decode()  # the unknown standard, named
    form["items"] = "00|食品生产企业|卫生规范符合性|GB 14881-2013|5.1"
    client.post(_page(app.number), form)
    page = client.post(_page(app.number), {"action": "submit"}, follow=True)
    assert "evidence" in page.content.decode()  # the missing part, named
    pdf = ("证明.pdf", b"%PDF-1.4 evidence", "application/pdf")
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(_page(app.number), {"action": "attach", "evidence": SimpleUploadedFile(*pdf)})
    page = client.post(_page(app.number), {"action": "submit"}, follow=True)
    app.refresh_from_db()
    assert app.status == "submitted" and app.staff[0]["id_number"] == "110101199001011234"
    assert 'id="state"' in page.content.decode()


def test_who_sees_an_application_and_the_regulator_acts_from_the_queue():
    lab, operator, regulator = people()
    reviewers(2)
    app = submitted(lab, operator, on=localdate() - dt.timedelta(days=20))  # acceptance overdue
    fresh = submitted(lab, operator)
    assert Client().get(_page(app.number)).status_code == 302  # sign in first
    assert signed_in(build_user(Role.LAB_OPERATOR, lab=build_lab())).get(_page(app.number)).status_code == 404
    assert signed_in(build_user(Role.REGULATOR, jurisdiction_code="31")).get(_page(app.number)).status_code == 404
    assert signed_in(operator.user).get(_page(app.number)).status_code == 200
    desk = signed_in(regulator.user)
    queue = desk.get("/qualification/").content.decode()
    assert queue.index(app.number) < queue.index(fresh.number) and "overdue" in queue
    assert signed_in(build_user(Role.REGULATOR, jurisdiction_code="31")).get("/qualification/").content.decode() \
        .count("ZR") == 0
    desk.post(_page(app.number), {"action": "accept"})
    page = desk.post(_page(app.number), {"action": "approve"}, follow=True).content.decode()
    assert "review" in page  # refused, naming the review
    desk.post(_page(app.number), {"action": "draw", "sources": SOURCES[0]})
    app.refresh_from_db()
    assert app.status == "reviewing"
    draw = Client().get(f"/qualification/a/{app.number}/draw.json").json()
    assert draw["result"] == app.draw_result and "评审员" not in str(draw)
    desk.post(_page(app.number), {"action": "close_review"})
    desk.post(_page(app.number), {"action": "approve"})
    app.refresh_from_db()
    assert app.status == "approved"


def test_the_public_scope_on_a_date_and_no_personal_data():
    lab, operator, regulator = people()
    reviewers(2)
    app = reviewed(lab, operator, regulator)
    apps.application_approve(actor=regulator, application=app)
    url = f"/qualification/labs/{lab.cma_no}/scope/"
    today = Client().get(url).content.decode()
    assert "卫生规范符合性" in today
    for value in (STAFF[0]["id_number"], STAFF[0]["phone"], STAFF[0]["name"]):
        assert value not in today
    before = Client().get(url, {"on": (localdate() - dt.timedelta(days=1)).isoformat()}).content.decode()
    assert "卫生规范符合性" not in before
    assert Client().get(url, {"on": "yesterday"}).status_code == 400
    assert Client().get("/qualification/labs/000000000000/scope/").status_code == 404
    assert Client().get("/qualification/").status_code == 302
