"""The open API of the certificate register: search, one certificate, and verification.

Everything here is public and read-only; only the fields named in the schemas below leave the
server. A certificate's `status` is always its status *today*: a certificate past its expiry
date is `expired` and one whose surveillance is overdue is `suspended`, even before the
nightly job records it (`recorded_status` is what was last recorded).

`GET /verify` answers every question with a verdict, never with 404: "not found" is an answer
a buyer needs, with what it can mean and what to do next."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from certinel.accounts.auth import OptionalApiKey
from certinel.core.errors import DomainError
from certinel.registry.schemas import ErrorOut, PageMeta, ValidationErrorOut

from . import selectors, verify_cache
from .choices import CertificateStatus, EventKind
from .filters import CertificateFilters, VerifyQuery
from .io import export as export_io

router = Router(auth=OptionalApiKey(), tags=["certificates"])

LIST_ERRORS: dict[int, Any] = {401: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}
DETAIL_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}


# --- schemas -----------------------------------------------------------------------------------

class SchemeRef(Schema):
    code: str = Field(examples=["QMS"])
    name: str = Field(examples=["质量管理体系认证"])
    name_en: str = Field("", examples=["Quality management system certification"])


class BodyRef(Schema):
    id: int
    approval_no: str = Field(description="CNCA approval number of the issuing body.", examples=["CNCA-R-2002-001"])
    name: str = Field(examples=["测试认证中心有限公司"])
    name_en: str = ""


class HolderRef(Schema):
    name: str = Field(description="The holder's name as printed on the certificate.", examples=["测试华盛电子有限公司"])
    uscc: str = Field(description="The holder's unified social credit code.", examples=["91320102MA1TEST01X"])
    organization_id: int = Field(description="The holder in the registry (`/organizations/{id}`).")


class CertificateOut(Schema):
    id: int
    number: str = Field(examples=["TQ2401001Q"])
    scheme: SchemeRef
    body: BodyRef
    holder: HolderRef
    region_code: str = Field(description="GB/T 2260 code of the holder's region.", examples=["320102"])
    status: CertificateStatus = Field(description="The status today (see the top of this section).")
    status_label: str = Field(description="The status in words, in the request's language.", examples=["有效"])
    status_computed: Literal["expired", "surveillance_missed"] | None = Field(None, description=(
        "Set when `status` was computed today rather than recorded: `expired` (past the expiry date) or "
        "`surveillance_missed` (surveillance overdue beyond the scheme's grace)."))
    recorded_status: CertificateStatus = Field(description="The status last recorded in the register.")
    status_reason: str = Field("", description="Why the status last changed, as the body reported it.")
    status_changed_on: dt.date | None = None
    suspended_until: dt.date | None = Field(None, description="The end of a suspension.")
    first_issued_on: dt.date
    issued_on: dt.date = Field(description="The date of this issue (a renewal moves it).")
    expires_on: dt.date
    last_surveillance_on: dt.date | None = None
    next_surveillance_due: dt.date | None = None
    standards: str = Field("", examples=["GB/T 19001-2016/ISO 9001:2015"])
    scope_text: str = Field(examples=["电子元器件的设计和生产"])
    scope_codes: list[str] = Field(description="IAF sectors (management systems) or CCC / product / service codes.",
                                   examples=[["18", "19"]])
    products: list[dict[str, Any]] = Field(default_factory=list, description="Products and models (product "
                                                                             "certification).")
    sites: list[dict[str, Any]] = Field(default_factory=list, description="Sites the certificate covers.")
    manufacturer: str = ""
    factory: str = ""
    factory_address: str = ""
    signed_by: str = Field(description="Who signed the certificate (who signs is accountable).")
    reported_at: dt.datetime = Field(description="When the body last reported the certificate.")


class CertificatePage(PageMeta):
    items: list[CertificateOut]


class EventOut(Schema):
    seq: int = Field(description="1 for the issue, then one per event.")
    kind: EventKind
    label: str = Field(examples=["暂停"])
    occurred_on: dt.date
    reported_on: dt.date = Field(description="When the body reported it (see `delay_days`).")
    delay_days: int = Field(description="Days between the event and its report.")
    status_before: CertificateStatus | None = None
    status_after: CertificateStatus
    reason: str = ""
    signed_by: str = Field(description="Who signed the decision.")
    details: dict[str, Any] = Field(default_factory=dict, description=(
        "Public details: `until` (suspensions), `issued_on`/`expires_on` (renewals), `scope_text`/`scope_codes` "
        "(scope changes)."))


class CertificateDetail(CertificateOut):
    events: list[EventOut] = Field(description="The public trail, oldest first.")
    verify_url: str = Field(description="The verification page for this number (what its QR code links to).")


class HolderMatchOut(Schema):
    result: Literal["exact", "former_name", "partial", "mismatch", "not_given"] = Field(description=(
        "`exact`: the name (or code) given is the holder's, as printed or as registered now; `former_name`: it is a "
        "former name of the holder; `partial`: it is only part of the holder's name; `mismatch`: it is another "
        "name (see `closest` and `similarity`); `not_given`: no holder was given."))
    given: str = ""
    matched: str = Field("", description="The holder's name (or code) that matched.")
    closest: str = Field("", description="For `mismatch` and `partial`: the holder's name closest to the one given.")
    similarity: float | None = Field(None, ge=0, le=1, description="How alike `given` and `closest` are (0–1).")


class ScopeMatchOut(Schema):
    result: Literal["covered", "not_covered", "not_given"]
    given: str = ""
    matched: str = Field("", description="The scope code or text that covers what was given.")


class ApprovalOut(Schema):
    body_status: str = Field(description="The body's approval status today (approved, suspended, revoked …).")
    body_status_label: str
    at_issue: bool = Field(description="The body was approved for the scheme and every scope code on the issue "
                                       "date of this issue.")
    today: bool = Field(description="The body is approved for them today (and its approval is in force).")
    scheme_at_issue: bool
    scheme_today: bool
    outside_at_issue: list[str] = Field(description="Scope codes outside the body's approval on the issue date.")
    outside_today: list[str]


class WarningOut(Schema):
    code: Literal["holder_partial", "holder_former_name", "body_not_approved_at_issue", "body_not_approved_today",
                  "expires_soon", "reported_late", "transfer_pending", "transferred", "ecert_key_compromised"]
    message: str


class SuccessorOut(Schema):
    id: int
    number: str
    body: BodyRef
    status: CertificateStatus


class CheckOut(Schema):
    certificate: CertificateDetail
    genuine: bool = Field(description="The register holds this certificate as its body reported it.")
    valid_today: bool = Field(description="`status` is `valid` today.")
    holder_match: HolderMatchOut
    scope_match: ScopeMatchOut
    approval: ApprovalOut
    warnings: list[WarningOut]
    successor: SuccessorOut | None = Field(None, description="The certificate that replaced this one when its "
                                                             "holder moved to another body.")
    log_index: int | None = Field(None, description=(
        "The transparency log's index of the certificate's latest event: fetch `/log/proof/<log_index>` for a "
        "receipt proving what the log says of it (its leaf's `after` holds the status it was left in)."))
    log_problems: list[str] = Field(default_factory=list, description=(
        "How the register's rows (the certificate, its body, its holder) disagree with the transparency log: "
        "empty unless the outcome is `inconsistent`."))


class SuggestionOut(Schema):
    organization_id: int
    name: str
    uscc: str
    certificates: int = Field(description="How many certificates the register holds for it.")


class ReasonOut(Schema):
    code: Literal["not_yet_reported", "typo", "forgery", "outside_register"]
    message: str


class VerdictOut(Schema):
    outcome: Literal["valid", "not_valid", "mismatch", "not_found", "several", "inconsistent"] = Field(description=(
        "`valid`: found, valid today, and the holder (and scope) given match. `not_valid`: found and genuine, but "
        "suspended, revoked, cancelled or expired today. `mismatch`: the number exists but the holder or scope "
        "given differs: do not rely on it for this supplier. `not_found`: no certificate with this number is "
        "registered (see `reasons`). `several`: several bodies use this number; give the holder to pick one. "
        "`inconsistent`: the register's record disagrees with what the transparency log says of it (it was "
        "changed around the platform's services): do not rely on it; see `log_problems`."))
    message: str = Field(description="The verdict in one sentence, in the request's language.")
    number: str
    holder_given: str | None = None
    scope_given: str | None = None
    checked_on: dt.date = Field(description="The day the status is given for (today, Asia/Shanghai).")
    found: bool
    others: int = Field(0, description="Certificates with this number at other bodies, left out because their "
                                       "holder differs from the one given.")
    certificates: list[CheckOut] = Field(description="One for `valid`, `not_valid` and most `mismatch` verdicts; "
                                                     "several for `several`; none for `not_found`.")
    reasons: list[ReasonOut] = Field(description="For `not_found`: what it can mean.")
    next_steps: list[str] = Field(description="What to do next, in the request's language.")
    suggestions: list[SuggestionOut] = Field(description=(
        "For `not_found` with a holder given: organizations of the register named like it, with their number of "
        "certificates (compare with the certificate you hold)."))


# --- helpers -----------------------------------------------------------------------------------

def verify_url(number: str) -> str:
    try:
        return reverse("certificates:verify_number", kwargs={"number": number})
    except NoReverseMatch:  # the pages are not mounted in this deployment
        return f"/verify/{number}"


def _detail(cert, events_read=None) -> dict:
    """The certificate's public record with its events (`events_read`: already read)."""
    events = [selectors.public_event(e) for e in (events_read if events_read is not None
                                                   else selectors.public_events(cert))]
    return {**selectors.public_record(cert), "events": events, "verify_url": verify_url(cert.number)}


