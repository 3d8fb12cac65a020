"""A printable A4 PDF of a certificate: one page laid out like a paper certificate, in Chinese
with English beside it — the issuing body and its approval number (批准号), the certificate
number, the holder (name, unified social credit code, address), the scheme and standard, the
scope, the dates (first issue, this issue, expiry), the certificate's status when the
e-certificate was signed, the signature (verification method, key, SHA-256 fingerprint of the
public key, time) and a QR code that opens the verification page. When the deployment is a
demo (`CERTINEL_DEMO`), every page says so: a banner and a watermark "演示数据 DEMO".

The blocks of the middle of the page are measured first and spread over the space the header
and the signature block leave, so a short certificate has no empty half page and a long
scope still fits one page (its type gets smaller; a scope too long even so is cut, and the
verification page has it whole).

PDF: fpdf2 (pure Python, embeds a subset of a TrueType/OpenType font, so the file prints the
same everywhere). Chinese font: the setting `CERTINEL_PDF_CJK_FONT` ("path" or "path#index"
for a font collection), else Debian's fonts-noto-cjk (Noto Serif CJK SC), else WenQuanYi Zen
Hei, else Noto Sans SC from the npm registry (installed by `make`); the bold face is the same
family's Bold file beside it when there is one. QR code: segno.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from django.conf import settings

FONT_CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),  # Noto Serif CJK SC
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Noto Sans CJK SC
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
]

# Colours (RGB): ink, the frame and headings, the gold rules, the demo marking, quiet text.
INK = (33, 37, 41)
NAVY = (24, 54, 92)
GOLD = (176, 141, 62)
TINT = (244, 240, 228)
DEMO_RED = (190, 30, 45)
QUIET = (96, 102, 110)

PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT = 22.0, 188.0
WIDTH = RIGHT - LEFT


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


def cjk_bold_font(regular: str) -> str:
    """The bold face of the same family beside the regular one (…-Bold.ttc, 700Bold/…), or
    the regular file itself when there is none."""
    for bold in (regular.replace("400Regular", "700Bold"), regular.replace("Regular", "Bold")):
        if bold != regular and Path(bold).is_file():
            return bold
    return regular


@dataclass(frozen=True)
class CertificatePrint:
    """What the printout shows besides the credential subject: the issuer's approval number
    and English name, the scheme's English name, the first issue date, the certificate's
    status when the e-certificate was signed (in both languages) and the signature."""

    approval_no: str = ""
    issuer_name_en: str = ""
    scheme_name_en: str = ""
    first_issue_date: str = ""
    status: str = ""
    status_en: str = ""
    signed_at: str = ""
    verification_method: str = ""
    cryptosuite: str = ""
    public_key_multibase: str = ""


def print_details(credential: Mapping[str, Any], **fields: str) -> CertificatePrint:
    """The signature part of a `CertificatePrint` from a signed credential's proof, with the
    other fields given."""
    proof = credential.get("proof") or {}
    if isinstance(proof, list):
        proof = proof[0] if proof else {}
    return CertificatePrint(signed_at=str(proof.get("created") or ""),
                            verification_method=str(proof.get("verificationMethod") or ""),
                            cryptosuite=str(proof.get("cryptosuite") or ""), **fields)


def key_fingerprint(public_key_multibase: str) -> str:
    """SHA-256 of the raw Ed25519 public key (the 32 bytes inside the Multikey), as hex in
    groups of four; empty when the value is not an Ed25519 Multikey."""
    from .multibase import MultibaseError, public_key_from_multikey

    try:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        raw = public_key_from_multikey(public_key_multibase).public_bytes(Encoding.Raw, PublicFormat.Raw)
    except (MultibaseError, ValueError, TypeError):
        return ""
    digest = hashlib.sha256(raw).hexdigest().upper()
    return " ".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _sites(cert: Mapping[str, Any]) -> str:
    parts = []
    for site in cert.get("sites") or []:
        head = " ".join(p for p in (_text(site.get("name")), _text(site.get("address"))) if p)
        scope = _text(site.get("scope"))
        parts.append(f"{head}（{scope}）" if scope else head)
    return "；".join(p for p in parts if p)


def _when(value: str) -> str:
    """An xsd:dateTime as "2026-12-06 07:00 UTC" (other values as they are)."""
    if len(value) >= 16 and value[10] == "T":
        return f"{value[:10]} {value[11:16]}" + (" UTC" if value.endswith("Z") else "")
    return value


class _Sheet:
    """One A4 page and the helpers that write on it."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf

    def font(self, size: float, *, bold: bool = False, color: tuple[int, int, int] = INK,
             mono: bool = False) -> None:
        if mono:
            self.pdf.set_font("Courier", "B" if bold else "", size)
        else:
            self.pdf.set_font("cjk", "B" if bold else "", size)
        self.pdf.set_text_color(*color)

    def para(self, y: float, text: str, size: float, *, dry: bool, x: float = LEFT, w: float = WIDTH,
             bold: bool = False, color: tuple[int, int, int] = INK, align: str = "C", leading: float = 1.45,
             mono: bool = False, link: str = "") -> float:
        """Write wrapped text at (x, y); returns the height it takes (nothing written when dry)."""
        if not text:
            return 0.0
        self.font(size, bold=bold, color=color, mono=mono)
        h = size * 0.3528 * leading
        # Chinese breaks between any two characters; a line with Latin words mostly at spaces.
        latin = sum(c.isascii() for c in text)
        wrap = "WORD" if latin > len(text) * 0.6 else "CHAR"
        if dry:
            return float(self.pdf.multi_cell(w, h, text, dry_run=True, output="HEIGHT", wrapmode=wrap))
        self.pdf.set_xy(x, y)
        self.pdf.multi_cell(w, h, text, align=align, wrapmode=wrap, new_x="LMARGIN", new_y="NEXT",
                            link=link or None)
        return self.pdf.get_y() - y

    def rule(self, y: float, *, x1: float = LEFT, x2: float = RIGHT, color: tuple[int, int, int] = GOLD,
             width: float = 0.4, double: bool = False) -> None:
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(width)
        self.pdf.line(x1, y, x2, y)
        if double:
            self.pdf.set_line_width(width / 2)
            self.pdf.line(x1, y + 0.9, x2, y + 0.9)


