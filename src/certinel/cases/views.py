"""The public complaint pages (`/cases/`), without an account: the complaint and report form,
the page that gives the sender its follow link and code (once), and the follow page.

The form is rate limited per client address (`CERTINEL_CASES_SUBMISSIONS_PER_HOUR`), and so
are wrong follow codes (`CERTINEL_CASES_FOLLOW_FAILURES_PER_HOUR`, per address and per link).
Nothing here tells whether an account, a person or a complaint exists: a wrong link and a wrong
code get the same answer. The follow page never shows the sender's contact."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from certinel.core.actor import Actor
from certinel.core.errors import DomainError
from certinel.core.middleware import client_address
from certinel.core.models import Via
from certinel.portal.forms import apply_domain_error

from . import evidence as files
from .choices import Channel
from .forms import ComplaintForm, FollowForm
from .services import complaint_submit, follow_find

MULTIPART_ALLOWANCE = 64 * 1024
SESSION_KEY = "cases_submitted"


def submissions_per_hour() -> int:
    return int(getattr(settings, "CERTINEL_CASES_SUBMISSIONS_PER_HOUR", 10))


def follow_failures_per_hour() -> int:
    return int(getattr(settings, "CERTINEL_CASES_FOLLOW_FAILURES_PER_HOUR", 20))


def _count(key: str) -> int:
    """Count one more in this hour's window of `key`."""
    window = int(time.time() // 3600)
    full = f"cases:{key}:{window}"
    if cache.add(full, 1, timeout=3700):
        return 1
    try:
        return int(cache.incr(full))
    except ValueError:
        return 1


def _spent(key: str, limit: int) -> bool:
    window = int(time.time() // 3600)
    return int(cache.get(f"cases:{key}:{window}") or 0) >= limit


def _too_many(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    response = render(request, template, {**context, "page_error": _(
        "提交次数过多，请一小时后再试。")}, status=429)
    response["Retry-After"] = str(3600 - int(time.time()) % 3600)
    return response


def _too_large(request: HttpRequest) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > files.max_files() * files.max_bytes() + MULTIPART_ALLOWANCE


def uploaded(items: list[Any]) -> list[files.EvidenceFile]:
    """Uploads as the services take them: each read to one byte past the limit, so that a file
    too large is refused without being read whole."""
    return [files.EvidenceFile(f.name or "", f.read(files.max_bytes() + 1)) for f in items]


def _form_context(form: ComplaintForm) -> dict[str, Any]:
    return {"form": form, "max_files": files.max_files(), "max_size": filesizeformat(files.max_bytes())}


@never_cache
@csrf_exempt  # checked in _submit, after the size check: checking the token reads the whole upload
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """The public complaint and report form."""
    if request.method == "POST":
        address = client_address(request)
        if _count(f"submit:{address}") > submissions_per_hour():
            return _too_many(request, "cases/submit.html", _form_context(ComplaintForm()))
        if _too_large(request):
            return render(request, "cases/submit.html", {**_form_context(ComplaintForm()), "page_error": _(
                "上传的文件合计超过上限：最多 %(n)d 个文件，每个不超过 %(limit)s。") % {
                "n": files.max_files(), "limit": filesizeformat(files.max_bytes())}}, status=413)
    return _submit(request)


@csrf_protect
def _submit(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = ComplaintForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        d = form.cleaned_data
        actor = Actor(user=None, label="public", via=Via.WEB, request_id=getattr(request, "request_id", ""))
        try:
            complaint, code = complaint_submit(
                actor=actor, kind=d["kind"], subject=d["subject"], facts=d["facts"], evidence=uploaded(d["evidence"]),
                anonymous=d["anonymous"], contact_name=d["contact_name"], contact_phone=d["contact_phone"],
                contact_email=d["contact_email"], channel=Channel.WEB)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            request.session[SESSION_KEY] = {"token": complaint.follow_token, "code": code,
                                            "number": complaint.number}
            return redirect("cases:submitted")
    return render(request, "cases/submit.html", _form_context(form), status=400 if posted else 200)


@never_cache
@require_GET
def submitted(request: HttpRequest) -> HttpResponse:
    """The follow link and code, shown once, right after the form."""
    given = request.session.pop(SESSION_KEY, None)
    if not given:
        return redirect("cases:submit")
    return render(request, "cases/submitted.html", given)


@never_cache
@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, token: str) -> HttpResponse:
    """The sender's page: the link gives the form, the code opens the complaint."""
    form = FollowForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "token": token}
    if request.method != "POST":
        return render(request, "cases/follow.html", context)
    address = client_address(request)
    limit = follow_failures_per_hour()
    if _spent(f"follow-ip:{address}", limit) or _spent(f"follow-link:{token[:64]}", limit):
        return _too_many(request, "cases/follow.html", context)
    found = follow_find(token, form.data.get("code", "")) if form.is_valid() else None
    if found is None:
        _count(f"follow-ip:{address}")
        _count(f"follow-link:{token[:64]}")
        return render(request, "cases/follow.html", {**context, "page_error": _("链接或查询码不正确。")}, status=404)
    reward = found.rewards.order_by("-id").first()
    return render(request, "cases/follow.html", {**context, "c": found, "form": None, "reward": reward})
