"""The forms of the watchlist pages. They only collect input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .io import MAX_BYTES

LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]


class WatchlistForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("例如“主要供应商”“电子元器件供应商”。"))
    email = forms.EmailField(label=_("通知邮箱"), required=False,
                             help_text=_("证书状态变化时发邮件到这个地址；留空则不发邮件。"))
    webhook_url = forms.CharField(label=_("Webhook 地址（可选）"), required=False, max_length=500,
                                  help_text=_("https 地址。状态变化时向它 POST 一个 JSON，并用签名密钥签名，"
                                              "供采购或 ERP 系统自动接收。"),
                                  widget=forms.TextInput(attrs={"inputmode": "url", "spellcheck": "false"}))
    language = forms.ChoiceField(label=_("通知语言"), choices=LANGUAGES)


class ItemForm(forms.Form):
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    label = forms.CharField(label=_("备注（可选）"), max_length=100, required=False,
                            help_text=_("例如供应商的名称或您内部的编号。"))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Excel 或 CSV 文件"),
                           help_text=_("第一列为统一社会信用代码，第二列可写备注；可以有标题行。"
                                       "最大 2 MB，最多 5000 行。"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("文件超过 2 MB；请分成几个文件上传。"))
        return upload
