"""The public pages: search across the registry, lists with filters, detail pages."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from certinel.core.errors import NotFound
from certinel.registry import selectors
from certinel.registry.choices import BodyStatus, LabStatus, OrgStatus, ScopeItemKind, SizeClass
from certinel.registry.filters import BodyFilters, LabFilters, OrganizationFilters
from certinel.registry.models import CertificationBody, Lab, Organization, PersonRole

from . import options
from .common import parse_filters, render_page

SEARCH_LIMIT = 8


def _counts() -> dict[str, int]:
    counts = cache.get("portal:counts")
    if counts is None:
        counts = {"bodies": CertificationBody.objects.count(), "labs": Lab.objects.count(),
                  "organizations": Organization.objects.count()}
        cache.set("portal:counts", counts, 300)
    return counts


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"counts": _counts(), "q": "", "searched": False})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """One box across organizations, bodies and labs: names (two characters or more) or codes."""
    q = (request.GET.get("q") or "").strip()
    context: dict = {"q": q, "searched": bool(q), "counts": None}
    if q:
        filters, errors, _raw = parse_filters(OrganizationFilters, {"q": q, "page_size": str(SEARCH_LIMIT)})
        if errors:
            context["error"] = next(iter(errors.values()))
        else:
            assert filters is not None
            context["organizations"] = selectors.organization_search(filters=filters)
            first = {"q": q, "page_size": SEARCH_LIMIT}
            context["bodies"] = selectors.body_list(filters=BodyFilters.model_validate(first))
            context["labs"] = selectors.lab_list(filters=LabFilters.model_validate(first))
            context["found"] = any(context[k].total for k in ("organizations", "bodies", "labs"))
    else:
        context["counts"] = _counts()
    return render_page(request, "portal/home.html", "portal/includes/search_results.html", context)


def _list(request: HttpRequest, *, schema, select, template: str, extra: dict) -> HttpResponse:
    filters, errors, raw = parse_filters(schema, request.GET)
    page = select(filters=filters) if filters is not None else None
    context = {"page": page, "errors": errors, "raw": raw, "filtered": any(
        v for k, v in raw.items() if k not in ("page", "page_size")), **extra}
    return render_page(request, template, "portal/includes/list_area.html", context)


@require_GET
def body_list(request: HttpRequest) -> HttpResponse:
    return _list(request, schema=BodyFilters, select=selectors.body_list, template="portal/body_list.html",
                 extra={"kind": "body", "regions": options.regions(), "schemes": options.schemes(),
                        "iaf_sectors": options.iaf_sectors(), "statuses": BodyStatus.choices})


@require_GET
def lab_list(request: HttpRequest) -> HttpResponse:
    return _list(request, schema=LabFilters, select=selectors.lab_list, template="portal/lab_list.html",
                 extra={"kind": "lab", "regions": options.regions(), "fields": options.lab_fields(),
                        "statuses": LabStatus.choices})


@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    return _list(request, schema=OrganizationFilters, select=selectors.organization_search,
                 template="portal/organization_list.html",
                 extra={"kind": "organization", "regions": options.regions(), "industries": options.industries(),
                        "sizes": SizeClass.choices, "statuses": OrgStatus.choices})


def _get(getter, key: str):
    if not selectors.key_is_usable(key):
        raise Http404(key)
    try:
        return getter(key=key)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _history(request: HttpRequest, obj, full: bool):
    if not full:
        return None
    return list(selectors.history_visible(user=request.user, obj=obj).select_related("content_type")
                .order_by("-time", "-id")[:20])


def _people(request: HttpRequest, owner, full: bool) -> list[tuple[PersonRole, str]] | None:
    """The owner's people with their phone as this user may see it (masked unless allowed)."""
    if not full:
        return None
    from certinel.accounts.permissions import can

    user: Any = request.user
    return [(role, role.person.phone if can(user, "view", "person", role.person) else role.person.masked_phone)
            for role in selectors.people_of(owner)[:200]]


@require_GET
def body_detail(request: HttpRequest, key: str) -> HttpResponse:
    from certinel.accounts.permissions import can

    body = _get(selectors.body_get, key)
    full = selectors.may_view_full(request.user, "body", body)
    return render(request, "portal/body_detail.html", {
        "body": body, "full": full, "region_path": options.region_path(body.region_code),
        "scope_groups": _scope_groups(body.active_scopes), "people_counts": selectors.people_counts(body),
        "people": _people(request, body, full), "history": _history(request, body, full),
        "may_decide": can(request.user, "decide", "body", body) if request.user.is_authenticated else False,
        "may_keys": can(request.user, "manage_keys", "body", body) if request.user.is_authenticated else False,
        "today": timezone.localdate(),
    })


def _scope_groups(scopes) -> list[dict]:
    """Approved scopes grouped by scheme, with IAF sectors and CCC products named."""
    from certinel.reference.models import CCCEdition

    products: dict[str, str] = {}
    codes = {s.ccc_product_code for s in scopes if s.ccc_product_code}
    edition = CCCEdition.current() if codes else None
    if edition is not None:
        products = dict(edition.products.filter(code__in=codes).values_list("code", "name"))
    groups: OrderedDict[int, dict] = OrderedDict()
    for s in sorted(scopes, key=lambda s: (s.scheme.code, s.iaf_sector.number if s.iaf_sector else 0,
                                           s.ccc_product_code)):
        group = groups.setdefault(s.scheme_id, {"scheme": s.scheme, "sectors": [], "products": [], "whole": False,
                                                "granted_on": s.granted_on})
        if s.iaf_sector:
            group["sectors"].append(s.iaf_sector)
        elif s.ccc_product_code:
            group["products"].append((s.ccc_product_code, products.get(s.ccc_product_code, "")))
        else:
            group["whole"] = True
        group["granted_on"] = min(group["granted_on"], s.granted_on)
    return list(groups.values())


@require_GET
def lab_detail(request: HttpRequest, key: str) -> HttpResponse:
    from certinel.accounts.permissions import can

    lab = _get(selectors.lab_get, key)
    full = selectors.may_view_full(request.user, "lab", lab)
    items = lab.active_scope_items
    industry: OrderedDict[int, dict] = OrderedDict()
    for item in items:
        if item.kind == ScopeItemKind.INDUSTRY:
            industry.setdefault(item.field_id, {"field": item.field, "items": []})["items"].append(item)
    return render(request, "portal/lab_detail.html", {
        "lab": lab, "full": full, "region_path": options.region_path(lab.region_code),
        "basic_items": [i for i in items if i.kind == ScopeItemKind.BASIC],
        "industry_groups": list(industry.values()), "people_counts": selectors.people_counts(lab),
        "people": _people(request, lab, full), "history": _history(request, lab, full),
        "may_decide": can(request.user, "decide", "lab", lab) if request.user.is_authenticated else False,
        "today": timezone.localdate(),
    })


@require_GET
def organization_detail(request: HttpRequest, key: str) -> HttpResponse:
    from certinel.accounts.permissions import can

    org = _get(selectors.organization_get, key)
    full = selectors.may_view_full(request.user, "organization", org)
    return render(request, "portal/organization_detail.html", {
        "org": org, "full": full, "region_path": options.region_path(org.region_code),
        "sites": [s for s in org.sites.all() if s.active], "former_names": list(org.former_names.all()),
        "people_counts": selectors.people_counts(org), "people": _people(request, org, full),
        "history": _history(request, org, full),
        "may_edit": can(request.user, "change", "organization", org) if request.user.is_authenticated else False,
    })
