"""The forms of the supervision pages. Each only collects input and checks its shape; the
services decide and raise DomainErrors, which `show_error` puts beside the fields they name."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from certinel.core.errors import DomainError, ValidationFailed

from . import policy, sampling
from .choices import FollowUpKind, Outcome, Profile, SamplingLevel, SubjectKind
from .services import PLAN_FIELDS

REGION = r"^[0-9]{2}([0-9]{2}){0,2}$"
REGION_MESSAGE = _("区划代码应为两位（省）、四位（市）或六位（区县）数字，例如 32、3201、320102。")
# The share fields of a plan, one per credit class ("-": not yet classified).
RATIO_FIELDS = {"A": "ratio_A", "B": "ratio_B", "C": "ratio_C", "D": "ratio_D", "-": "ratio_none"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# What an evidence file may be, told by its first bytes (never by its name).
EVIDENCE_SIGNATURES = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
DATE = {"type": "date"}


def _date(**kw: Any) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), **kw)


def _lines(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace(",", "\n").replace("，", "\n").splitlines() if part.strip()]


def item_name(item: policy.Item) -> str:
    return item.name_en if (get_language() or "").startswith("en") else item.name_zh


def show_error(form: forms.BaseForm, exc: DomainError, rename: Callable[[str], str] | None = None) -> None:
    """A service's refusal on the form: each field error beside its field (named by `rename`
    when the form calls it otherwise), the rest on top."""
    if isinstance(exc, ValidationFailed):
        for error in exc.errors:
            name = rename(error.field) if rename else error.field
            form.add_error(name if name in form.fields else None, error.message)
    else:
        form.add_error(None, exc.message)


# --- Public filters ----------------------------------------------------------------------------


class PlanFilters(forms.Form):
    region = forms.RegexField(
        label=_("地区"),
        regex=REGION,
        required=False,
        error_messages={"invalid": REGION_MESSAGE},
        help_text=_("区划代码，如 32、3201"),
    )
    year = forms.IntegerField(
        label=_("年度"),
        required=False,
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": _("请输入四位数的年份。")},
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


GROUPINGS = (("level", _("抽查级别")), ("product", _("产品")), ("region", _("省份")), ("period", _("抽查期次")))


class PassRateFilters(forms.Form):
    by = forms.MultipleChoiceField(
        label=_("分组"), choices=GROUPINGS, required=False, widget=forms.CheckboxSelectMultiple
    )
    region = forms.RegexField(label=_("地区"), regex=REGION, required=False, error_messages={"invalid": REGION_MESSAGE})
    period = forms.RegexField(
        label=_("抽查期次"),
        regex=r"^[0-9A-Za-z-]{1,16}$",
        required=False,
        help_text=_("如 2026Q4"),
        error_messages={"invalid": _("期次由字母、数字和连字符组成。")},
    )


# --- Plans ---------------------------------------------------------------------------------------


def _ratio_help(credit_class: str, region_code: str) -> str:
    """The ranges the rules allow for one credit class, general and key items."""
    today = timezone.localdate()
    parts = []
    for item_class, label in (("general", _("一般事项")), ("key", _("重点事项"))):
        try:
            rule = policy.ratio(item_class=item_class, credit_class=credit_class, on=today, region_code=region_code)
        except policy.PolicyError:
            continue
        parts.append(f"{label} {rule.min_percent}–{rule.max_percent} %")
    return "；".join(parts) if (get_language() or "").startswith("zh") else "; ".join(parts)


class PlanForm(forms.Form):
    number = forms.CharField(label=_("计划编号"), max_length=40)
    title = forms.CharField(label=_("名称"), max_length=200)
    region_code = forms.RegexField(
        label=_("实施区划"),
        regex=REGION,
        error_messages={"invalid": REGION_MESSAGE},
        help_text=_("检查对象名录取自这一区划（含下级）。"),
    )
    authority = forms.CharField(label=_("实施机关"), max_length=200)
    subject_kind = forms.ChoiceField(label=_("检查对象类型"), choices=SubjectKind.choices)
    items = forms.MultipleChoiceField(
        label=_("检查事项"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("只选择所选检查对象类型的事项；含重点事项的计划按重点事项的比例抽取。"),
    )
    ratio_A = forms.DecimalField(label=_("A 类抽查比例（%）"), required=False, min_value=0, max_value=100)
    ratio_B = forms.DecimalField(label=_("B 类抽查比例（%）"), required=False, min_value=0, max_value=100)
    ratio_C = forms.DecimalField(label=_("C 类抽查比例（%）"), required=False, min_value=0, max_value=100)
    ratio_D = forms.DecimalField(label=_("D 类抽查比例（%）"), required=False, min_value=0, max_value=100)
    ratio_none = forms.DecimalField(label=_("未分类主体抽查比例（%）"), required=False, min_value=0, max_value=100)
    starts_on = _date(label=_("检查开始日期"))
    ends_on = _date(label=_("检查结束日期"))
    source_description = forms.CharField(
        label=_("公开随机源"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("事先公布、任何人都能查到的随机值，例如 drand 某一轮次或某期彩票开奖号码。"),
    )
    source_available_after = forms.DateTimeField(
        label=_("随机值产生时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("必须晚于现在：随机值在计划公布之后才产生。"),
    )
    profile = forms.ChoiceField(label=_("抽取算法"), choices=Profile.choices, initial=Profile.SHA256)

    def __init__(self, *args: Any, region_code: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.item_groups: list[tuple[str, str | Promise, list[str]]] = []
        choices = []
        for kind, kind_label in SubjectKind.choices:
            found = policy.items(subject_kind=kind, on=today, region_code=region_code)
            self.item_groups.append((kind, kind_label, [i.code for i in found]))
            choices += [(i.code, f"{i.code} {item_name(i)}{' ★' if i.item_class == 'key' else ''}") for i in found]
        cast(forms.MultipleChoiceField, self.fields["items"]).choices = choices
        for credit_class, name in RATIO_FIELDS.items():
            self.fields[name].help_text = _ratio_help(credit_class, region_code)

    def item_checkboxes(self) -> list[tuple[str, str | Promise, list[Any]]]:
        """The item checkboxes grouped by the kind of subject they apply to."""
        boxes = {box.data["value"]: box for box in self["items"]}
        return [
            (kind, label, [boxes[code] for code in codes if code in boxes]) for kind, label, codes in self.item_groups
        ]

    def data_for_service(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in PLAN_FIELDS if name != "ratios"}
        ratios = {}
        for credit_class, name in RATIO_FIELDS.items():
            value: Decimal | None = self.cleaned_data.get(name)
            if value is not None:
                ratios[credit_class] = str(value)
        data["ratios"] = ratios
        return data

    @staticmethod
    def initial_from(plan: Any) -> dict[str, Any]:
        initial = {name: getattr(plan, name) for name in PLAN_FIELDS if name != "ratios"}
        initial["source_available_after"] = timezone.localtime(plan.source_available_after)
        for credit_class, name in RATIO_FIELDS.items():
            initial[name] = plan.ratios.get(credit_class)
        return initial

    @staticmethod
    def rename(field: str) -> str:
        """The form field a service error names (`ratios.A` is `ratio_A`)."""
        if field.startswith("ratios."):
            return RATIO_FIELDS.get(field.removeprefix("ratios."), field)
        return field


class SourceForm(forms.Form):
    values = forms.CharField(
        label=_("随机值"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("按随机源公布的原样录入；有多个随机源时每行一个。"),
    )

    def values_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["values"].splitlines() if line.strip()]

    @staticmethod
    def rename(field: str) -> str:
        return "values" if field == "source_values" else field


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


# --- Inspections -------------------------------------------------------------------------------


class ReassignForm(forms.Form):
    replace = forms.ChoiceField(label=_("替换的检查人员"))
    by = forms.ChoiceField(
        label=_("改派的检查人员"),
        help_text=_("只能从计划公布时冻结的检查人员名录中选择；与检查对象有利害关系的人员会被拒绝。"),
    )
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, current: list[str], directory: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["replace"]).choices = [(code, code) for code in current]
        cast(forms.ChoiceField, self.fields["by"]).choices = [("", _("请选择"))] + [
            (c, label) for c, label in directory if c not in current
        ]


def check_evidence(upload: UploadedFile | None) -> UploadedFile | None:
    """An evidence file: at most 10 MB, a PDF, PNG or JPEG by its content."""
    if upload is None:
        return None
    if upload.size is None or upload.size == 0:
        raise forms.ValidationError(_("文件是空的。"))
    if upload.size > EVIDENCE_MAX_BYTES:
        raise forms.ValidationError(_("文件不能超过 %(max)s。") % {"max": filesizeformat(EVIDENCE_MAX_BYTES)})
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in EVIDENCE_SIGNATURES):
        raise forms.ValidationError(_("只接受 PDF、PNG 或 JPEG 文件。"))
    return upload


class RecordForm(forms.Form):
    """The result of every item of the plan, the day of the inspection and the summary."""

    inspected_on = _date(label=_("检查日期"))
    summary = forms.CharField(
        label=_("公示的检查结果"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("这段文字将在公示时公开；不要写入个人信息。"),
    )

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item_codes = [code for code, _label in items]
        self.item_labels = dict(items)
        for code in self.item_codes:
            self.fields[f"outcome_{code}"] = forms.ChoiceField(label=_("结果"), choices=Outcome.choices)
            self.fields[f"findings_{code}"] = forms.CharField(
                label=_("检查发现"),
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("发现问题或无法检查时必须说明。"),
            )
            self.fields[f"evidence_{code}"] = forms.FileField(
                label=_("证据材料"), required=False, help_text=_("PDF、PNG 或 JPEG，不超过 10 MB。")
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # `Form.clean` returns `cleaned_data`
        for code in self.item_codes:
            name = f"evidence_{code}"
            try:
                check_evidence(cleaned.get(name))
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        return cleaned

    def rows(self) -> list[tuple[str, Any, Any, Any]]:
        return [
            (self.item_labels[code], self[f"outcome_{code}"], self[f"findings_{code}"], self[f"evidence_{code}"])
            for code in self.item_codes
        ]

    @staticmethod
    def rename(field: str) -> str:
        return f"findings_{field.removeprefix('findings.')}" if field.startswith("findings.") else field


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label=_("处理措施"), choices=FollowUpKind.choices)
    details = forms.CharField(label=_("说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    due_on = _date(label=_("整改期限"), required=False, help_text=_("责令整改和暂停证书必填。"))
    certificates = forms.MultipleChoiceField(
        label=_("暂停的证书"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("暂停证书时选择；只列出检查对象持有的有效证书。"),
    )
    signed_by = forms.CharField(
        label=_("签发人"), max_length=64, required=False, help_text=_("暂停证书时必填：签发决定的人对决定负责。")
    )

    def __init__(self, *args: Any, certificates: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["certificates"]).choices = [(n, n) for n in certificates]


class CloseFollowUpForm(forms.Form):
    follow_up = forms.IntegerField(widget=forms.HiddenInput)
    details = forms.CharField(label=_("完成情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class PublishForm(forms.Form):
    late_reason = forms.CharField(
        label=_("逾期公示理由"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("超过公示期限时必填，并随结果公开。"),
    )
    decision_no = forms.CharField(
        label=_("撤销许可决定书文号"),
        max_length=64,
        required=False,
        help_text=_("告知承诺核查发现承诺不实时必填：公示结果即撤销该资质认定许可。"),
    )

    def __init__(self, *args: Any, targeted: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not targeted:
            del self.fields["decision_no"]


class PostCheckForm(forms.Form):
    """A lab whose post-check of a commitment is due, added to a drawn plan of labs."""

    check = forms.TypedChoiceField(label=_("待核查的告知承诺许可"), coerce=int)
    inspectors = forms.CharField(label=_("检查人员编号"), max_length=500,
                                 help_text=_("以空格分隔，取自本计划冻结的检查人员名录。"))

    def __init__(self, *args: Any, checks: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["check"].choices = [
            (c.pk, f"{c.application.number} · {c.application.lab.name} · {c.due_on:%Y-%m-%d}") for c in checks]

    @staticmethod
    def rename(name: str) -> str:
        return {"post_check": "check", "lab": "check", "plan": "check"}.get(name, name)


# --- The inspector directory -------------------------------------------------------------------


class InspectorForm(forms.Form):
    code = forms.CharField(label=_("编号"), max_length=32)
    name = forms.CharField(label=_("姓名"), max_length=64)
    region_code = forms.RegexField(label=_("所属区划"), regex=REGION, error_messages={"invalid": REGION_MESSAGE})
    fields_text = forms.CharField(
        label=_("专业领域"), required=False, max_length=500, help_text=_("用逗号或换行分隔。")
    )
    conflicts_text = forms.CharField(
        label=_("申报的利害关系"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("有利害关系的主体的统一社会信用代码，每行一个。"),
    )

    def lists(self) -> dict[str, list[str]]:
        return {
            "fields": _lines(self.cleaned_data["fields_text"]),
            "conflicts": _lines(self.cleaned_data["conflicts_text"]),
        }

    @staticmethod
    def rename(field: str) -> str:
        return {"fields": "fields_text", "conflicts": "conflicts_text"}.get(field, field)


class InspectorChangeForm(InspectorForm):
    active = forms.BooleanField(label=_("在岗"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("code", "name", "region_code"):
            del self.fields[name]


# --- Supervision sampling ----------------------------------------------------------------------


class SamplingTaskForm(forms.Form):
    number = forms.CharField(label=_("任务编号"), max_length=40)
    title = forms.CharField(label=_("名称"), max_length=200)
    level = forms.ChoiceField(label=_("抽查级别"), choices=SamplingLevel.choices)
    region_code = forms.RegexField(label=_("组织实施区划"), regex=REGION, error_messages={"invalid": REGION_MESSAGE})
    authority = forms.CharField(label=_("组织实施机关"), max_length=200)
    product = forms.CharField(label=_("产品"), max_length=200)
    product_codes = forms.CharField(
        label=_("产品类别代码"),
        required=False,
        max_length=500,
        help_text=_("强制性产品认证的产品类别代码，用逗号分隔；抽查不合格时暂停受检企业这些类别的 CCC 证书。"),
    )
    period = forms.RegexField(
        label=_("抽查期次"),
        regex=r"^[0-9A-Za-z-]{1,16}$",
        help_text=_("如 2026Q4"),
        error_messages={"invalid": _("期次由字母、数字和连字符组成。")},
    )

    def codes(self) -> list[str]:
        return _lines(self.cleaned_data["product_codes"])


SEVERITY_LABELS = {"normal": _("正常检验"), "tightened": _("加严检验"), "reduced": _("放宽检验")}


class BatchForm(forms.Form):
    task = forms.ChoiceField(label=_("抽查任务"))
    uscc = forms.CharField(label=_("受检企业统一社会信用代码"), max_length=18)
    product_name = forms.CharField(label=_("样品名称"), max_length=200)
    model = forms.CharField(label=_("规格型号"), max_length=100, required=False)
    batch_no = forms.CharField(label=_("批号"), max_length=64)
    lot_size = forms.IntegerField(
        label=_("批量"), min_value=1, help_text=_("样本量和判定数组由批量、检验水平、AQL 和严格度按 GB/T 2828.1 确定。")
    )
    inspection_level = forms.ChoiceField(
        label=_("检验水平"), initial="II", choices=[(level, level) for level in sampling.LEVELS]
    )
    aql = forms.ChoiceField(label=_("AQL"), initial="2.5", choices=[(a, a) for a in sampling.AQL_SERIES])
    severity = forms.ChoiceField(label=_("检验严格度"), choices=list(SEVERITY_LABELS.items()), initial="normal")
    sampled_on = _date(label=_("抽样日期"))
    lab = forms.CharField(label=_("承检机构统一社会信用代码"), max_length=18)
    report_no = forms.CharField(label=_("检验报告编号"), max_length=64)
    tested_on = _date(label=_("检验日期"))
    nonconforming = forms.IntegerField(label=_("不合格品数"), min_value=0)
    failed_items = forms.CharField(
        label=_("不合格项目"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    signed_by = forms.CharField(
        label=_("签发人"), max_length=64, required=False, help_text=_("不合格时暂停证书的签发人；留空为您本人。")
    )

    def __init__(self, *args: Any, tasks: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["task"]).choices = tasks

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("task")
        return data

    @staticmethod
    def rename(field: str) -> str:
        return field