def _frame(sheet: _Sheet) -> None:
    """A double frame with a fine pattern between its lines and corner marks."""
    pdf = sheet.pdf
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.4)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.15)
    step = 2.4
    x = 9.2
    while x < PAGE_W - 9.2:  # short diagonal hatching along the top and bottom bands
        pdf.line(x, 9.2, x + 1.6, 12.2)
        pdf.line(x, PAGE_H - 12.2, x + 1.6, PAGE_H - 9.2)
        x += step
    y = 12.6
    while y < PAGE_H - 12.6:  # and down the sides
        pdf.line(9.2, y, 12.2, y + 1.6)
        pdf.line(PAGE_W - 12.2, y, PAGE_W - 9.2, y + 1.6)
        y += step
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(0.5)
    pdf.rect(13, 13, PAGE_W - 26, PAGE_H - 26)
    pdf.set_line_width(0.2)
    pdf.rect(14.2, 14.2, PAGE_W - 28.4, PAGE_H - 28.4)
    pdf.set_fill_color(*GOLD)
    for cx, cy in ((13, 13), (PAGE_W - 13, 13), (13, PAGE_H - 13), (PAGE_W - 13, PAGE_H - 13)):
        pdf.rect(cx - 2.2, cy - 2.2, 4.4, 4.4, style="F")


def _watermark(sheet: _Sheet) -> None:
    """"演示数据 DEMO" across the page, over everything, faint."""
    pdf = sheet.pdf
    with pdf.local_context(fill_opacity=0.11):
        sheet.font(66, bold=True, color=DEMO_RED)
        with pdf.rotation(35, x=PAGE_W / 2, y=PAGE_H / 2):
            pdf.set_xy(0, PAGE_H / 2 - 30)
            pdf.cell(PAGE_W, 28, "演示数据", align="C")
            pdf.set_xy(0, PAGE_H / 2 + 2)
            pdf.cell(PAGE_W, 28, "DEMO", align="C")


def _demo_banner(sheet: _Sheet) -> float:
    """The demo banner at the top; returns its bottom."""
    pdf = sheet.pdf
    pdf.set_fill_color(*DEMO_RED)
    pdf.rect(14.2, 14.2, PAGE_W - 28.4, 8.5, style="F")
    sheet.font(9.5, bold=True, color=(255, 255, 255))
    pdf.set_xy(14.2, 14.2)
    pdf.cell(PAGE_W - 28.4, 8.5, "演示数据 · 均为虚构 · 非真实证书    DEMO — fictional data, not a real certificate",
             align="C")
    return 22.7


