"""The public pages of the serious-violation list (SAMR Order No. 44): the list as published
(entries in force only), a subject's public credit page (its entries, and its published
penalties and awards while displayed), and the joint punishment check with its signed answer.
Reads only: every change goes through the services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from certinel.core.errors import NotFound
from certinel.portal.views import options
from certinel.portal.views.common import parse_filters, render_page
from certinel.reference.identifiers import IdentifierError, validate_uscc
from certinel.registry.selectors import Page
from certinel.transparency.errors import SignerNotConfigured

from . import selectors
from .choices import IN_FORCE
from .forms import SHOWN_ERRORS, CheckForm, CodesInvalid, ListFilters, purpose_label
from .policy import list_policy

# Up to this many codes, the result table lists every one.
ALL_ROWS_UP_TO = 200


def _policy(region: str = ""):
    return list_policy(on=timezone.localdate(), region_code=region or "")


@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    filters, errors, raw = parse_filters(ListFilters, request.GET)
    page = None
    if filters is not None:
        rows = selectors.entries_published(q=filters.q or "", region=filters.region or "")
        total = rows.count()
        start = (filters.page - 1) * filters.page_size
        page = Page(list(rows[start:start + filters.page_size]), total, filters.page, filters.page_size)
    context = {"page": page, "errors": errors, "raw": raw, "regions": options.regions(),
               "filtered": any(v for k, v in raw.items() if k not in ("page", "page_size")),
               "policy": _policy()}
    return render_page(request, "credit/list.html", "credit/includes/list_area.html", context)


def _registered_name(uscc: str) -> str:
    from .services import subject_by_uscc

    try:
        return subject_by_uscc(uscc)[1].name
    except NotFound:
        return ""


@require_GET
def subject(request: HttpRequest, uscc: str) -> HttpResponse:
    code = uscc.strip().upper()
    try:
        validate_uscc(code)
    except IdentifierError as exc:
        raise Http404(exc.localized()) from None
    entries = selectors.entries_of(code)
    in_force = [e for e in entries if e.status in IN_FORCE]
    published = selectors.published_for(code)
    name = (in_force[0].subject_name if in_force else "") or _registered_name(code)
    # Never the credit class: it is an internal reference for supervision.
    return render(request, "credit/subject.html", {
        "uscc": code, "name": name, "entries": in_force, "ended": len(entries) - len(in_force),
        "penalties": published.penalties, "awards": published.awards, "pledges": published.pledges,
        "policy": _policy(in_force[0].region_code if in_force else "")})


def _answer_key() -> str:
    """The verifier key of the signer of answers ("" when the log has no signing key)."""
    from certinel.transparency.signers import operator_signer

    try:
        return operator_signer().verifier.vkey
    except SignerNotConfigured:
        return ""


def _key_url() -> str:
    return settings.CERTINEL_PUBLIC_URL.rstrip("/") + reverse("transparency:key")


def _check(request: HttpRequest) -> tuple[CheckForm, list[selectors.Eligibility] | None]:
    """The check the request asks for: by GET (a result one can link to) or, for a list of
    codes too long for an address, by POST. Codes alone (a subject page's link) fill the form."""
    data = request.POST if request.method == "POST" else request.GET
    if "purpose" not in data:
        return CheckForm(initial={"codes": data.get("codes", "")}), None
    form = CheckForm(data)
    if form.is_valid():
        return form, selectors.eligibility_many(form.cleaned_data["codes"], purpose=form.cleaned_data["purpose"])
    return form, None


def _check_context(request: HttpRequest, form: CheckForm, answers, **extra: Any) -> dict[str, Any]:
    bad = form.bad_codes
    vkey = _answer_key()
    purpose = getattr(form, "cleaned_data", {}).get("purpose", "")
    return {
        "form": form, "answers": answers, "purpose": purpose, "purpose_label": purpose_label(purpose),
        "not_eligible": sum(1 for a in answers if not a.eligible) if answers else 0,
        # A long list shows only the codes that are not eligible (the signed answer holds all).
        "rows": answers if answers is None or len(answers) <= ALL_ROWS_UP_TO
        else [a for a in answers if not a.eligible],
        "bad_codes": bad[:SHOWN_ERRORS], "bad_more": max(0, len(bad) - SHOWN_ERRORS),
        "codes_invalid": form.is_bound and any(
            isinstance(e, CodesInvalid) for e in form.errors.as_data().get("codes", [])),
        "vkey": vkey, "signing_ready": bool(vkey), "key_url": _key_url(),
        # The download repeats the check: a link when it came by GET, a form when by POST.
        "query": request.GET.urlencode() if request.method == "GET" else "",
        "codes_text": "\n".join(a.uscc for a in answers or []),
        "today": timezone.localdate(), **extra}


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    form, answers = _check(request)
    return render(request, "credit/check.html", _check_context(request, form, answers))


@require_http_methods(["GET", "POST"])
def check_answer(request: HttpRequest) -> HttpResponse:
    """The signed answer of the check the query describes, as a file to keep."""
    from .answers import signed_answer

    form, answers = _check(request)
    if answers is None:
        return render(request, "credit/check.html", _check_context(request, form, answers), status=400)
    try:
        text = signed_answer(answers)
    except SignerNotConfigured:
        return render(request, "credit/check.html", _check_context(
            request, form, answers, unsigned=_("本平台尚未配置透明日志的签名密钥，暂时无法提供签名的核查结果；"
                                               "上面的核查结果仍然有效，但不能离线验证。")), status=503)
    day = timezone.localdate()
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credit-answer-{day.isoformat()}.txt"'
    response["Cache-Control"] = "no-store"
    return response
