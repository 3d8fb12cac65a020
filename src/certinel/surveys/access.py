"""Who may do what with surveys.

* A regulator manages (drafts, publishes, closes, reads the results of) the surveys addressed to
  a region inside its jurisdiction: a provincial regulator (32) those of the province and of
  its cities and counties; a city's regulator (3201) not the province's.
* A certified organization's users (role `org_user`, the account an organization signs in
  with) see the published surveys addressed to its region and answer them for their own
  organization only; they see their own answer and nobody else's.
* The system administrator may do all; the system itself (`Actor.system()`) too.
Everyone else (bodies' and labs' operators, anonymous callers) sees nothing."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from certinel.accounts.models import Role
from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted


def _admin(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.role == Role.ADMIN or user.is_superuser))


def may_manage(user: Any, region_code: str) -> bool:
    if user is None:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if _admin(user):
        return True
    return (user.role == Role.REGULATOR and bool(user.jurisdiction_code)
            and (region_code or "").startswith(user.jurisdiction_code))


def is_manager(user: Any) -> bool:
    """Whether the user manages surveys at all (a regulator with a jurisdiction, an administrator)."""
    return bool(user is not None and user.is_authenticated and user.is_active
                and (_admin(user) or (user.role == Role.REGULATOR and user.jurisdiction_code)))


def firm_of(user: Any) -> Any:
    """The organization the user answers for, or None."""
    if (user is None or not user.is_authenticated or not user.is_active or user.role != Role.ORG_USER
            or not user.organization_id):
        return None
    return user.organization


def addressed_to(survey: Any, organization: Any) -> bool:
    return (organization.region_code or "").startswith(survey.region_code)


def require_manage(actor: Actor, region_code: str) -> None:
    if not may_manage(actor.user, region_code):
        raise NotPermitted(_("%(who)s may not manage surveys addressed to region %(region)s: only a regulator "
                             "whose jurisdiction contains it may.") % {"who": _who(actor), "region": region_code},
                           details={"action": "manage", "kind": "survey"})


def require_answer(actor: Actor, survey: Any, organization: Any) -> None:
    user = actor.user
    own = user is None or _admin(user) or (firm_of(user) is not None and user.organization_id == organization.pk)
    if not own:
        raise NotPermitted(_("%(who)s may not answer surveys for this organization: only its own users may.")
                           % {"who": _who(actor)}, details={"action": "answer", "kind": "survey"})
    if not addressed_to(survey, organization):
        raise NotPermitted(_("This survey is addressed to the organizations of region %(region)s only.")
                           % {"region": survey.region_code}, details={"action": "answer", "kind": "survey"})


def _who(actor: Actor) -> str:
    return actor.label if actor.label and actor.label != "anonymous" else _("anonymous")
