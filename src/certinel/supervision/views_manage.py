"""The supervision pages of those who act (`/supervision/manage/`): regulators build and publish
plans, enter the random value, draw, reassign inspectors, record results, order follow-up
measures and publish; they keep the inspector directory and the sampling tasks of their
jurisdiction. An inspected subject's own users see its inspection, read-only. Each page shows
only what the permission matrix allows, and each action is the service's, which checks the
permission and the transition again."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certinel.accounts.models import Role
from certinel.accounts.permissions import can, scope
from certinel.certificates.models import Certificate
from certinel.core.actor import Actor
from certinel.core.errors import DomainError, ValidationFailed

from . import selectors, services, services_inspections, services_inspectors, services_sampling
from .choices import InspectionStatus, Outcome, PlanStatus, SamplingTaskStatus
from .forms import (
    BatchForm,
    CloseFollowUpForm,
    FollowUpForm,
    InspectorChangeForm,
    InspectorForm,
    PlanForm,
    PostCheckForm,
    PublishForm,
    ReasonForm,
    ReassignForm,
    RecordForm,
    SamplingTaskForm,
    SourceForm,
    item_name,
    show_error,
)
from .models import FollowUp, Inspection, Inspector, ItemResult, Plan, SamplingTask
from .policy import item as policy_item

SHOWN = 200


def _regulator(user: Any) -> bool:
    return user.role in (Role.REGULATOR, Role.ADMIN) or user.is_superuser


def _run(
    request: HttpRequest,
    form: forms.Form | None,
    call: Callable[[dict[str, Any]], Any],
    rename: Callable[[str], str] | None = None,
) -> bool:
    """Run a service with the form's data. A refusal is shown: the fields' errors beside them,
    anything else (not permitted, not in this state) as a message. Whether it ran."""
    if form is not None and not form.is_valid():
        return False
    try:
        call(form.cleaned_data if form is not None else {})
    except ValidationFailed as exc:
        if form is None:
            for error in exc.errors:
                messages.error(request, error.message)
        else:
            show_error(form, exc, rename)
        return False
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    return True


def _action(request: HttpRequest) -> str:
    return request.POST.get("action", "") if request.method == "POST" else ""


def _bound(request: HttpRequest, action: str, name: str) -> Any:
    return request.POST if action == name else None


# --- Plans -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """A regulator's plans and the new plan form; a subject's users, its own inspections."""
    user: Any = request.user
    if not _regulator(user):
        own = scope(user, "view", "supervision", Inspection.objects.select_related("plan")).order_by("-id")
        return render(request, "supervision/manage/own.html", {"inspections": list(own[:SHOWN])})
    region = user.jurisdiction_code or ""
    form = PlanForm(request.POST or None, region_code=region, initial={"region_code": region})
    if request.method == "POST":
        created: list[Plan] = []
        if _run(
            request,
            form,
            lambda d: created.append(
                services.plan_create(actor=Actor.from_request(request), data=form.data_for_service())
            ),
            PlanForm.rename,
        ):
            messages.success(request, _("已保存抽查计划草稿：核对后公布。"))
            return redirect("supervision:manage_plan", number=created[0].number)
    plans = scope(user, "view", "supervision", Plan.objects.all()).order_by("-created_at", "-id")
    # Results past their time limit, of plans or subjects in the jurisdiction: oldest first.
    late = [o for o in selectors.overdue() if o.inspection.plan.region_code.startswith(region)
            or o.inspection.region_code.startswith(region)]
    return render(request, "supervision/manage/index.html",
                  {"plans": list(plans[:SHOWN]), "form": form, "overdue": late[:10], "overdue_total": len(late)})


def _managed_plan(user: Any, number: str) -> Plan:
    plan = Plan.objects.filter(number=number).first()
    if plan is None or not can(user, "decide", "supervision", plan):
        raise Http404(_("没有这一抽查计划，或者您无权办理。"))
    return plan


PLAN_ACTIONS = ("update", "publish", "enter_source", "draw", "cancel", "close", "post_check")


@require_http_methods(["GET", "POST"])
@login_required
def plan(request: HttpRequest, number: str) -> HttpResponse:
    user: Any = request.user
    plan = _managed_plan(user, number)
    actor = Actor.from_request(request)
    action = _action(request)
    if action and action not in PLAN_ACTIONS:
        raise PermissionDenied(_("您不能对这一计划进行这一操作。"))
    edit = (
        PlanForm(_bound(request, action, "update"), region_code=plan.region_code, initial=PlanForm.initial_from(plan))
        if plan.status == PlanStatus.DRAFT
        else None
    )
    source = SourceForm(_bound(request, action, "enter_source"))
    cancel = ReasonForm(_bound(request, action, "cancel"), prefix="cancel")
    # Labs whose post-check of a commitment is due, to add to a drawn plan of labs (qualification).
    from certinel.qualification import services_post_check

    checks = services_post_check.selectable(plan)
    post_check = PostCheckForm(_bound(request, action, "post_check"), checks=checks, prefix="pc")

    def add_post_check(data: dict[str, Any]) -> Any:
        chosen = next(c for c in checks if c.pk == data["check"])
        return services_post_check.post_check_plan(actor=actor, check=chosen, plan=plan,
                                                   inspectors=data["inspectors"].split())

    def update(_data: dict[str, Any]) -> Any:
        assert edit is not None  # "update" is refused below when the plan is no longer a draft
        return services.plan_update(actor=actor, plan=plan, data=edit.data_for_service())

    runs: dict[str, tuple[forms.Form | None, Callable[[dict[str, Any]], Any], Any, str]] = {
        "update": (
            edit,
            update,
            PlanForm.rename,
            _("已保存。"),
        ),
        "publish": (
            None,
            lambda d: services.plan_publish(actor=actor, plan=plan),
            None,
            _("计划已公布：检查对象名录已冻结，名录哈希已公开。"),
        ),
        "enter_source": (
            source,
            lambda d: services.plan_enter_source(actor=actor, plan=plan, values=source.values_list()),
            SourceForm.rename,
            _("已录入随机值，现在可以抽取。"),
        ),
        "draw": (
            None,
            lambda d: services.plan_draw(actor=actor, plan=plan),
            None,
            _("已抽取：检查对象和检查人员已确定，抽取结果已公开。"),
        ),
        "cancel": (
            cancel,
            lambda d: services.plan_cancel(actor=actor, plan=plan, reason=d["reason"]),
            None,
            _("计划已撤销。"),
        ),
        "close": (None, lambda d: services.plan_close(actor=actor, plan=plan), None, _("计划已结束。")),
        "post_check": (post_check, add_post_check, PostCheckForm.rename, _("已将该机构的告知承诺核查加入本计划。")),
    }
    if action:
        form, call, rename, done = runs[action]
        if action == "update" and form is None:
            raise PermissionDenied(_("已公布的计划不能修改。"))
        if _run(request, form, call, rename):
            messages.success(request, done)
            return redirect("supervision:manage_plan", number=plan.number)
        plan.refresh_from_db()
    inspections = plan.inspections.all()
    return render(
        request,
        "supervision/manage/plan.html",
        {
            "plan": plan,
            "edit": edit,
            "source": source,
            "cancel": cancel,
            "source_exists": timezone.now() >= plan.source_available_after,
            "items": [(code, item_name(i) if (i := policy_item(code)) else "") for code in plan.items],
            "inspections": list(inspections[:SHOWN]),
            "inspections_total": inspections.count(),
            "pending": inspections.exclude(status=InspectionStatus.PUBLISHED).count(),
            "post_check": post_check if checks or action == "post_check" else None,
        },
    )


# --- Inspections -----------------------------------------------------------------------------------


def _frozen_directory(inspection: Inspection, names: bool) -> list[tuple[str, str]]:
    """The plan's frozen inspector directory as (code, label); names only for who may see them."""
    frozen = json.loads(inspection.plan.directory.inputs)["inspectors"]["directory"]
    codes = [entry["id"] for entry in frozen]
    known = dict(Inspector.objects.filter(code__in=codes).values_list("code", "name")) if names else {}
    return [(code, f"{code} · {known[code]}" if code in known else code) for code in codes]


