"""The public certificate pages: search, one certificate, verification (and the QR code
landing), a body's and an organization's certificates, and exports. Views stay thin: the
filters are the shared `CertificateFilters`, the reads are in `selectors.py`."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, TypeVar

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from pydantic import BaseModel, ValidationError

from certinel.core.errors import NotFound, ValidationFailed
from certinel.portal.views import options
from certinel.portal.views.common import message_for, render_page
from certinel.registry import selectors as registry
from certinel.transparency.selectors import entries_about

from . import selectors, verify_cache
from .choices import CertificateStatus
from .filters import FILTER_FIELDS, CertificateFilters, VerifyQuery
from .io import export as export_io

F = TypeVar("F", bound=BaseModel)

# Messages for the filters' own checks, by the start of their (English) text.
_VALUE_ERRORS = (
    ("a certificate number has at least", lambda: _("证书编号至少有 3 个字符。")),
    ("enter at least two characters",
     lambda: _("请至少输入两个字符：名称中连续的两个或更多汉字，或者统一社会信用代码。")),
    ("at most 100 characters", lambda: _("最多输入 100 个字符。")),
    ("a body is named", lambda: _("请输入认证机构的批准号，例如 CNCA-R-2002-001。")),
    ("a scheme is named", lambda: _("请从列表中选择认证制度。")),
    ("a region is", lambda: _("区划代码应为两位（省）、四位（市）或六位（区县）数字，例如 32、3201、320102。")),
    ("issued_from comes after", lambda: _("发证日期的起始日不能晚于截止日。")),
    ("expires_from comes after", lambda: _("有效期至的起始日不能晚于截止日。")),
    ("enter the certificate number", lambda: _("请输入证书编号。")),
    ("a date is written", lambda: _("请输入“年-月-日”格式的日期，例如 2024-05-01。")),
)
# Codes as people type them (full-width letters and digits too); the shared filters take them
# as the API documents them, in half-width.
_CODES = ("number", "body", "scheme", "region")
_RANGE_FIELDS = {"issued_from comes after": "issued_from", "expires_from comes after": "expires_from"}


def _message(error: dict[str, Any]) -> tuple[str, str]:
    loc = [str(p) for p in error.get("loc", ())]
    text = str(error.get("msg", "")).removeprefix("Value error, ")
    kind = error.get("type", "")
    for start, message in _VALUE_ERRORS:
        if text.startswith(start):
            return (loc[0] if loc else _RANGE_FIELDS.get(start, "q")), message()
    if kind.startswith("date_"):
        return loc[0] if loc else "q", _("请输入“年-月-日”格式的日期，例如 2024-05-01。")
    if kind == "string_too_long":
        return loc[0] if loc else "q", _("输入过长。")
    if kind == "missing":
        return loc[0] if loc else "q", _("请填写此项。")
    return message_for(error)


def parse(schema: type[F], data: Mapping[str, str]) -> tuple[F | None, dict[str, str], dict[str, str]]:
    """Validate query values with a shared filter definition: (filters or None, errors by
    field in the reader's language, the raw values to put back into the form)."""
    raw = {name: (data.get(name) or "").strip() for name in schema.model_fields}
    given = {k: unicodedata.normalize("NFKC", v) if k in _CODES else v for k, v in raw.items() if v}
    try:
        return schema.model_validate(given), {}, raw
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field, message = _message(dict(err))
            errors.setdefault(field, message)
        return None, errors, raw


def _search_context(request: HttpRequest, *, fixed: dict[str, str] | None = None) -> dict[str, Any]:
    data = request.GET.copy()
    for key, value in (fixed or {}).items():
        data[key] = value
    filters, errors, raw = parse(CertificateFilters, data)
    page, total, capped = None, None, False
    if filters is not None:
        try:
            page = selectors.certificate_search(filters=filters)
        except ValidationFailed as exc:
            errors = {e.field: _("结果太多，只能翻到前 %(n)s 条；请增加筛选条件（地区、认证制度、日期）或导出。")
                      % {"n": f"{selectors.COUNT_CAP:,}"} for e in exc.errors}
        if page is not None and page.total:
            # The exact number of matches, which is what a download holds (the pages stop
            # counting at COUNT_CAP): one count, shaped for the indexes. A holder name that
            # matches very many organizations downloads the best matching ones only.
            queryset, capped = export_io.search_download(filters)
            total = export_io.export_count(queryset)
    return {"page": page, "errors": errors, "raw": raw, "filters": filters,
            # The count shown: exact, unless a holder name's matches were cut to the best ones.
            "count_display": f"{total:,}" if total is not None and not capped else (
                page.total_display if page is not None else ""),
            "total_display": f"{total:,}" if total is not None else "",
            "holders_capped": capped, "holders_cap": f"{selectors.NAME_ORG_CAP:,}",
            "paged_only": total is not None and not capped and total > selectors.COUNT_CAP,
            "count_cap": f"{selectors.COUNT_CAP:,}", "export_formats": export_io.FORMAT_NAMES,
            "filtered": any(raw.get(k) for k in FILTER_FIELDS if k not in (fixed or {})),
            "schemes": options.schemes(), "regions": options.regions(), "statuses": CertificateStatus.choices,
            "export_query": _export_query(request, fixed)}


def _export_query(request: HttpRequest, fixed: dict[str, str] | None) -> str:
    data = request.GET.copy()
    for key in ("page", "page_size", "format"):
        data.pop(key, None)
    for key, value in (fixed or {}).items():
        data[key] = value
    return data.urlencode()


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    context = _search_context(request)
    return render_page(request, "certificates/search.html", "certificates/includes/results.html", context)


# --- one certificate ---------------------------------------------------------------------------

def public_url(path: str) -> str:
    return settings.CERTINEL_PUBLIC_URL.rstrip("/") + path


def qr_svg(url: str) -> str:
    """An inline SVG QR code (no script, no external image) for `url`."""
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#1c2430", light="#ffffff",
                                                  svgclass="qr", omitsize=True)
    return mark_safe(svg)  # noqa: S308 - segno's own SVG, the URL is encoded as modules, not as text


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    try:
        cert = selectors.certificate_get(pk=pk, today=today)
    except NotFound:
        raise Http404(_("没有这张证书。")) from None
    verify_path = reverse("certificates:verify_number", kwargs={"number": cert.number})
    return render(request, "certificates/detail.html", {
        "cert": cert, "today": today, "events": selectors.public_events(cert),
        "approval": selectors.approval_check(cert, today), "qr_target": public_url(verify_path),
        "verify_path": verify_path, "qr": qr_svg(public_url(verify_path)),
        "region_path": options.region_path(cert.region_code),
        "successor": selectors.successor_of(cert, today),
        **_pending_transfer(request, cert),
        "log_entries": entries_about(cert),
    })


