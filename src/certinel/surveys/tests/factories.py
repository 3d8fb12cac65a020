"""Surveys for tests, through the services. Every name here is fictional."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.timezone import localdate

from certinel.core.testing.builders import SYSTEM
from certinel.surveys import services
from certinel.surveys.models import Survey

QUESTIONS: list[dict[str, Any]] = [
    {"key": "certified", "kind": "single", "text": "贵单位是否已获得管理体系认证？", "required": True,
     "choices": ["已获证", "正在申请", "暂无计划"]},
    {"key": "needs", "kind": "multiple", "text": "贵单位希望获得哪些认证？", "required": False,
     "choices": ["质量管理体系", "环境管理体系", "能源管理体系", "有机产品"]},
    {"key": "staff", "kind": "number", "text": "从事质量管理的人员数", "required": True, "min": 0, "max": 10000},
    {"key": "advice", "kind": "text", "text": "对认证工作的意见和建议", "required": False},
]


def survey_data(**overrides: Any) -> dict[str, Any]:
    today = localdate()
    data = {"title": "企业质量认证现状调查", "purpose": "摸清质量管理状况和认证需求。", "region_code": "3201",
            "opens_on": today - dt.timedelta(days=10), "closes_on": today + dt.timedelta(days=30),
            "questions": QUESTIONS}
    return data | overrides


def answers(**overrides: Any) -> dict[str, Any]:
    return {"certified": "已获证", "needs": ["能源管理体系"], "staff": 3, "advice": "希望简化流程。"} | overrides


def build_survey(*, state: str = "published", actor=SYSTEM, **overrides: Any) -> Survey:
    survey = services.survey_create(actor=actor, data=survey_data(**overrides))
    if state in ("published", "closed"):
        survey = services.survey_publish(actor=actor, survey=survey)
    if state == "closed":
        survey = services.survey_close(actor=actor, survey=survey, reason="调查目的已达到。")
    return survey
