"""The serious-violation list's case pages, for those who act on it (`/credit/cases/`):
regulators serve notices, list subjects, decide on applications and annul entries; a
subject's own users state its case and apply for early removal. Each page shows only what the
permission matrix lets the user see (kind `credit`), and each action is the service's, which
checks the permission and the transition again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from certinel.accounts.models import Role
from certinel.accounts.permissions import can, scope
from certinel.core.actor import Actor
from certinel.core.errors import DomainError, NotPermitted
from certinel.core.history import history_for
from certinel.portal.forms import apply_domain_error

from . import selectors, services
from .choices import IN_FORCE, PUBLISHABLE_KINDS, FactStatus, NoticeStatus, PublicationStatus, RepairStatus
from .models import CreditFact, ListEntry, ListNotice

SHOWN = 200


class NoticeForm(forms.Form):
    uscc = forms.CharField(label=gettext_lazy("统一社会信用代码"), max_length=18,
                           help_text=gettext_lazy("已在本平台登记的获证组织、认证机构或检验检测机构。"))
    violation = forms.CharField(label=gettext_lazy("严重违法失信行为"), max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 3}))
    basis = forms.CharField(label=gettext_lazy("违反的规定"), max_length=255)
    penalty = forms.CharField(label=gettext_lazy("较重行政处罚"), max_length=255)
    penalty_decision_no = forms.CharField(label=gettext_lazy("行政处罚决定书文号"), max_length=100)
    authority = forms.CharField(label=gettext_lazy("作出决定的机关"), max_length=200)
    served_on = forms.DateField(label=gettext_lazy("告知日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}),
                                help_text=gettext_lazy("留空为今天。"))


class TextForm(forms.Form):
    """One text: a statement, an application or a decision's reason."""

    text = forms.CharField(label=gettext_lazy("说明"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class DecisionForm(forms.Form):
    decision_no = forms.CharField(label=gettext_lazy("列入决定书文号"), max_length=100)
    listed_on = forms.DateField(label=gettext_lazy("列入日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}), help_text=gettext_lazy("留空为今天。"))


def _regulator(user: Any) -> bool:
    return user.role in (Role.REGULATOR, Role.ADMIN) or user.is_superuser


@require_GET
@login_required
def cases(request: HttpRequest) -> HttpResponse:
    """The notices and entries the user may see: a regulator's jurisdiction, a subject's own."""
    user: Any = request.user
    notices = scope(user, "view", "credit", ListNotice.objects.all()).order_by("-served_on", "-id")
    entries = scope(user, "view", "credit", ListEntry.objects.all()).order_by("-listed_on", "-id")
    actor = Actor.from_request(request)
    return render(request, "credit/cases/index.html", {
        "open": list(notices.filter(status=NoticeStatus.OPEN)[:SHOWN]),
        "in_force": list(entries.filter(status__in=IN_FORCE)[:SHOWN]),
        "ended": list(entries.exclude(status__in=IN_FORCE)[:SHOWN]),
        "dropped": list(notices.filter(status=NoticeStatus.DROPPED)[:SHOWN]),
        "repairs": list(selectors.repairs_visible(actor=actor).filter(status=RepairStatus.PENDING)[:SHOWN]),
        "publications": list(selectors.publications_visible(actor=actor).filter(
            status=PublicationStatus.DISPLAYED)[:SHOWN]),
        "unpublished": list(scope(user, "decide", "credit", CreditFact.objects.select_related(
            "organization", "body", "lab").filter(
            kind__in=PUBLISHABLE_KINDS, status=FactStatus.RECORDED, publication__isnull=True).exclude(
            subject_kind="person")).order_by("-occurred_on", "-id")[:SHOWN]) if _regulator(user) else [],
        "may_serve": _regulator(user)})


@require_http_methods(["GET", "POST"])
@login_required
def notice_new(request: HttpRequest) -> HttpResponse:
    if not _regulator(request.user):
        raise PermissionDenied(_("只有监管人员可以送达列入前告知。"))
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.notice_serve(actor=Actor.from_request(request), uscc=data["uscc"],
                                           violation=data["violation"], basis=data["basis"], penalty=data["penalty"],
                                           penalty_decision_no=data["penalty_decision_no"],
                                           authority=data["authority"], served_on=data["served_on"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已送达列入前告知：当事人可在 %(day)s 前陈述申辩。")
                             % {"day": notice.statement_until})
            return redirect("credit:notice", pk=notice.pk)
    return render(request, "credit/cases/form_page.html", {
        "form": form, "heading": _("送达列入前告知"), "button": _("送达告知"),
        "lead": _("告知当事人拟列入严重违法失信名单的事由、依据及其陈述申辩的权利。告知不公开；"
                  "陈述申辩期满后方可作出列入决定。")})


def _visible(user: Any, model: type[Any], pk: int) -> Any:
    obj = model.objects.filter(pk=pk).first()
    if obj is None or not can(user, "view", "credit", obj):
        raise Http404(_("没有这项记录，或者您无权查看。"))
    return obj


def _act(request: HttpRequest, form: forms.Form, run) -> bool:  # type: ignore[no-untyped-def]
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


def _history(obj: Any) -> list[Any]:
    return list(history_for(obj))


@require_http_methods(["GET", "POST"])
@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    notice = _visible(user, ListNotice, pk)
    actor = Actor.from_request(request)
    is_open = notice.status == NoticeStatus.OPEN
    may_decide = is_open and can(user, "decide", "credit", notice)
    may_state = is_open and can(user, "answer", "credit", notice) and timezone.localdate() <= notice.statement_until
    action = request.POST.get("action", "") if request.method == "POST" else ""
    decision = DecisionForm(request.POST if action == "decide" else None)
    drop = TextForm(request.POST if action == "drop" else None, prefix="drop")
    statement = TextForm(request.POST if action == "state_case" else None, prefix="statement")
    done = False
    if (action in ("decide", "drop") and not may_decide) or (action == "state_case" and not may_state):
        raise PermissionDenied(_("您不能对这项告知进行这一操作。"))
    if action == "decide":
        done = _act(request, decision, lambda d: services.entry_decide(
            actor=actor, notice=notice, decision_no=d["decision_no"], listed_on=d["listed_on"]))
    elif action == "drop":
        done = _act(request, drop, lambda d: services.notice_drop(actor=actor, notice=notice, reason=d["text"]))
    elif action == "state_case":
        done = _act(request, statement, lambda d: services.notice_state_case(
            actor=actor, notice=notice, statement=d["text"]))
    if done:
        messages.success(request, _("已记录。"))
        notice.refresh_from_db()
        if action == "decide":
            return redirect("credit:entry", pk=notice.entry.pk)
        return redirect("credit:notice", pk=notice.pk)
    return render(request, "credit/cases/notice.html", {
        "n": notice, "may_decide": may_decide, "may_state": may_state, "decision": decision, "drop": drop,
        "statement": statement, "history": _history(notice), "today": timezone.localdate(),
        "decide_from": notice.statement_until + dt.timedelta(days=1)})


ENTRY_ACTIONS = {
    "request_removal": ("answer", lambda actor, e, text: services.entry_request_removal(
        actor=actor, entry=e, statement=text)),
    "remove_early": ("decide", lambda actor, e, text: services.entry_remove_early(actor=actor, entry=e, reason=text)),
    "refuse_removal": ("decide", lambda actor, e, text: services.entry_refuse_removal(
        actor=actor, entry=e, reason=text)),
    "annul": ("decide", lambda actor, e, text: services.entry_annul(actor=actor, entry=e, reason=text)),
}


@require_http_methods(["GET", "POST"])
@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    entry = _visible(user, ListEntry, pk)
    in_force = entry.status in IN_FORCE
    may_apply = (entry.status == "listed" and can(user, "answer", "credit", entry)
                 and timezone.localdate() >= entry.earliest_removal_on)
    may_decide = in_force and can(user, "decide", "credit", entry)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = TextForm(request.POST if action in ENTRY_ACTIONS else None)
    if action:
        if action not in ENTRY_ACTIONS:
            raise PermissionDenied(_("您不能对这项记录进行这一操作。"))
        permission, run = ENTRY_ACTIONS[action]
        if (permission == "answer" and not may_apply) or (permission == "decide" and not may_decide):
            raise PermissionDenied(_("您不能对这项记录进行这一操作。"))
        if _act(request, form, lambda d: run(Actor.from_request(request), entry, d["text"])):
            messages.success(request, _("已记录。"))
            return redirect("credit:entry", pk=entry.pk)
    return render(request, "credit/cases/entry.html", {
        "e": entry, "form": form, "action": action, "may_apply": may_apply, "may_decide": may_decide,
        "history": _history(entry), "today": timezone.localdate()})
