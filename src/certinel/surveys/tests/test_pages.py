"""The survey pages, in Chinese and English: the regulator drafts, publishes, closes and reads
the results (and downloads them as CSV); the firm lists its surveys and answers; nobody else
gets in, and no firm sees another firm's answer.

Given the people of the conftest, when each opens the pages, then each sees what it may."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils.timezone import localdate

from certinel.core.testing.builders import SYSTEM
from certinel.surveys import services
from certinel.surveys.models import Survey, SurveyAnswer

from .factories import QUESTIONS, answers, build_survey

pytestmark = pytest.mark.django_db


def _client(user=None, language="zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def test_the_regulator_drafts_publishes_and_closes_on_its_pages(people):
    users, _orgs = people
    client = _client(users["reg_nanjing"])
    assert client.get("/surveys/manage/new/").status_code == 200
    today = localdate()
    form = {"title": "认证需求调查", "purpose": "摸清需求。", "region_code": "3201", "opens_on": today.isoformat(),
            "closes_on": today.replace(year=today.year + 1).isoformat(), "questions": json.dumps(QUESTIONS)}
    bad = client.post("/surveys/manage/new/", form | {"questions": json.dumps([{"kind": "single", "text": "甲"}])})
    assert bad.status_code == 200 and "第 1 题" in bad.content.decode()
    response = client.post("/surveys/manage/new/", form)
    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/surveys/manage/{survey.pk}/"
    assert client.post(f"/surveys/manage/{survey.pk}/edit/", form | {"title": "改"}).status_code == 302
    assert client.post(f"/surveys/manage/{survey.pk}/", {"action": "publish"}).status_code == 302
    assert client.get(f"/surveys/manage/{survey.pk}/edit/").status_code == 302  # published: no more changes
    page = client.post(f"/surveys/manage/{survey.pk}/", {"action": "close", "reason": ""})
    assert page.status_code == 200 and Survey.objects.get().status == "published"
    client.post(f"/surveys/manage/{survey.pk}/", {"action": "close", "reason": "样本已足够。"})
    survey.refresh_from_db()
    assert (survey.title, survey.status, survey.close_reason) == ("改", "closed", "样本已足够。")
    listing = client.get("/surveys/manage/").content.decode()
    assert "改" in listing and "已提前结束" in listing


def test_who_gets_into_the_regulators_pages(people):
    users, _orgs = people
    survey = build_survey()
    for name, status in (("reg_province", 200), ("reg_nanjing", 200), ("admin", 200), ("reg_wuxi", 404),
                         ("reg_beijing", 404), ("firm", 403), ("cb_operator", 403)):
        client = _client(users[name])
        assert client.get(f"/surveys/manage/{survey.pk}/").status_code == status, name
        assert client.get(f"/surveys/manage/{survey.pk}/results/").status_code == status, name
    assert _client().get(f"/surveys/manage/{survey.pk}/").status_code == 302  # to the sign-in page
    assert _client(users["reg_wuxi"]).post(f"/surveys/manage/{survey.pk}/",
                                           {"action": "close", "reason": "x"}).status_code == 404
    assert Survey.objects.get().status == "published"


def test_the_firm_answers_and_changes_its_answer_and_sees_no_other_firms(people):
    users, orgs = people
    survey = build_survey()
    services.answer_submit(actor=SYSTEM, survey=survey, organization=orgs["other_firm"],
                           answers=answers(advice="另一家企业的意见"))
    client = _client(users["firm"])
    listing = client.get("/surveys/").content.decode()
    assert survey.title in listing and "未填报" in listing
    page = client.get(f"/surveys/{survey.pk}/").content.decode()
    assert "另一家企业的意见" not in page
    wrong = client.post(f"/surveys/{survey.pk}/", {"certified": "不知道", "staff": "x"}).content.decode()
    assert "第 1 题" in wrong and "第 3 题" in wrong and not SurveyAnswer.objects.filter(organization=orgs["firm"])
    assert client.post(f"/surveys/{survey.pk}/", {"certified": "已获证", "needs": ["有机产品", "能源管理体系"],
                                                  "staff": "4", "advice": "我们的意见"}).status_code == 302
    assert client.post(f"/surveys/{survey.pk}/", {"certified": "正在申请", "staff": "5"}).status_code == 302
    mine = SurveyAnswer.objects.get(organization=orgs["firm"])
    assert mine.revision == 1 and mine.answers == {"certified": "正在申请", "staff": 5}
    assert "另一家企业的意见" not in client.get(f"/surveys/{survey.pk}/").content.decode()
    assert _client(users["wuxi_firm"]).get(f"/surveys/{survey.pk}/").status_code == 404
    assert _client(users["cb_operator"]).get("/surveys/").status_code == 403
    assert _client(users["reg_nanjing"]).get("/surveys/").status_code == 302


def test_results_page_in_english_and_the_csv(people):
    users, orgs = people
    survey = build_survey()
    for name in ("firm", "other_firm"):
        services.answer_submit(actor=SYSTEM, survey=survey, organization=orgs[name], answers=answers())
    client = _client(users["reg_province"], language="en")
    page = client.get(f"/surveys/manage/{survey.pk}/results/?by=region&level=county").content.decode()
    assert "Too few answers to show the detail" in page and "Free-text answers" in page
    assert "希望简化流程" in page  # the regulator reads the texts
    csv_response = client.get(f"/surveys/manage/{survey.pk}/results/?by=industry&format=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response.content.decode().splitlines()[1].startswith(",Total,<5")
    detail = client.get(f"/surveys/manage/{survey.pk}/").content.decode()
    assert "Survey published" in detail and "Published" in detail
