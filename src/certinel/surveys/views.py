"""The survey pages: the regulator's list, draft, survey (publish, close) and results pages
(`/surveys/manage/`), and the firm's list of its surveys and its answer form (`/surveys/`).
Each page shows what the user may do; each action is the service's, which checks the
permission and the state again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from certinel.core.actor import Actor
from certinel.core.errors import DomainError, NotFound, NotPermitted, ValidationFailed
from certinel.core.history import history_for
from certinel.portal.forms import apply_domain_error

from . import access, results, selectors, services
from .choices import QuestionKind
from .forms import CloseForm, SurveyForm, example
from .models import Survey
from .transitions import SURVEY


def _manager(user: Any) -> None:
    if not access.is_manager(user):
        raise PermissionDenied(_("只有监管人员可以管理调查问卷。"))


def _managed(user: Any, pk: int) -> Survey:
    _manager(user)
    try:
        survey = selectors.survey_visible(user, pk)
    except NotFound:
        raise Http404(_("没有这项记录，或者您无权查看。")) from None
    if not access.may_manage(user, survey.region_code):
        raise Http404(_("没有这项记录，或者您无权查看。"))
    return survey


@require_GET
@login_required
@never_cache
def manage_list(request: HttpRequest) -> HttpResponse:
    _manager(request.user)
    surveys = selectors.surveys_managed(request.user)[:500]
    return render(request, "surveys/manage_list.html", {"surveys": surveys})


def _draft_form(request: HttpRequest, survey: Survey | None) -> HttpResponse:
    import json

    initial = None
    if survey is not None:
        initial = {"title": survey.title, "purpose": survey.purpose, "region_code": survey.region_code,
                   "opens_on": survey.opens_on, "closes_on": survey.closes_on,
                   "questions": json.dumps(survey.questions, ensure_ascii=False, indent=1)}
    else:
        initial = {"region_code": getattr(request.user, "jurisdiction_code", ""), "questions": example()}
    form = SurveyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        try:
            if survey is None:
                survey = services.survey_create(actor=actor, data=form.cleaned_data)
            else:
                survey = services.survey_update(actor=actor, survey=survey, data=form.cleaned_data)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("草稿已保存。"))
            return redirect("surveys:detail", pk=survey.pk)
    heading = _("修改调查问卷") if survey is not None else _("起草调查问卷")
    return render(request, "surveys/form.html", {"form": form, "heading": heading, "survey": survey})


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def manage_new(request: HttpRequest) -> HttpResponse:
    _manager(request.user)
    return _draft_form(request, None)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def manage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request.user, pk)
    if "change" not in SURVEY.allowed(survey.status):
        messages.error(request, _("已发布的调查问卷不能修改。"))
        return redirect("surveys:detail", pk=survey.pk)
    return _draft_form(request, survey)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def manage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request.user, pk)
    close_form = CloseForm(request.POST if request.POST.get("action") == "close" else None)
    if request.method == "POST":
        actor = Actor.from_request(request)
        action = request.POST.get("action")
        try:
            if action == "publish":
                services.survey_publish(actor=actor, survey=survey)
                messages.success(request, _("调查问卷已发布。"))
                return redirect("surveys:detail", pk=survey.pk)
            if action == "close" and close_form.is_valid():
                services.survey_close(actor=actor, survey=survey, reason=close_form.cleaned_data["reason"])
                messages.success(request, _("调查问卷已提前结束。"))
                return redirect("surveys:detail", pk=survey.pk)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            messages.error(request, exc.message)
            survey.refresh_from_db()
    return render(request, "surveys/manage_detail.html", {
        "survey": survey, "allowed": SURVEY.allowed(survey.status), "close_form": close_form,
        "answer_count": survey.answers.count(), "open": selectors.open_now(survey),
        "history": history_for(survey)})


@require_GET
@login_required
@never_cache
def manage_results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request.user, pk)
    by = request.GET.get("by", "region")
    level = request.GET.get("level", "city")
    found = results.survey_results(survey, by=by, level=level)
    if request.GET.get("format") == "csv":
        response = HttpResponse(results.results_csv(found), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-{found["by"]}.csv"'
        return response
    return render(request, "surveys/results.html", {
        "survey": survey, "found": found, "texts": results.texts(survey), "by": found["by"],
        "level": found["level"] or "city"})


def _firm(user: Any) -> Any:
    firm = access.firm_of(user)
    if firm is None:
        raise PermissionDenied(_("只有获证组织的用户可以填报调查问卷。"))
    return firm


@require_GET
@login_required
@never_cache
def firm_list(request: HttpRequest) -> HttpResponse:
    if access.is_manager(request.user) and access.firm_of(request.user) is None:
        return redirect("surveys:manage")
    firm = _firm(request.user)
    today = localdate()
    surveys = list(selectors.surveys_for_firm(firm)[:200])
    answered = set(firm_answers(firm, surveys))
    rows = [{"survey": s, "open": s.is_open(today), "answered": s.pk in answered} for s in surveys]
    return render(request, "surveys/firm_list.html", {"rows": rows, "firm": firm})


def firm_answers(firm: Any, surveys: list[Survey]) -> list[int]:
    from .models import SurveyAnswer

    return list(SurveyAnswer.objects.filter(organization=firm, survey__in=surveys).values_list("survey_id", flat=True))


def _posted_answers(survey: Survey, post: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for q in survey.questions:
        if q["kind"] == QuestionKind.MULTIPLE:
            out[q["key"]] = post.getlist(q["key"])
        else:
            out[q["key"]] = post.get(q["key"], "")
    return out


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def firm_answer(request: HttpRequest, pk: int) -> HttpResponse:
    firm = _firm(request.user)
    try:
        survey = selectors.survey_visible(request.user, pk)
    except NotFound:
        raise Http404(_("没有这项记录，或者您无权查看。")) from None
    answer = selectors.answer_of(survey, firm)
    values = dict(answer.answers) if answer else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _posted_answers(survey, request.POST)
        try:
            services.answer_submit(actor=Actor.from_request(request), survey=survey, organization=firm,
                                   answers=values)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from None
        except ValidationFailed as exc:
            errors = {e.field: e.message for e in exc.errors}
            messages.error(request, _("答卷有误，请按提示修改。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("答卷已提交，截止前可以修改。"))
            return redirect("surveys:answer", pk=survey.pk)
    questions = [{**q, "value": values.get(q["key"]), "error": errors.get(q["key"]), "n": n}
                 for n, q in enumerate(survey.questions, start=1)]
    return render(request, "surveys/answer.html", {
        "survey": survey, "questions": questions, "answer": answer, "open": selectors.open_now(survey),
        "errors": [m for f, m in errors.items() if f not in {q["key"] for q in survey.questions}]})
