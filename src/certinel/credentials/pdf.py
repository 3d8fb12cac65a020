"""A printable A4 PDF of a certificate, in Chinese, with a QR code that opens its verification
page.

PDF: fpdf2 (pure Python, embeds a subset of a TrueType/OpenType font, so the file prints the
same everywhere). Chinese font: the setting `CERTINEL_PDF_CJK_FONT` ("path" or "path#index"
for a font collection), else Debian's fonts-noto-cjk (Noto Serif CJK SC), else WenQuanYi Zen
Hei, else Noto Sans SC from the npm registry (installed by `make`). QR code: segno.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import segno
from django.conf import settings

FONT_CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),  # Noto Serif CJK SC
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Noto Sans CJK SC
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
]


class PdfUnavailable(RuntimeError):
    """The PDF library or a Chinese font is missing."""


def cjk_font() -> tuple[str, int]:
    configured = getattr(settings, "CERTINEL_PDF_CJK_FONT", "") or ""
    if configured:
        path, _, index = configured.partition("#")
        if not Path(path).is_file():
            raise PdfUnavailable(f"CERTINEL_PDF_CJK_FONT names a missing file: {path}")
        return path, int(index or 0)
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    # Noto Sans SC from the npm registry, installed by `make` with the portal's other assets.
    npm_font = Path(settings.NODE_MODULES) / "@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"
    if npm_font.is_file():
        return str(npm_font), 0
    raise PdfUnavailable("No Chinese font found: run `npm ci` (make does), install fonts-noto-cjk (Debian) or "
                         "set CERTINEL_PDF_CJK_FONT.")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _rows(cert: Mapping[str, Any]) -> list[tuple[str, str]]:
    holder = cert.get("certificateHolder") or {}
    scheme = cert.get("scheme") or {}
    sites = "；".join(f"{_text(s.get('name'))} {_text(s.get('address'))}（{_text(s.get('scope'))}）".strip()
                     for s in cert.get("sites") or [])
    rows = [
        ("证书编号 Certificate No.", _text(cert.get("certificateNumber"))),
        ("获证组织 Certified organization", _text(holder.get("name"))),
        ("统一社会信用代码 USCC", _text(holder.get("uscc"))),
        ("地址 Address", _text(holder.get("address"))),
        ("认证项目 Scheme", _text(scheme.get("name"))),
        ("认证依据 Standard", _text(cert.get("standard"))),
        ("认证范围 Scope", _text(cert.get("scope"))),
        ("认证场所 Sites", sites),
        ("发证日期 Issued", _text(cert.get("issueDate"))),
        ("有效期至 Valid until", _text(cert.get("expiryDate"))),
    ]
    return [(label, value) for label, value in rows if value]


def render_certificate_pdf(*, certificate: Mapping[str, Any], issuer_name: str, verification_url: str) -> bytes:
    """An A4 PDF of a certificate shaped like a credential subject (docs/credentials.md)."""
    try:
        from fpdf import FPDF
    except ImportError as exc:
        raise PdfUnavailable("fpdf2 is not installed (pip install fpdf2).") from exc
    path, index = cjk_font()
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("cjk", "", path, collection_font_number=index)
    pdf.set_title(f"认证证书 {_text(certificate.get('certificateNumber'))}")
    pdf.add_page()
    pdf.set_line_width(0.8)
    pdf.rect(10, 10, 190, 277)
    pdf.set_font("cjk", size=26)
    pdf.set_y(24)
    pdf.cell(0, 14, "认 证 证 书", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, "CERTIFICATE OF CERTIFICATION", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    for label, value in _rows(certificate):
        pdf.set_x(20)
        pdf.set_font("cjk", size=10)
        pdf.cell(58, 8, label)
        pdf.set_font("cjk", size=12)
        pdf.multi_cell(112, 8, value, new_x="LMARGIN", new_y="NEXT")
    qr = io.BytesIO()
    segno.make(verification_url, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    pdf.image(qr, x=150, y=222, w=40, h=40)
    pdf.set_font("cjk", size=12)
    pdf.set_xy(20, 232)
    pdf.multi_cell(120, 8, f"发证机构 Issued by：{issuer_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    pdf.set_xy(20, 250)
    pdf.multi_cell(125, 5, f"扫描二维码核验本证书 / Scan the QR code to verify:\n{verification_url}")
    return bytes(pdf.output())
