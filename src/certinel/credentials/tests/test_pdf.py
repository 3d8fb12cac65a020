"""The printable PDF: one A4 page that reads like a certificate (body and approval number,
holder, scope, scheme and standard, dates, status when signed, QR code, the signing key's
fingerprint), in Chinese with English, marked as demo data on a demo, with no large blank
area; the text is read back with poppler's pdftotext and the page looked at with pdftoppm."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from certinel.credentials.multibase import public_key_to_multikey
from certinel.credentials.pdf import CertificatePrint, PdfUnavailable, cjk_font, render_certificate_pdf

from .test_services import SUBJECT

pytest.importorskip("fpdf", reason="fpdf2 is not installed yet: it must be added to pyproject.toml (see report)")
poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                             reason="poppler-utils (pdftotext, pdftoppm) not installed")

URL = "https://certs.example.test/verify/00124Q0001R0M"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32))).public_key()
DETAILS = CertificatePrint(
    approval_no="CNCA-R-2005-971", issuer_name_en="Sample Certification Centre Co., Ltd.",
    scheme_name_en="Quality management system certification", first_issue_date="2018-03-01", status="有效",
    status_en="Valid", signed_at="2026-03-02T08:15:00Z", cryptosuite="eddsa-rdfc-2022",
    verification_method="did:web:certs.example.test:bodies:CNCA-R-2005-971#key-1",
    public_key_multibase=public_key_to_multikey(KEY))


def _font_or_fail() -> None:
    try:
        cjk_font()
    except PdfUnavailable as exc:
        pytest.fail(f"{exc} (the PDF needs a Chinese font)")


@functools.cache
def _render(subject: str, demo: bool, details: CertificatePrint | None) -> bytes:
    return render_certificate_pdf(certificate=json.loads(subject), issuer_name="示例认证中心有限公司",
                                  verification_url=URL, details=details, demo=demo)


def render(subject=SUBJECT, *, demo: bool = False, details: CertificatePrint | None = DETAILS) -> bytes:
    """The PDF of `subject` (each made once per test run: rendering embeds a large font)."""
    _font_or_fail()
    return _render(json.dumps(subject, ensure_ascii=False, sort_keys=True), demo, details)


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"[ \t]+", " ", text)


def pages_of(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "p.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def longest_blank_mm(pdf: bytes, tmp_path: Path) -> float:
    """The tallest band of the page inside the frame (10-190 mm across, 20-277 mm down) with
    nothing printed on it, in millimetres (the page rendered at 25.4 dpi: a pixel a mm)."""
    from PIL import Image

    path = tmp_path / "b.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", "25.4", "-singlefile", str(path), str(tmp_path / "b")],
                   check=True)
    image = Image.open(tmp_path / "b.png").convert("L")
    pixels = image.load()
    width = image.size[0]
    longest = run = 0
    for y in range(20, 277):
        blank = all(pixels[x, y] > 235 for x in range(20, min(width, 190)))
        run = run + 1 if blank else 0
        longest = max(longest, run)
    return float(longest)


def test_pdf_is_a4_with_an_embedded_chinese_font_and_a_qr_image():
    pdf = render()
    assert pdf.startswith(b"%PDF-")
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf
    assert b"/FontFile" in pdf and b"CJK" in pdf  # a subset of the font is embedded
    assert b"/Subtype /Image" in pdf


@poppler
def test_pdf_reads_as_a_certificate_in_chinese_and_english(tmp_path):
    text = text_of(render(), tmp_path)
    raw = KEY.public_bytes(Encoding.Raw, PublicFormat.Raw)
    fingerprint = hashlib.sha256(raw).hexdigest().upper()
    for expected in (
        "认证证书", "CERTIFICATE",
        "示例认证中心有限公司", "认证机构批准号 Approval No. CNCA-R-2005-971",  # the body and its approval
        "证书编号 Certificate No. 00124Q0001R0M",
        "示例精密机械有限公司", "统一社会信用代码 Unified social credit code 91320102MA1XXXXX0X",  # the holder
        "质量管理体系认证", "Quality management system certification", "GB/T 19001-2016 / ISO 9001:2015",
        "认证范围 Scope of certification", "精密零部件的设计和生产", "南京市玄武区示例路 1 号（生产）",
        "初次发证日期 First issued", "2018-03-01", "本次发证日期 Date of issue", "2024-03-01",
        "有效期至 Valid until", "2027-02-28",
        "证书状态 Status 有效 Valid", "when this e-certificate was signed, 2026-03-02",
        "did:web:certs.example.test:bodies:CNCA-R-2005-971#key-1", "签署时间 Signed 2026-03-02 08:15 UTC",
        "Ed25519 · eddsa-rdfc-2022", "扫码核验 Scan to verify", URL,
    ):
        assert expected in text, expected
    shown = re.search(r"\(SHA-256\)\s*\n\s*([0-9A-F ]{79})", text).group(1)
    assert shown.replace(" ", "") == fingerprint


@poppler
def test_demo_marking_on_a_demo_only(tmp_path):
    demo = text_of(render(demo=True), tmp_path)
    assert "演示数据" in demo and "DEMO — fictional data, not a real certificate" in demo
    real = text_of(render(demo=False), tmp_path)
    assert "演示数据" not in real and "DEMO" not in real and "fictional" not in real


@poppler
def test_the_demo_setting_decides_by_default(settings, tmp_path):
    _font_or_fail()
    settings.CERTINEL_DEMO = True
    marked = render_certificate_pdf(certificate=SUBJECT, issuer_name="示例认证中心有限公司", verification_url=URL)
    assert "演示数据" in text_of(marked, tmp_path)


@poppler
def test_one_page_without_a_large_blank_area(tmp_path):
    """A short certificate spreads over the page; a very long scope still fits one page."""
    short = dict(SUBJECT, sites=[], standard="")
    assert pages_of(render(short, details=None), tmp_path) == 1
    assert longest_blank_mm(render(short, details=None), tmp_path) < 30
    assert longest_blank_mm(render(), tmp_path) < 30
    long_scope = "；".join(f"第{i}类精密零部件（轴、套、齿轮、法兰）的设计、生产和售后服务" for i in range(120))
    pdf = render(dict(SUBJECT, scope=long_scope))
    assert pages_of(pdf, tmp_path) == 1
    text = text_of(pdf, tmp_path)
    assert "第0类精密零部件" in text and "全文见核验页面" in text and "扫码核验 Scan to verify" in text


@pytest.mark.django_db
@poppler
def test_the_download_names_the_body_approval_and_signing_key(client, settings, tmp_path):
    """Through the portal's download: the register's body, approval number, first issue date
    and the fingerprint of the key that signed the credential."""
    from certinel.certificates import services
    from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, certificate_data
    from certinel.credentials.models import IssuedCredential
    from certinel.credentials.multibase import public_key_from_multikey

    _font_or_fail()
    settings.CERTINEL_DEMO = False
    body = body_with_scopes()
    holder = build_org(name="测试瑞丰精密机械有限公司")
    cert = services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(
        holder=holder, first_issued_on=dt.date(2019, 5, 6), standards="GB/T 19001-2016"))
    response = client.get(f"/certificates/{cert.pk}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content, tmp_path)
    issued = IssuedCredential.objects.get(body=body)
    raw = public_key_from_multikey(issued.signing_key.public_key_multibase).public_bytes(Encoding.Raw,
                                                                                          PublicFormat.Raw)
    fingerprint = hashlib.sha256(raw).hexdigest().upper()
    assert body.name in text and f"Approval No. {body.approval_no}" in text
    assert "测试瑞丰精密机械有限公司" in text and cert.number in text and cert.holder_uscc in text
    assert "2019-05-06" in text and "有效 Valid" in text and "GB/T 19001-2016" in text
    assert fingerprint in text.replace(" ", "")
    assert issued.document["proof"]["verificationMethod"] in text
    assert pages_of(response.content, tmp_path) == 1 and "演示数据" not in text


def test_missing_configured_font_is_a_clear_error(settings):
    settings.CERTINEL_PDF_CJK_FONT = "/nonexistent/font.ttc#2"
    with pytest.raises(PdfUnavailable, match="missing file"):
        cjk_font()
