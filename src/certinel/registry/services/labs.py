"""Inspection and testing bodies (labs): CMA qualification, details, status and scope."""

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

from ..choices import ScopeItemKind
from ..models import Lab, LabScopeItem
from ..transitions import LAB
from .common import check_identifier, decide, lab_field_for, region_for, require_text, today, withdraw

LAB_FIELDS = ("name", "name_en", "uscc", "cma_no", "cma_issued_on", "cma_valid_until", "address", "phone")


def lab_create(*, actor: Actor, name: str, uscc: str, cma_no: str, cma_issued_on: dt.date,
               cma_valid_until: dt.date, region_code: str, address: str, name_en: str = "", phone: str = "",
               field_codes: list[str] | None = None) -> Lab:
    errors = ErrorList()
    require_text(errors, "name", name, _("The lab's name"))
    require_text(errors, "address", address, _("The address"))
    check_identifier(errors, "uscc", "uscc", uscc)
    check_identifier(errors, "cma", "cma_no", cma_no)
    if cma_valid_until <= cma_issued_on:
        errors.add("cma_valid_until", _("The qualification must end after it was issued."), "date_order")
    errors.raise_if_any()
    region = region_for(region_code)
    fields = [lab_field_for(code, field="field_codes") for code in field_codes or []]
    require(actor, "create", "lab", region_code=region.code)
    lab = Lab(name=name.strip(), name_en=name_en.strip(), uscc=uscc, cma_no=cma_no, cma_issued_on=cma_issued_on,
              cma_valid_until=cma_valid_until, region=region, region_code=region.code, address=address.strip(),
              phone=phone)
    validate_model(lab)
    with transaction.atomic():
        lab.save()
        lab.fields.set(fields)
        after = snapshot(lab) | {"fields": sorted(f.code for f in fields)}
        record_change(actor=actor, action="lab_qualified", obj=lab, before=None, after=after)
    return lab


def lab_update(*, actor: Actor, lab: Lab, reason: str = "", field_codes: list[str] | None = None,
               **changes) -> Lab:
    with transaction.atomic():
        lab = lock(Lab, lab.pk)
        require(actor, "change", "lab", lab)
        own_operator = actor.user is not None and actor.user.role == Role.LAB_OPERATOR
        allowed = SELF_EDITABLE["lab"] if own_operator else LAB_FIELDS
        before = snapshot(lab) | {"fields": sorted(lab.fields.values_list("code", flat=True))}
        apply_changes(lab, changes, allowed=allowed)
        errors = ErrorList()
        if "uscc" in changes:
            check_identifier(errors, "uscc", "uscc", lab.uscc)
        if "cma_no" in changes:
            check_identifier(errors, "cma", "cma_no", lab.cma_no)
        errors.raise_if_any()
        if field_codes is not None:
            if own_operator:
                raise ValidationFailed(FieldError("field_codes", _("Only the regulator changes a lab's fields."),
                                                  "not_editable"))
            lab.fields.set([lab_field_for(code, field="field_codes") for code in field_codes])
        validate_model(lab)
        lab.save()
        after = snapshot(lab) | {"fields": sorted(lab.fields.values_list("code", flat=True))}
        if after != before:
            record_change(actor=actor, action="lab_updated", obj=lab, before=before, after=after, reason=reason)
    return lab


def _lab_decide(*, actor: Actor, lab: Lab, action: str, reason: str, on: dt.date | None) -> Lab:
    return decide(actor=actor, obj=lab, kind="lab", transitions=LAB, action=action, reason=reason, on=on,
                  event="lab")


def lab_suspend(*, actor: Actor, lab: Lab, reason: str, on: dt.date | None = None) -> Lab:
    return _lab_decide(actor=actor, lab=lab, action="suspend", reason=reason, on=on)


def lab_reinstate(*, actor: Actor, lab: Lab, reason: str, on: dt.date | None = None) -> Lab:
    return _lab_decide(actor=actor, lab=lab, action="reinstate", reason=reason, on=on)


def lab_revoke(*, actor: Actor, lab: Lab, reason: str, on: dt.date | None = None) -> Lab:
    return _lab_decide(actor=actor, lab=lab, action="revoke", reason=reason, on=on)


def lab_cancel(*, actor: Actor, lab: Lab, reason: str, on: dt.date | None = None) -> Lab:
    return _lab_decide(actor=actor, lab=lab, action="cancel", reason=reason, on=on)


def lab_scope_item_add(*, actor: Actor, lab: Lab, kind: str, field_code: str, item: str, standard: str = "",
                       granted_on: dt.date | None = None) -> LabScopeItem:
    """Add a line to a lab's qualified scope: basic requirements, or the industry-specific
    requirements of a field."""
    errors = ErrorList()
    if kind not in ScopeItemKind.values:
        errors.add("kind", _("'%(value)s' must be one of: %(choices)s.")
                   % {"value": kind, "choices": ", ".join(ScopeItemKind.values)}, "invalid_choice")
    require_text(errors, "item", item, _("The object or parameter tested"))
    errors.raise_if_any()
    field = lab_field_for(field_code, field="field_code")
    with transaction.atomic():
        lab = lock(Lab, lab.pk)
        require(actor, "decide", "lab", lab)
        if lab.status != "valid":
            raise ValidationFailed(FieldError("lab", _("Only a lab whose qualification is in force can be granted "
                                                       "scope."), "lab_not_valid"))
        entry = LabScopeItem(lab=lab, kind=kind, field=field, item=item.strip(), standard=standard.strip(),
                             granted_on=granted_on or today())
        validate_model(entry)
        entry.save()
        lab.fields.add(field)
        record_change(actor=actor, action="lab_scope_granted", obj=entry, before=None, after=snapshot(entry),
                      region_code=lab.region_code)
    return entry


def lab_scope_item_withdraw(*, actor: Actor, item: LabScopeItem, reason: str,
                            on: dt.date | None = None) -> LabScopeItem:
    return withdraw(actor=actor, obj=item, kind="lab", owner_of=lambda i: i.lab, reason=reason, on=on,
                    event="lab_scope_withdrawn")
