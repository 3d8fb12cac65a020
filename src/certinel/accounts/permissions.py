"""Who may see and change what: the permission matrix, as data.

Public fields of bodies, labs and organizations are open to everyone, anonymous included, and
are not listed here. The matrix governs the rest: full records (contact details, people's
data, history), changes, status decisions and API keys.

Each entry maps (kind, action) to the rule that applies for each role:
  ALL           any object of that kind
  OWN           only what the user acts for (their organization, body or lab, and its people)
  JURISDICTION  only objects whose region code lies inside the regulator's jurisdiction
A role missing from an entry may not do it. The system administrator may do everything; the
system itself (demo builder, scheduled jobs, command line) acts with `Actor.system()`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted
from certinel.core.regions import within_region

from .models import Role, User


class Rule(Enum):
    ALL = "all"
    OWN = "own"
    JURISDICTION = "jurisdiction"


ALL, OWN, JUR = Rule.ALL, Rule.OWN, Rule.JURISDICTION
ORG, CB, LAB, REG = Role.ORG_USER, Role.CB_OPERATOR, Role.LAB_OPERATOR, Role.REGULATOR

MATRIX: dict[tuple[str, str], dict[str, Rule]] = {
    # Certification bodies: bodies edit their own contact details; regulators decide.
    ("body", "view"): {CB: OWN, REG: JUR},
    ("body", "create"): {REG: JUR},
    ("body", "change"): {CB: OWN, REG: JUR},
    ("body", "decide"): {REG: JUR},          # status and approved scopes
    ("body", "manage_keys"): {CB: OWN},
    # Labs.
    ("lab", "view"): {LAB: OWN, REG: JUR},
    ("lab", "create"): {REG: JUR},
    ("lab", "change"): {LAB: OWN, REG: JUR},
    ("lab", "decide"): {REG: JUR},
    ("lab", "report"): {LAB: OWN},          # its test reports (qualification/reporting.py)
    # Certified organizations: bodies register new clients when they report.
    ("organization", "view"): {ORG: OWN, REG: JUR},
    ("organization", "create"): {CB: ALL, REG: JUR},
    ("organization", "change"): {ORG: OWN, REG: JUR},
    ("organization", "decide"): {REG: JUR},
    # People: each body, lab or organization keeps its own; regulators their inspectors.
    ("person", "view"): {ORG: OWN, CB: OWN, LAB: OWN, REG: JUR},
    ("person", "create"): {ORG: ALL, CB: ALL, LAB: ALL, REG: ALL},
    ("person", "change"): {ORG: OWN, CB: OWN, LAB: OWN, REG: JUR},
    ("person", "decide"): {REG: JUR},         # suspend or ban a registration
    # Certificates: a body reports (issues and changes) only its own; the holder and the
    # regulators of the holder's region see the full record (who acted, through what).
    ("certificate", "report"): {CB: OWN},
    ("certificate", "view"): {ORG: OWN, CB: OWN, REG: JUR},
    # Transfers between bodies: the parties see them (the old body, the accepting body, the
    # holder), as do the regulators of the holder's region; only the old body and the holder
    # answer (confirm or object), never the body that asked.
    ("transfer", "view"): {ORG: OWN, CB: OWN, REG: JUR},
    ("transfer", "answer"): {ORG: OWN, CB: OWN},
    # The serious-violation list: regulators of the subject's region serve notices and decide;
    # the subject's own users state its case and apply for early removal.
    ("credit", "view"): {ORG: OWN, CB: OWN, LAB: OWN, REG: JUR},
    ("credit", "decide"): {REG: JUR},
    ("credit", "answer"): {ORG: OWN, CB: OWN, LAB: OWN},
    # Credit risk classes: an internal reference for allocating supervision, never public and
    # never shown to the subject (SAMR 2022 No. 6): regulators of the subject's region only.
    ("credit_class", "view"): {REG: JUR},
    # Random inspections and supervision sampling: regulators of the plan's region build plans,
    # draw, assign, record results and publish them; the inspected subject sees its own
    # inspection (findings and measures) before they are published. The inspector directory
    # holds names: regulators only.
    ("supervision", "view"): {ORG: OWN, CB: OWN, LAB: OWN, REG: JUR},
    ("supervision", "decide"): {REG: JUR},
    ("supervision", "record"): {REG: JUR},
    ("inspector", "view"): {REG: JUR},
    ("inspector", "change"): {REG: JUR},
    ("sampling", "decide"): {REG: JUR},
    # Complaints and reports, risk warnings and cases: regulators of the subject's region. The
    # complainant follows a complaint by its private link and code, not by an account. A body
    # sees and answers the requests a case makes of it, nothing else of the case.
    ("complaint", "view"): {REG: JUR},
    ("complaint", "decide"): {REG: JUR},
    ("warning", "view"): {REG: JUR},
    ("warning", "decide"): {REG: JUR},
    ("case", "view"): {REG: JUR},
    ("case", "decide"): {REG: JUR},
    ("case_request", "view"): {CB: OWN, REG: JUR},
    ("case_request", "answer"): {CB: OWN},
    # History.
    ("history", "view"): {ORG: OWN, CB: OWN, LAB: OWN, REG: JUR},
}

# What a body's or lab's own operator may edit of its record; the rest is the regulator's.
SELF_EDITABLE = {
    "body": ("name_en", "address", "website", "phone", "legal_representative"),
    "lab": ("name_en", "address", "phone"),
    "organization": ("name_en", "address", "contact_phone", "contact_email", "industry", "size_class"),
}


# How the refusal names what was refused, in the reader's language. Each action phrase holds
# the thing it applies to (%(what)s); a kind or action missing here is shown as it is.
KIND_LABELS: dict[str, Promise] = {
    "body": pgettext_lazy("permission kind", "certification body"),
    "lab": pgettext_lazy("permission kind", "lab"),
    "organization": pgettext_lazy("permission kind", "organization"),
    "person": pgettext_lazy("permission kind", "person"),
    "certificate": pgettext_lazy("permission kind", "certificate"),
    "history": pgettext_lazy("permission kind", "history record"),
    "transfer": pgettext_lazy("permission kind", "certificate transfer"),
    "credit": pgettext_lazy("permission kind", "serious-violation list record"),
    "credit_class": pgettext_lazy("permission kind", "credit risk class"),
    "supervision": pgettext_lazy("permission kind", "random inspection"),
    "inspector": pgettext_lazy("permission kind", "inspector"),
    "sampling": pgettext_lazy("permission kind", "supervision sampling task"),
    "complaint": pgettext_lazy("permission kind", "complaint or report"),
    "warning": pgettext_lazy("permission kind", "risk warning"),
    "case": pgettext_lazy("permission kind", "case"),
    "case_request": pgettext_lazy("permission kind", "request of a case"),
}
ACTION_PHRASES: dict[str, Promise] = {
    "view": pgettext_lazy("permission action", "view %(what)s"),
    "create": pgettext_lazy("permission action", "create %(what)s"),
    "change": pgettext_lazy("permission action", "change %(what)s"),
    "decide": pgettext_lazy("permission action", "decide on %(what)s"),
    "manage_keys": pgettext_lazy("permission action", "manage the API keys of %(what)s"),
    "report": pgettext_lazy("permission action", "report %(what)s"),
    "answer": pgettext_lazy("permission action", "confirm or object to %(what)s"),
    "record": pgettext_lazy("permission action", "record the results of %(what)s"),
}


def refusal_message(actor: Actor, action: str, kind: str, obj: Any = None) -> str:
    """Why the actor may not do this, in the active language."""
    who = actor.label if actor.label and actor.label != "anonymous" else _("anonymous")
    kind_label = str(KIND_LABELS.get(kind, kind))
    name = str(obj).strip() if obj is not None else ""
    if name:
        what = _("%(kind)s %(object)s") % {"kind": kind_label, "object": name}
    else:
        what = _("a %(kind)s") % {"kind": kind_label}
    phrase = ACTION_PHRASES.get(action)
    does = str(phrase) % {"what": what} if phrase is not None else f"{action} {what}"
    return _("%(who)s may not %(do)s.") % {"who": who, "do": does}


def _in_jurisdiction(user: User, region_code: str) -> bool:
    return bool(user.jurisdiction_code) and (region_code or "").startswith(user.jurisdiction_code)


def owns(user: User, kind: str, obj: Any, action: str = "view") -> bool:
    """Whether the object belongs to what the user acts for (for a transfer, to `action` it)."""
    if kind == "body":
        return user.role == Role.CB_OPERATOR and user.body_id is not None and obj.pk == user.body_id
    if kind == "lab":
        return user.role == Role.LAB_OPERATOR and user.lab_id is not None and obj.pk == user.lab_id
    if kind == "organization":
        return user.role == Role.ORG_USER and user.organization_id is not None and obj.pk == user.organization_id
    if kind == "person":
        return obj.roles.filter(_own_person_q(user)).exists() if obj.pk else False
    if kind == "certificate":
        return (user.role == Role.CB_OPERATOR and user.body_id is not None and obj.body_id == user.body_id) or (
            user.role == Role.ORG_USER and user.organization_id is not None and obj.holder_id == user.organization_id)
    if kind == "history":
        return _owns_history(user, obj)
    if kind == "transfer":
        return _owns_transfer(user, obj, action)
    if kind in ("credit", "supervision"):
        return _owns_credit(user, obj)
    if kind == "case_request":
        return user.role == Role.CB_OPERATOR and user.body_id is not None and obj.body_id == user.body_id
    return False


def _owns_credit(user: User, record: Any) -> bool:
    """A notice, a list entry or an inspection is its subject's: the organization's, body's or
    lab's users'. A record with no subject of its own (a plan) is nobody's."""
    def own(field: str, mine: int | None) -> bool:
        return mine is not None and getattr(record, field, None) == mine

    return ((user.role == Role.ORG_USER and own("organization_id", user.organization_id))
            or (user.role == Role.CB_OPERATOR and own("body_id", user.body_id))
            or (user.role == Role.LAB_OPERATOR and own("lab_id", user.lab_id)))


