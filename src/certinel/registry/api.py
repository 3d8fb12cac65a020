"""The open API of the registry: certification bodies, labs and certified organizations.

Anonymous callers see public fields. A caller with a valid API key (or a signed-in session)
also gets the `private` part of a record when the permission matrix allows it; a wrong key
is refused with 401 rather than treated as anonymous (`accounts/auth.py`)."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router

from certinel.accounts.auth import OptionalApiKey
from certinel.accounts.permissions import can
from certinel.core.errors import NotFound

from . import selectors
from .filters import BodyFilters, LabFilters, OrganizationFilters
from .models import CertificationBody, Lab, Organization
from .schemas import (
    BodyDetail,
    BodyPage,
    ErrorOut,
    LabDetail,
    LabPage,
    OrganizationDetail,
    OrganizationPage,
    ValidationErrorOut,
)

router = Router(auth=OptionalApiKey())

LIST_ERRORS: dict[int, Any] = {401: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}
DETAIL_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 429: ErrorOut}


# The keys a detail path takes, as the OpenAPI document states them (`certinel.api` writes
# them in): an id, or the record's public code in either case. Any other key is not found.
KEY_PATTERNS = {
    "get_body": "^(?:[0-9]{1,18}|[Cc][Nn][Cc][Aa]-[Rr](?:-[0-9]{4}-[0-9]{3}|[Ff]-[0-9]{4}-[0-9]{2}))$",
    "get_lab": "^[0-9]{1,18}$",
    "get_organization": "^(?:[0-9]{1,18}|[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18})$",
}


def _checked(key: str, operation: str) -> str:
    if not re.fullmatch(KEY_PATTERNS[operation], key) or not selectors.key_is_usable(key):
        raise NotFound(f"No record {key[:40]!r}.")
    return key


def _user(request: HttpRequest):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _page(page: selectors.Page, items: list[dict]) -> dict:
    return {"items": items, "total": page.total, "total_display": page.total_display, "page": page.page,
            "page_size": page.page_size, "pages": page.pages}


def _region(obj: Any) -> dict:
    return {"code": obj.region_code, "name": obj.region.name if obj.region_id else ""}


def _people_counts(owner: Any) -> list[dict]:
    return [{"kind": k, "label": label, "count": n} for k, label, n in selectors.people_counts(owner)]


def _people(request: HttpRequest, owner: Any) -> list[dict]:
    user = _user(request)
    out = []
    for role in selectors.people_of(owner)[:500]:
        person = role.person
        out.append({
            "name": person.name, "kind": role.kind, "title": role.title, "registration_no": role.registration_no,
            "grade": role.grade, "scheme": role.scheme.code if role.scheme else None,
            "field": role.field.code if role.field else None, "status": role.status,
            "valid_from": role.valid_from, "valid_until": role.valid_until,
            "phone": person.phone if can(user, "view", "person", person) else person.masked_phone,
        })
    return out


# --- Certification bodies ------------------------------------------------------------------

def _body_summary(body: CertificationBody) -> dict:
    return {"id": body.pk, "approval_no": body.approval_no, "name": body.name, "name_en": body.name_en,
            "uscc": body.uscc, "accreditation_no": body.accreditation_no, "region": _region(body),
            "status": body.status, "status_label": str(body.get_status_display()),
            "approval_valid_until": body.approval_valid_until}


@router.get("/bodies", response={200: BodyPage, **LIST_ERRORS}, tags=["certification bodies"],
            summary="List and search certification bodies")
def list_bodies(request: HttpRequest, filters: Query[BodyFilters]):
    """Certification bodies, ordered by approval number. `q` matches part of the name, or a
    whole approval number, USCC or accreditation number; `scheme` and `iaf_sector` keep the
    bodies approved (now) for that scheme or sector."""
    page = selectors.body_list(filters=filters)
    return _page(page, [_body_summary(b) for b in page.items])


@router.get("/bodies/{key}", response={200: BodyDetail, **DETAIL_ERRORS}, tags=["certification bodies"],
            summary="One certification body, by id or approval number")
def get_body(request: HttpRequest,
             key: str = Path(..., description="The body's id or its approval number.",
                             examples=["CNCA-R-2005-971"])):
    """A body with its approval, accreditation, status and approved scopes. `private` (the
    body's people) is filled for the body's own operators and the regulators of its region."""
    body = selectors.body_get(key=_checked(key, "get_body"))
    full = selectors.may_view_full(_user(request), "body", body)
    scopes = [{"scheme": s.scheme.code, "scheme_name": s.scheme.name,
               "iaf_sector": s.iaf_sector.number if s.iaf_sector_id else None,
               "iaf_sector_name": s.iaf_sector.name if s.iaf_sector_id else None,
               "ccc_product_code": s.ccc_product_code or None, "granted_on": s.granted_on}
              for s in body.active_scopes]  # type: ignore[attr-defined]  # prefetched by body_get
    return {**_body_summary(body), "approval_date": body.approval_date, "address": body.address,
            "website": body.website, "phone": body.phone, "legal_representative": body.legal_representative,
            "foreign": body.foreign, "credit_grade": body.credit_grade, "status_reason": body.status_reason,
            "status_changed_on": body.status_changed_on, "scopes": scopes, "people_counts": _people_counts(body),
            "private": {"people": _people(request, body)} if full else None}


# --- Labs --------------------------------------------------------------------------------

def _lab_summary(lab: Lab) -> dict:
    return {"id": lab.pk, "cma_no": lab.cma_no, "name": lab.name, "name_en": lab.name_en, "uscc": lab.uscc,
            "region": _region(lab), "status": lab.status, "status_label": str(lab.get_status_display()),
            "cma_valid_until": lab.cma_valid_until}


@router.get("/labs", response={200: LabPage, **LIST_ERRORS}, tags=["labs"],
            summary="List and search inspection and testing bodies")
def list_labs(request: HttpRequest, filters: Query[LabFilters]):
    """Labs with a CMA qualification, ordered by CMA number. `q` matches part of the name, or a
    whole CMA number or USCC; `field` keeps the labs qualified in that field."""
    page = selectors.lab_list(filters=filters)
    return _page(page, [_lab_summary(lab) for lab in page.items])


@router.get("/labs/{key}", response={200: LabDetail, **DETAIL_ERRORS}, tags=["labs"],
            summary="One lab, by id or CMA number")
def get_lab(request: HttpRequest,
            key: str = Path(..., description="The lab's id or its 12-digit CMA certificate number.",
                            examples=["233009212253"])):
    """A lab with its CMA qualification, fields and qualified scope (basic requirements plus
    industry-specific requirements)."""
    lab = selectors.lab_get(key=_checked(key, "get_lab"))
    full = selectors.may_view_full(_user(request), "lab", lab)
    scope = [{"kind": i.kind, "field": {"code": i.field.code, "name": i.field.name}, "item": i.item,
              "standard": i.standard, "granted_on": i.granted_on}
             for i in lab.active_scope_items]  # type: ignore[attr-defined]  # prefetched by lab_get
    return {**_lab_summary(lab), "cma_issued_on": lab.cma_issued_on, "address": lab.address, "phone": lab.phone,
            "credit_grade": lab.credit_grade, "status_reason": lab.status_reason,
            "status_changed_on": lab.status_changed_on,
            "fields": [{"code": f.code, "name": f.name} for f in lab.fields.all()], "scope": scope,
            "people_counts": _people_counts(lab), "private": {"people": _people(request, lab)} if full else None}


# --- Organizations ------------------------------------------------------------------------

def _org_summary(org: Organization) -> dict:
    industry = {"code": org.industry.code, "name": org.industry.name} if org.industry else None
    return {"id": org.pk, "uscc": org.uscc, "name": org.name, "name_en": org.name_en, "region": _region(org),
            "industry": industry, "size_class": org.size_class or None, "status": org.status,
            "status_label": str(org.get_status_display())}


@router.get("/organizations", response={200: OrganizationPage, **LIST_ERRORS}, tags=["organizations"],
            summary="Search certified organizations")
def list_organizations(request: HttpRequest, filters: Query[OrganizationFilters]):
    """Organizations by name (two characters or more of the current, former or English name,
    best matches first) or by the beginning of a USCC (six characters or more), narrowed by
    region, industry, size and status. Without `q`, the newest first."""
    page = selectors.organization_search(filters=filters)
    return _page(page, [_org_summary(o) for o in page.items])


@router.get("/organizations/{key}", response={200: OrganizationDetail, **DETAIL_ERRORS}, tags=["organizations"],
            summary="One organization, by id or USCC")
def get_organization(request: HttpRequest,
                     key: str = Path(..., description="The organization's id or its 18-character unified social "
                                                      "credit code.", examples=["913201024B3XJ56N9P"])):
    """An organization with its names (former names too), region, industry, size and sites.
    Contact details and people are in `private`, for its own users and its regulators only."""
    org = selectors.organization_get(key=_checked(key, "get_organization"))
    full = selectors.may_view_full(_user(request), "organization", org)
    sites = [{"kind": s.kind, "kind_label": str(s.get_kind_display()), "name": s.name, "address": s.address,
              "region_code": s.region_code} for s in org.sites.all() if s.active]
    private = None
    if full:
        private = {"contact_phone": org.contact_phone, "contact_email": org.contact_email,
                   "people": _people(request, org)}
    return {**_org_summary(org), "address": org.address,
            "former_names": [{"name": n.name, "used_until": n.used_until} for n in org.former_names.all()],
            "sites": sites, "people_counts": _people_counts(org), "private": private}
