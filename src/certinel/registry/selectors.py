"""Reads of the registry for the portal and the API. Public reads need no user; fuller
reads are narrowed by the permission matrix."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Prefetch, Q, QuerySet

from certinel.accounts.permissions import can, scope
from certinel.core.errors import NotFound
from certinel.core.history import history_for
from certinel.core.models import ChangeRecord
from certinel.core.regions import within_region

from .filters import BodyFilters, LabFilters, OrganizationFilters
from .models import BodyScope, CertificationBody, Lab, LabScopeItem, Organization, PersonRole
from .search import organization_ids_matching

T = TypeVar("T")
_CODE = re.compile(r"^[0-9A-Z]{6,18}$")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int
    total_is_lower_bound: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def total_display(self) -> str:
        return f"{self.total:,}+" if self.total_is_lower_bound else f"{self.total:,}"


def _page(qs: QuerySet, filters: Any) -> Page:
    total = qs.count()
    start = (filters.page - 1) * filters.page_size
    return Page(list(qs[start:start + filters.page_size]), total, filters.page, filters.page_size)


def body_list(*, filters: BodyFilters) -> Page[CertificationBody]:
    qs = CertificationBody.objects.select_related("region").order_by("approval_no")
    if filters.q:
        q = filters.q
        qs = qs.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(approval_no__iexact=q)
                       | Q(uscc__iexact=q) | Q(accreditation_no__iexact=q))
    if filters.region:
        qs = qs.filter(within_region(filters.region))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.scheme or filters.iaf_sector:
        scopes = BodyScope.objects.filter(withdrawn_on__isnull=True)
        if filters.scheme:
            scopes = scopes.filter(scheme__code__iexact=filters.scheme)
        if filters.iaf_sector:
            scopes = scopes.filter(iaf_sector__number=filters.iaf_sector)
        qs = qs.filter(pk__in=scopes.values("body_id"))
    return _page(qs, filters)


def _id_or_none(text: str) -> int | None:
    """An integer primary key, or None when the text cannot be one (too long for a bigint)."""
    return int(text) if text.isdigit() and len(text) <= 18 else None


def body_get(*, key: str | int) -> CertificationBody:
    """A body by id or approval number."""
    text = str(key)
    lookup = Q(pk=_id_or_none(text)) if text.isdigit() else Q(approval_no=text)
    active = BodyScope.objects.filter(withdrawn_on__isnull=True).select_related("scheme", "iaf_sector")
    body = (CertificationBody.objects.select_related("region")
            .prefetch_related(Prefetch("scopes", queryset=active, to_attr="active_scopes")).filter(lookup).first())
    if body is None:
        raise NotFound(f"No certification body {key}.")
    return body


def lab_list(*, filters: LabFilters) -> Page[Lab]:
    qs = Lab.objects.select_related("region").order_by("cma_no")
    if filters.q:
        q = filters.q
        qs = qs.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(cma_no=q) | Q(uscc__iexact=q))
    if filters.region:
        qs = qs.filter(within_region(filters.region))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.field:
        qs = qs.filter(fields__code=filters.field)
    return _page(qs.distinct(), filters)


def lab_get(*, key: str | int) -> Lab:
    """A lab by id or CMA number (12 digits)."""
    text = str(key)
    lookup = Q(cma_no=text) if len(text) == 12 else Q(pk=_id_or_none(text))
    active = LabScopeItem.objects.filter(withdrawn_on__isnull=True).select_related("field")
    lab = (Lab.objects.select_related("region").prefetch_related(
        "fields", Prefetch("scope_items", queryset=active, to_attr="active_scope_items")).filter(lookup).first())
    if lab is None:
        raise NotFound(f"No lab {key}.")
    return lab


def organization_search(*, filters: OrganizationFilters) -> Page[Organization]:
    qs = Organization.objects.all()
    if filters.region:
        qs = qs.filter(within_region(filters.region))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.size:
        qs = qs.filter(size_class=filters.size)
    if filters.industry:
        qs = qs.filter(industry__code__in=industry_codes_under(filters.industry))
    start = (filters.page - 1) * filters.page_size
    q = filters.q
    if q and _CODE.match(q.upper()) and any(ch.isdigit() for ch in q):
        qs = qs.filter(uscc__startswith=q.upper()).order_by("uscc")
        return _page(qs.select_related("region", "industry"), filters)
    if not q:
        return _page(qs.order_by("-id").select_related("region", "industry"), filters)
    found = organization_ids_matching(q, qs, offset=start, limit=filters.page_size)
    by_id = Organization.objects.select_related("region", "industry").in_bulk(found.ids)
    items = [by_id[i] for i in found.ids if i in by_id]
    return Page(items, found.total, filters.page, filters.page_size, found.total_is_lower_bound)


def industry_codes_under(code: str) -> list[str]:
    """Every GB/T 4754 code at or below a section letter or a numeric code."""
    from certinel.reference.models import Industry

    if code.isalpha():
        codes, frontier = {code}, [code]
        while frontier:
            frontier = list(Industry.objects.filter(parent_code__in=frontier).values_list("code", flat=True))
            codes |= set(frontier)
        return sorted(codes)
    return list(Industry.objects.filter(code__startswith=code).values_list("code", flat=True))


def organization_get(*, key: str | int) -> Organization:
    """An organization by id or USCC."""
    text = str(key).upper()
    lookup = Q(uscc=text) if len(text) == 18 else Q(pk=_id_or_none(text))
    org = (Organization.objects.select_related("region", "industry")
           .prefetch_related("former_names", "sites__region").filter(lookup).first())
    if org is None:
        raise NotFound(f"No organization {key}.")
    return org


def people_of(owner: CertificationBody | Lab | Organization) -> QuerySet[PersonRole]:
    field = {CertificationBody: "body", Lab: "lab", Organization: "organization"}[type(owner)]
    return (PersonRole.objects.filter(**{field: owner}).select_related("person", "scheme", "field")
            .order_by("kind", "person__name"))


def may_view_full(user, kind: str, obj: Any) -> bool:
    return user is not None and user.is_authenticated and can(user, "view", kind, obj)


def history_visible(*, user, obj: Any) -> QuerySet[ChangeRecord]:
    """The change history of an object, as far as this user may see it."""
    return scope(user, "view", "history", history_for(obj))


# --- Appended for the portal and the open API -------------------------------------------------

_MAX_PK = 2**63 - 1


def key_is_usable(key: str) -> bool:
    """Whether a path key can be looked up at all: an all-digit key beyond the range of a
    database id would make the database raise instead of finding nothing."""
    text = str(key).strip()
    return bool(text) and len(text) <= 64 and not (text.isdigit() and int(text) > _MAX_PK)


def people_counts(owner: CertificationBody | Lab | Organization) -> list[tuple[str, str, int]]:
    """How many people hold an active role with this owner, by kind: (kind, label, count).
    Public: counts only, no personal data."""
    from django.db.models import Count

    from .choices import PersonRoleKind, RoleStatus

    rows = (people_of(owner).filter(status=RoleStatus.ACTIVE).order_by().values("kind")
            .annotate(n=Count("person_id", distinct=True)))
    labels = dict(PersonRoleKind.choices)
    return sorted(((r["kind"], str(labels.get(r["kind"], r["kind"])), r["n"]) for r in rows),
                  key=lambda t: list(labels).index(t[0]) if t[0] in labels else 99)


CHANGE_MODELS = {
    "body": ("registry", ("certificationbody", "bodyscope")),
    "lab": ("registry", ("lab", "labscopeitem")),
    "organization": ("registry", ("organization", "organizationname", "site")),
    "person": ("registry", ("person", "personrole")),
    "account": ("accounts", ("user", "apikey")),
}


def changes_visible(*, user, filters: Any) -> Page[ChangeRecord]:
    """The recent changes this user may see (a regulator: their jurisdiction; a body, lab or
    organization: its own record), newest first, narrowed by `ChangeFilters`."""
    import datetime as dt

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    since = timezone.now() - dt.timedelta(days=filters.days)
    qs = scope(user, "view", "history", ChangeRecord.objects.filter(time__gte=since))
    if filters.kind:
        app, models = CHANGE_MODELS[filters.kind]
        qs = qs.filter(content_type__in=ContentType.objects.filter(app_label=app, model__in=models))
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.region:
        qs = qs.filter(within_region(filters.region))
    return _page(qs.select_related("content_type").order_by("-time", "-id"), filters)