def _inspection_forms(
    request: HttpRequest, inspection: Inspection, action: str, directory: list[tuple[str, str]]
) -> dict[str, Any]:
    results = {r.item_code: r for r in inspection.results.all()}
    items = [(code, f"{code} {item_name(i)}" if (i := policy_item(code)) else code)
             for code in inspection.items_to_record]
    initial: dict[str, Any] = {"inspected_on": inspection.inspected_on, "summary": inspection.summary}
    for code, result in results.items():
        initial[f"outcome_{code}"], initial[f"findings_{code}"] = result.outcome, result.findings
    certificates = list(
        Certificate.objects.filter(holder__uscc=inspection.uscc, status="valid")
        .order_by("number")
        .values_list("number", flat=True)[:SHOWN]
    )
    return {
        "reassign": ReassignForm(
            _bound(request, action, "reassign"),
            current=list(inspection.inspectors),
            directory=directory,
            prefix="reassign",
        ),
        "record": RecordForm(
            _bound(request, action, "record"),
            request.FILES if action == "record" else None,
            items=items,
            initial=initial,
        ),
        "follow_up": FollowUpForm(_bound(request, action, "follow_up"), certificates=certificates, prefix="follow"),
        "close_follow_up": CloseFollowUpForm(_bound(request, action, "close_follow_up"), prefix="close"),
        "publish": PublishForm(_bound(request, action, "publish"), targeted=bool(inspection.targeted)),
    }


