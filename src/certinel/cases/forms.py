"""The forms of the complaint pages and the case pages. They check the shape of the input;
the services check the rest (and the permission) again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ComplaintKind, Decision, Outcome, RequestKind, RewardGrade


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one field; each is checked by the service (count, size, content)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        one = super().clean
        items = data if isinstance(data, list | tuple) else [data]
        return [one(item, initial) for item in items if item]


def _text(label: Any, *, rows: int = 4, required: bool = True, max_length: int = 4000, help_text: Any = "") -> Any:
    return forms.CharField(label=label, max_length=max_length, required=required, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


def _date(label: Any, *, required: bool = False, help_text: Any = "") -> Any:
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}))


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ComplaintKind.choices, widget=forms.RadioSelect,
                             initial=ComplaintKind.COMPLAINT)
    subject = forms.CharField(label=_("投诉举报对象"), max_length=64,
                              help_text=_("获证组织、认证机构或检验检测机构的统一社会信用代码，或认证证书编号。"))
    facts = _text(_("事实和理由"), rows=6, max_length=8000,
                  help_text=_("发生了什么、在什么时间，以及您的请求。请不要写入他人的身份证号等个人信息。"))
    evidence = EvidenceField(label=_("证据材料"), help_text=_("PDF、PNG 或 JPEG 文件。"))
    anonymous = forms.BooleanField(label=_("匿名举报（不留姓名和联系方式；投诉不能匿名）"), required=False)
    contact_name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("电话"), max_length=32, required=False)
    contact_email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False)


class PhoneComplaintForm(ComplaintForm):
    received_on = _date(_("收到日期"), help_text=_("留空为今天。"))


class FollowForm(forms.Form):
    code = forms.CharField(label=_("查询码"), max_length=16, widget=forms.TextInput(attrs={"autocomplete": "off"}))


class TextForm(forms.Form):
    text = _text(_("说明"))


class RejectForm(forms.Form):
    feedback = _text(_("不予受理的理由（告知投诉举报人）"))


class ExtendForm(forms.Form):
    reason = _text(_("延长核查期限的理由"), rows=3)
    approved_by = forms.CharField(label=_("批准的负责人"), max_length=64)


class CloseComplaintForm(forms.Form):
    outcome = forms.ChoiceField(label=_("办理结果"), choices=[
        (o.value, o.label) for o in (Outcome.MEDIATED, Outcome.MEDIATION_ENDED, Outcome.NO_CLUE)])
    feedback = _text(_("告知投诉举报人的内容"))


class OpenCaseForm(forms.Form):
    summary = _text(_("案情摘要"))
    authority = forms.CharField(label=_("办案机关"), max_length=200, required=False)


class AssignForm(forms.Form):
    assignee = forms.CharField(label=_("承办人"), max_length=150)


class NoteForm(forms.Form):
    text = _text(_("调查记录"))
    evidence = EvidenceField(label=_("证据材料"), help_text=_("PDF、PNG 或 JPEG 文件。"))


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=RequestKind.choices)
    certificate = forms.CharField(label=_("证书编号"), max_length=64, required=False,
                                  help_text=_("暂停或撤销证书时必填。"))
    text = _text(_("要求"), rows=3)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("处理决定"), choices=Decision.choices)
    decision_text = _text(_("决定内容"))
    legal_basis = forms.CharField(label=_("法律依据"), max_length=500, required=False,
                                  help_text=_("行政处罚和责令改正必填：违反的条款和适用的条款。"))
    decision_no = forms.CharField(label=_("决定书文号"), max_length=100, required=False)
    penalty_severity = forms.ChoiceField(label=_("违法情节"), required=False, choices=[
        ("", "—"), ("minor", _("轻微")), ("general", _("一般")), ("serious", _("严重"))])
    transfer_to = forms.CharField(label=_("移送机关"), max_length=200, required=False)
    signatory = forms.CharField(label=_("签发人"), max_length=64)
    suspend = forms.CharField(label=_("要求认证机构暂停的证书"), max_length=2000, required=False,
                              help_text=_("证书编号，每行一个。"), widget=forms.Textarea(attrs={"rows": 2}))
    revoke = forms.CharField(label=_("要求认证机构撤销的证书"), max_length=2000, required=False,
                             help_text=_("证书编号，每行一个。"), widget=forms.Textarea(attrs={"rows": 2}))
    supervise = forms.BooleanField(label=_("列入下次双随机抽查的关注对象"), required=False)


class AnswerForm(forms.Form):
    complied = forms.BooleanField(label=_("照办（暂停或撤销证书）"), required=False)
    answer = _text(_("答复"))
    signed_by = forms.CharField(label=_("签发人"), max_length=64, required=False)
    until = _date(_("暂停截止日期"))


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class RewardProposeForm(forms.Form):
    grade = forms.ChoiceField(label=_("奖励等级"), choices=RewardGrade.choices,
                              help_text=_("按举报提供的证据和与违法事实相符的程度确定。"))
    fines = forms.DecimalField(label=_("罚没款金额（元）"), min_value=0, max_digits=16, decimal_places=2,
                               help_text=_("没有罚没款的填 0。"))
