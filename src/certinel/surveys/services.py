"""The writes of surveys, each in one transaction with its history record and log leaf (a
private kind: the log holds a commitment only):

* `survey_create` / `survey_update`: a regulator drafts a questionnaire for a region in its
  jurisdiction and changes it while it is a draft;
* `survey_publish`: from then on its questions and dates never change;
* `survey_close`: closed before its closing day, with a reason;
* `answer_submit`: an organization's answer, one per survey, changed until the survey closes;
  every change is recorded (the record holds what changed).

`today` (here and below) is the day of the decision, for the demo and tests; the calendar
otherwise."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from certinel.core.actor import Actor
from certinel.core.errors import ErrorList, FieldError, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import lock

from . import access
from .models import Survey, SurveyAnswer
from .questions import clean_answers, clean_questions
from .transitions import SURVEY

REGION = re.compile(r"^\d{2}(\d{2}){0,2}$")
FIELDS = ("title", "purpose", "region_code", "opens_on", "closes_on", "questions")
MAX_TITLE = 200
MAX_PURPOSE = 4000
MAX_REASON = 2000


def _date(errors: ErrorList, name: str, value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        errors.add(name, _("Enter a date as YYYY-MM-DD."), "invalid_date")
        return None


def _region_exists(code: str) -> bool:
    from certinel.reference.models import Region

    return Region.objects.filter(code=code.ljust(6, "0")).exists()


def _check(data: dict[str, Any]) -> dict[str, Any]:
    errors = ErrorList()
    unknown = sorted(set(data) - set(FIELDS))
    for name in unknown:
        errors.add(name, _("This field cannot be changed here."), "not_editable")
    title = str(data.get("title") or "").strip()
    purpose = str(data.get("purpose") or "").strip()
    region = str(data.get("region_code") or "").strip()
    if not title or len(title) > MAX_TITLE:
        errors.add("title", _("Give a title (1 to %(n)d characters).") % {"n": MAX_TITLE}, "required")
    if not purpose or len(purpose) > MAX_PURPOSE:
        errors.add("purpose", _("Say what the survey is for (1 to %(n)d characters).") % {"n": MAX_PURPOSE},
                   "required")
    if not REGION.match(region):
        errors.add("region_code", _("Enter a region code of 2, 4 or 6 digits (32, 3201, 320102)."), "invalid")
    elif not _region_exists(region):
        errors.add("region_code", _("There is no region %(code)s in GB/T 2260.") % {"code": region}, "unknown")
    opens, closes = _date(errors, "opens_on", data.get("opens_on")), _date(errors, "closes_on", data.get("closes_on"))
    if opens and closes and closes < opens:
        errors.add("closes_on", _("The closing day is before the opening day."), "invalid_range")
    questions: list[dict[str, Any]] = []
    try:
        questions = clean_questions(data.get("questions"))
    except ValidationFailed as exc:
        errors.errors.extend(exc.errors)
    errors.raise_if_any()
    return {"title": title, "purpose": purpose, "region_code": region, "opens_on": opens, "closes_on": closes,
            "questions": questions}


def survey_create(*, actor: Actor, data: dict[str, Any]) -> Survey:
    """A new draft, addressed to a region inside the actor's jurisdiction."""
    clean = _check(data)
    access.require_manage(actor, clean["region_code"])
    with transaction.atomic():
        survey = Survey(created_by=actor.label[:150], **clean)
        survey.save()
        record_change(actor=actor, action="survey_drafted", obj=survey, before=None, after=snapshot(survey))
    return survey


def survey_update(*, actor: Actor, survey: Survey, data: dict[str, Any]) -> Survey:
    """Change a draft (the fields given; the rest stay)."""
    with transaction.atomic():
        survey = lock(Survey, survey.pk)
        access.require_manage(actor, survey.region_code)
        SURVEY.target("change", survey.status)
        clean = _check({name: getattr(survey, name) for name in FIELDS} | data)
        access.require_manage(actor, clean["region_code"])
        before = snapshot(survey)
        for name, value in clean.items():
            setattr(survey, name, value)
        survey.save()
        record_change(actor=actor, action="survey_changed", obj=survey, before=before, after=snapshot(survey))
    return survey