def _header(sheet: _Sheet, top: float, issuer: str, details: CertificatePrint) -> float:
    """The issuing body, its approval number and a rule; returns the bottom."""
    y = top + 3
    y += sheet.para(y, issuer, 14, dry=False, bold=True, color=NAVY, leading=1.3)
    y += sheet.para(y, details.issuer_name_en, 8.5, dry=False, color=QUIET, leading=1.3)
    if details.approval_no:
        y += 0.6
        y += sheet.para(y, f"认证机构批准号 Approval No.  {details.approval_no}", 9, dry=False, color=NAVY,
                        leading=1.3)
    y += 1.8
    sheet.rule(y, double=True)
    return y + 1


Block = Callable[[float, bool], float]


def _middle_blocks(sheet: _Sheet, cert: Mapping[str, Any], details: CertificatePrint,
                   scope_size: float) -> list[Block]:
    """The blocks between the header and the signature, each a function (y, dry) -> height."""
    holder = cert.get("certificateHolder") or {}
    scheme = cert.get("scheme") or {}
    scheme_zh = _text(scheme.get("name"))
    scheme_en = details.scheme_name_en
    standard = _text(cert.get("standard"))
    number = _text(cert.get("certificateNumber"))

    def title(y: float, dry: bool) -> float:
        h = sheet.para(y, "认 证 证 书", 27, dry=dry, bold=True, color=NAVY, leading=1.25)
        h += sheet.para(y + h, "C E R T I F I C A T E", 11, dry=dry, color=GOLD, leading=1.4)
        line = "  ·  ".join(p for p in (scheme_zh, scheme_en) if p)
        h += sheet.para(y + h + 1, line, 10.5, dry=dry, color=NAVY) + 1
        return h

    def number_line(y: float, dry: bool) -> float:
        return sheet.para(y, f"证书编号 Certificate No.   {number}", 11.5, dry=dry, bold=True)

    def holder_block(y: float, dry: bool) -> float:
        h = sheet.para(y, "兹证明 This is to certify that", 9.5, dry=dry, color=QUIET)
        h += 1.5
        h += sheet.para(y + h, _text(holder.get("name")), 17, dry=dry, bold=True, leading=1.3)
        h += sheet.para(y + h, _text(holder.get("nameEn")), 9.5, dry=dry, color=QUIET, leading=1.3)
        h += 1
        uscc = _text(holder.get("uscc"))
        if uscc:
            h += sheet.para(y + h, f"统一社会信用代码 Unified social credit code   {uscc}", 9.5, dry=dry)
        address = _text(holder.get("address"))
        if address:
            h += sheet.para(y + h, f"地址 Address   {address}", 9.5, dry=dry)
        return h

    def conformity(y: float, dry: bool) -> float:
        if not standard:  # no standard named: certified under the scheme's rules
            h = sheet.para(y, "经认证，符合下列认证制度的要求  has been certified under", 9.5, dry=dry, color=QUIET)
            return h + sheet.para(y + h + 0.5, scheme_zh, 12, dry=dry, bold=True, color=NAVY) + 0.5
        h = sheet.para(y, "经认证，符合下列认证依据  has been certified as conforming to", 9.5, dry=dry, color=QUIET)
        h += sheet.para(y + h + 0.5, standard, 12, dry=dry, bold=True, color=NAVY)
        return h + 0.5

    def scope(y: float, dry: bool) -> float:
        pad = 3.0
        inner = WIDTH - 2 * pad
        text = _text(cert.get("scope"))
        label_h = sheet.para(y, "x", 9, dry=True)
        body_h = sheet.para(y, text, scope_size, dry=True, w=inner, align="L")
        sites = _sites(cert)
        sites_h = sheet.para(y, f"认证场所 Sites：{sites}", 8.5, dry=True, w=inner, align="L") if sites else 0.0
        total = pad + label_h + 1 + body_h + (1.5 + sites_h if sites else 0) + pad
        if dry:
            return total
        sheet.pdf.set_fill_color(*TINT)
        sheet.pdf.set_draw_color(*GOLD)
        sheet.pdf.set_line_width(0.3)
        sheet.pdf.rect(LEFT, y, WIDTH, total, style="DF")
        yy = y + pad
        yy += sheet.para(yy, "认证范围 Scope of certification", 9, dry=False, x=LEFT + pad, w=inner, align="L",
                         color=NAVY, bold=True) + 1
        yy += sheet.para(yy, text, scope_size, dry=False, x=LEFT + pad, w=inner, align="L")
        if sites:
            sheet.para(yy + 1.5, f"认证场所 Sites：{sites}", 8.5, dry=False, x=LEFT + pad, w=inner, align="L",
                       color=QUIET)
        return total

    def dates(y: float, dry: bool) -> float:
        columns = [("初次发证日期", "First issued", details.first_issue_date),
                   ("本次发证日期", "Date of issue", _text(cert.get("issueDate"))),
                   ("有效期至", "Valid until", _text(cert.get("expiryDate")))]
        columns = [c for c in columns if c[2]]
        if dry:
            return 15.0
        w = WIDTH / len(columns)
        sheet.pdf.set_draw_color(*GOLD)
        sheet.pdf.set_line_width(0.3)
        sheet.pdf.line(LEFT, y, RIGHT, y)
        sheet.pdf.line(LEFT, y + 15, RIGHT, y + 15)
        for i, (zh, en, value) in enumerate(columns):
            x = LEFT + i * w
            if i:
                sheet.pdf.line(x, y + 2, x, y + 13)
            sheet.para(y + 1.2, f"{zh} {en}", 8, dry=False, x=x, w=w, color=QUIET, leading=1.3)
            sheet.para(y + 6.6, value, 13, dry=False, x=x, w=w, bold=True, leading=1.3)
        return 15.0

    def status(y: float, dry: bool) -> float:
        zh = details.status or _text(cert.get("certificateStatus"))
        en = details.status_en
        label = zh if not en or en == zh else f"{zh} {en}"
        signed = details.signed_at[:10]
        when = f"（电子证书签发时 when this e-certificate was signed, {signed}）" if signed else "（签发时 at issue）"
        h = sheet.para(y, f"证书状态 Status   {label}{when}", 10, dry=dry, bold=False)
        h += sheet.para(y + h + 0.5, "证书的当前状态以核验页面为准，请扫描二维码查询。", 8.5, dry=dry, color=QUIET,
                        leading=1.3)
        h += sheet.para(y + h + 0.5, "The certificate's current status is on its verification page: scan the QR "
                                     "code.", 8.5, dry=dry, color=QUIET, leading=1.3)
        return h + 1

    return [title, number_line, holder_block, conformity, scope, dates, status]