def _owns_transfer(user: User, transfer: Any, action: str) -> bool:
    if user.role == Role.CB_OPERATOR and user.body_id is not None:
        return transfer.from_body_id == user.body_id or (action == "view" and transfer.to_body_id == user.body_id)
    return (user.role == Role.ORG_USER and user.organization_id is not None
            and transfer.holder_id == user.organization_id)


def _own_person_q(user: User) -> Q:
    if user.role == Role.CB_OPERATOR and user.body_id:
        return Q(body_id=user.body_id)
    if user.role == Role.LAB_OPERATOR and user.lab_id:
        return Q(lab_id=user.lab_id)
    if user.role == Role.ORG_USER and user.organization_id:
        return Q(organization_id=user.organization_id)
    return Q(pk__in=[])


def _owns_history(user: User, record: Any) -> bool:
    from certinel.core.models import ChangeRecord

    return _own_history(user, ChangeRecord.objects.filter(pk=record.pk)).exists()


def region_of(obj: Any) -> str:
    return getattr(obj, "region_code", "") or ""


def can(user: User | None, action: str, kind: str, obj: Any = None, *, region_code: str | None = None) -> bool:
    """May this user do `action` on this object (or, with obj None, on an object of this
    kind in `region_code`)? `None` is the system itself."""
    if user is None:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.ADMIN or user.is_superuser:
        return True
    rule = MATRIX.get((kind, action), {}).get(user.role)
    if rule is None:
        return False
    if rule is Rule.ALL:
        return True
    if rule is Rule.JURISDICTION:
        code = region_code if region_code is not None else region_of(obj)
        return _in_jurisdiction(user, code)
    return obj is not None and owns(user, kind, obj, action)


