"""Certification bodies: approval, details, status and approved scopes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from certinel.accounts.models import Role
from certinel.accounts.permissions import SELF_EDITABLE, require
from certinel.core.actor import Actor
from certinel.core.bulk import create_objects
from certinel.core.errors import ErrorList, FieldError, ValidationFailed
from certinel.core.history import change_record, record_change, record_changes, snapshot
from certinel.core.services import apply_changes, lock, validate_model
from certinel.reference.choices import ScopeKind
from certinel.reference.models import IAFSector

from ..models import BodyScope, CertificationBody
from ..transitions import BODY
from .common import check_identifier, decide, region_for, require_text, scheme_for, today, withdraw

BODY_FIELDS = ("name", "name_en", "uscc", "approval_no", "approval_date", "approval_valid_until",
               "accreditation_no", "address", "website", "phone", "legal_representative", "foreign")


def body_create(*, actor: Actor, name: str, uscc: str, approval_no: str, approval_date: dt.date,
                region_code: str, address: str, name_en: str = "", accreditation_no: str = "",
                website: str = "", phone: str = "", legal_representative: str = "",
                approval_valid_until: dt.date | None = None, foreign: bool = False) -> CertificationBody:
    errors = ErrorList()
    require_text(errors, "name", name, _("The body's name"))
    require_text(errors, "address", address, _("The address"))
    check_identifier(errors, "uscc", "uscc", uscc)
    check_identifier(errors, "cb-approval", "approval_no", approval_no)
    if approval_valid_until and approval_valid_until <= approval_date:
        errors.add("approval_valid_until", _("The approval must end after it was granted."), "date_order")
    errors.raise_if_any()
    region = region_for(region_code)
    require(actor, "create", "body", region_code=region.code)
    body = CertificationBody(
        name=name.strip(), name_en=name_en.strip(), uscc=uscc, approval_no=approval_no,
        approval_date=approval_date, approval_valid_until=approval_valid_until,
        accreditation_no=accreditation_no.strip(), region=region, region_code=region.code,
        address=address.strip(), website=website, phone=phone, legal_representative=legal_representative,
        foreign=foreign,
    )
    validate_model(body)
    with transaction.atomic():
        body.save()
        record_change(actor=actor, action="body_approved", obj=body, before=None, after=snapshot(body))
        # Every body signs from the start: its e-certificates and its entries in the log.
        from certinel.credentials.services import signing_key_create

        signing_key_create(actor=actor, body=body)
    return body


def body_update(*, actor: Actor, body: CertificationBody, reason: str = "", **changes) -> CertificationBody:
    """Change a body's details. Its own operators may change only its contact details."""
    with transaction.atomic():
        body = lock(CertificationBody, body.pk)
        require(actor, "change", "body", body)
        own_operator = actor.user is not None and actor.user.role == Role.CB_OPERATOR
        allowed = SELF_EDITABLE["body"] if own_operator else (*BODY_FIELDS, "region_code")
        before = snapshot(body)
        region_code = changes.pop("region_code", None)
        if region_code is not None and "region_code" in allowed and region_code != body.region_code:
            region = region_for(region_code)
            body.region, body.region_code = region, region.code
        elif region_code is not None and "region_code" not in allowed:
            raise ValidationFailed(FieldError("region_code", _("This field cannot be changed here."),
                                              "not_editable"))
        apply_changes(body, changes, allowed=allowed)
        errors = ErrorList()
        if "uscc" in changes:
            check_identifier(errors, "uscc", "uscc", body.uscc)
        if "approval_no" in changes:
            check_identifier(errors, "cb-approval", "approval_no", body.approval_no)
        errors.raise_if_any()
        validate_model(body)
        body.save()
        after = snapshot(body)
        if after != before:
            record_change(actor=actor, action="body_updated", obj=body, before=before, after=after, reason=reason)
    return body


def _body_decide(*, actor: Actor, body: CertificationBody, action: str, reason: str,
                 on: dt.date | None) -> CertificationBody:
    return decide(actor=actor, obj=body, kind="body", transitions=BODY, action=action, reason=reason, on=on,
                  event="body")


def body_suspend(*, actor: Actor, body: CertificationBody, reason: str, on: dt.date | None = None):
    return _body_decide(actor=actor, body=body, action="suspend", reason=reason, on=on)


def body_reinstate(*, actor: Actor, body: CertificationBody, reason: str, on: dt.date | None = None):
    return _body_decide(actor=actor, body=body, action="reinstate", reason=reason, on=on)


def body_revoke(*, actor: Actor, body: CertificationBody, reason: str, on: dt.date | None = None):
    return _body_decide(actor=actor, body=body, action="revoke", reason=reason, on=on)


