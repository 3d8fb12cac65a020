"""People: auditors, signatories, chief quality officers, experts, inspectors, reviewers.

Personal data is minimised: an ID number is kept only as a keyed hash (to recognise the same
person twice) and its last four characters."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.core.actor import Actor
from certinel.core.errors import ErrorList, FieldError, ValidationFailed
from certinel.core.history import personal_hash, record_change, snapshot
from certinel.core.services import apply_changes, lock, validate_model

from ..choices import AuditorGrade, PersonRoleKind
from ..models import CertificationBody, Lab, Organization, Person, PersonRole
from ..transitions import PERSON_ROLE
from .common import decide, lab_field_for, region_for, require_text, scheme_for, today

_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_PHONE = re.compile(r"^1\d{10}$")


def id_number_error(value: str) -> str | None:
    """Why a resident ID number (GB 11643) is wrong, or None."""
    if not _ID_NUMBER.match(value):
        return _("it must be 17 digits followed by a digit or X")
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    expected = "10X98765432"[total % 11]
    if value[17] != expected:
        return _("position 18: check character should be %(expected)s, is %(found)s") % {
            "expected": expected, "found": value[17]}
    return None


def person_create(*, actor: Actor, name: str, id_number: str = "", phone: str = "", email: str = "",
                  region_code: str = "", name_en: str = "") -> Person:
    errors = ErrorList()
    require_text(errors, "name", name, _("The person's name"))
    id_number = id_number.strip().upper()
    if id_number and (why := id_number_error(id_number)):
        errors.add("id_number", _("Not a valid resident ID number: %(why)s.") % {"why": why}, "invalid_identifier")
    if phone and not _PHONE.match(phone):
        errors.add("phone", _("A mobile number has 11 digits and starts with 1."), "invalid_phone")
    errors.raise_if_any()
    region = region_for(region_code) if region_code else None
    require(actor, "create", "person")
    id_hash = personal_hash(id_number) if id_number else None
    if id_hash and Person.objects.filter(id_number_hash=id_hash).exists():
        raise ValidationFailed(FieldError("id_number", _("A person with this ID number is already registered."),
                                          "duplicate"))
    person = Person(name=name.strip(), name_en=name_en.strip(), id_number_hash=id_hash,
                    id_number_tail=id_number[-4:] if id_number else "", phone=phone, email=email, region=region)
    validate_model(person, exclude=["id_number_hash"])
    with transaction.atomic():
        person.save()
        record_change(actor=actor, action="person_registered", obj=person, before=None, after=snapshot(person))
    return person


def person_update(*, actor: Actor, person: Person, reason: str = "", **changes) -> Person:
    with transaction.atomic():
        person = lock(Person, person.pk)
        require(actor, "change", "person", person)
        if "phone" in changes and changes["phone"] and not _PHONE.match(changes["phone"]):
            raise ValidationFailed(FieldError("phone", _("A mobile number has 11 digits and starts with 1."),
                                              "invalid_phone"))
        before = snapshot(person)
        region_code = changes.pop("region_code", None)
        if region_code is not None:
            person.region = region_for(region_code) if region_code else None
        apply_changes(person, changes, allowed=("name", "name_en", "phone", "email"))
        validate_model(person, exclude=["id_number_hash"])
        person.save()
        after = snapshot(person)
        if after != before:
            record_change(actor=actor, action="person_updated", obj=person, before=before, after=after,
                          reason=reason)
    return person


# What each kind of role must be attached to.
_ROLE_NEEDS = {
    PersonRoleKind.AUDITOR: ("body", "scheme", "grade", "registration_no"),
    PersonRoleKind.SIGNATORY: ("lab_or_body",),
    PersonRoleKind.CQO: ("organization",),
    PersonRoleKind.EXPERT: (),
    PersonRoleKind.INSPECTOR: ("authority_code",),
    PersonRoleKind.REVIEWER: ("field", "authority_code"),
}


def _need_label(need: str) -> str:
    """What a role must be attached to, in the active language."""
    return {"body": _("a certification body"), "scheme": _("a certification scheme"), "grade": _("a grade"),
            "registration_no": _("a registration number"), "organization": _("an organization"),
            "authority_code": _("a jurisdiction code"), "field": _("an inspection and testing field")
            }.get(need, need.replace("_", " "))


def _check_role(errors: ErrorList, kind: str, values: dict) -> None:
    if kind not in PersonRoleKind.values:
        errors.add("kind", _("'%(value)s' must be one of: %(choices)s.")
                   % {"value": kind, "choices": ", ".join(PersonRoleKind.values)}, "invalid_choice")
        return
    for need in _ROLE_NEEDS[PersonRoleKind(kind)]:
        if need == "lab_or_body":
            if not (values["lab"] or values["body"]):
                errors.add("lab", _("A signatory signs for a lab or a certification body: name one."), "required")
        elif not values[need]:
            errors.add(need, _("A %(role)s needs %(what)s.") % {"role": PersonRoleKind(kind).label,
                                                                 "what": _need_label(need)}, "required")
    if values["grade"] and values["grade"] not in AuditorGrade.values:
        errors.add("grade", _("'%(value)s' must be one of: %(choices)s.")
                   % {"value": values["grade"], "choices": ", ".join(AuditorGrade.values)}, "invalid_choice")
    if values["authority_code"] and not re.fullmatch(r"\d{2}|\d{4}|\d{6}", values["authority_code"]):
        errors.add("authority_code", _("A jurisdiction code has 2, 4 or 6 digits."), "invalid")


def person_role_add(*, actor: Actor, person: Person, kind: str, valid_from: dt.date | None = None,
                    valid_until: dt.date | None = None, body: CertificationBody | None = None,
                    lab: Lab | None = None, organization: Organization | None = None, authority_code: str = "",
                    registration_no: str = "", grade: str = "", scheme_code: str | None = None,
                    field_code: str | None = None, title: str = "") -> PersonRole:
    """Register a person in a capacity. The actor needs to be allowed to change the body,
    lab or organization the role attaches to (or, for inspectors and reviewers, to act in that
    jurisdiction)."""
    values = {"body": body, "lab": lab, "organization": organization, "authority_code": authority_code,
              "registration_no": registration_no.strip(), "grade": grade, "scheme": scheme_code,
              "field": field_code}
    errors = ErrorList()
    _check_role(errors, kind, values)
    valid_from = valid_from or today()
    if valid_until and valid_until <= valid_from:
        errors.add("valid_until", _("The end date must come after the start date."), "date_order")
    errors.raise_if_any()
    scheme = scheme_for(scheme_code) if scheme_code else None
    field = lab_field_for(field_code) if field_code else None
    with transaction.atomic():
        person = lock(Person, person.pk)
        for owner, kind_name in ((body, "body"), (lab, "lab"), (organization, "organization")):
            if owner is not None:
                require(actor, "change", kind_name, owner)
        if authority_code:
            require(actor, "decide", "person", region_code=authority_code)
        if not (body or lab or organization or authority_code):
            require(actor, "decide", "person", person)
        role = PersonRole(person=person, kind=kind, registration_no=registration_no.strip(), grade=grade,
                          scheme=scheme, field=field, body=body, lab=lab, organization=organization,
                          authority_code=authority_code, title=title.strip(), valid_from=valid_from,
                          valid_until=valid_until)
        validate_model(role)
        role.save()
        record_change(actor=actor, action="person_role_added", obj=role, before=None, after=snapshot(role),
                      region_code=role.region_code)
    return role


def _role_decide(actor: Actor, role: PersonRole, action: str, reason: str, on: dt.date | None) -> PersonRole:
    """Suspending, reinstating and banning are the regulator's decisions; ending a role (the
    auditor left the body) may also be done by whoever keeps the person's record."""

    def set_end(r: PersonRole) -> None:
        if action == "end" and r.valid_until is None:
            r.valid_until = on or today()

    return decide(actor=actor, obj=role, kind="person", transitions=PERSON_ROLE, action=action, reason=reason,
                  on=on, event="person_role", permission_obj=lambda r: r.person, dated=False,
                  permission="change" if action == "end" else "decide", apply=set_end)


def person_role_suspend(*, actor: Actor, role: PersonRole, reason: str, on: dt.date | None = None):
    return _role_decide(actor, role, "suspend", reason, on)


def person_role_reinstate(*, actor: Actor, role: PersonRole, reason: str, on: dt.date | None = None):
    return _role_decide(actor, role, "reinstate", reason, on)


def person_role_end(*, actor: Actor, role: PersonRole, reason: str, on: dt.date | None = None):
    return _role_decide(actor, role, "end", reason, on)


def person_role_ban(*, actor: Actor, role: PersonRole, reason: str, on: dt.date | None = None):
    return _role_decide(actor, role, "ban", reason, on)