def require(actor: Actor, action: str, kind: str, obj: Any = None, *, region_code: str | None = None) -> None:
    """Raise NotPermitted unless the actor may do this."""
    if not can(actor.user, action, kind, obj, region_code=region_code):
        raise NotPermitted(refusal_message(actor, action, kind, obj), details={"action": action, "kind": kind})


def scope(user: User | None, action: str, kind: str, queryset: QuerySet) -> QuerySet:
    """Narrow a queryset to what the user may `action` (e.g. the history a regulator may see)."""
    if user is None or (user.is_authenticated and (user.role == Role.ADMIN or user.is_superuser)):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    rule = MATRIX.get((kind, action), {}).get(user.role)
    if rule is None:
        return queryset.none()
    if rule is Rule.ALL:
        return queryset
    if rule is Rule.JURISDICTION:
        if not user.jurisdiction_code:
            return queryset.none()
        return queryset.filter(within_region(user.jurisdiction_code))
    # OWN
    if kind == "person":
        return queryset.filter(pk__in=_person_ids(user))
    if kind == "history":
        return _own_history(user, queryset)
    if kind == "certificate":
        if user.role == Role.CB_OPERATOR and user.body_id:
            return queryset.filter(body_id=user.body_id)
        if user.role == Role.ORG_USER and user.organization_id:
            return queryset.filter(holder_id=user.organization_id)
        return queryset.none()
    if kind in ("credit", "supervision"):
        if user.role == Role.CB_OPERATOR and user.body_id:
            return queryset.filter(body_id=user.body_id)
        if user.role == Role.LAB_OPERATOR and user.lab_id:
            return queryset.filter(lab_id=user.lab_id)
        if user.role == Role.ORG_USER and user.organization_id:
            return queryset.filter(organization_id=user.organization_id)
        return queryset.none()
    if kind == "case_request":
        return queryset.filter(body_id=user.body_id) if user.role == Role.CB_OPERATOR and user.body_id else (
            queryset.none())
    if kind == "transfer":
        if user.role == Role.CB_OPERATOR and user.body_id:
            mine = Q(from_body_id=user.body_id)
            return queryset.filter(mine if action == "answer" else mine | Q(to_body_id=user.body_id))
        if user.role == Role.ORG_USER and user.organization_id:
            return queryset.filter(holder_id=user.organization_id)
        return queryset.none()
    own_id = {"body": user.body_id, "lab": user.lab_id, "organization": user.organization_id}.get(kind)
    return queryset.filter(pk=own_id) if own_id else queryset.none()


def _person_ids(user: User) -> QuerySet:
    from certinel.registry.models import PersonRole

    return PersonRole.objects.filter(_own_person_q(user)).values("person_id")


def _own_history(user: User, queryset: QuerySet) -> QuerySet:
    """The history of what the user acts for: its own record, and for bodies and
    organizations the certificates they issued or hold."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from certinel.certificates.models import Certificate
    from certinel.registry.models import CertificationBody, Lab, Organization

    own = {Role.CB_OPERATOR: (CertificationBody, user.body_id, "body_id"), Role.LAB_OPERATOR: (Lab, user.lab_id, None),
           Role.ORG_USER: (Organization, user.organization_id, "holder_id")}.get(user.role)
    if not own or own[1] is None:
        return queryset.none()
    model, own_id, cert_field = own
    condition = Q(content_type=ContentType.objects.get_for_model(model), object_id=str(own_id))
    if cert_field:
        cert_ids = (Certificate.objects.filter(**{cert_field: own_id})
                    .annotate(sid=Cast("id", CharField())).values("sid"))
        condition |= Q(content_type=ContentType.objects.get_for_model(Certificate), object_id__in=cert_ids)
    return queryset.filter(condition)
