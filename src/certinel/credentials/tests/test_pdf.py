"""The printable PDF: A4, Chinese text with an embedded font, a QR code to the verification page."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from certinel.credentials.pdf import PdfUnavailable, cjk_font, render_certificate_pdf

from .test_services import SUBJECT

pytest.importorskip("fpdf", reason="fpdf2 is not installed yet: it must be added to pyproject.toml (see report)")

URL = "https://certs.example.test/verify/00124Q0001R0M"


@pytest.fixture
def pdf_bytes() -> bytes:
    try:
        cjk_font()
    except PdfUnavailable as exc:
        pytest.fail(f"{exc} (the PDF needs a Chinese font)")
    return render_certificate_pdf(certificate=SUBJECT, issuer_name="示例认证中心有限公司", verification_url=URL)


def test_pdf_is_a4_with_an_embedded_chinese_font_and_a_qr_image(pdf_bytes):
    assert pdf_bytes.startswith(b"%PDF-")
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf_bytes
    assert b"/FontFile" in pdf_bytes and b"CJK" in pdf_bytes  # a subset of the font is embedded
    assert b"/Subtype /Image" in pdf_bytes


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_pdf_text_reads_back_in_chinese(pdf_bytes, tmp_path):
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf_bytes)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("认证证书", "示例精密机械有限公司", "00124Q0001R0M", "质量管理体系认证", URL):
        assert expected in text


def test_missing_configured_font_is_a_clear_error(settings):
    settings.CERTINEL_PDF_CJK_FONT = "/nonexistent/font.ttc#2"
    with pytest.raises(PdfUnavailable, match="missing file"):
        cjk_font()
