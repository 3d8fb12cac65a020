"""Surveys of firms' certification status and needs (R5.4; seed 001 (四): "开展企业质量认证现状
抽样调查，摸清质量管理状况和认证需求").

A `Survey` is a regulator's questionnaire addressed to the firms of a region (a GB/T 2260 code
or prefix: 32 a province, 3201 a city, 320102 a county). Its questions are structured data
(`questions.py` says their shape). A `SurveyAnswer` is one organization's answer to one survey:
one per organization, changed until the survey closes, every change in the history.

Both kinds are private in the transparency log (not declared public): the log holds a
commitment only, never a firm's answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certinel.core.models import TimeStamped

from .choices import SurveyStatus


class Survey(TimeStamped):
    title = models.CharField(_("标题"), max_length=200)
    purpose = models.TextField(_("调查目的"))
    region_code = models.CharField(_("调查范围（区划代码）"), max_length=6, db_index=True,
                                   help_text=_("省级两位、市级四位、区县六位，例如 32、3201、320102"))
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    questions = models.JSONField(_("问题"), default=list)
    status = models.CharField(_("状态"), max_length=12, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    created_by = models.CharField(_("起草人"), max_length=150)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("提前结束时间"), null=True, blank=True)
    close_reason = models.TextField(_("提前结束原因"), blank=True)

    class Meta:
        verbose_name = _("调查问卷")
        verbose_name_plural = _("调查问卷")
        ordering = ["-opens_on", "-id"]
        indexes = [models.Index(fields=["status", "region_code"], name="surveys_status_region_idx")]

    def __str__(self) -> str:
        return self.title

    def is_open(self, on) -> bool:  # type: ignore[no-untyped-def]
        """Whether firms may answer on the day `on`."""
        return self.status == SurveyStatus.PUBLISHED and self.opens_on <= on <= self.closes_on


class SurveyAnswer(TimeStamped):
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="answers", verbose_name=_("调查问卷"))
    organization = models.ForeignKey("registry.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("组织"))
    # Where and what the organization was when it answered: the results are counted by these.
    region_code = models.CharField(_("区划代码"), max_length=6, db_index=True)
    industry_code = models.CharField(_("行业代码"), max_length=5, blank=True)
    answers = models.JSONField(_("答案"), default=dict)
    revision = models.PositiveIntegerField(_("修改次数"), default=0)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("填报人"))

    class Meta:
        verbose_name = _("调查答卷")
        verbose_name_plural = _("调查答卷")
        ordering = ["survey", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "organization"], name="surveys_one_answer_per_org")]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.organization_id}"