def _signature_block(sheet: _Sheet, y: float, issuer: str, details: CertificatePrint,
                     verification_url: str) -> None:
    """The issuer, the signature's details and the QR code, from `y` down to the footer."""
    pdf = sheet.pdf
    sheet.rule(y, width=0.5)
    qr_size = 36.0
    qr_x = RIGHT - qr_size
    text_w = qr_x - LEFT - 6
    yy = y + 3
    yy += sheet.para(yy, "发证机构 Issued by", 8.5, dry=False, w=text_w, align="L", color=QUIET, leading=1.3)
    yy += sheet.para(yy, issuer, 11.5, dry=False, w=text_w, align="L", bold=True, leading=1.35)
    if details.approval_no:
        yy += sheet.para(yy, f"批准号 Approval No. {details.approval_no}", 9, dry=False, w=text_w, align="L",
                         leading=1.35)
    yy += 1.5
    suite = f"Ed25519 · {details.cryptosuite}" if details.cryptosuite else "Ed25519"
    yy += sheet.para(yy, f"电子签名 Digital signature：{suite}（W3C 可验证凭证 VC）",
                     8, dry=False, w=text_w, align="L", leading=1.35)
    if details.verification_method:
        yy += sheet.para(yy, "验证方法 Verification method", 7.5, dry=False, w=text_w, align="L", color=QUIET,
                         leading=1.3)
        yy += sheet.para(yy, details.verification_method, 7, dry=False, w=text_w, align="L", mono=True,
                         leading=1.3)
    fingerprint = key_fingerprint(details.public_key_multibase) if details.public_key_multibase else ""
    if fingerprint:
        yy += sheet.para(yy, "签名公钥指纹 Signing key fingerprint (SHA-256)", 7.5, dry=False, w=text_w, align="L",
                         color=QUIET, leading=1.3)
        yy += sheet.para(yy, fingerprint, 7, dry=False, w=text_w, align="L", mono=True, bold=True, leading=1.3)
    if details.signed_at:
        sheet.para(yy, f"签署时间 Signed   {_when(details.signed_at)}", 7.5, dry=False, w=text_w, align="L",
                   color=QUIET, leading=1.3)
    qr = io.BytesIO()
    segno.make(verification_url, error="m").save(qr, kind="png", scale=6, border=1, dark="#18365c")
    qr.seek(0)
    pdf.image(qr, x=qr_x, y=y + 3, w=qr_size, h=qr_size, link=verification_url)
    sheet.para(y + 3 + qr_size + 0.8, "扫码核验 Scan to verify", 8, dry=False, x=qr_x - 4, w=qr_size + 8,
               color=NAVY, leading=1.3)


