"""The reads of surveys: what each user may see of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from certinel.core.errors import NotFound

from . import access
from .choices import SurveyStatus
from .models import Survey, SurveyAnswer


def _addressing(region_code: str) -> Q:
    """Surveys addressed to a region that contains `region_code` (32, 3201, 320102 for 320102)."""
    return Q(region_code__in=[region_code[:2], region_code[:4], region_code[:6]])


def surveys_managed(user: Any) -> QuerySet[Survey]:
    """The surveys the user manages, with their counts of answers."""
    found = Survey.objects.annotate(answer_count=Count("answers"))
    if user is None or access.may_manage(user, ""):  # the system or an administrator
        return found
    if not access.is_manager(user):
        return found.none()
    code = user.jurisdiction_code
    return found.filter(region_code__startswith=code)


def surveys_for_firm(organization: Any) -> QuerySet[Survey]:
    """The published (or closed) surveys addressed to the organization's region."""
    return Survey.objects.filter(_addressing(organization.region_code or "")).exclude(status=SurveyStatus.DRAFT)


def survey_visible(user: Any, pk: Any) -> Survey:
    """The survey if the user may see it (a manager of its region, or a firm it is addressed to,
    once published); NotFound otherwise, the same whether it exists or not."""
    survey = Survey.objects.filter(pk=pk).first() if str(pk).isdigit() and len(str(pk)) <= 18 else None
    if survey is not None:
        if access.may_manage(user, survey.region_code):
            return survey
        firm = access.firm_of(user)
        if firm is not None and survey.status != SurveyStatus.DRAFT and access.addressed_to(survey, firm):
            return survey
    raise NotFound(_("No survey %(id)s, or you may not see it.") % {"id": str(pk)[:20]})


def answer_of(survey: Survey, organization: Any) -> SurveyAnswer | None:
    return SurveyAnswer.objects.filter(survey=survey, organization=organization).first()


def open_now(survey: Survey, today: dt.date | None = None) -> bool:
    return survey.is_open(today or localdate())
