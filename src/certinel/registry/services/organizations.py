"""Certified organizations: registration, details, renames (former names kept), sites."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from certinel.accounts.models import Role
from certinel.accounts.permissions import SELF_EDITABLE, require
from certinel.core.actor import Actor
from certinel.core.errors import ErrorList, FieldError, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import apply_changes, lock, validate_model

from ..choices import SiteKind, SizeClass
from ..models import Organization, OrganizationName, Site
from ..search import index_organization
from ..transitions import ORGANIZATION
from .common import check_identifier, decide, industry_for, region_for, require_text, today

ORG_FIELDS = ("name", "name_en", "address", "contact_phone", "contact_email", "industry", "size_class")


def _check_size(errors: ErrorList, size_class: str) -> None:
    if size_class and size_class not in SizeClass.values:
        errors.add("size_class", _("'%(value)s' must be one of: %(choices)s.")
                   % {"value": size_class, "choices": ", ".join(SizeClass.values)}, "invalid_choice")


def organization_create(*, actor: Actor, uscc: str, name: str, region_code: str, address: str,
                        name_en: str = "", industry_code: str | None = None, size_class: str = "",
                        contact_phone: str = "", contact_email: str = "") -> Organization:
    errors = ErrorList()
    require_text(errors, "name", name, _("The organization's name"))
    require_text(errors, "address", address, _("The registered address"))
    check_identifier(errors, "uscc", "uscc", uscc)
    _check_size(errors, size_class)
    errors.raise_if_any()
    region = region_for(region_code)
    industry = industry_for(industry_code)
    require(actor, "create", "organization", region_code=region.code)
    org = Organization(uscc=uscc, name=name.strip(), name_en=name_en.strip(), region=region,
                       region_code=region.code, industry=industry, size_class=size_class, address=address.strip(),
                       contact_phone=contact_phone, contact_email=contact_email)
    validate_model(org)
    with transaction.atomic():
        org.save()
        site = Site.objects.create(organization=org, kind=SiteKind.REGISTERED, address=org.address, region=region,
                                   region_code=region.code)
        index_organization(org, former=[])
        record_change(actor=actor, action="organization_registered", obj=org, before=None, after=snapshot(org))
        # Every row of the public register has its own leaf in the log, the registered site too.
        record_change(actor=actor, action="organization_site_added", obj=site, before=None, after=snapshot(site),
                      region_code=org.region_code)
    return org


def organization_update(*, actor: Actor, organization: Organization, reason: str = "",
                        industry_code: str | None = None, renamed_on: dt.date | None = None,
                        **changes) -> Organization:
    """Change an organization's details. A new name keeps the old one as a former name, so
    that searches and old certificates still find it."""
    with transaction.atomic():
        org = lock(Organization, organization.pk)
        require(actor, "change", "organization", org)
        own_user = actor.user is not None and actor.user.role == Role.ORG_USER
        allowed = SELF_EDITABLE["organization"] if own_user else ORG_FIELDS
        if industry_code is not None:
            changes["industry"] = industry_for(industry_code)
        errors = ErrorList()
        _check_size(errors, changes.get("size_class", ""))
        errors.raise_if_any()
        before = snapshot(org)
        old_name = org.name
        apply_changes(org, changes, allowed=allowed)
        org.name = org.name.strip()
        validate_model(org)
        org.save()
        former = None
        if org.name != old_name:
            former = OrganizationName.objects.create(organization=org, name=old_name,
                                                     used_until=renamed_on or today())
        if org.name != old_name or "name_en" in changes:
            index_organization(org)
        after = snapshot(org)
        if after != before:
            record_change(actor=actor, action="organization_renamed" if org.name != old_name
                          else "organization_updated", obj=org, before=before, after=after, reason=reason)
        if former is not None:
            record_change(actor=actor, action="organization_former_name_added", obj=former, before=None,
                          after=snapshot(former), reason=reason, region_code=org.region_code)
    return org


def organization_deregister(*, actor: Actor, organization: Organization, reason: str,
                            on: dt.date | None = None) -> Organization:
    return decide(actor=actor, obj=organization, kind="organization", transitions=ORGANIZATION,
                  action="deregister", reason=reason, on=on, event="organization", dated=False)


def organization_restore(*, actor: Actor, organization: Organization, reason: str,
                         on: dt.date | None = None) -> Organization:
    return decide(actor=actor, obj=organization, kind="organization", transitions=ORGANIZATION,
                  action="restore", reason=reason, on=on, event="organization", dated=False)


def site_add(*, actor: Actor, organization: Organization, kind: str, address: str, region_code: str,
             name: str = "") -> Site:
    errors = ErrorList()
    if kind not in SiteKind.values:
        errors.add("kind", _("'%(value)s' must be one of: %(choices)s.")
                   % {"value": kind, "choices": ", ".join(SiteKind.values)}, "invalid_choice")
    require_text(errors, "address", address, _("The site's address"))
    errors.raise_if_any()
    region = region_for(region_code)
    with transaction.atomic():
        org = lock(Organization, organization.pk)
        require(actor, "change", "organization", org)
        site = Site(organization=org, kind=kind, name=name.strip(), address=address.strip(), region=region,
                    region_code=region.code)
        validate_model(site)
        site.save()
        record_change(actor=actor, action="organization_site_added", obj=site, before=None, after=snapshot(site),
                      region_code=org.region_code)
    return site


def site_deactivate(*, actor: Actor, site: Site, reason: str = "") -> Site:
    with transaction.atomic():
        site = lock(Site, site.pk)
        require(actor, "change", "organization", site.organization)
        if not site.active:
            raise ValidationFailed(FieldError("site", _("This site is already inactive."), "already_inactive"))
        if site.kind == SiteKind.REGISTERED:
            raise ValidationFailed(FieldError("site", _("The registered address cannot be removed; change the "
                                                        "organization's address instead."), "registered_site"))
        before = snapshot(site)
        site.active = False
        site.save()
        record_change(actor=actor, action="organization_site_removed", obj=site, before=before,
                      after=snapshot(site), reason=reason, region_code=site.organization.region_code)
    return site


def organizations_register_many(*, actor: Actor, rows: list[dict]) -> list[Organization]:
    """Register many organizations at once (bodies reporting certificates of new clients,
    bulk loads): the same rows, registered sites, search index and history as
    `organization_create`, written in bulk. Each row: uscc, name, region_code, address and
    optionally name_en, industry_code, size_class, row (for error reports). Refuses the whole
    list if any row is wrong, naming every problem."""
    from django.contrib.contenttypes.models import ContentType

    from certinel.core.bulk import create_objects, insert_rows
    from certinel.core.history import change_record, record_changes
    from certinel.reference.models import Region

    from ..models import NameGram
    from ..search import index_rows

    errors = ErrorList()
    regions = {r.code: r for r in Region.objects.current().filter(code__in={r["region_code"] for r in rows})}
    for r in rows:
        row = r.get("row")
        check_identifier(errors, "uscc", "uscc", r["uscc"])
        if r["region_code"] not in regions:
            errors.add("region_code", _("'%(code)s' is not a current administrative division code "
                                        "(GB/T 2260).") % {"code": r["region_code"]}, "unknown_region", row)
        if not (r.get("name") or "").strip():
            errors.add("name", _("%(label)s is required.") % {"label": _("The organization's name")}, "required",
                       row)
        if not (r.get("address") or "").strip():
            errors.add("address", _("%(label)s is required.") % {"label": _("The registered address")},
                       "required", row)
        _check_size(errors, r.get("size_class", ""))
        if errors.errors and errors.errors[-1].row is None:
            errors.errors[-1].row = row
    errors.raise_if_any()
    for region_code in regions:
        require(actor, "create", "organization", region_code=region_code)
    industries = {code: industry_for(code) for code in {r.get("industry_code") for r in rows} if code}
    orgs = [Organization(uscc=r["uscc"], name=r["name"].strip(), name_en=(r.get("name_en") or "").strip(),
                         region=regions[r["region_code"]], region_code=r["region_code"],
                         industry=industries.get(r.get("industry_code")), size_class=r.get("size_class", ""),
                         address=r["address"].strip()) for r in rows]
    with transaction.atomic():
        duplicates = set(Organization.objects.filter(uscc__in=[o.uscc for o in orgs]).values_list("uscc", flat=True))
        if duplicates:
            raise ValidationFailed([FieldError("uscc", _("%(uscc)s is already registered.") % {"uscc": u},
                                               "duplicate") for u in sorted(duplicates)])
        create_objects(orgs)
        sites = [Site(organization=o, kind=SiteKind.REGISTERED, address=o.address, region=o.region,
                      region_code=o.region_code) for o in orgs]
        create_objects(sites)
        insert_rows(NameGram, ["gram", "organization_id"],
                    [row for o in orgs for row in index_rows(o.pk, [o.name, o.name_en], region_code=o.region_code)])
        site_type = ContentType.objects.get_for_model(Site)
        records = []
        for org, site in zip(orgs, sites, strict=True):
            records.append(change_record(actor=actor, action="organization_registered", obj=org, before=None,
                                         after=snapshot(org)))
            records.append(change_record(actor=actor, action="organization_site_added", obj=site, before=None,
                                         after=snapshot(site), region_code=org.region_code, content_type=site_type))
        record_changes(records)
    return orgs
