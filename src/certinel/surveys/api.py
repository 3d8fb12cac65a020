"""The surveys' API, mounted under `/api/v1/`, for a user signed in to the portal (a regulator,
or a certified organization's user); a browser session sends its CSRF token (`X-CSRFToken`)
with every write:

  GET  /surveys                            the surveys the caller manages, or those addressed to its firm
  POST /surveys                            a draft (a regulator of the region)
  GET  /surveys/{survey_id}                one survey with its questions
  PATCH /surveys/{survey_id}               change a draft
  POST /surveys/{survey_id}/publish        publish a draft
  POST /surveys/{survey_id}/close          close a published survey early, with a reason
  GET  /surveys/{survey_id}/results        the aggregates by region or industry, small cells withheld
  GET  /surveys/{survey_id}/answer         the caller's firm's own answer
  PUT  /surveys/{survey_id}/answer         answer, or change the answer, until the survey closes

A caller not signed in gets 401; a survey the caller may not see is a 404 (the same as one that
does not exist); a step the caller may not take is a 403; a step the survey's state does not
allow is a 409; a wrong body is a 422 whose `errors` name each field, an answer's errors each
its question's key."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.utils import check_csrf
from pydantic import Field

from certinel.accounts.auth import InvalidApiKey, OptionalApiKey
from certinel.core.actor import Actor
from certinel.core.errors import NotFound, NotPermitted
from certinel.core.models import Via
from certinel.registry.schemas import ErrorOut, ValidationErrorOut

from . import access, results, selectors, services
from .models import Survey

router = Router(auth=OptionalApiKey(), tags=["surveys"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 403: ErrorOut, 409: ErrorOut}
REGION = r"^\d{2}(\d{2}){0,2}$"


class SignInRequired(InvalidApiKey):
    """401: surveys need a user signed in to the portal."""


class QuestionIn(Schema):
    key: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]{0,31}$", description="Default q1, q2 … by position.")
    kind: Literal["single", "multiple", "number", "text"]
    text: str = Field(min_length=1, max_length=500)
    required: bool = False
    choices: list[str] | None = Field(None, max_length=30, description="Single and multiple choice: 2 to 30.")
    min: float | None = Field(None, description="Number: the lowest value accepted.")
    max: float | None = Field(None, description="Number: the highest value accepted.")


class SurveyIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=1, max_length=4000)
    region_code: str = Field(pattern=REGION, description="The region addressed: 32, 3201 or 320102.")
    opens_on: dt.date
    closes_on: dt.date
    questions: list[QuestionIn] = Field(min_length=1, max_length=60)


class SurveyPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    purpose: str | None = Field(None, min_length=1, max_length=4000)
    region_code: str | None = Field(None, pattern=REGION)
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    questions: list[QuestionIn] | None = Field(None, min_length=1, max_length=60)


class SurveyOut(Schema):
    id: int
    title: str
    purpose: str
    region_code: str
    opens_on: dt.date
    closes_on: dt.date
    status: Literal["draft", "published", "closed"]
    open: bool = Field(description="Whether answers are taken today.")
    questions: list[dict[str, Any]]
    published_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_reason: str
    answer_count: int | None = Field(None, description="For the regulator only.")


class CloseIn(Schema):
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class AnswerIn(Schema):
    answers: dict[str, Any] = Field(description="Question key to answer: a choice, a list of choices, a number or "
                                                "a text.", examples=[{"certified": "已获证", "staff": 3}])


class AnswerOut(Schema):
    survey: int
    organization: str = Field(description="The organization's unified social credit code.")
    answers: dict[str, Any]
    revision: int = Field(description="How many times the answer was changed.")
    updated_at: dt.datetime


class ResultsQuery(Schema):
    by: Literal["region", "industry"] = "region"
    level: Literal["province", "city", "county"] = Field("city", description="For `by=region`.")


def _user(request: HttpRequest, *, write: bool = False) -> Any:
    user = request.user
    if not user.is_authenticated:
        raise SignInRequired("Surveys need a user signed in to the portal: a regulator, or a certified "
                             "organization's user.")
    if write and getattr(request, "api_key", None) is None and check_csrf(request) is not None:
        raise NotPermitted("The request's CSRF token is missing or wrong: send the portal's token as X-CSRFToken.")
    return user


def _out(survey: Survey, user: Any) -> dict[str, Any]:
    manager = access.may_manage(user, survey.region_code)
    count = survey.answers.count() if manager else None
    return {"id": survey.pk, "title": survey.title, "purpose": survey.purpose, "region_code": survey.region_code,
            "opens_on": survey.opens_on, "closes_on": survey.closes_on, "status": survey.status,
            "open": selectors.open_now(survey), "questions": survey.questions, "published_at": survey.published_at,
            "closed_at": survey.closed_at, "close_reason": survey.close_reason, "answer_count": count}


def _managed(user: Any, survey_id: int) -> Survey:
    survey = selectors.survey_visible(user, survey_id)
    if not access.may_manage(user, survey.region_code):
        raise NotFound(f"No survey {survey_id}, or you may not see it.")
    return survey


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via=Via.API)


@router.get("/surveys", response={200: list[SurveyOut], **ERRORS}, summary="Surveys the caller manages or answers")
def list_surveys(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    firm = access.firm_of(user)
    found = selectors.surveys_for_firm(firm) if firm is not None else selectors.surveys_managed(user)
    return [_out(s, user) for s in found[:500]]


@router.post("/surveys", response={201: SurveyOut, **WRITE_ERRORS}, summary="Draft a survey (a regulator)")
def create_survey(request: HttpRequest, payload: SurveyIn):
    user = _user(request, write=True)
    if not access.is_manager(user):
        raise NotPermitted("Only a regulator drafts surveys.")
    data = payload.dict()
    data["questions"] = [{k: v for k, v in q.items() if v is not None} for q in data["questions"]]
    return Status(201, _out(services.survey_create(actor=_actor(request), data=data), user))


@router.get("/surveys/{survey_id}", response={200: SurveyOut, **ERRORS}, summary="One survey and its questions")
def get_survey(request: HttpRequest, survey_id: int) -> dict[str, Any]:
    user = _user(request)
    return _out(selectors.survey_visible(user, survey_id), user)


@router.patch("/surveys/{survey_id}", response={200: SurveyOut, **WRITE_ERRORS}, summary="Change a draft")
def change_survey(request: HttpRequest, survey_id: int, payload: SurveyPatch) -> dict[str, Any]:
    user = _user(request, write=True)
    survey = _managed(user, survey_id)
    data = payload.dict(exclude_unset=True)
    if data.get("questions") is not None:
        data["questions"] = [{k: v for k, v in q.items() if v is not None} for q in data["questions"]]
    return _out(services.survey_update(actor=_actor(request), survey=survey, data=data), user)


@router.post("/surveys/{survey_id}/publish", response={200: SurveyOut, **WRITE_ERRORS}, summary="Publish a draft")
def publish_survey(request: HttpRequest, survey_id: int) -> dict[str, Any]:
    user = _user(request, write=True)
    return _out(services.survey_publish(actor=_actor(request), survey=_managed(user, survey_id)), user)


@router.post("/surveys/{survey_id}/close", response={200: SurveyOut, **WRITE_ERRORS},
             summary="Close a published survey early, with a reason")
def close_survey(request: HttpRequest, survey_id: int, payload: CloseIn) -> dict[str, Any]:
    user = _user(request, write=True)
    survey = services.survey_close(actor=_actor(request), survey=_managed(user, survey_id), reason=payload.reason)
    return _out(survey, user)


@router.get("/surveys/{survey_id}/results", response={200: dict, **ERRORS},
            summary="A survey's results by region or industry, small cells withheld (a regulator)")
def survey_results(request: HttpRequest, survey_id: int, filters: Query[ResultsQuery]) -> dict[str, Any]:
    """Counts below the disclosure rule's `min_cell` are the string "<5"; groups smaller than it
    are merged into one row `*`. Free-text answers are not part of the results."""
    user = _user(request)
    survey = _managed(user, survey_id)
    return results.survey_results(survey, by=filters.by, level=filters.level)


def _firm(user: Any) -> Any:
    firm = access.firm_of(user)
    if firm is None:
        raise NotPermitted("Only a certified organization's user answers surveys.")
    return firm


def _answer_out(answer: Any, firm: Any) -> dict[str, Any]:
    return {"survey": answer.survey_id, "organization": firm.uscc, "answers": answer.answers,
            "revision": answer.revision, "updated_at": answer.updated_at}


@router.get("/surveys/{survey_id}/answer", response={200: AnswerOut, 403: ErrorOut, **ERRORS},
            summary="The caller's firm's own answer")
def get_answer(request: HttpRequest, survey_id: int) -> dict[str, Any]:
    user = _user(request)
    survey = selectors.survey_visible(user, survey_id)
    firm = _firm(user)
    answer = selectors.answer_of(survey, firm)
    if answer is None:
        raise NotFound("Your organization has not answered this survey.")
    return _answer_out(answer, firm)


@router.put("/surveys/{survey_id}/answer", response={200: AnswerOut, **WRITE_ERRORS},
            summary="Answer a survey, or change the answer, until it closes")
def put_answer(request: HttpRequest, survey_id: int, payload: AnswerIn) -> dict[str, Any]:
    user = _user(request, write=True)
    survey = selectors.survey_visible(user, survey_id)
    firm = _firm(user)
    answer = services.answer_submit(actor=_actor(request), survey=survey, organization=firm,
                                    answers=payload.answers)
    return _answer_out(answer, firm)
