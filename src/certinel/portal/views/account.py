"""Signed-in pages: a certification body's API keys, an organization's contact details."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from certinel.accounts.models import ApiKey
from certinel.accounts.permissions import can
from certinel.accounts.services import api_key_create, api_key_revoke
from certinel.core.actor import Actor
from certinel.core.errors import DomainError, NotPermitted
from certinel.registry import selectors, services

from ..forms import ApiKeyForm, ContactForm, apply_domain_error
from .public import _get


def _own_body(request: HttpRequest):
    user: Any = request.user
    body = getattr(user, "body", None)
    if body is None or not can(user, "manage_keys", "body", body):
        raise PermissionDenied(_("只有认证机构的操作员可以管理本机构的接口密钥。"))
    return body


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    """A body's API keys: the list, and a form to make a new one (shown once)."""
    body = _own_body(request)
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            key, new_key = api_key_create(actor=Actor.from_request(request), body=body, name=form.cleaned_data["name"])
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            form = ApiKeyForm()
            messages.success(request, _("已创建密钥“%(name)s”。请立即复制保存：它只显示这一次。") % {"name": key.name})
    keys = ApiKey.objects.filter(body=body).select_related("user").order_by("revoked_at", "-created_at")
    # never_cache marks the response no-store: a new key must not stay in any cache.
    return render(request, "portal/api_keys.html", {"body": body, "form": form, "keys": keys, "new_key": new_key})


@login_required
@require_POST
def api_key_revoke_view(request: HttpRequest, key_id: int) -> HttpResponse:
    body = _own_body(request)
    key = get_object_or_404(ApiKey, pk=key_id, body=body)
    try:
        api_key_revoke(actor=Actor.from_request(request), key=key, reason=request.POST.get("reason", ""))
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("密钥“%(name)s”已吊销，使用它的请求将被拒绝。") % {"name": key.name})
    return redirect("portal:api_keys")


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request: HttpRequest, key: str) -> HttpResponse:
    """An organization's own users (and its regulators) change its contact details."""
    org = _get(selectors.organization_get, key)
    user: Any = request.user
    if not can(user, "change", "organization", org):
        raise PermissionDenied(_("您无权修改该组织的信息。"))
    initial = {"contact_phone": org.contact_phone, "contact_email": org.contact_email}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if v != initial[k]}
        try:
            if changes:
                services.organization_update(actor=Actor.from_request(request), organization=org, **changes)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("联系方式已更新。") if changes else _("没有需要保存的修改。"))
            return redirect("portal:organization", key=org.uscc)
    return render(request, "portal/organization_edit.html", {"org": org, "form": form})
