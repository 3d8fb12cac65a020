"""Transfers between bodies on the portal: the list of those the signed-in user is party to
(or, for a regulator, those of the jurisdiction), and one transfer with the form by which the
old body or the holder confirms or objects. The decision is the service's
(`services_transfers`), which checks the permission again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from certinel.accounts.permissions import can
from certinel.core.actor import Actor
from certinel.core.errors import DomainError, NotPermitted
from certinel.portal.forms import apply_domain_error

from . import selectors_transfers as selectors
from .choices import TransferState
from .policy import transfer_policy
from .services_transfers import transfer_confirm, transfer_object

DECISIONS = {"confirm": transfer_confirm, "object": transfer_object}


class TransferAnswerForm(forms.Form):
    signed_by = forms.CharField(label=gettext_lazy("签字人"), max_length=64,
                                help_text=gettext_lazy("对这一决定负责的人的姓名（谁签字谁负责）。"))
    reason = forms.CharField(label=gettext_lazy("说明"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=gettext_lazy("提出异议时必填。说明会公开显示在原证书的记录中，请勿填写个人信息。"))
    version = forms.IntegerField(widget=forms.HiddenInput)


@require_GET
@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    return render(request, "certificates/transfers/list.html", {"lists": selectors.transfers_for(user=request.user)})


@require_http_methods(["GET", "POST"])
@login_required
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    transfer = selectors.transfer_visible(user=user, pk=pk)
    if transfer is None:
        raise Http404(_("没有这项证书转换，或者您无权查看。"))
    may_answer = transfer.state == TransferState.PENDING and can(user, "answer", "transfer", transfer)
    form = TransferAnswerForm(request.POST or None, initial={"version": transfer.version})
    if request.method == "POST":
        decide = DECISIONS.get(request.POST.get("decision", ""))
        if not may_answer or decide is None:
            raise PermissionDenied(_("只有原发证机构或获证组织可以确认或反对待确认的转换。"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                decide(actor=Actor.from_request(request), transfer=transfer, signed_by=data["signed_by"],
                       reason=data["reason"], expected_version=data["version"])
            except NotPermitted as exc:
                raise PermissionDenied(exc.message) from None
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                done = (_("已确认转换：原证书 %(number)s 已因转换而注销。") if decide is transfer_confirm
                        else _("已提出异议：转换不成立，原证书 %(number)s 继续有效。"))
                messages.success(request, done % {"number": transfer.source.number})
                return redirect("certificates:transfer", pk=transfer.pk)
    policy = transfer_policy(on=transfer.requested_on, region_code=transfer.region_code)
    return render(request, "certificates/transfers/detail.html", {
        "t": transfer, "form": form, "may_answer": may_answer,
        "policy_source": policy.source if policy.label == transfer.policy else ""})