def _findings(form: RecordForm) -> list[services_inspections.ItemFinding]:
    data = form.cleaned_data
    return [
        services_inspections.ItemFinding(
            code, data[f"outcome_{code}"], data.get(f"findings_{code}") or "", data.get(f"evidence_{code}")
        )
        for code in form.item_codes
    ]


def _close_follow_up(actor: Actor, inspection: Inspection, data: dict[str, Any]) -> None:
    found = FollowUp.objects.filter(pk=data["follow_up"], inspection=inspection).first()
    if found is None:
        raise Http404(_("没有这项后续处理。"))
    services_inspections.follow_up_close(actor=actor, follow_up=found, details=data["details"])


INSPECTION_ACTIONS = {
    "reassign": "decide",
    "record": "record",
    "follow_up": "decide",
    "close_follow_up": "decide",
    "publish": "decide",
}
DONE = {
    "reassign": _("已改派检查人员。"),
    "record": _("已录入检查结果。"),
    "follow_up": _("已下达后续处理措施。"),
    "close_follow_up": _("后续处理已完成。"),
    "publish": _("检查结果已公示。"),
}


@require_http_methods(["GET", "POST"])
@login_required
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    found = Inspection.objects.select_related("plan", "plan__directory").filter(pk=pk).first()
    if found is None or not can(user, "view", "supervision", found):
        raise Http404(_("没有这项检查任务，或者您无权查看。"))
    inspection = found
    may = {
        "decide": can(user, "decide", "supervision", inspection),
        "record": can(user, "record", "supervision", inspection),
    }
    action = _action(request)
    if action and (action not in INSPECTION_ACTIONS or not may[INSPECTION_ACTIONS[action]]):
        raise PermissionDenied(_("您不能对这项检查任务进行这一操作。"))
    actor = Actor.from_request(request)
    names = can(user, "view", "inspector", region_code=inspection.plan.region_code)
    directory = _frozen_directory(inspection, names)
    forms_ = _inspection_forms(request, inspection, action, directory)
    calls: dict[str, Callable[[dict[str, Any]], Any]] = {
        "reassign": lambda d: services_inspections.inspection_reassign(
            actor=actor, inspection=inspection, replace=d["replace"], by=d["by"], reason=d["reason"]
        ),
        "record": lambda d: services_inspections.inspection_record(
            actor=actor,
            inspection=inspection,
            inspected_on=d["inspected_on"],
            summary=d["summary"],
            findings=_findings(forms_["record"]),
        ),
        "follow_up": lambda d: services_inspections.follow_up_order(
            actor=actor,
            inspection=inspection,
            kind=d["kind"],
            details=d["details"],
            due_on=d["due_on"],
            certificates=d["certificates"],
            signed_by=d["signed_by"],
        ),
        "close_follow_up": lambda d: _close_follow_up(actor, inspection, d),
        "publish": lambda d: services_inspections.inspection_publish(
            actor=actor, inspection=inspection, late_reason=d["late_reason"], decision_no=d.get("decision_no", "")
        ),
    }
    if action:
        if _run(request, forms_[action], calls[action], RecordForm.rename if action == "record" else None):
            messages.success(request, DONE[action])
            return redirect("supervision:manage_inspection", pk=inspection.pk)
        inspection.refresh_from_db()
    status = inspection.status
    return render(
        request,
        "supervision/manage/inspection.html",
        {
            "i": inspection,
            "f": forms_,
            "inspectors": [dict(directory).get(c, c) for c in inspection.inspectors],
            "results": list(inspection.results.all()),
            "follow_ups": list(inspection.follow_ups.all()),
            "may_reassign": may["decide"] and status == InspectionStatus.ASSIGNED,
            "may_record": may["record"] and status in (InspectionStatus.ASSIGNED, InspectionStatus.RECORDED),
            "may_follow_up": may["decide"]
            and status != InspectionStatus.ASSIGNED
            and inspection.outcome == Outcome.NONCONFORMING,
            "may_close": may["decide"],
            "may_publish": may["decide"] and status == InspectionStatus.RECORDED,
            "late": timezone.localdate() > inspection.publish_due,
            "read_only": not (may["decide"] or may["record"]),
        },
    )


