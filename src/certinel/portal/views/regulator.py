"""A regulator's pages: status decisions on bodies and labs; everyone's recent changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from certinel.accounts.permissions import can
from certinel.core.actions import ACTION_LABELS as EVENT_LABELS
from certinel.core.actor import Actor
from certinel.core.errors import DomainError, NotPermitted
from certinel.core.transitions import Transitions
from certinel.registry import selectors, services
from certinel.registry.filters import CHANGE_KINDS, ChangeFilters
from certinel.registry.transitions import BODY, LAB

from ..forms import ACTION_DONE, DecisionForm, apply_domain_error
from . import options
from .common import parse_filters, render_page
from .history import KIND_LABELS
from .public import _get


@dataclass(frozen=True)
class Decisions:
    """What a decision page needs to know about one kind of record."""

    get: Callable[..., Any]
    table: Transitions
    detail_url: str
    key_field: str
    arg: str
    services: dict[str, Callable[..., Any]]


DECIDE = {
    "body": Decisions(selectors.body_get, BODY, "portal:body", "approval_no", "body",
                      {"suspend": services.body_suspend, "reinstate": services.body_reinstate,
                       "revoke": services.body_revoke, "cancel": services.body_cancel}),
    "lab": Decisions(selectors.lab_get, LAB, "portal:lab", "cma_no", "lab",
                     {"suspend": services.lab_suspend, "reinstate": services.lab_reinstate,
                      "revoke": services.lab_revoke, "cancel": services.lab_cancel}),
}


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    """Suspend, reinstate, revoke or cancel a body or lab in the regulator's jurisdiction."""
    spec = DECIDE[kind]
    obj = _get(spec.get, key)
    user: Any = request.user
    if not can(user, "decide", kind, obj):
        raise PermissionDenied(_("只有该辖区的监管人员可以作出此决定。"))
    actions = spec.table.allowed(obj.status)
    form = DecisionForm(request.POST or None, actions=actions)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        try:
            spec.services[action](actor=Actor.from_request(request), **{spec.arg: obj},
                                  reason=form.cleaned_data["reason"], on=form.cleaned_data["on"])
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, ACTION_DONE[action] % {"name": obj.name})
            return redirect(spec.detail_url, key=getattr(obj, spec.key_field))
    return render(request, "portal/decide.html", {"obj": obj, "kind": kind, "form": form,
                                                  "actions": actions, "detail_url": spec.detail_url,
                                                  "detail_key": getattr(obj, spec.key_field)})


@login_required
@require_GET
def changes(request: HttpRequest) -> HttpResponse:
    """Recent changes: a regulator's jurisdiction, or one's own body, lab or organization."""
    filters, errors, raw = parse_filters(ChangeFilters, request.GET)
    user: Any = request.user
    page = selectors.changes_visible(user=user, filters=filters) if filters is not None else None
    return render_page(request, "portal/changes.html", "portal/includes/changes_area.html", {
        "page": page, "errors": errors, "raw": raw, "kinds": [(k, KIND_LABELS[k]) for k in CHANGE_KINDS],
        "events": sorted(EVENT_LABELS.items(), key=lambda kv: str(kv[1])),
        "day_choices": (1, 7, 30, 90), "regions": options.regions() if user.is_regulator else [],
        "jurisdiction": options.region_path(user.jurisdiction_code.ljust(6, "0")) if user.jurisdiction_code else "",
    })
