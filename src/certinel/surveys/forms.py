"""The regulator's draft form. The questions are written as JSON (the same structure the API
takes); the service checks them and names each problem by its question's number."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

EXAMPLE = [
    {"key": "certified", "kind": "single", "text": "贵单位是否已获得管理体系认证？", "required": True,
     "choices": ["已获证", "正在申请", "暂无计划"]},
    {"key": "needs", "kind": "multiple", "text": "贵单位希望获得哪些认证？",
     "choices": ["质量管理体系", "能源管理体系"]},
    {"key": "staff", "kind": "number", "text": "从事质量管理的人员数", "required": True, "min": 0, "max": 10000},
    {"key": "advice", "kind": "text", "text": "对认证工作的意见和建议"},
]
EXAMPLE_EN = [
    {"key": "certified", "kind": "single", "text": "Does your firm hold a management system certificate?",
     "required": True, "choices": ["Certified", "Applying", "No plan"]},
    {"key": "needs", "kind": "multiple", "text": "Which certifications does your firm want?",
     "choices": ["Quality management", "Energy management"]},
    {"key": "staff", "kind": "number", "text": "People working on quality management", "required": True, "min": 0,
     "max": 10000},
    {"key": "advice", "kind": "text", "text": "Your advice on certification"},
]


def example() -> str:
    """The example questions, in the reader's language."""
    english = (get_language() or "").startswith("en")
    return json.dumps(EXAMPLE_EN if english else EXAMPLE, ensure_ascii=False, indent=1)


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    purpose = forms.CharField(label=_("调查目的"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    region_code = forms.RegexField(label=_("调查范围（区划代码）"), regex=r"^\d{2}(\d{2}){0,2}$",
                                   help_text=_("省级两位、市级四位、区县六位，例如 32、3201、320102"))
    opens_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    questions = forms.CharField(
        label=_("问题"), widget=forms.Textarea(attrs={"rows": 14, "class": "mono"}),
        help_text=_("JSON 列表，每题含 key、kind（single 单选、multiple 多选、number 数值、text 文字）、"
                    "text、required，选择题另含 choices，数值题可含 min、max。"))

    def clean_questions(self):  # type: ignore[no-untyped-def]
        try:
            return json.loads(self.cleaned_data["questions"])
        except ValueError:
            raise forms.ValidationError(_("问题须为有效的 JSON。")) from None


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("提前结束原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