WARNINGS = {
    "holder_partial": lambda c: _("您输入的名称只是证书持有人名称“%(name)s”的一部分，请核对是否为同一家供应商。")
    % {"name": c.holder.matched},
    "holder_former_name": lambda c: _("您输入的是持有人的曾用名；该组织现名为“%(name)s”。")
    % {"name": c.certificate.holder.name},
    "body_not_approved_at_issue": lambda c: _("发证时，发证机构未获批准从事该认证制度或范围的认证。"),
    "body_not_approved_today": lambda c: _("发证机构目前的批准状态或批准范围已不覆盖该证书。"),
    "expires_soon": lambda c: _("证书将于 %(date)s 到期。") % {"date": c.certificate.expires_on.isoformat()},
    "reported_late": lambda c: _("发证机构报送该证书晚于规定期限。"),
    "transfer_pending": lambda c: _("持有人申请转到其他认证机构（新证书 %(number)s）：在原发证机构或持有人确认前，"
                                    "本证书仍然有效。") % {"number": c.successor.number if c.successor else "—"},
    "transferred": lambda c: _("持有人已转到其他认证机构，本证书因此注销。"),
    "ecert_key_compromised": lambda c: _(
        "发证机构签署本证书电子证书所用的密钥已报告自 %(date)s 起泄露：用该密钥签署的电子证书副本不再能通过验证，"
        "请以本平台的记录为准，并重新下载电子证书。")
    % {"date": timezone.localtime(c.key_compromised_since).date().isoformat()},
}


