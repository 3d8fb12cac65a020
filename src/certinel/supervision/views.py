"""The public pages of random inspections (双随机、一公开) and supervision sampling: published
plans with their draws' inputs and results (downloadable and re-run in the browser), the
published results of a subject, results past their time limit, and the pass rates of
supervision sampling against their targets. Reads only, and only what is public: never an
item's findings or evidence, a follow-up measure or an inspector's name."""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from certinel.core.errors import NotFound
from certinel.portal.views import options
from certinel.reference.identifiers import IdentifierError, validate_uscc
from certinel.registry.selectors import Page

from . import draw, policy, selectors, services
from .choices import InspectionStatus, SamplingLevel, SamplingTaskStatus
from .forms import GROUPINGS, PassRateFilters, PlanFilters, item_name
from .models import Plan, PlanDirectory, SamplingTask

PAGE_SIZE = 50
INSPECTIONS_PAGE_SIZE = 200
OVERDUE_BOX = 5
TASKS_SHOWN = 50
REPLAY_COMMAND = "certinel draw replay --published inputs.json --expect result.json"


def region_names() -> dict[str, str]:
    return dict(options.regions())


def _page(rows: Any, number: int | None, size: int) -> Page:
    total = rows.count()
    pages = max(1, -(-total // size))
    number = min(max(1, number or 1), pages)
    start = (number - 1) * size
    return Page(list(rows[start : start + size]), total, number, size)


@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    filters = PlanFilters(request.GET or None)
    page = None
    if not filters.is_bound or filters.is_valid():
        data = filters.cleaned_data if filters.is_bound else {}
        rows = selectors.plans_public(region=data.get("region") or "", year=data.get("year"))
        page = _page(rows, data.get("page"), PAGE_SIZE)
        names = region_names()
        for plan in page.items:
            plan.region_name = names.get(plan.region_code, "")
    overdue = selectors.overdue()
    return render(
        request,
        "supervision/plans.html",
        {
            "filters": filters,
            "page": page,
            "overdue": overdue[:OVERDUE_BOX],
            "overdue_total": len(overdue),
            "regions": options.regions(),
            "filtered": any(request.GET.get(k) for k in ("region", "year")),
        },
    )


def public_plan(number: str) -> Plan:
    """A plan that was published (drafts never are)."""
    plan = selectors.published_plans().filter(number=number).first()
    if plan is None:
        raise Http404(_("没有这一抽查计划。"))
    return plan


def plan_items(plan: Plan) -> list[dict[str, Any]]:
    """The plan's items with their names and the provisions they check."""
    out = []
    for code in plan.items:
        found = policy.item(code)
        out.append(
            {
                "code": code,
                "name": item_name(found) if found else "",
                "basis": found.basis if found else "",
                "key": bool(found and found.item_class == "key"),
            }
        )
    return out


@require_GET
def plan_detail(request: HttpRequest, number: str) -> HttpResponse:
    plan = public_plan(number)
    directory = PlanDirectory.objects.filter(plan=plan).only("id", "plan_id").first()
    drawn = bool(plan.result_hash)
    page = None
    if drawn:
        try:
            wanted = int(request.GET.get("page") or 1)
        except ValueError:
            wanted = 1
        page = _page(plan.inspections.all(), wanted, INSPECTIONS_PAGE_SIZE)
    late = list(plan.inspections.exclude(late_reason="").order_by("published_on", "id"))
    overdue = [o for o in selectors.overdue() if o.inspection.plan_id == plan.pk]
    return render(
        request,
        "supervision/plan.html",
        {
            "plan": plan,
            "items": plan_items(plan),
            "has_inputs": directory is not None,
            "drawn": drawn,
            "page": page,
            "late": late,
            "overdue": overdue,
            "region_name": region_names().get(plan.region_code, ""),
            "source_exists": timezone.now() >= plan.source_available_after,
            "replay_command": REPLAY_COMMAND,
            "published_count": plan.inspections.filter(status=InspectionStatus.PUBLISHED).count(),
        },
    )


def _filename(plan: Plan, what: str) -> str:
    return f"{re.sub(r'[^A-Za-z0-9._-]', '_', plan.number)}-{what}.json"


def _json(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def plan_inputs(request: HttpRequest, number: str) -> HttpResponse:
    """The published inputs of the plan's draw, with the random value once entered."""
    plan = public_plan(number)
    if not PlanDirectory.objects.filter(plan=plan).exists():
        raise Http404(_("这一计划没有公布抽取输入。"))
    return _json(draw.dumps(services.published_inputs(plan)), _filename(plan, "inputs"))


@require_GET
def plan_directory(request: HttpRequest, number: str) -> HttpResponse:
    """The plan's frozen directory of subjects, without strata."""
    plan = public_plan(number)
    if not PlanDirectory.objects.filter(plan=plan).exists():
        raise Http404(_("这一计划没有公布抽取输入。"))
    return _json(draw.dumps(selectors.plan_directory(plan)), _filename(plan, "directory"))


@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    """One list, two directories, one set of rules (一单两库一细则): the inspection items, the
    shares to draw per credit class, the procedure and the sampling targets, each with its source."""
    on = timezone.localdate()
    region = (request.GET.get("region") or "").strip()[:6]
    classes = [("A", _("A 类（信用风险低）")), ("B", _("B 类（信用风险一般）")), ("C", _("C 类（信用风险较高）")),
               ("D", _("D 类（信用风险高）")), ("-", _("尚未分类"))]
    ratios = []
    for item_class, label in (("general", _("一般检查事项")), ("key", _("重点检查事项"))):
        for code, class_label in classes:
            found = policy.ratio(item_class=item_class, credit_class=code, on=on, region_code=region)
            ratios.append({"item_class": label, "credit_class": class_label, "rule": found})
    return render(request, "supervision/rules.html", {
        "items": policy.items(on=on, region_code=region, targeted=True), "ratios": ratios,
        "procedure": policy.procedure(on=on, region_code=region),
        "targets": [t for t in (policy.target(level="national", region_code=region),
                                policy.target(level="provincial", region_code=region or "32")) if t],
        "region": region, "on": on,
    })


@require_GET
def plan_result(request: HttpRequest, number: str) -> HttpResponse:
    plan = public_plan(number)
    directory = PlanDirectory.objects.filter(plan=plan).first()
    if directory is None or not directory.result:
        raise Http404(_("这一计划尚未抽取。"))
    return _json(directory.result, _filename(plan, "result"))


def _subject_name(uscc: str) -> str:
    from certinel.credit.services import subject_by_uscc

    try:
        return subject_by_uscc(uscc)[1].name
    except NotFound:
        return ""


@require_GET
def subject(request: HttpRequest, uscc: str) -> HttpResponse:
    code = uscc.strip().upper()
    try:
        validate_uscc(code)
    except IdentifierError as exc:
        raise Http404(exc.localized()) from None
    results = list(selectors.results_of_subject(code))
    name = results[0].subject_name if results else _subject_name(code)
    if not results and not name:
        raise Http404(_("没有这一主体的抽查结果。"))
    for result in results:
        result.items = plan_items(result.plan)  # type: ignore[attr-defined]
    return render(request, "supervision/subject.html", {"uscc": code, "name": name, "results": results})


@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    return render(request, "supervision/overdue.html", {"overdue": selectors.overdue(), "today": timezone.localdate()})


def _grouping(filters: PassRateFilters) -> tuple[str, ...]:
    chosen = filters.cleaned_data.get("by") if filters.is_bound and filters.is_valid() else None
    return tuple(name for name, _label in GROUPINGS if name in chosen) if chosen else tuple(n for n, _l in GROUPINGS)


@require_GET
def pass_rates(request: HttpRequest) -> HttpResponse:
    filters = PassRateFilters(request.GET or None, initial={"by": [n for n, _l in GROUPINGS]})
    rates = None
    by = _grouping(filters)
    if not filters.is_bound or filters.is_valid():
        data = filters.cleaned_data if filters.is_bound else {}
        rates = selectors.pass_rates(by=by, region=data.get("region") or "", period=data.get("period") or "")
        names = region_names()
        for rate in rates:
            rate.level_label = SamplingLevel(rate.level).label if rate.level else ""  # type: ignore[attr-defined]
            rate.region_label = names.get(rate.region, "")  # type: ignore[attr-defined]
    tasks = (
        SamplingTask.objects.filter(status=SamplingTaskStatus.PUBLISHED)
        .prefetch_related("batches__lab")
        .order_by("-period", "number")[:TASKS_SHOWN]
    )
    return render(
        request, "supervision/pass_rates.html", {"filters": filters, "rates": rates, "by": by, "tasks": tasks}
    )
