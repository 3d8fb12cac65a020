"""Shared pieces of the registry services: looking up reference codes and checking
identifiers, each failure a FieldError naming the field."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from certinel.core.errors import ErrorList, FieldError, ValidationFailed
from certinel.reference.models import Industry, LabField, Region, Scheme

IDENTIFIER_CHECKS = {
    "uscc": "validate_uscc",
    "cb-approval": "validate_cb_approval",
    "cma": "validate_cma",
}


def today() -> dt.date:
    return timezone.localdate()


def check_identifier(errors: ErrorList, kind: str, field: str, value: str) -> None:
    """Validate an identifier with the reference validators; add an error naming the
    character position and the reason."""
    from certinel.reference import identifiers

    try:
        getattr(identifiers, IDENTIFIER_CHECKS[kind])(value)
    except identifiers.IdentifierError as exc:
        errors.add(field, exc.localized(), "invalid_identifier")


def region_for(code: str, *, field: str = "region_code", on: dt.date | None = None) -> Region:
    region = Region.objects.current(on).filter(code=code).first() if code else None
    if region is None:
        raise ValidationFailed(FieldError(field, _("'%(code)s' is not a current administrative division code "
                                                   "(GB/T 2260).") % {"code": code}, "unknown_region"))
    return region


def industry_for(code: str | None, *, field: str = "industry_code") -> Industry | None:
    if not code:
        return None
    industry = Industry.objects.filter(code=code).order_by("-edition").first()
    if industry is None:
        raise ValidationFailed(FieldError(field, _("'%(code)s' is not an industry code of GB/T 4754.")
                                          % {"code": code}, "unknown_industry"))
    return industry


def scheme_for(code: str, *, field: str = "scheme") -> Scheme:
    scheme = Scheme.objects.filter(code=code).first()
    if scheme is None:
        raise ValidationFailed(FieldError(field, _("'%(code)s' is not a known certification scheme.")
                                          % {"code": code}, "unknown_scheme"))
    return scheme


def lab_field_for(code: str, *, field: str = "field") -> LabField:
    found = LabField.objects.filter(code=code).first()
    if found is None:
        raise ValidationFailed(FieldError(field, _("'%(code)s' is not a known inspection and testing field.")
                                          % {"code": code}, "unknown_field"))
    return found


def require_text(errors: ErrorList, field: str, value: str | None, label: str) -> None:
    """`label` names the field in the active language (the caller translates it)."""
    if not (value or "").strip():
        errors.add(field, _("%(label)s is required.") % {"label": label}, "required")


PAST_TENSE = {"suspend": "suspended", "reinstate": "reinstated", "revoke": "revoked", "cancel": "cancelled",
              "deregister": "deregistered", "restore": "restored", "end": "ended", "ban": "banned"}


def decide(*, actor, obj, kind: str, transitions, action: str, reason: str, on: dt.date | None,
           event: str, permission_obj=None, dated: bool = True, permission: str = "decide", apply=None):
    """A status decision: lock the row, check permission and the transition, save, record.
    `event` is the prefix of the history action (`body` gives `body_suspended`); `apply` may
    set further fields before the save."""
    from django.db import transaction

    from certinel.accounts.permissions import require
    from certinel.core.history import record_change, snapshot
    from certinel.core.services import lock

    if not (reason or "").strip():
        raise ValidationFailed(FieldError("reason", _("A reason is required for this decision."), "required"))
    with transaction.atomic():
        obj = lock(type(obj), obj.pk)
        require(actor, permission, kind, permission_obj(obj) if permission_obj else obj)
        new_status = transitions.target(action, obj.status)
        before = snapshot(obj)
        obj.status = new_status
        if dated:
            obj.status_reason, obj.status_changed_on = reason.strip(), on or today()
        if apply is not None:
            apply(obj)
        obj.save()
        record_change(actor=actor, action=f"{event}_{PAST_TENSE[action]}", obj=obj, before=before,
                      after=snapshot(obj), reason=reason.strip())
    return obj


def withdraw(*, actor, obj, kind: str, owner_of, reason: str, on: dt.date | None, event: str):
    """End an approved scope line (sets `withdrawn_on`), with the owner's `decide` permission."""
    from django.db import transaction

    from certinel.accounts.permissions import require
    from certinel.core.history import record_change, snapshot
    from certinel.core.services import lock

    if not (reason or "").strip():
        raise ValidationFailed(FieldError("reason", _("A reason is required for this decision."), "required"))
    with transaction.atomic():
        obj = lock(type(obj), obj.pk)
        owner = owner_of(obj)
        require(actor, "decide", kind, owner)
        if obj.withdrawn_on is not None:
            raise ValidationFailed(FieldError("scope", _("This scope was already withdrawn."), "already_withdrawn"))
        before = snapshot(obj)
        obj.withdrawn_on = on or today()
        obj.save()
        record_change(actor=actor, action=event, obj=obj, before=before, after=snapshot(obj),
                      reason=reason.strip(), region_code=owner.region_code)
    return obj