def outcome_message(verdict: selectors.Verdict) -> str:
    check = verdict.check
    if verdict.outcome == selectors.VALID and check is not None:
        return _("证书真实有效：%(number)s 由 %(body)s 颁发给 %(holder)s，今日状态为有效。") % {
            "number": check.certificate.number, "body": check.certificate.body.name,
            "holder": check.certificate.holder_name}
    if verdict.outcome == selectors.NOT_VALID and check is not None:
        return _("证书真实，但今日状态为“%(status)s”，不能作为有效证书使用。") % {
            "status": selectors.status_today_label(check.certificate)}
    if verdict.outcome == selectors.MISMATCH:
        return _("证书编号存在，但持有人或范围与您输入的不一致：不要凭此证书认定该供应商已获认证。")
    if verdict.outcome == selectors.SEVERAL:
        return _("有多个认证机构使用该证书编号，请输入持有人名称以确定是哪一张。")
    if verdict.outcome == selectors.INCONSISTENT:
        return _("本平台登记的该证书信息与透明日志的记录不一致（可能被绕过正常流程修改）：不要凭此结果认定证书有效，请向发证机构和监管部门核实。")  # noqa: E501 - one message
    return _("本平台没有登记编号为 %(number)s 的证书。") % {"number": verdict.number}


