"""Drafting, publishing, closing and answering surveys: every step allowed and refused, every
check of a draft and of an answer, and the history each writes.

Given a survey in a state, when a step is taken, then it is done or refused as the table says."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django.utils.timezone import localdate

from certinel.core.errors import TransitionNotAllowed, ValidationFailed
from certinel.core.history import history_for
from certinel.core.testing.builders import SYSTEM, build_org
from certinel.surveys import services
from certinel.surveys.models import Survey, SurveyAnswer
from certinel.surveys.transitions import SURVEY

from .factories import answers, build_survey, survey_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm():
    return build_org(region_code="320102", industry_code="39")


def _take(action: str, survey: Survey) -> None:
    if action == "change":
        services.survey_update(actor=SYSTEM, survey=survey, data={"title": "新标题"})
    elif action == "publish":
        services.survey_publish(actor=SYSTEM, survey=survey)
    elif action == "close":
        services.survey_close(actor=SYSTEM, survey=survey, reason="样本已足够。")
    else:
        services.answer_submit(actor=SYSTEM, survey=survey, organization=build_org(), answers=answers())


@pytest.mark.parametrize("state", ["draft", "published", "closed"])
@pytest.mark.parametrize("action", ["change", "publish", "close", "answer"])
def test_every_step_is_allowed_only_from_the_states_the_table_names(state, action):
    survey = build_survey(state=state)
    allowed = action in SURVEY.allowed(state)
    if allowed:
        _take(action, survey)
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            _take(action, survey)
        assert refused.value.details["current"] == state
        assert Survey.objects.get(pk=survey.pk).status == state
    assert SURVEY.allowed(state) == {"draft": ["change", "publish"], "published": ["close", "answer"],
                                     "closed": []}[state]


def test_each_step_writes_one_history_record_and_a_published_survey_keeps_its_questions():
    survey = build_survey(state="draft")
    survey = services.survey_update(actor=SYSTEM, survey=survey, data={"title": "2026年企业认证需求调查"})
    survey = services.survey_publish(actor=SYSTEM, survey=survey)
    survey = services.survey_close(actor=SYSTEM, survey=survey, reason="样本已足够。")
    trail = list(history_for(survey).values_list("action", "reason"))
    assert trail == [("survey_drafted", ""), ("survey_changed", ""), ("survey_published", ""),
                     ("survey_closed", "样本已足够。")]
    assert survey.close_reason == "样本已足够。" and survey.closed_at is not None


def test_a_draft_names_every_problem_at_once():
    bad = survey_data(title="", purpose="", region_code="3299", opens_on="2026-13-01",
                      closes_on="2026-01-01", questions=[
                          {"kind": "single", "text": "只有一个选项", "choices": ["是"]},
                          {"kind": "number", "text": "范围颠倒", "min": 10, "max": 1},
                          {"kind": "essay", "text": "未知类型"},
                          {"key": "q1", "kind": "text", "text": "重复的键"},
                          {"kind": "multiple", "text": "", "choices": ["甲", "甲"]}])
    with pytest.raises(ValidationFailed) as refused:
        services.survey_create(actor=SYSTEM, data=bad)
    fields = [e.field for e in refused.value.errors]
    assert fields == ["title", "purpose", "region_code", "opens_on", "questions.1", "questions.2", "questions.3",
                      "questions.4", "questions.5", "questions.5"]
    assert not Survey.objects.exists()
    with pytest.raises(ValidationFailed) as refused:
        services.survey_create(actor=SYSTEM, data=survey_data(closes_on=localdate() - dt.timedelta(days=20),
                                                                questions=[]))
    assert [e.field for e in refused.value.errors] == ["closes_on", "questions"]


def test_a_survey_whose_closing_day_has_passed_is_not_published():
    survey = build_survey(state="draft", closes_on=localdate() - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed) as refused:
        services.survey_publish(actor=SYSTEM, survey=survey)
    assert refused.value.errors[0].code == "closed"


def test_closing_early_needs_a_reason():
    survey = build_survey()
    with pytest.raises(ValidationFailed) as refused:
        services.survey_close(actor=SYSTEM, survey=survey, reason="  ")
    assert refused.value.errors[0].field == "reason"
    assert Survey.objects.get(pk=survey.pk).status == "published"


def test_an_answer_is_checked_against_its_questions_and_each_error_names_the_question(firm):
    survey = build_survey()
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        services.answer_submit(actor=SYSTEM, survey=survey, organization=firm, answers={
            "certified": "不知道", "needs": ["有机产品", "有机产品"], "staff": 20000, "advice": 5, "extra": "x"})
    errors = {e.field: (e.code, e.message) for e in refused.value.errors}
    assert {k: v[0] for k, v in errors.items()} == {"extra": "unknown_question", "certified": "invalid_choice",
                                                    "needs": "invalid_choice", "staff": "out_of_range",
                                                    "advice": "invalid"}
    assert "Question 1" in errors["certified"][1] and "贵单位是否已获得管理体系认证" in errors["certified"][1]
    assert "0 to 10000" in errors["staff"][1]
    with pytest.raises(ValidationFailed) as refused:  # in Chinese by default
        services.answer_submit(actor=SYSTEM, survey=survey, organization=firm, answers={"certified": "不知道"})
    assert refused.value.errors[0].message.startswith("第 1 题（贵单位是否已获得管理体系认证？）")
    with pytest.raises(ValidationFailed) as refused:
        services.answer_submit(actor=SYSTEM, survey=survey, organization=firm, answers={"staff": "三"})
    assert [(e.field, e.code) for e in refused.value.errors] == [("certified", "required"),
                                                                  ("staff", "not_a_number")]
    assert not SurveyAnswer.objects.exists()


def test_one_answer_per_firm_changed_until_the_survey_closes_each_change_recorded(firm):
    survey = build_survey()
    first = services.answer_submit(actor=SYSTEM, survey=survey, organization=firm,
                                   answers=answers(needs="有机产品", staff="12"))
    assert first.answers["needs"] == ["有机产品"] and first.answers["staff"] == 12
    assert (first.region_code, first.industry_code) == ("320102", "39")
    again = services.answer_submit(actor=SYSTEM, survey=survey, organization=firm,
                                   answers=answers(certified="正在申请", advice=""))
    assert again.pk == first.pk and again.revision == 1 and "advice" not in again.answers
    assert SurveyAnswer.objects.count() == 1
    trail = list(history_for(again))
    assert [r.action for r in trail] == ["survey_answered", "survey_answer_changed"]
    assert trail[1].after["answers"]["certified"] == "正在申请"
    services.survey_close(actor=SYSTEM, survey=survey, reason="样本已足够。")
    with pytest.raises(TransitionNotAllowed):
        services.answer_submit(actor=SYSTEM, survey=survey, organization=firm, answers=answers())


def test_answers_are_taken_only_between_the_opening_and_the_closing_day(firm):
    survey = build_survey()
    today = localdate()
    for day, code in ((survey.opens_on - dt.timedelta(days=1), "not_open"),
                      (survey.closes_on + dt.timedelta(days=1), "closed")):
        with pytest.raises(ValidationFailed) as refused:
            services.answer_submit(actor=SYSTEM, survey=survey, organization=firm, answers=answers(), today=day)
        assert refused.value.errors[0].code == code
    services.answer_submit(actor=SYSTEM, survey=survey, organization=firm, answers=answers(), today=today)
    with pytest.raises(ValidationFailed):
        services.survey_close(actor=SYSTEM, survey=survey, reason="已过期", today=survey.closes_on
                              + dt.timedelta(days=1))