def body_cancel(*, actor: Actor, body: CertificationBody, reason: str, on: dt.date | None = None):
    return _body_decide(actor=actor, body=body, action="cancel", reason=reason, on=on)


@dataclass(frozen=True)
class ScopeGrant:
    """One scope to approve a body for (see `body_scope_grant`)."""

    scheme_code: str
    iaf_sector: int | None = None
    ccc_product_code: str = ""
    granted_on: dt.date | None = None


def body_scope_grant(*, actor: Actor, body: CertificationBody, scheme_code: str, iaf_sector: int | None = None,
                     ccc_product_code: str = "", granted_on: dt.date | None = None) -> BodyScope:
    """Approve a body for a scheme, narrowed to an IAF sector (management systems) or a CCC
    product (compulsory certification) where the scheme's scope is coded that way."""
    return body_scopes_grant(actor=actor, body=body, scopes=[ScopeGrant(scheme_code, iaf_sector, ccc_product_code,
                                                                        granted_on)])[0]


def body_scopes_grant(*, actor: Actor, body: CertificationBody, scopes: list[ScopeGrant]) -> list[BodyScope]:
    """Approve a body for several scopes at once: each checked as `body_scope_grant` checks it
    (all refused if one is wrong, every problem named), written in one transaction with one
    history record each, logged in one batch."""
    errors = ErrorList()
    resolved = [_resolve_scope(errors, grant, row=n if len(scopes) > 1 else None)
                for n, grant in enumerate(scopes, start=1)]
    errors.raise_if_any()
    keys = [(scheme.pk, sector.pk if sector else None, grant.ccc_product_code)
            for grant, (scheme, sector) in zip(scopes, resolved, strict=True)]
    if len(set(keys)) != len(keys):
        raise ValidationFailed(FieldError("scheme", _("The same scope is asked for twice."), "duplicate"))
    with transaction.atomic():
        body = lock(CertificationBody, body.pk)
        require(actor, "decide", "body", body)
        if body.status != "approved":
            raise ValidationFailed(FieldError("body", _("Only a body whose approval is in force can be granted "
                                                        "a scope."), "body_not_approved"))
        active = set(BodyScope.objects.filter(body=body, withdrawn_on__isnull=True)
                     .values_list("scheme_id", "iaf_sector_id", "ccc_product_code"))
        if active & set(keys):
            raise ValidationFailed(FieldError("scheme", _("The body is already approved for this scope."),
                                              "duplicate"))
        created = [BodyScope(body=body, scheme=scheme, iaf_sector=sector, ccc_product_code=grant.ccc_product_code,
                             granted_on=grant.granted_on or today())
                   for grant, (scheme, sector) in zip(scopes, resolved, strict=True)]
        create_objects(created)
        content_type = ContentType.objects.get_for_model(BodyScope)
        record_changes([change_record(actor=actor, action="body_scope_granted", obj=scope, before=None,
                                      after=snapshot(scope), region_code=body.region_code, content_type=content_type)
                        for scope in created])
    return created


def _resolve_scope(errors: ErrorList, grant: ScopeGrant, *, row: int | None):
    """The scheme and IAF sector a grant names, with what is wrong with it added to `errors`."""
    scheme = scheme_for(grant.scheme_code)
    iaf_sector, ccc_product_code = grant.iaf_sector, grant.ccc_product_code
    sector = None
    if scheme.scope_kind == ScopeKind.IAF:
        if iaf_sector is not None:
            sector = IAFSector.objects.filter(number=iaf_sector).first()
            if sector is None:
                errors.add("iaf_sector", _("%(sector)s is not an IAF sector (1–39).") % {"sector": iaf_sector},
                           "unknown_sector")
    elif iaf_sector is not None:
        errors.add("iaf_sector", _("Scheme %(scheme)s is not scoped by IAF sector.") % {"scheme": scheme.code},
                   "not_applicable")
    if ccc_product_code:
        if scheme.scope_kind != ScopeKind.CCC_PRODUCT:
            errors.add("ccc_product_code", _("Scheme %(scheme)s is not scoped by CCC product.")
                       % {"scheme": scheme.code}, "not_applicable")
        else:
            from certinel.reference.selectors import ccc_code_exists

            if not ccc_code_exists(ccc_product_code):
                errors.add("ccc_product_code", _("'%(code)s' is not a product of the current CCC catalogue.")
                           % {"code": ccc_product_code}, "not_in_catalogue")
    if row is not None:
        for error in errors.errors:
            if error.row is None:
                error.row = row
    return scheme, sector


def body_scope_withdraw(*, actor: Actor, scope: BodyScope, reason: str, on: dt.date | None = None) -> BodyScope:
    return withdraw(actor=actor, obj=scope, kind="body", owner_of=lambda s: s.body, reason=reason, on=on,
                    event="body_scope_withdrawn")