# --- The inspector directory -----------------------------------------------------------------------


def _require_regulator(user: Any) -> None:
    if not _regulator(user):
        raise PermissionDenied(_("只有监管人员可以办理。"))


@require_http_methods(["GET", "POST"])
@login_required
def inspectors(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require_regulator(user)
    visible = scope(user, "view", "inspector", Inspector.objects.all())
    action = _action(request)
    key = request.POST.get("code") if action == "change" else request.GET.get("edit")
    editing = visible.filter(code=key).first() if key else None
    if key and editing is None:
        raise Http404(_("没有这位检查人员，或者您无权查看。"))
    actor = Actor.from_request(request)
    add = InspectorForm(
        _bound(request, action, "add"), prefix="add", initial={"region_code": user.jurisdiction_code or ""}
    )
    change = None
    if editing is not None:
        change = InspectorChangeForm(
            _bound(request, action, "change"),
            prefix="change",
            initial={
                "fields_text": ", ".join(editing.fields),
                "conflicts_text": "\n".join(editing.conflicts),
                "active": editing.active,
            },
        )
    if action == "add" and _run(
        request,
        add,
        lambda d: services_inspectors.inspector_add(
            actor=actor, code=d["code"], name=d["name"], region_code=d["region_code"], **add.lists()
        ),
        InspectorForm.rename,
    ):
        messages.success(request, _("已加入检查人员名录。"))
        return redirect("supervision:manage_inspectors")
    if (
        action == "change"
        and editing is not None
        and change is not None
        and _run(
            request,
            change,
            lambda d: services_inspectors.inspector_change(
                actor=actor, inspector=editing, active=d["active"], **change.lists()
            ),
            InspectorForm.rename,
        )
    ):
        messages.success(request, _("已保存。"))
        return redirect("supervision:manage_inspectors")
    if action and action not in ("add", "change"):
        raise PermissionDenied(_("您不能进行这一操作。"))
    return render(
        request,
        "supervision/manage/inspectors.html",
        {"inspectors": list(visible.order_by("code")[:1000]), "add": add, "change": change, "editing": editing},
    )


# --- Supervision sampling --------------------------------------------------------------------------


def _tasks(user: Any) -> Any:
    return scope(user, "decide", "sampling", SamplingTask.objects.all())


@require_http_methods(["GET", "POST"])
@login_required
def sampling_tasks(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require_regulator(user)
    tasks = _tasks(user).prefetch_related("batches__lab").order_by("-period", "number")
    open_tasks = [(t.number, f"{t.number} · {t.title}") for t in tasks if t.status == SamplingTaskStatus.OPEN]
    action = _action(request)
    actor = Actor.from_request(request)
    create = SamplingTaskForm(
        _bound(request, action, "create"), prefix="task", initial={"region_code": user.jurisdiction_code or ""}
    )
    batch = BatchForm(
        _bound(request, action, "batch"),
        tasks=open_tasks,
        prefix="batch",
        initial={"task": request.GET.get("task", "")},
    )

    def task_named(number: str) -> SamplingTask:
        found = _tasks(user).filter(number=number).first()
        if found is None:
            raise Http404(_("没有这一抽查任务，或者您无权办理。"))
        return found

    done = False
    if action == "create":
        done = _run(
            request,
            create,
            lambda d: services_sampling.sampling_task_create(
                actor=actor,
                number=d["number"],
                title=d["title"],
                level=d["level"],
                region_code=d["region_code"],
                authority=d["authority"],
                product=d["product"],
                period=d["period"],
                product_codes=create.codes(),
            ),
        )
    elif action == "batch":
        done = _run(
            request,
            batch,
            lambda d: services_sampling.batch_record(
                actor=actor, task=task_named(d["task"]), data=batch.data_for_service()
            ),
        )
    elif action == "publish":
        done = _run(
            request,
            None,
            lambda d: services_sampling.sampling_task_publish(
                actor=actor, task=task_named(request.POST.get("task", ""))
            ),
        )
    elif action:
        raise PermissionDenied(_("您不能进行这一操作。"))
    if done:
        messages.success(
            request,
            {"create": _("已创建抽查任务。"), "batch": _("已录入抽查批次。"), "publish": _("抽查任务结果已公布。")}[
                action
            ],
        )
        return redirect("supervision:manage_sampling")
    return render(
        request,
        "supervision/manage/sampling.html",
        {"tasks": list(tasks[:SHOWN]), "create": create, "batch": batch, "has_open": bool(open_tasks)},
    )


# What an evidence file is, by its first bytes (the service accepted only these).
_EVIDENCE_TYPES = ((b"%PDF-", "application/pdf", "pdf"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
                   (b"\xff\xd8\xff", "image/jpeg", "jpg"))


@login_required
@require_http_methods(["GET"])
def evidence(request: HttpRequest, pk: int, item: str) -> HttpResponse:
    """An item's evidence file, as an attachment, to those who may see the inspection."""
    found = ItemResult.objects.select_related("inspection").filter(inspection_id=pk, item_code=item).first()
    if (
        found is None
        or not found.evidence
        or not request.user.is_authenticated
        or not can(request.user, "view", "supervision", found.inspection)
    ):
        raise Http404(_("没有这份证据材料，或者您无权查看。"))
    with found.evidence.open("rb") as fh:
        data = fh.read()
    kind = next(((t, ext) for magic, t, ext in _EVIDENCE_TYPES if data.startswith(magic)),
                ("application/octet-stream", "bin"))
    response = HttpResponse(data, content_type=kind[0])
    response["Content-Disposition"] = f'attachment; filename="evidence-{pk}-{item}.{kind[1]}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
