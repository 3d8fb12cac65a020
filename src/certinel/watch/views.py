"""The watchlist pages: a signed-in user's watchlists, one watchlist with its suppliers,
channels and delivery log. Every page reads and writes only the user's own watchlists."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from certinel.core.actor import Actor
from certinel.core.errors import DomainError, NotFound, NotPermitted
from certinel.portal.forms import apply_domain_error

from . import selectors, services
from .forms import ItemForm, UploadForm, WatchlistForm
from .io import read_codes
from .models import WatchItem, Watchlist

ITEMS_PER_PAGE = 50


def _mine(request: HttpRequest, pk: int) -> Watchlist:
    try:
        return selectors.watchlist_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("没有这个关注列表。")) from None


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """The user's watchlists, and a form to make one."""
    lang = "en" if (get_language() or "").startswith("en") else "zh-hans"
    form = WatchlistForm(request.POST or None, initial={"email": getattr(request.user, "email", ""), "language": lang})
    if request.method == "POST" and form.is_valid():
        try:
            watchlist, secret = services.watchlist_create(actor=_actor(request), **form.cleaned_data)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已创建关注列表“%(name)s”。现在添加要关注的供应商。")
                             % {"name": watchlist.name})
            if secret:
                return _detail(request, watchlist, new_secret=secret)
            return redirect("watch:detail", pk=watchlist.pk)
    return render(request, "watch/index.html", {"form": form, "watchlists": selectors.watchlists_of(request.user)})


def _detail(request: HttpRequest, watchlist: Watchlist, *, status: int = 200, **extra: Any) -> HttpResponse:
    items = WatchItem.objects.filter(watchlist=watchlist).order_by("-added_at", "-id")
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "watchlist": watchlist, "page": page, "suppliers": selectors.suppliers(list(page.object_list)),
        "deliveries": selectors.deliveries_of(watchlist),
        "item_form": ItemForm(), "upload_form": UploadForm(),
        "settings_form": WatchlistForm(initial={"name": watchlist.name, "email": watchlist.email,
                                                "webhook_url": watchlist.webhook_url,
                                                "language": watchlist.language}),
        **extra,
    }
    return render(request, "watch/detail.html", context, status=status)


@never_cache
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _mine(request, pk))


@login_required
@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    watchlist = _mine(request, pk)
    form = ItemForm(request.POST)
    if form.is_valid():
        try:
            item = services.watch_item_add(actor=_actor(request), watchlist=watchlist, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已添加 %(code)s。") % {"code": item.uscc})
            return redirect("watch:detail", pk=watchlist.pk)
    return _detail(request, watchlist, item_form=form, status=422)


@login_required
@require_POST
def items_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Suppliers from an Excel or CSV file: all of them, or none with every bad row listed."""
    watchlist = _mine(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, watchlist, upload_form=form, status=422)
    upload = form.cleaned_data["file"]
    codes = read_codes(upload.read(), upload.name)
    result = services.watch_items_import(actor=_actor(request), watchlist=watchlist, codes=codes)
    if not result.ok:
        return _detail(request, watchlist, upload_form=form, import_errors=result.errors,
                       upload_name=upload.name, status=422)
    messages.success(request, _("已从 %(file)s 添加 %(added)s 个供应商；%(already)s 个原已在列表中。") % {
        "file": upload.name, "added": len(result.added), "already": len(result.already)})
    return redirect("watch:detail", pk=watchlist.pk)


@login_required
@require_POST
def item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    watchlist = _mine(request, pk)
    item = get_object_or_404(WatchItem, pk=item_pk, watchlist=watchlist)
    services.watch_item_remove(actor=_actor(request), watchlist=watchlist, item=item)
    messages.success(request, _("已不再关注 %(code)s。") % {"code": item.uscc})
    return redirect("watch:detail", pk=watchlist.pk)


@never_cache
@login_required
@require_POST
def settings_update(request: HttpRequest, pk: int) -> HttpResponse:
    watchlist = _mine(request, pk)
    form = WatchlistForm(request.POST)
    if form.is_valid():
        try:
            watchlist, secret = services.watchlist_update(actor=_actor(request), watchlist=watchlist,
                                                          **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("通知设置已保存。"))
            if secret:
                return _detail(request, watchlist, new_secret=secret)
            return redirect("watch:detail", pk=watchlist.pk)
    return _detail(request, watchlist, settings_form=form, status=422)


@never_cache
@login_required
@require_POST
def secret_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    watchlist = _mine(request, pk)
    try:
        secret = services.watchlist_rotate_secret(actor=_actor(request), watchlist=watchlist)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("watch:detail", pk=watchlist.pk)
    messages.warning(request, _("已生成新的签名密钥，旧密钥立即失效。请更新接收方的设置。"))
    return _detail(request, _mine(request, pk), new_secret=secret)


@login_required
@require_POST
def send_test(request: HttpRequest, pk: int) -> HttpResponse:
    watchlist = _mine(request, pk)
    count = services.watchlist_send_test(actor=_actor(request), watchlist=watchlist)
    if count:
        messages.success(request, _("已发送测试通知；结果见下方的发送记录。"))
    else:
        messages.warning(request, _("没有可用的通知方式：请先设置通知邮箱或 Webhook 地址。"))
    return redirect("watch:detail", pk=watchlist.pk)


@login_required
@require_POST
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    watchlist = _mine(request, pk)
    active = request.POST.get("active") == "1"
    services.watchlist_set_active(actor=_actor(request), watchlist=watchlist, active=active)
    messages.success(request, _("已恢复通知。") if active else _("已暂停：这个列表不再发送通知。"))
    return redirect("watch:detail", pk=watchlist.pk)
