"""A regulator's credit dashboard (`/credit/dashboard/`): regulators see their jurisdiction,
admins the whole country; no one else may open it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from certinel.accounts.models import Role

from . import selectors_dashboard as board
from .choices import RiskClass


def _jurisdiction_name(user: Any) -> str:
    code = "" if user.role == Role.ADMIN or user.is_superuser else user.jurisdiction_code
    if not code:
        return _("全国")
    found = board.region_names([code], on=timezone.localdate()).get(code)
    return f"{found} ({code})" if found else code


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not (user.role in (Role.REGULATOR, Role.ADMIN) or user.is_superuser):
        raise PermissionDenied(_("只有监管人员可以查看信用监管概况。"))
    today = timezone.localdate()
    by_kind, by_area = board.class_counts(user, on=today)
    return render(request, "credit/dashboard.html", {
        "grades": RiskClass.values, "by_kind": by_kind, "by_area": by_area,
        "jurisdiction": _jurisdiction_name(user), "recent": board.recent_changes(user),
        "entries": board.entries_near(user, on=today), "notices": board.notices_near(user, on=today),
        "today": today, "recent_days": board.RECENT_DAYS, "entry_days": board.ENTRY_DAYS,
        "notice_days": board.NOTICE_DAYS})

