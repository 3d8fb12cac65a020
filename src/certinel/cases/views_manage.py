"""The regulators' pages (`/cases/manage/`): the queues of complaints and reports, cases and
warnings (overdue first, filters), a complaint entered by phone, the complaint, case and
warning pages with their actions and whole trail; and the bodies' page of the requests cases
make of them (`/cases/requests/`). Each page shows what the permission matrix allows; each
action is the service's, which checks the permission and the transition again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.timezone import localdate as today_
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from certinel.accounts.permissions import can
from certinel.core.actor import Actor
from certinel.core.errors import DomainError, NotPermitted
from certinel.core.history import history_for
from certinel.portal.forms import apply_domain_error

from . import evidence as files
from . import forms as f
from . import selectors, services, services_cases, services_rewards
from .choices import CaseSource, CaseStatus, Channel, ComplaintKind, ComplaintStatus, Severity, WarningStatus
from .models import BodyRequest, Case, CaseNote, Complaint, Reward, RiskWarning
from .views import uploaded

PAGE = 50


def _visible(user: Any, model: Any, kind: str, pk: int) -> Any:
    obj = model.objects.filter(pk=pk).first()
    if obj is None or not can(user, "view", kind, obj):
        raise Http404(_("没有这项记录，或者您无权查看。"))
    return obj


def _act(request: HttpRequest, form: forms.Form, run: Callable[[dict[str, Any]], Any]) -> bool:
    """Run a service with the form's data; its refusal shown on the form. Whether it ran."""
    if not form.is_valid():
        return False
    try:
        run(form.cleaned_data)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        apply_domain_error(form, exc)
        return False
    return True


def _page(request: HttpRequest, found: Any) -> Any:
    return Paginator(found, PAGE).get_page(request.GET.get("page"))