def _pending_transfer(request: HttpRequest, cert) -> dict[str, Any]:
    """The transfer the certificate awaits (public, as its events are), and whether the reader
    may open it (a party, or a regulator of the holder's region)."""
    from certinel.accounts.permissions import can

    from .selectors_transfers import pending_transfer_of

    transfer = pending_transfer_of(cert)
    return {"transfer": transfer,
            "may_see_transfer": transfer is not None and can(request.user, "view", "transfer", transfer)}


# --- verification ------------------------------------------------------------------------------

@require_GET
def verify(request: HttpRequest, number: str | None = None) -> HttpResponse:
    """The verification page. `/verify/<number>` is the QR code's landing: the number is
    filled in and checked at once; the buyer then adds the supplier's name."""
    data = request.GET.copy()
    if number is not None:
        data.setdefault("number", number.strip().strip("/"))
    asked = bool(data.get("number") or data.get("holder"))
    query, errors, raw = parse(VerifyQuery, data) if asked else (None, {}, {"number": "", "holder": "", "scope": ""})
    verdict = None
    if query is not None:
        verdict = verify_cache.verdict(query.number, query.holder, query.scope)
    context = {"verdict": verdict, "errors": errors, "raw": raw, "from_qr": number is not None,
               "today": timezone.localdate()}
    return render_page(request, "certificates/verify.html", "certificates/includes/verdict.html", context)


# --- a body's and an organization's certificates ------------------------------------------------

def _registry_get(getter, key: str):
    if not registry.key_is_usable(key):
        raise Http404(key)
    try:
        return getter(key=key)
    except NotFound as exc:
        raise Http404(exc.message) from None


@require_GET
def body_certificates(request: HttpRequest, key: str) -> HttpResponse:
    body = _registry_get(registry.body_get, key)
    context = _search_context(request, fixed={"body": str(body.pk)})
    context.update({"body": body, "region_path": options.region_path(body.region_code)})
    return render_page(request, "certificates/body.html", "certificates/includes/results.html", context)


@require_GET
def organization_certificates(request: HttpRequest, key: str) -> HttpResponse:
    org = _registry_get(registry.organization_get, key)
    held = selectors.certificates_of_organization(organization=org)
    counts = [(value, label, held.counts.get(value, 0)) for value, label in CertificateStatus.choices]
    return render(request, "certificates/organization.html", {
        "org": org, "held": held, "counts": counts, "region_path": options.region_path(org.region_code),
        "former_names": list(org.former_names.all()), "today": timezone.localdate(),
    })


# --- exports -------------------------------------------------------------------------------------

def _file_headers() -> str:
    """Column headers of a CSV or XLSX download: Chinese, or the English keys on English pages."""
    return "en" if (translation.get_language() or "").startswith("en") else "zh"


def _text_400(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


@require_GET
def export(request: HttpRequest) -> HttpResponseBase:
    """Every certificate the search's filters match (not only the pages the search shows), as
    CSV (the default; UTF-8 with BOM, opens in Excel), XLSX, JSON lines or Parquet
    (`io/export.py`); `X-Total-Count` says how many. An unknown format is a 400, never a
    silent CSV."""
    fmt = request.GET.get("format") or "csv"
    if fmt not in export_io.FORMATS:
        return _text_400(_("没有“%(format)s”这种导出格式：可选 %(formats)s。")
                         % {"format": fmt[:40], "formats": (", " if _file_headers() == "en" else "、").join(
                             export_io.FORMAT_NAMES.values())})
    filters, errors, _raw = parse(CertificateFilters, request.GET)
    if filters is None:
        return _text_400("\n".join(errors.values()))
    queryset = export_io.search_queryset(filters)
    total = export_io.export_count(queryset)
    try:
        return export_io.export_response(queryset, fmt, filename=f"certificates-{timezone.localdate():%Y%m%d}",
                                         headers=_file_headers(), total=total)
    except export_io.TooManyForXlsx:
        return _text_400(_("共 %(n)s 张证书，超过 Excel 工作表的行数上限：请缩小筛选范围，"
                           "或导出为 CSV、JSON Lines 或 Parquet。") % {"n": f"{total:,}"})