def not_found_reasons() -> list[dict]:
    return [
        {"code": "not_yet_reported", "message": _("证书刚颁发，发证机构尚未报送（机构应在规定期限内报送）。")},
        {"code": "typo", "message": _("编号输入有误：请逐字核对，注意 0 与 O、1 与 I 等易混字符。")},
        {"code": "forgery", "message": _("证书可能是伪造或变造的。")},
        {"code": "outside_register", "message": _("证书由不在本平台登记范围内的机构颁发（例如境外机构）。")},
    ]


def next_steps(verdict: selectors.Verdict) -> list[str]:
    if verdict.outcome == selectors.VALID:
        return [_("保存本核验结果；证书状态变化可通过“供应商关注”接收通知。")]
    steps = [_("联系发证机构核实证书（机构联系方式见认证机构页面）。")]
    if verdict.outcome in (selectors.NOT_FOUND, selectors.MISMATCH, selectors.INCONSISTENT):
        steps.append(_("如怀疑证书伪造或冒用，请向当地市场监督管理部门举报（12315）。"))
    if verdict.outcome == selectors.SEVERAL:
        steps.insert(0, _("输入供应商名称或统一社会信用代码后重新核验。"))
    return steps


def _check_out(check: selectors.CertificateCheck) -> dict:
    a, succ = check.approval, check.successor
    successor = None
    if succ is not None:
        successor = {"id": succ.pk, "number": succ.number, "status": selectors.status_today(succ),
                     "body": {"id": succ.body.pk, "approval_no": succ.body.approval_no, "name": succ.body.name,
                              "name_en": succ.body.name_en}}
    return {
        "certificate": _detail(check.certificate, check.events), "genuine": not check.log_problems,
        "valid_today": check.valid_today and not check.log_problems,
        "holder_match": vars(check.holder), "scope_match": vars(check.scope),
        "approval": {"body_status": a.body_status, "body_status_label": a.body_status_label, "at_issue": a.at_issue,
                     "today": a.today, "scheme_at_issue": a.scheme_at_issue, "scheme_today": a.scheme_today,
                     "outside_at_issue": a.outside_at_issue, "outside_today": a.outside_today},
        "warnings": [{"code": w, "message": WARNINGS[w](check)} for w in check.warnings],
        "successor": successor, "log_index": check.log_index, "log_problems": check.log_problems,
    }


def verdict_out(verdict: selectors.Verdict) -> dict:
    return {
        "outcome": verdict.outcome, "message": outcome_message(verdict), "number": verdict.number,
        "holder_given": verdict.holder_given, "scope_given": verdict.scope_given, "checked_on": verdict.checked_on,
        "found": verdict.found, "others": verdict.others, "certificates": [_check_out(c) for c in verdict.checks],
        "reasons": not_found_reasons() if verdict.outcome == selectors.NOT_FOUND else [],
        "next_steps": next_steps(verdict),
        "suggestions": [{"organization_id": o.pk, "name": o.name, "uscc": o.uscc, "certificates": n}
                        for o, n in verdict.suggestions],
    }


# --- endpoints ---------------------------------------------------------------------------------

@router.get("/certificates", response={200: CertificatePage, **LIST_ERRORS},
            summary="Search certificates")
def list_certificates(request: HttpRequest, filters: Query[CertificateFilters]):
    """Certificates, newest issue first; with an expiry window (`expires_from`, `expires_to`),
    soonest expiry first; with `q` as a name, the best matching holders first.
    Every filter is optional and they combine. `total` is exact up to 10,000, then a lower
    bound (`total_display` "10,000+"); pages go as far as the first 10,000 results, and a page
    past them is a 422 (`too_deep`): narrow the filters, or use `/certificates/export`, which
    holds every match and says exactly how many. A date window whose start comes after its
    end is a 422 as well (rules between two parameters, which the parameters' schemas cannot
    state)."""
    page = selectors.certificate_search(filters=filters)
    return {"items": [selectors.public_record(c) for c in page.items], "total": page.total,
            "total_display": page.total_display, "page": page.page, "page_size": page.page_size,
            "pages": page.pages}


class ExportQuery(Schema):
    format: str = Field("csv", description=(
        "The file's format: `csv` (UTF-8 with a byte-order mark, opens in Excel), `xlsx`, `jsonl` (JSON lines) "
        "or `parquet`. Any other value is a 400 (`unknown_format`)."),
        json_schema_extra={"enum": list(export_io.FORMATS)})
    headers: Literal["zh", "en"] = Field("zh", description="Column headers of CSV and XLSX: Chinese, or the "
                                                           "English keys (JSON lines and Parquet always use those).")


