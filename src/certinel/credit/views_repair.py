"""The case pages of credit files, publication and credit repair (`/credit/cases/`): a regulator
records a fact by form, publishes a penalty or an award and decides on requests for repair; a
subject's own users request repair of a displayed penalty with their evidence and pledge. Each
page shows only what the permission matrix allows (kind `credit`), and each action is the
service's, which checks the permission and the transition again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from certinel.accounts.permissions import can
from certinel.core.actor import Actor

from . import evidence as evidence_files
from .choices import PUBLISHABLE_KINDS, FactKind, FactStatus, PublicationStatus, RepairStatus, Severity
from .models import CreditFact, FactPublication, RepairRequest
from .services_facts import AUTOMATIC_KINDS, fact_annul, fact_record
from .services_repair import fact_publish, listed_for, repair_approve, repair_refuse, repair_request
from .views_manage import TextForm, _act, _history, _regulator, _visible

# What a multipart request adds to its files: boundaries, the other fields, the CSRF token.
MULTIPART_ALLOWANCE = 64 * 1024


class FactForm(forms.Form):
    subject = forms.CharField(
        label=gettext_lazy("主体代码"), max_length=40, help_text=gettext_lazy("统一社会信用代码，或从业人员的注册号。")
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("事项类别"),
        choices=[(k, label) for k, label in FactKind.choices if k not in AUTOMATIC_KINDS],
    )
    severity = forms.ChoiceField(label=gettext_lazy("严重程度"), choices=Severity.choices)
    occurred_on = forms.DateField(label=gettext_lazy("发生日期"), widget=forms.DateInput(attrs={"type": "date"}))
    decision_no = forms.CharField(label=gettext_lazy("决定书文号"), max_length=100)
    authority = forms.CharField(label=gettext_lazy("作出决定的机关"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("说明"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PublishForm(forms.Form):
    summary = forms.CharField(
        label=gettext_lazy("公示内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "公开显示在主体的信用信息页面：违法行为和处罚内容，或表彰奖励的名称。不要写入个人信息。"
        ),
    )
    published_on = forms.DateField(
        label=gettext_lazy("公示日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("留空为今天。"),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one field (each checked by the service: count, size, content)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        one = super().clean
        items = data if isinstance(data, list | tuple) else [data]
        return [one(item, initial) for item in items if item]


class RepairForm(forms.Form):
    statement = forms.CharField(
        label=gettext_lazy("纠正失信行为的情况"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("已履行行政处罚决定规定的义务，已主动消除危害后果和不良影响的情况。"),
    )
    pledge = forms.CharField(
        label=gettext_lazy("信用承诺"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("准予修复后，承诺内容将在信用信息页面公开。"),
    )
    evidence = EvidenceField(label=gettext_lazy("证明材料"), required=False)


@require_http_methods(["GET", "POST"])
@login_required
def fact_new(request: HttpRequest) -> HttpResponse:
    if not _regulator(request.user):
        raise PermissionDenied(_("只有监管人员可以记录信用事项。"))
    form = FactForm(request.POST or None)
    made: list[CreditFact] = []
    if request.method == "POST" and _act(
        request,
        form,
        lambda d: made.append(
            fact_record(
                actor=Actor.from_request(request),
                subject=d["subject"],
                kind=d["kind"],
                severity=d["severity"],
                occurred_on=d["occurred_on"],
                decision_no=d["decision_no"],
                authority=d["authority"],
                description=d["description"],
            )
        ),
    ):
        messages.success(request, _("已记入信用档案。"))
        return redirect("credit:fact", pk=made[0].pk)
    return render(
        request,
        "credit/cases/form_page.html",
        {
            "form": form,
            "heading": _("记录信用事项"),
            "button": _("记入信用档案"),
            "lead": _(
                "将行政处罚、监督检查结果、表彰奖励等记入主体的信用档案。信用档案不公开；"
                "行政处罚和表彰奖励记入后可以另行公示。"
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def fact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    fact = _visible(user, CreditFact, pk)
    published = FactPublication.objects.filter(fact=fact).first()
    may_decide = fact.status == FactStatus.RECORDED and can(user, "decide", "credit", fact)
    may_publish = may_decide and published is None and fact.kind in PUBLISHABLE_KINDS and fact.subject_kind != "person"
    action = request.POST.get("action", "") if request.method == "POST" else ""
    publish = PublishForm(request.POST if action == "publish" else None)
    annul = TextForm(request.POST if action == "annul" else None, prefix="annul")
    if (
        (action == "publish" and not may_publish)
        or (action == "annul" and not may_decide)
        or action not in ("", "publish", "annul")
    ):
        raise PermissionDenied(_("您不能对这项记录进行这一操作。"))
    actor = Actor.from_request(request)
    if action == "publish" and _act(
        request, publish, lambda d: fact_publish(actor=actor, fact=fact, summary=d["summary"], on=d["published_on"])
    ):
        messages.success(request, _("已公示。"))
        return redirect("credit:publication", pk=fact.publication.pk)
    if action == "annul" and _act(request, annul, lambda d: fact_annul(actor=actor, fact=fact, reason=d["text"])):
        messages.success(request, _("已记录。"))
        return redirect("credit:fact", pk=fact.pk)
    return render(
        request,
        "credit/cases/fact.html",
        {
            "f": fact,
            "published": published,
            "may_publish": may_publish,
            "may_decide": may_decide,
            "publish": publish,
            "annul": annul,
            "history": _history(fact),
        },
    )


def _too_large(request: HttpRequest) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > evidence_files.MAX_FILES * evidence_files.max_bytes() + MULTIPART_ALLOWANCE


def _uploaded(files: list[Any]) -> list[evidence_files.EvidenceFile]:
    """The uploads as the service takes them: each read up to one byte past the limit, so that
    a file too large is refused without being read whole."""
    return [evidence_files.EvidenceFile(f.name or "", f.read(evidence_files.max_bytes() + 1)) for f in files]


@never_cache
@login_required
@csrf_exempt  # checked in _publication, after the size check: checking the token reads the whole upload
@require_http_methods(["GET", "POST"])
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _visible(request.user, FactPublication, pk)
    if request.method == "POST" and _too_large(request):
        return _publication(
            request,
            publication,
            status=413,
            page_error=_("上传的文件合计超过上限：最多 %(n)d 个文件，每个不超过 %(limit)s。")
            % {"n": evidence_files.MAX_FILES, "limit": filesizeformat(evidence_files.max_bytes())},
        )
    return _publication(request, publication)


@csrf_protect
def _publication(
    request: HttpRequest, publication: FactPublication, *, status: int = 200, page_error: str = ""
) -> HttpResponse:
    user: Any = request.user
    today = timezone.localdate()
    displayed_penalty = (
        publication.status == PublicationStatus.DISPLAYED and publication.kind == "administrative_penalty"
    )
    pending = publication.repair_requests.filter(status=RepairStatus.PENDING).first()
    listed = listed_for(publication, on=today) if displayed_penalty else None
    may_request = (
        displayed_penalty
        and can(user, "answer", "credit", publication)
        and pending is None
        and listed is None
        and publication.repair_from is not None
        and today >= publication.repair_from
    )
    posted = request.method == "POST" and not page_error
    form = RepairForm(request.POST if posted else None, request.FILES if posted else None)
    if posted:
        if not may_request:
            raise PermissionDenied(_("您不能对这项记录进行这一操作。"))
        made: list[RepairRequest] = []
        if _act(
            request,
            form,
            lambda d: made.append(
                repair_request(
                    actor=Actor.from_request(request),
                    publication=publication,
                    statement=d["statement"],
                    pledge=d["pledge"],
                    evidence=_uploaded(d["evidence"]),
                )
            ),
        ):
            messages.success(request, _("信用修复申请已提交，等待监管部门决定。"))
            return redirect("credit:repair", pk=made[0].pk)
        status = 400
    requests_seen = [
        r for r in publication.repair_requests.order_by("-requested_on", "-id") if can(user, "view", "credit", r)
    ]
    return render(
        request,
        "credit/cases/publication.html",
        {
            "p": publication,
            "form": form,
            "may_request": may_request,
            "pending": pending,
            "listed": listed,
            "requests": requests_seen,
            "page_error": page_error,
            "today": today,
            "max_files": evidence_files.MAX_FILES,
            "max_size": filesizeformat(evidence_files.max_bytes()),
            "history": _history(publication),
        },
        status=status,
    )


REPAIR_ACTIONS = {"approve": repair_approve, "refuse": repair_refuse}


@require_http_methods(["GET", "POST"])
@login_required
def repair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    repair = _visible(user, RepairRequest, pk)
    may_decide = repair.status == RepairStatus.PENDING and can(user, "decide", "credit", repair)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = TextForm(request.POST if action else None)
    if action:
        if action not in REPAIR_ACTIONS or not may_decide:
            raise PermissionDenied(_("您不能对这项记录进行这一操作。"))
        decide = REPAIR_ACTIONS[action]
        if _act(request, form, lambda d: decide(actor=Actor.from_request(request), request=repair, reason=d["text"])):
            messages.success(request, _("已记录。"))
            return redirect("credit:repair", pk=repair.pk)
    return render(
        request,
        "credit/cases/repair.html",
        {
            "r": repair,
            "p": repair.publication,
            "form": form,
            "may_decide": may_decide,
            "listed": listed_for(repair.publication, on=timezone.localdate()),
            "history": _history(repair),
        },
    )


@never_cache
@require_GET
@login_required
def evidence(request: HttpRequest, pk: int, n: int) -> HttpResponse:
    """One evidence file of a request, to those who may see the request, as a download."""
    repair = _visible(request.user, RepairRequest, pk)
    if not 0 <= n < len(repair.evidence):
        raise Http404(_("没有这项记录，或者您无权查看。"))
    item = repair.evidence[n]
    try:
        data = evidence_files.read(item["sha256"])
    except (OSError, ValueError, KeyError):
        raise Http404(_("证明材料文件不可用。")) from None
    response = HttpResponse(data, content_type=item.get("content_type") or "application/octet-stream")
    suffix = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(item.get("content_type"), "bin")
    response["Content-Disposition"] = f'attachment; filename="evidence-{repair.pk}-{n + 1}.{suffix}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
