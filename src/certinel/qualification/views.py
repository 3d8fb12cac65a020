"""The public page that verifies a test report, at /reports/verify/: by the lab's CMA number
and the report number (a report's QR code can link here with both in the query), or by
uploading the report's PDF. An upload is hashed (SHA-256) as it is read and looked up by its
hash; it is never stored."""

from __future__ import annotations

import hashlib

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .selectors import report_find, report_verify

MAX_PDF_BYTES = 20 * 1024 * 1024


class NumberForm(forms.Form):
    lab = forms.CharField(label=gettext_lazy("资质认定证书编号"), max_length=12)
    number = forms.CharField(label=gettext_lazy("报告编号"), max_length=64)


class PdfForm(forms.Form):
    pdf = forms.FileField(label=gettext_lazy("报告 PDF 文件"))

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > MAX_PDF_BYTES:
            raise forms.ValidationError(_("PDF 文件不得超过 20 MB。"))
        head = upload.read(5)
        if head != b"%PDF-":
            raise forms.ValidationError(_("上传的文件不是 PDF。"))
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        return digest.hexdigest()



@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    number_form = NumberForm(request.GET if "number" in request.GET else None)
    pdf_form = PdfForm(request.POST, request.FILES) if request.method == "POST" else PdfForm()
    asked = False
    report = None
    sha256 = ""
    if request.method == "POST":
        if pdf_form.is_valid():
            asked = True
            sha256 = str(pdf_form.cleaned_data["pdf"])
            report = report_find(sha256=sha256)
    elif number_form.is_bound and number_form.is_valid():
        asked = True
        report = report_find(cma_no=number_form.cleaned_data["lab"], number=number_form.cleaned_data["number"])
    result = report_verify(report) if report is not None else None
    status = 404 if asked and report is None else 200
    return render(request, "qualification/verify.html", {
        "number_form": number_form if number_form.is_bound else NumberForm(), "pdf_form": pdf_form,
        "asked": asked, "result": result, "sha256": sha256}, status=status)