def _may_queue(user: Any) -> None:
    if not (can(user, "view", "complaint", region_code=user.jurisdiction_code or "")
            or user.is_superuser or getattr(user, "role", "") == "admin"):
        raise PermissionDenied(_("只有监管人员可以查看投诉举报和案件。"))


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Complaints and reports, and cases, overdue first, with filters."""
    user: Any = request.user
    _may_queue(user)
    g = request.GET
    overdue = g.get("overdue") == "1"
    complaints = selectors.complaints_queue(user, status=g.get("status", "open"), kind=g.get("kind", ""),
                                            overdue=overdue, q=g.get("q", "")[:64])
    cases = selectors.cases_queue(user, status=g.get("case_status", "open"), source=g.get("source", ""),
                                  overdue=overdue, q=g.get("q", "")[:64])
    return render(request, "cases/manage/queue.html", {
        "complaints": _page(request, complaints), "cases": list(cases[:PAGE]), "today": today_(),
        "statuses": ComplaintStatus.choices, "kinds": ComplaintKind.choices, "case_statuses": CaseStatus.choices,
        "sources": CaseSource.choices, "g": g})


@require_http_methods(["GET", "POST"])
@login_required
def complaint_new(request: HttpRequest) -> HttpResponse:
    """A complaint received by phone, entered by a regulator."""
    user: Any = request.user
    _may_queue(user)
    form = f.PhoneComplaintForm(request.POST or None, request.FILES or None)
    made: list[Any] = []
    if request.method == "POST" and _act(request, form, lambda d: made.append(services.complaint_submit(
            actor=Actor.from_request(request), kind=d["kind"], subject=d["subject"], facts=d["facts"],
            evidence=uploaded(d["evidence"]), anonymous=d["anonymous"], contact_name=d["contact_name"],
            contact_phone=d["contact_phone"], contact_email=d["contact_email"], channel=Channel.PHONE,
            received_on=d["received_on"]))):
        complaint, code = made[0]
        messages.success(request, _("已登记。请将编号 %(n)s、查询码 %(c)s 和查询链接告知投诉举报人。")
                         % {"n": complaint.number, "c": code})
        return redirect("cases:complaint", pk=complaint.pk)
    return render(request, "cases/manage/form_page.html", {
        "form": form, "heading": _("登记电话投诉举报"), "button": _("登记"), "multipart": True})


def _record_action(request: HttpRequest, record: Any, actions: dict[str, tuple[type[forms.Form], Callable[..., Any]]],
                   may_decide: bool, back: str) -> tuple[dict[str, forms.Form], HttpResponse | None]:
    """A record's action forms and, for a POST of one of them, its service run: a redirect when
    it succeeded (to the case it opened, else back to the record), None when the page is shown
    (again, with the form's errors)."""
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms_ = {name: form_class(request.POST if action == name else None, prefix=name)
              for name, (form_class, _run) in actions.items()}
    if not action:
        return forms_, None
    if action not in actions or not may_decide:
        raise PermissionDenied(_("您不能对这项记录进行这一操作。"))
    run = actions[action][1]
    result: list[Any] = []
    if not _act(request, forms_[action], lambda d: result.append(run(Actor.from_request(request), record, d))):
        return forms_, None
    messages.success(request, _("已记录。"))
    if isinstance(result[0], Case):
        return forms_, redirect("cases:case", pk=result[0].pk)
    return forms_, redirect(back, pk=record.pk)


COMPLAINT_ACTIONS: dict[str, tuple[type[forms.Form], Callable[..., Any]]] = {
    "accept": (forms.Form, lambda a, c, d: services.complaint_accept(actor=a, complaint=c)),
    "reject": (f.RejectForm, lambda a, c, d: services.complaint_reject(actor=a, complaint=c, feedback=d["feedback"])),
    "extend": (f.ExtendForm, lambda a, c, d: services.complaint_extend(
        actor=a, complaint=c, reason=d["reason"], approved_by=d["approved_by"])),
    "close": (f.CloseComplaintForm, lambda a, c, d: services.complaint_close(
        actor=a, complaint=c, outcome=d["outcome"], feedback=d["feedback"])),
    "open_case": (f.OpenCaseForm, lambda a, c, d: services_cases.case_open(
        actor=a, complaint=c, summary=d["summary"], authority=d["authority"])),
}


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    complaint = _visible(user, Complaint, "complaint", pk)
    may_decide = can(user, "decide", "complaint", complaint)
    forms_, done = _record_action(request, complaint, COMPLAINT_ACTIONS, may_decide, "cases:complaint")
    if done is not None:
        return done
    allowed = set(services.COMPLAINT.allowed(complaint.status)) if may_decide else set()
    if complaint.kind != ComplaintKind.REPORT or complaint.extended:
        allowed.discard("extend")
    return render(request, "cases/manage/complaint.html", {
        "c": complaint, "forms": forms_, "allowed": allowed, "today": today_(),
        "history": list(history_for(complaint)), "cases": list(complaint.cases.all())})


CASE_ACTIONS: dict[str, tuple[type[forms.Form], Callable[..., Any]]] = {
    "assign": (f.AssignForm, lambda a, c, d, files_: services_cases.case_assign(
        actor=a, case=c, assignee=d["assignee"])),
    "note": (f.NoteForm, lambda a, c, d, files_: services_cases.case_note(
        actor=a, case=c, text=d["text"], evidence=uploaded(d["evidence"]))),
    "request": (f.RequestForm, lambda a, c, d, files_: services_cases.case_request(
        actor=a, case=c, kind=d["kind"], text=d["text"], certificate=d["certificate"])),
    "decide": (f.DecideForm, lambda a, c, d, files_: services_cases.case_decide(
        actor=a, case=c, decision=d["decision"], decision_text=d["decision_text"], signatory=d["signatory"],
        legal_basis=d["legal_basis"], decision_no=d["decision_no"], penalty_severity=d["penalty_severity"],
        transfer_to=d["transfer_to"], suspend=f.lines(d["suspend"]), revoke=f.lines(d["revoke"]),
        supervise=d["supervise"])),
    "close": (forms.Form, lambda a, c, d, files_: services_cases.case_close(actor=a, case=c)),
    "reward_propose": (f.RewardProposeForm, lambda a, c, d, files_: services_rewards.reward_propose(
        actor=a, case=c, grade=d["grade"], fines=d["fines"])),
    "reward_approve": (f.TextForm, lambda a, c, d, files_: services_rewards.reward_approve(
        actor=a, reward=_reward_of(c), reason=d["text"])),
    "reward_refuse": (f.TextForm, lambda a, c, d, files_: services_rewards.reward_refuse(
        actor=a, reward=_reward_of(c), reason=d["text"])),
}


def _reward_of(case: Case) -> Reward:
    found = Reward.objects.filter(case=case).first()
    if found is None:
        raise Http404(_("没有这项记录，或者您无权查看。"))
    return found


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    case = _visible(user, Case, "case", pk)
    may_decide = can(user, "decide", "case", case)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms_ = {name: form_class(request.POST if action == name else None,
                               request.FILES if action == name else None, prefix=name)
              for name, (form_class, _run) in CASE_ACTIONS.items()}
    if action == "withdraw":
        req = BodyRequest.objects.filter(pk=request.POST.get("request"), case=case).first()
        form = f.TextForm(request.POST, prefix="withdraw")
        if req is None or not may_decide:
            raise PermissionDenied(_("您不能对这项记录进行这一操作。"))
        if _act(request, form, lambda d: services_cases.request_withdraw(
                actor=Actor.from_request(request), request=req, reason=d["text"])):
            messages.success(request, _("已记录。"))
            return redirect("cases:case", pk=case.pk)
    elif action:
        if action not in CASE_ACTIONS or not may_decide:
            raise PermissionDenied(_("您不能对这项记录进行这一操作。"))
        run = CASE_ACTIONS[action][1]
        if _act(request, forms_[action], lambda d: run(Actor.from_request(request), case, d, None)):
            messages.success(request, _("已记录。"))
            return redirect("cases:case", pk=case.pk)
    allowed = set(services_cases.CASE.allowed(case.status)) if may_decide else set()
    reward = Reward.objects.filter(case=case).first()
    if may_decide and reward is None and case.decision == "penalty" and case.complaint_id \
            and case.complaint.kind == ComplaintKind.REPORT:
        allowed.add("reward_propose")
    if may_decide and reward is not None:
        allowed.update(f"reward_{a}" for a in services_rewards.REWARD.allowed(reward.status))
    return render(request, "cases/manage/case.html", {"reward": reward,
        "case": case, "forms": forms_, "allowed": allowed, "today": today_(),
        "notes": list(case.notes.all()), "requests": list(case.requests.select_related("body", "certificate")),
        "items": list(case.supervision_items.all()), "trail": selectors.case_trail(case),
        "withdraw": f.TextForm(prefix="withdraw"), "status_code": 200})


@never_cache
@require_GET
@login_required
def complaint_evidence(request: HttpRequest, pk: int, n: int) -> HttpResponse:
    complaint = _visible(request.user, Complaint, "complaint", pk)
    return evidence_response(complaint.evidence, n, f"{complaint.number}-{n + 1}")


@never_cache
@require_GET
@login_required
def note_evidence(request: HttpRequest, pk: int, n: int) -> HttpResponse:
    note = CaseNote.objects.filter(pk=pk).select_related("case").first()
    if note is None or not can(request.user, "view", "case", note.case):
        raise Http404(_("没有这项记录，或者您无权查看。"))
    return evidence_response(note.evidence, n, f"{note.case.number}-{note.pk}-{n + 1}")


def evidence_response(items: list[dict[str, Any]], n: int, stem: str) -> HttpResponse:
    """One kept file as a download: a generated name, the type found by its content, never
    shown inline, never sniffed, sandboxed should a browser open it anyway."""
    if not 0 <= n < len(items):
        raise Http404(_("没有这项记录，或者您无权查看。"))
    item = items[n]
    kind = item.get("content_type")
    try:
        data = files.read(item["sha256"])
    except (OSError, ValueError, KeyError):
        raise Http404(_("证据材料文件不可用。")) from None
    safe = kind if kind in files.SUFFIXES else "application/octet-stream"
    response = HttpResponse(data, content_type=safe)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{files.SUFFIXES.get(safe, "bin")}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- warnings -----------------------------------------------------------------------------------

@require_GET
@login_required
def warnings(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _may_queue(user)
    g = request.GET
    from .rules import rules_in_force

    found = _warnings_found(request)
    period = g.get("period") if g.get("period") in selectors.PERIODS else "month"
    charts = [selectors.warning_series(found, by=by, period=period) for by in selectors.BY]
    query = g.copy()
    query.pop("page", None)
    return render(request, "cases/manage/warnings.html", {
        "page": _page(request, found), "rules": rules_in_force(), "severities": Severity.choices,
        "statuses": WarningStatus.choices, "g": g, "counts": selectors.warning_counts(user), "charts": charts,
        "period": period, "query": query.urlencode()})


def _warnings_found(request: HttpRequest) -> Any:
    g = request.GET
    return selectors.warnings_queue(request.user, rule=g.get("rule", ""), severity=g.get("severity", ""),
                                    status=g.get("status", WarningStatus.OPEN), region=g.get("region", "")[:6])


@require_GET
@login_required
def warnings_chart_csv(request: HttpRequest) -> HttpResponse:
    """A chart's table as CSV (UTF-8 with a byte-order mark, for spreadsheets): the same filters
    as the queue, `by` rule or region, `period` month or week."""
    import csv

    _may_queue(request.user)
    g = request.GET
    chart = selectors.warning_series(_warnings_found(request), by=g.get("by", "rule"), period=g.get("period", ""))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="warnings-by-{chart["by"]}-{chart["period"]}.csv"')
    response.write("\ufeff")
    out = csv.writer(response)
    out.writerow([chart["period"], *chart["series"], "total"])
    for row in chart["rows"]:
        out.writerow([row["label"], *row["counts"], row["total"]])
    return response


WARNING_ACTIONS: dict[str, tuple[type[forms.Form], Callable[..., Any]]] = {
    "dismiss": (f.TextForm, lambda a, w, d: services_cases.warning_dismiss(actor=a, warning=w, reason=d["text"])),
    "open_case": (f.OpenCaseForm, lambda a, w, d: services_cases.case_open(
        actor=a, warning=w, summary=d["summary"], authority=d["authority"])),
}


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    warning = _visible(user, RiskWarning, "warning", pk)
    may_decide = can(user, "decide", "warning", warning)
    forms_, done = _record_action(request, warning, WARNING_ACTIONS, may_decide, "cases:warning")
    if done is not None:
        return done
    from .rules import rule_info

    return render(request, "cases/manage/warning.html", {
        "w": warning, "forms": forms_, "may_decide": may_decide and warning.status == WarningStatus.OPEN,
        "rule": rule_info(warning.rule), "history": list(history_for(warning)), "cases": list(warning.cases.all())})


# --- what cases ask of a body -------------------------------------------------------------------

@require_GET
@login_required
def body_requests(request: HttpRequest) -> HttpResponse:
    found = selectors.requests_of_body(request.user, status=request.GET.get("status", "open"))
    return render(request, "cases/manage/requests.html", {"requests": list(found[:200]), "today": today_()})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    req = _visible(user, BodyRequest, "case_request", pk)
    may_answer = req.status == "open" and can(user, "answer", "case_request", req)
    form = f.AnswerForm(request.POST or None)
    if request.method == "POST":
        if not may_answer:
            raise PermissionDenied(_("您不能对这项记录进行这一操作。"))
        if _act(request, form, lambda d: services_cases.request_answer(
                actor=Actor.from_request(request), request=req, answer=d["answer"], complied=d["complied"],
                signed_by=d["signed_by"], until=d["until"])):
            messages.success(request, _("已答复。"))
            return redirect("cases:request", pk=req.pk)
    return render(request, "cases/manage/request.html", {
        "r": req, "form": form, "may_answer": may_answer, "history": list(history_for(req))})
