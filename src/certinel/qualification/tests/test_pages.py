"""The public verify page: by number and lab, by uploading the PDF (hashed, never stored)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certinel.core.testing.builders import SYSTEM
from certinel.qualification import views
from certinel.qualification.models import TestReport
from certinel.qualification.reporting import report_test_reports

from .factories import lab_with_scope, report_data

pytestmark = pytest.mark.django_db
PAGE = "/reports/verify/"
PDF = b"%PDF-1.7\n" + "某检测报告内容".encode() * 1000 + b"\n%%EOF\n"


@pytest.fixture
def lab():
    lab = lab_with_scope()
    report_test_reports(actor=SYSTEM, lab=lab, items=[
        report_data("R-1", pdf_sha256=hashlib.sha256(PDF).hexdigest()),
        report_data("R-2", parameters=[{"parameter": "砷含量", "standard": "GB 5009.11-2014"}],
                    signatory_name="王冒名")])
    return lab


def test_the_empty_page_offers_both_ways(client):
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="by-number"' in html and 'enctype="multipart/form-data"' in html and 'id="verdict"' not in html


def test_by_number_a_genuine_report_with_its_checks(client, lab):
    page = client.get(PAGE, {"lab": lab.cma_no, "number": "R-1"})
    html = page.content.decode()
    assert page.status_code == 200 and "报告真实" in html and lab.name in html and "在范围内" in html
    assert "未发现疑点" in html and "示例粮油" not in html


def test_signals_are_shown(client, lab):
    html = client.get(PAGE, {"lab": lab.cma_no, "number": "R-2"}).content.decode()
    assert "超出范围" in html and 'data-code="parameter_outside_scope"' in html
    assert 'data-code="signatory_not_authorised"' in html and "王冒名" not in html


def test_an_unknown_report_is_404_with_not_found(client, lab):
    page = client.get(PAGE, {"lab": lab.cma_no, "number": "R-404"})
    assert page.status_code == 404 and "未找到该报告" in page.content.decode()


def test_by_uploading_the_pdf_hashed_and_not_stored(client, lab, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    page = client.post(PAGE, {"pdf": SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf")})
    assert page.status_code == 200 and "R-1" in page.content.decode()
    assert list(tmp_path.iterdir()) == [] and TestReport.objects.count() == 2
    other = client.post(PAGE, {"pdf": SimpleUploadedFile("x.pdf", PDF + b"x", content_type="application/pdf")})
    assert other.status_code == 404 and hashlib.sha256(PDF + b"x").hexdigest() in other.content.decode()


def test_an_upload_that_is_not_a_pdf_or_too_large_is_refused(client, lab, monkeypatch):
    page = client.post(PAGE, {"pdf": SimpleUploadedFile("r.pdf", b"MZ\x90\x00", content_type="application/pdf")})
    assert page.status_code == 200 and "不是 PDF" in page.content.decode() and 'id="verdict"' not in (
        page.content.decode())
    monkeypatch.setattr(views, "MAX_PDF_BYTES", 100)
    page = client.post(PAGE, {"pdf": SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf")})
    assert "20 MB" in page.content.decode()


def test_in_english(client, lab):
    html = client.get(PAGE, {"lab": lab.cma_no, "number": "R-1"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Genuine" in html and "Within scope" in html and "verification QR code" in html


def _segno(url, kind, **options):
    import io

    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind=kind, **options)
    return out.getvalue()


def test_the_qr_code_of_a_report_encodes_its_verification_address(client, lab, settings):
    settings.CERTINEL_PUBLIC_URL = "https://reports.example.cn/"
    url = f"https://reports.example.cn/reports/verify/?lab={lab.cma_no}&number=R-1"
    colours = {"dark": "#1c2430", "light": "#ffffff"}
    svg = client.get(PAGE + "qr.svg", {"lab": lab.cma_no, "number": "R-1"})
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg.content == _segno(url, "svg", scale=4, border=2, xmldecl=True, **colours)
    assert svg.content != _segno(url.replace("R-1", "R-2"), "svg", scale=4, border=2, xmldecl=True, **colours)
    png = client.get(PAGE + "qr.png", {"lab": lab.cma_no, "number": "R-1"})
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG") and png.content == _segno(url, "png", scale=8, border=2, **colours)


def test_the_verification_page_shows_the_qr_code_to_print(client, lab, settings):
    import re

    from certinel.certificates.views import qr_svg

    settings.CERTINEL_PUBLIC_URL = "https://reports.example.cn"
    url = f"https://reports.example.cn/reports/verify/?lab={lab.cma_no}&number=R-2"
    html = client.get(PAGE, {"lab": lab.cma_no, "number": "R-2"}).content.decode()
    section = html.split('id="report-qr"', 1)[1]
    svg = section.split("</svg>", 1)[0]
    assert re.findall(r' d="([^"]+)"', svg)[-1] == re.findall(r' d="([^"]+)"', str(qr_svg(url)))[-1]
    assert url.replace("&", "&amp;") in section
    assert f"/reports/verify/qr.png?lab={lab.cma_no}&amp;number=R-2" in section
    # No code for a report that is not found.
    assert 'id="report-qr"' not in client.get(PAGE, {"lab": lab.cma_no, "number": "R-404"}).content.decode()


def test_no_qr_code_for_a_report_the_register_does_not_hold(client, lab):
    assert client.get(PAGE + "qr.svg", {"lab": lab.cma_no, "number": "R-404"}).status_code == 404
    assert client.get(PAGE + "qr.png", {"lab": "000000000000", "number": "R-1"}).status_code == 404
    assert client.get(PAGE + "qr.svg").status_code == 404
    assert client.post(PAGE + "qr.svg", {"lab": lab.cma_no, "number": "R-1"}).status_code == 405
