"""The directory of inspectors (执法检查人员名录库): regulators add people to it, change their
fields and declared conflicts of interest, and take them off duty. Each change with its history
record and log leaf (a private kind: names stay out of the public log)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.core.actor import Actor
from certinel.core.errors import ErrorList, FieldError, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import lock
from certinel.reference.identifiers import IdentifierError, validate_uscc

from .models import Inspector


def _clean(code: str, name: str, region_code: str, fields: list[str], conflicts: list[str]) -> dict:
    errors = ErrorList()
    for field, value in (("code", code), ("name", name), ("region_code", region_code)):
        if not (value or "").strip():
            errors.add(field, _("This field is required."), "required")
    usccs = []
    for raw in conflicts:
        value = raw.strip().upper()
        if not value:
            continue
        try:
            validate_uscc(value)
        except IdentifierError as exc:
            errors.add("conflicts", f"{value}: {exc}", "invalid")
        usccs.append(value)
    errors.raise_if_any()
    return {"code": code.strip(), "name": name.strip(), "region_code": region_code.strip(),
            "fields": sorted({f.strip() for f in fields if f.strip()}), "conflicts": sorted(set(usccs))}


def inspector_add(*, actor: Actor, code: str, name: str, region_code: str, fields: list[str] | None = None,
                  conflicts: list[str] | None = None) -> Inspector:
    clean = _clean(code, name, region_code, fields or [], conflicts or [])
    require(actor, "change", "inspector", region_code=clean["region_code"])
    with transaction.atomic():
        if Inspector.objects.filter(code=clean["code"]).exists():
            raise ValidationFailed(FieldError("code", _("An inspector with the code %(c)s exists already.")
                                              % {"c": clean["code"]}, "duplicate"))
        inspector = Inspector.objects.create(**clean)
        record_change(actor=actor, action="supervision_inspector_added", obj=inspector, before=None,
                      after=snapshot(inspector))
    return inspector


def inspector_change(*, actor: Actor, inspector: Inspector, fields: list[str] | None = None,
                     conflicts: list[str] | None = None, active: bool | None = None) -> Inspector:
    with transaction.atomic():
        inspector = lock(Inspector, inspector.pk)
        require(actor, "change", "inspector", inspector)
        clean = _clean(inspector.code, inspector.name, inspector.region_code,
                       inspector.fields if fields is None else fields,
                       inspector.conflicts if conflicts is None else conflicts)
        before = snapshot(inspector)
        inspector.fields, inspector.conflicts = clean["fields"], clean["conflicts"]
        if active is not None:
            inspector.active = active
        inspector.save()
        record_change(actor=actor, action="supervision_inspector_changed", obj=inspector, before=before,
                      after=snapshot(inspector))
    return inspector
