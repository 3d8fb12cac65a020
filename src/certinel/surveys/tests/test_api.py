"""The surveys' API: a regulator drafts, changes, publishes, closes and reads the results; a
firm lists its surveys and answers; 401 without a user, 404 for a survey one may not see, 403
for a step one may not take, 409 for a step the state refuses, 422 naming each question."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.timezone import localdate

from certinel.core.testing.builders import SYSTEM
from certinel.surveys import services
from certinel.surveys.models import Survey

from .factories import QUESTIONS, answers, build_survey

pytestmark = pytest.mark.django_db
BASE = "/api/v1/surveys"


def _client(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def test_the_regulator_runs_a_survey_through_the_api(people):
    users, orgs = people
    client = _client(users["reg_nanjing"])
    today = localdate()
    body = {"title": "认证需求调查", "purpose": "摸清需求。", "region_code": "3201", "opens_on": str(today),
            "closes_on": str(today.replace(year=today.year + 1)), "questions": QUESTIONS}
    created = client.post(BASE, body, content_type="application/json")
    assert created.status_code == 201, created.content
    sid = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["answer_count"] == 0
    bad = client.post(BASE, body | {"region_code": "3"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "region_code"
    assert client.patch(f"{BASE}/{sid}", {"title": "改"}, content_type="application/json").json()["title"] == "改"
    assert client.post(f"{BASE}/{sid}/publish").json()["status"] == "published"
    refused = client.post(f"{BASE}/{sid}/publish")
    assert refused.status_code == 409 and refused.json()["code"] == "transition_not_allowed"
    assert client.patch(f"{BASE}/{sid}", {"title": "再改"}, content_type="application/json").status_code == 409
    services.answer_submit(actor=SYSTEM, survey=Survey.objects.get(pk=sid), organization=orgs["firm"],
                           answers=answers())
    found = client.get(f"{BASE}/{sid}/results?by=industry").json()
    assert found["total"]["answers"] == "<5" and found["by"] == "industry"
    assert client.get(f"{BASE}/{sid}/results?by=nothing").status_code == 422
    assert client.post(f"{BASE}/{sid}/close", {"reason": ""}, content_type="application/json").status_code == 422
    closed = client.post(f"{BASE}/{sid}/close", {"reason": "样本已足够。"}, content_type="application/json")
    assert closed.json()["status"] == "closed" and closed.json()["close_reason"] == "样本已足够。"
    assert [s["id"] for s in client.get(BASE).json()] == [sid]


def test_the_firm_answers_through_the_api_and_sees_only_its_own(people):
    users, orgs = people
    survey = build_survey()
    draft = build_survey(state="draft")
    services.answer_submit(actor=SYSTEM, survey=survey, organization=orgs["other_firm"],
                           answers=answers(advice="另一家企业的意见"))
    client = _client(users["firm"])
    assert [s["id"] for s in client.get(BASE).json()] == [survey.pk]
    assert client.get(f"{BASE}/{survey.pk}").json()["answer_count"] is None
    assert client.get(f"{BASE}/{draft.pk}").status_code == 404
    assert client.get(f"{BASE}/{survey.pk}/answer").status_code == 404  # not answered yet
    wrong = client.put(f"{BASE}/{survey.pk}/answer", {"answers": {"certified": "不知道", "staff": 99999}},
                       content_type="application/json")
    assert wrong.status_code == 422
    assert [(e["field"], e["code"]) for e in wrong.json()["errors"]] == [("certified", "invalid_choice"),
                                                                         ("staff", "out_of_range")]
    assert "Question 3" in wrong.json()["errors"][1]["message"]
    done = client.put(f"{BASE}/{survey.pk}/answer", {"answers": answers()}, content_type="application/json")
    assert done.status_code == 200 and done.json()["revision"] == 0
    mine = client.get(f"{BASE}/{survey.pk}/answer").json()
    assert mine["organization"] == orgs["firm"].uscc and "另一家企业的意见" not in str(mine)
    assert client.get(f"{BASE}/{survey.pk}/results").status_code == 404
    assert client.post(f"{BASE}/{survey.pk}/close", {"reason": "x"}, content_type="application/json").status_code == 404


def test_who_is_refused(people):
    users, _orgs = people
    survey = build_survey()
    anonymous = _client()
    for method, path in (("get", BASE), ("get", f"{BASE}/{survey.pk}"), ("get", f"{BASE}/{survey.pk}/results"),
                         ("post", f"{BASE}/{survey.pk}/publish"), ("get", f"{BASE}/{survey.pk}/answer")):
        response = getattr(anonymous, method)(path)
        assert response.status_code == 401 and response.json()["code"] == "unauthorized", path
    for name in ("reg_wuxi", "reg_beijing", "cb_operator", "wuxi_firm"):
        client = _client(users[name])
        assert client.get(f"{BASE}/{survey.pk}").status_code == 404, name
        assert client.get(f"{BASE}/{survey.pk}/results").status_code == 404, name
        assert client.get(BASE).json() == [], name
    assert _client(users["cb_operator"]).post(BASE, {}, content_type="application/json").status_code == 422
    assert _client(users["reg_province"]).get(f"{BASE}/{survey.pk}/answer").status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["firm"])
    refused = strict.put(f"{BASE}/{survey.pk}/answer", {"answers": answers()}, content_type="application/json")
    assert refused.status_code == 403