def _footer(sheet: _Sheet, verification_url: str) -> None:
    y = PAGE_H - 29.5
    sheet.rule(y - 1.5, width=0.2)
    sheet.para(y, f"核验 Verify: {verification_url}", 7.5, dry=False, color=QUIET, leading=1.3,
               link=verification_url)
    sheet.para(y + 3.6, "本证书由认证机构数字签名；其电子证书（credential.json）可离线核验。打印件所示为签发时的状态。",
               7, dry=False, color=QUIET, leading=1.3)
    sheet.para(y + 6.9, "Digitally signed by the body; its e-certificate (credential.json) can be checked offline. "
                        "A printout shows the status when signed.", 7, dry=False, color=QUIET, leading=1.3)


SIGNATURE_TOP = PAGE_H - 82.0  # where the signature block starts
SCOPE_SIZES = (12.5, 11.5, 10.5, 9.5, 8.5, 7.5)


def _fit_scope(cert: dict[str, Any], sheet: _Sheet, details: CertificatePrint,
               room: float) -> tuple[float, list[Block]]:
    """The largest scope type size with which the middle fits `room`; a scope too long even
    at the smallest is cut."""
    for size in SCOPE_SIZES:
        blocks = _middle_blocks(sheet, cert, details, size)
        if sum(block(0, True) for block in blocks) <= room:
            return size, blocks
    text = _text(cert.get("scope"))
    while len(text) > 20:
        text = text[: int(len(text) * 0.85)]
        cut = dict(cert, scope=text + "……（全文见核验页面 full text on the verification page）")
        blocks = _middle_blocks(sheet, cut, details, SCOPE_SIZES[-1])
        if sum(block(0, True) for block in blocks) <= room:
            return SCOPE_SIZES[-1], blocks
    return SCOPE_SIZES[-1], _middle_blocks(sheet, dict(cert, scope=text), details, SCOPE_SIZES[-1])


def render_certificate_pdf(*, certificate: Mapping[str, Any], issuer_name: str, verification_url: str,
                           details: CertificatePrint | None = None, demo: bool | None = None) -> bytes:
    """An A4 page of a certificate shaped like a credential subject (docs/credentials.md),
    with `details` from the register and the signature; marked as demo data when `demo` (by
    default the setting `CERTINEL_DEMO`)."""
    try:
        from fpdf import FPDF
    except ImportError as exc:
        raise PdfUnavailable("fpdf2 is not installed (pip install fpdf2).") from exc
    details = details or CertificatePrint()
    demo = bool(getattr(settings, "CERTINEL_DEMO", False)) if demo is None else demo
    path, index = cjk_font()
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(LEFT, 10, PAGE_W - RIGHT)
    pdf.add_font("cjk", "", path, collection_font_number=index)
    pdf.add_font("cjk", "B", cjk_bold_font(path), collection_font_number=index)
    number = _text(certificate.get("certificateNumber"))
    pdf.set_title(f"{'演示数据 DEMO ' if demo else ''}认证证书 Certificate {number}")
    pdf.set_subject(f"{_text((certificate.get('certificateHolder') or {}).get('name'))} · {number}")
    pdf.set_creator("Certinel")
    pdf.add_page()
    sheet = _Sheet(pdf)
    _frame(sheet)
    top = _demo_banner(sheet) if demo else 16.0
    top = _header(sheet, top, issuer_name, details)
    room = SIGNATURE_TOP - 3 - top
    _size, blocks = _fit_scope(dict(certificate), sheet, details, room)
    heights = [block(0, True) for block in blocks]
    gap = min(9.0, max(2.0, (room - sum(heights)) / (len(blocks) + 1)))
    y = top + max(gap, (room - sum(heights) - gap * (len(blocks) - 1)) / 2)
    for block, height in zip(blocks, heights, strict=True):
        block(y, False)
        y += height + gap
    _signature_block(sheet, SIGNATURE_TOP, issuer_name, details, verification_url)
    _footer(sheet, verification_url)
    if demo:
        _watermark(sheet)
    return bytes(pdf.output())
