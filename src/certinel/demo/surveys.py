"""The demo's survey of firms' certification status and needs: one questionnaire of Nanjing
(3201), published through the services, answered by some of the city's organizations (not by
the demo organization account's own, which answers it in the tour). Every name is the demo's
own (fictional); dates are counted from the day the demo is built."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from certinel.registry.models import Organization
from certinel.surveys.models import Survey
from certinel.surveys.services import answer_submit, survey_create, survey_publish

from .context import Context

REGION = "3201"
ANSWERS = 14
QUESTIONS = [
    {"key": "certified", "kind": "single", "text": "贵单位是否已获得管理体系认证？", "required": True,
     "choices": ["已获证", "正在申请", "暂无计划"]},
    {"key": "needs", "kind": "multiple", "text": "贵单位希望获得哪些认证？",
     "choices": ["质量管理体系", "环境管理体系", "能源管理体系", "有机产品", "服务认证"]},
    {"key": "staff", "kind": "number", "text": "从事质量管理的人员数", "required": True, "min": 0, "max": 10000},
    {"key": "advice", "kind": "text", "text": "对认证工作的意见和建议"},
]
ADVICE = ("希望简化再认证流程。（演示）", "希望提供认证补贴政策解读。（演示）", "", "")


def make_surveys(ctx: Context, *, showcase: Organization | None = None) -> Survey | None:
    """Publish the demo survey and answer it for some organizations; returns it."""
    today = timezone.localdate()
    survey = survey_create(actor=ctx.actor, data={
        "title": "2026年南京市企业质量认证现状和需求抽样调查（演示）",
        "purpose": "摸清重点行业企业的质量管理状况和认证需求，为引导企业获得认证提供依据。（演示）",
        "region_code": REGION, "opens_on": today - dt.timedelta(days=7), "closes_on": today + dt.timedelta(days=60),
        "questions": QUESTIONS})
    survey = survey_publish(actor=ctx.actor, survey=survey)
    found = Organization.objects.filter(region_code__startswith=REGION).select_related("industry").order_by("id")
    if showcase is not None:
        found = found.exclude(pk=showcase.pk)
    for org in found[:ANSWERS]:
        rng = ctx.rng
        answer_submit(actor=ctx.actor, survey=survey, organization=org, answers={
            "certified": rng.choice(["已获证", "已获证", "正在申请", "暂无计划"]),
            "needs": rng.sample(QUESTIONS[1]["choices"], rng.randint(0, 2)),
            "staff": rng.randint(1, 40), "advice": rng.choice(ADVICE)})
    return survey
