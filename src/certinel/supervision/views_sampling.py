"""The public sampling-plan tool (抽样方案查询) for inspectors in supervision sampling: a lot size,
an inspection level, an AQL and a severity give the code letter, the sample size, Ac and Re of
GB/T 2828.1-2012 / ISO 2859-1:1999 (`supervision.sampling`), with the switching rules beside
them. Reads nothing but the tables; GET only, so a plan can be linked and bookmarked."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from . import sampling

LEVEL_LABELS = {
    "S-1": _("特殊检验水平 S-1"),
    "S-2": _("特殊检验水平 S-2"),
    "S-3": _("特殊检验水平 S-3"),
    "S-4": _("特殊检验水平 S-4"),
    "I": _("一般检验水平 I"),
    "II": _("一般检验水平 II"),
    "III": _("一般检验水平 III"),
}
SEVERITY_LABELS = {"normal": _("正常检验"), "tightened": _("加严检验"), "reduced": _("放宽检验")}
MAX_LOT_SIZE = 10**12

# The form's errors, by the input at fault, when the tables refuse a value the form let through.
INPUT_ERRORS = {
    "lot_size": _("批量须为 1 或更大的整数。"),
    "level": _("请选择检验水平。"),
    "aql": _("请选择接收质量限（AQL）。"),
    "severity": _("请选择检验严格度。"),
}


class PlanForm(forms.Form):
    lot_size = forms.IntegerField(
        label=_("批量"),
        min_value=1,
        max_value=MAX_LOT_SIZE,
        help_text=_("本批产品的单位产品数。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "required": _("请输入批量。"),
            "invalid": _("批量须为 1 或更大的整数。"),
            "min_value": _("批量须为 1 或更大的整数。"),
            "max_value": _("批量过大。"),
        },
    )
    level = forms.ChoiceField(label=_("检验水平"), choices=list(LEVEL_LABELS.items()), initial="II")
    aql = forms.ChoiceField(
        label=_("接收质量限（AQL）"),
        choices=[(aql, aql) for aql in sampling.AQL_SERIES],
        initial="2.5",
        help_text=_("AQL 大于 10 仅用于每百单位不合格数。"),
    )
    severity = forms.ChoiceField(label=_("检验严格度"), choices=list(SEVERITY_LABELS.items()), initial="normal")


@require_GET
def sampling_plan(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            found = sampling.plan(data["lot_size"], data["level"], data["aql"], severity=data["severity"])
        except sampling.SamplingInputError as exc:  # the form's choices are the tables': a guard only
            form.add_error(exc.field if exc.field in INPUT_ERRORS else None, INPUT_ERRORS.get(exc.field, str(exc)))
    context = {
        "form": form,
        "plan": found,
        "level_label": LEVEL_LABELS.get(found.level, "") if found else "",
        "severity_label": SEVERITY_LABELS.get(found.severity, "") if found else "",
        "score_needed": sampling.SWITCHING_SCORE_FOR_REDUCED,
    }
    return render(
        request, "supervision/sampling_plan.html", context, status=200 if form.is_valid() or not form.is_bound else 400
    )
