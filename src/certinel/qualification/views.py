"""The public page that verifies a test report, at /reports/verify/: by the lab's CMA number
and the report number (a report's QR code links here with both in the query), or by uploading
the report's PDF. An upload is hashed (SHA-256) as it is read and looked up by its hash; it is
never stored.

The QR code of a registered report, for the lab to print on it, is served next to the page:
/reports/verify/qr.svg and /reports/verify/qr.png with the same query (`lab`, `number`). It
encodes the page's public address for that report (`CERTINEL_PUBLIC_URL`)."""

from __future__ import annotations

import hashlib
import io
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from certinel.certificates.views import qr_svg

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


def verify_url(cma_no: str, number: str) -> str:
    """The public address of a report's verification page: what its QR code encodes."""
    path = reverse("qualification:verify") + "?" + urlencode({"lab": cma_no, "number": number})
    return settings.CERTINEL_PUBLIC_URL.rstrip("/") + path


def qr_paths(cma_no: str, number: str) -> dict[str, str]:
    query = "?" + urlencode({"lab": cma_no, "number": number})
    return {kind: reverse(f"qualification:verify_qr_{kind}") + query for kind in ("svg", "png")}


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
    qr = {}
    if report is not None:
        url = verify_url(report.lab.cma_no, report.number)
        qr = {"qr": qr_svg(url), "qr_target": url, "qr_paths": qr_paths(report.lab.cma_no, report.number)}
    return render(request, "qualification/verify.html", {
        "number_form": number_form if number_form.is_bound else NumberForm(), "pdf_form": pdf_form,
        "asked": asked, "result": result, "sha256": sha256, **qr}, status=status)


QR_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@require_GET
def verify_qr(request: HttpRequest, kind: str) -> HttpResponse:
    """The QR code of a registered report's verification page, as SVG or PNG; 404 for a report
    the register does not hold (the register makes no codes for reports it cannot verify)."""
    form = NumberForm(request.GET)
    report = report_find(cma_no=form.cleaned_data["lab"], number=form.cleaned_data["number"]) if (
        form.is_valid()) else None
    if report is None:
        raise Http404(_("未找到该报告：报告不真实，或出具机构未报送。"))
    import segno

    code = segno.make(verify_url(report.lab.cma_no, report.number), error="m")
    out = io.BytesIO()
    if kind == "svg":
        code.save(out, kind="svg", scale=4, border=2, dark="#1c2430", light="#ffffff", xmldecl=True)
    else:
        code.save(out, kind="png", scale=8, border=2, dark="#1c2430", light="#ffffff")
    response = HttpResponse(out.getvalue(), content_type=QR_TYPES[kind])
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
