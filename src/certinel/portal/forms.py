"""The few forms of the portal. Each only collects input; the services decide and raise
DomainErrors, which `apply_domain_error` turns into form errors."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from certinel.core.errors import DomainError, ValidationFailed

# The decisions as verbs (the same Chinese words name the resulting statuses).
ACTION_LABELS = {
    "suspend": pgettext_lazy("decision", "暂停"),
    "reinstate": pgettext_lazy("decision", "恢复"),
    "revoke": pgettext_lazy("decision", "撤销"),
    "cancel": pgettext_lazy("decision", "注销"),
}

ACTION_DONE = {
    "suspend": _("已暂停：%(name)s。"),
    "reinstate": _("已恢复：%(name)s。"),
    "revoke": _("已撤销：%(name)s。"),
    "cancel": _("已注销：%(name)s。"),
}

_PHONE = re.compile(r"^[0-9+()\- ]{5,32}$")


class DecisionForm(forms.Form):
    """A regulator's status decision on a body or lab: which action, why, and from when."""

    action = forms.ChoiceField(label=_("决定"), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("写明依据和事实，将在公开页面显示。"))
    on = forms.DateField(label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                         help_text=_("留空表示今天。"))

    def __init__(self, *args, actions: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(a, ACTION_LABELS.get(a, a)) for a in actions]


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("密钥名称"), max_length=100,
                           help_text=_("写明使用该密钥的系统，例如“证书管理系统”。"))


class ContactForm(forms.Form):
    """An organization's contact details, as its own users may change them."""

    contact_phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    contact_email = forms.EmailField(label=_("联系邮箱"), required=False)

    def clean_contact_phone(self) -> str:
        value = self.cleaned_data["contact_phone"].strip()
        if value and not _PHONE.match(value):
            raise forms.ValidationError(_("电话号码只能包含数字、空格、加号、括号和连字符。"))
        return value


def apply_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a service's error on the form: field errors beside their fields, the rest on top."""
    if isinstance(exc, ValidationFailed):
        for error in exc.errors:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
    else:
        form.add_error(None, exc.message)