def survey_publish(*, actor: Actor, survey: Survey, today: dt.date | None = None) -> Survey:
    """Publish a draft: firms of its region see it and answer from its opening day."""
    day = today or localdate()
    with transaction.atomic():
        survey = lock(Survey, survey.pk)
        access.require_manage(actor, survey.region_code)
        status = SURVEY.target("publish", survey.status)
        if survey.closes_on < day:
            raise ValidationFailed(FieldError("closes_on", _("The closing day %(day)s has passed: set a later one "
                                                             "before publishing.") % {"day": survey.closes_on},
                                              "closed"))
        before = snapshot(survey)
        survey.status, survey.published_at = status, timezone.now()
        survey.save(update_fields=["status", "published_at", "updated_at"])
        record_change(actor=actor, action="survey_published", obj=survey, before=before, after=snapshot(survey))
    return survey


def survey_close(*, actor: Actor, survey: Survey, reason: str, today: dt.date | None = None) -> Survey:
    """Close a published survey before its closing day; no answer is taken or changed after."""
    day = today or localdate()
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed(FieldError("reason", _("Say why the survey closes early (1 to %(n)d characters).")
                                          % {"n": MAX_REASON}, "required"))
    with transaction.atomic():
        survey = lock(Survey, survey.pk)
        access.require_manage(actor, survey.region_code)
        status = SURVEY.target("close", survey.status)
        if survey.closes_on < day:
            raise ValidationFailed(FieldError("reason", _("The survey closed on %(day)s already.")
                                              % {"day": survey.closes_on}, "closed"))
        before = snapshot(survey)
        survey.status, survey.closed_at, survey.close_reason = status, timezone.now(), reason
        survey.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
        record_change(actor=actor, action="survey_closed", obj=survey, before=before, after=snapshot(survey),
                      reason=reason)
    return survey


def answer_submit(*, actor: Actor, survey: Survey, organization: Any, answers: Any,
                  today: dt.date | None = None) -> SurveyAnswer:
    """The organization's answer (its first, or a change of it) while the survey is open."""
    day = today or localdate()
    with transaction.atomic():
        survey = lock(Survey, survey.pk)
        access.require_answer(actor, survey, organization)
        SURVEY.target("answer", survey.status)
        if day < survey.opens_on:
            raise ValidationFailed(FieldError("survey", _("The survey opens on %(day)s.") % {"day": survey.opens_on},
                                              "not_open"))
        if day > survey.closes_on:
            raise ValidationFailed(FieldError("survey", _("The survey closed on %(day)s.") % {"day": survey.closes_on},
                                              "closed"))
        clean = clean_answers(survey.questions, answers)
        found = SurveyAnswer.objects.select_for_update().filter(survey=survey, organization=organization).first()
        if found is None:
            answer = SurveyAnswer(survey=survey, organization=organization, region_code=organization.region_code,
                                  industry_code=organization.industry.code if organization.industry_id else "",
                                  answers=clean, submitted_by=actor.user)
            try:
                with transaction.atomic():
                    answer.save()
            except IntegrityError:
                raise ValidationFailed(FieldError("survey", _("This organization has answered already: send the "
                                                              "answer again to change it."), "duplicate")) from None
            record_change(actor=actor, action="survey_answered", obj=answer, before=None, after=snapshot(answer))
            return answer
        before = snapshot(found)
        found.answers, found.revision, found.submitted_by = clean, found.revision + 1, actor.user
        found.save(update_fields=["answers", "revision", "submitted_by", "updated_at"])
        record_change(actor=actor, action="survey_answer_changed", obj=found, before=before, after=snapshot(found))
    return found