class ExportRefused(DomainError):
    status = 400


EXPORT_MEDIA_TYPES = {fmt: content_type.split(";")[0] for fmt, content_type in export_io.CONTENT_TYPES.items()}


@router.get("/certificates/export", response={400: ErrorOut, **LIST_ERRORS},
            summary="Export certificates: CSV, XLSX, JSON lines or Parquet",
            openapi_extra={"responses": {200: {
                "description": "Every certificate the filters match, one row each, with the public fields "
                               "(docs/import-template.md, \"Export\").",
                "headers": {
                    "X-Total-Count": {"description": "How many certificates the file holds, exactly.",
                                      "required": True, "schema": {"type": "integer", "minimum": 0}},
                    "Content-Disposition": {"description": "`attachment; filename=\"certificates-YYYYMMDD.<format>\"`",
                                            "required": True, "schema": {"type": "string"}}},
                "content": {media: {"schema": {"type": "string", "format": "binary"}}
                            for media in EXPORT_MEDIA_TYPES.values()}}}})
def export_certificates(request: HttpRequest, filters: Query[CertificateFilters], export: Query[ExportQuery]):
    """Every certificate the filters match (not only the first 10,000 that pages reach; `page`
    and `page_size` are ignored), with the public fields, in the format asked. The status is
    the status today. `X-Total-Count` says exactly how many rows the file holds. CSV and JSON
    lines are streamed as they are read; XLSX (at most 1,048,575 rows) and Parquet are sent
    once written."""
    if export.format not in export_io.FORMATS:
        raise ExportRefused(f"Unknown format {export.format[:40]!r}: the format is one of "
                            f"{', '.join(export_io.FORMATS)}.", code="unknown_format", field="format")
    queryset = export_io.search_queryset(filters)
    total = export_io.export_count(queryset)
    try:
        return export_io.export_response(queryset, export.format, headers=export.headers, total=total,
                                         filename=f"certificates-{timezone.localdate():%Y%m%d}")
    except export_io.TooManyForXlsx as exc:
        raise ExportRefused(str(exc), code="too_many_for_xlsx", field="format") from None


@router.get("/certificates/{cert_id}", response={200: CertificateDetail, **DETAIL_ERRORS},
            summary="One certificate with its public trail")
def get_certificate(request: HttpRequest, cert_id: int = Path(..., ge=1, le=2**63 - 1,
                                                              description="The certificate's id.")):
    """A certificate's public record and its events, oldest first: what happened, when, why and
    who signed it."""
    return _detail(selectors.certificate_get(pk=cert_id))


@router.get("/verify", response={200: VerdictOut, 401: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
            summary="Verify a certificate: the verdict a buyer relies on")
def verify(request: HttpRequest, query: Query[VerifyQuery]):
    """Check a certificate number (as printed, or read from its QR code) and, optionally, the
    supplier presenting it (`holder`: name or unified social credit code) and what it should
    cover (`scope`).

    The answer is always 200 with a verdict (`outcome`): `valid`, `not_valid`, `mismatch`,
    `not_found` or `several`. "Not found" is a verdict, not an error: it comes with `reasons`
    (not yet reported, a typo, a forgery, a body outside this register), `next_steps` and, when
    a holder was given, `suggestions`. For each certificate found: `genuine`, the status
    today with its dates and reason, whether the body's approval covered the scheme and scope
    codes on the issue date and covers them today, how the holder and scope given compare,
    `warnings`, and the public trail (`certificate.events`). 422 only for a malformed query
    (no number, or one over 64 characters)."""

    def build(number: str, holder: str | None, scope: str | None) -> tuple[bytes, str]:
        from certinel.api import api  # the API this router is mounted on (it imports this module)

        verdict = selectors.certificate_for_verification(number, holder, scope)
        response = api.create_response(request, VerdictOut.model_validate(verdict_out(verdict)).model_dump(),
                                       status=200)
        return response.content, response["Content-Type"]

    content, content_type = verify_cache.remembered("api", query.number, query.holder, query.scope, build)
    return HttpResponse(content, content_type=content_type)
