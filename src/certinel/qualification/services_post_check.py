"""The post-check of an approval under notification and commitment (告知承诺), carried out
through the supervision app's plans: the regulator adds a lab whose post-check is due to a
drawn plan of labs as a targeted subject (not drawn), checked on the inspection item of the
commitment post-check (`LAB-PC`, supervision/data/items.csv, with its legal source); when the
inspection's result is published (`supervision.services_inspections.inspection_publish`) the
post-check closes:

* conforming: the commitment was true (`post_check_close`);
* non-conforming: the commitment was untrue: the approval is revoked, its certificate and
  credential revoked and a credit fact recorded (`post_check_false`), under the decision number
  given at publication and the plan's authority;
* could not inspect: the post-check stays open and leaves the plan, to be planned again.

A commitment found untrue by other means (a complaint, a case) is still revoked directly with
`post_check_false`; a commitment is found true only by an inspection."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from certinel.core.actor import Actor
from certinel.core.errors import FieldError, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import lock
from certinel.supervision.choices import Outcome, PlanStatus, SubjectKind
from certinel.supervision.models import Inspection, Plan

from .choices import PostCheckStatus
from .models_applications import PostCheck
from .services_applications import _require_regulator, post_check_close, post_check_false

POST_CHECK_ITEM = "LAB-PC"


def selectable(plan: Plan) -> list[PostCheck]:
    """The post-checks that may be added to this plan: open, not yet in a plan, of a lab of the
    plan's region, due on or after the plan's first day (the inspection can still be in time)."""
    if plan.subject_kind != SubjectKind.LAB or plan.status != PlanStatus.DRAWN:
        return []
    in_plan = set(plan.inspections.values_list("uscc", flat=True))
    checks = (PostCheck.objects.filter(status=PostCheckStatus.OPEN, inspection__isnull=True,
                                       due_on__gte=plan.starts_on,
                                       application__lab__region_code__startswith=plan.region_code)
              .select_related("application", "application__lab").order_by("due_on", "id"))
    return [c for c in checks if c.application.lab.uscc not in in_plan]


def _refuse(field: str, message: str, code: str) -> None:
    raise ValidationFailed(FieldError(field, message, code))


def post_check_plan(*, actor: Actor, check: PostCheck, plan: Plan, inspectors: list[str]) -> Inspection:
    """Add the lab of a due post-check to a drawn plan of labs, as a targeted subject checked on
    the commitment post-check item. Refused for a post-check that is not open or already in a
    plan, a plan not of labs or not drawn, and a plan whose inspections begin after the
    post-check is due."""
    from certinel.supervision.services_inspections import inspection_add_targeted

    with transaction.atomic():
        check = lock(PostCheck, check.pk)
        app = check.application
        _require_regulator(actor, app)
        if check.status != PostCheckStatus.OPEN:
            _refuse("post_check", _("This post-check is closed already."), "not_due")
        if check.inspection_id is not None:
            _refuse("post_check", _("This post-check is in plan %(plan)s already.")
                    % {"plan": check.inspection.plan.number}, "already_planned")
        if plan.subject_kind != SubjectKind.LAB:
            _refuse("plan", _("A post-check is carried out under a plan of inspection and testing bodies."),
                    "wrong_kind")
        if plan.starts_on > check.due_on:
            _refuse("plan", _("The plan's inspections begin on %(start)s, after the post-check is due (%(due)s).")
                    % {"start": plan.starts_on, "due": check.due_on}, "too_late")
        inspection = inspection_add_targeted(actor=actor, plan=plan, subject=app.lab, item_code=POST_CHECK_ITEM,
                                             inspectors=inspectors,
                                             reason=_("Post-check of %(number)s") % {"number": app.number})
        before = snapshot(check)
        check.inspection = inspection
        check.save()
        record_change(actor=actor, action="qualification_post_check_planned", obj=check, before=before,
                      after=snapshot(check))
    return inspection


def post_check_for_lab(*, actor: Actor, lab: Any, plan: Plan, inspectors: list[str]) -> Inspection:
    """The same, naming the lab: refused (`lab`: `no_post_check`) when it has no post-check due."""
    check = (PostCheck.objects.filter(application__lab=lab, status=PostCheckStatus.OPEN, inspection__isnull=True)
             .order_by("due_on", "id").first())
    if check is None:
        _refuse("lab", _("%(lab)s has no post-check of a commitment due.") % {"lab": lab.name}, "no_post_check")
    return post_check_plan(actor=actor, check=check, plan=plan, inspectors=inspectors)


def post_check_from_inspection(*, actor: Actor, inspection: Inspection, decision_no: str = "") -> PostCheck | None:
    """The published result of a post-check's inspection closes it (in the publication's
    transaction): conforming, the commitment was true; non-conforming, untrue (revoked under
    `decision_no`, by the plan's authority); could not inspect, it leaves the plan."""
    check = PostCheck.objects.filter(inspection=inspection).first()
    if check is None or check.status != PostCheckStatus.OPEN:
        return check  # found untrue meanwhile by other means: nothing more to do
    result = inspection.results.filter(item_code=POST_CHECK_ITEM).first()
    outcome = result.outcome if result is not None else inspection.outcome
    on = inspection.inspected_on or inspection.published_on
    if outcome == Outcome.CONFORMING:
        return post_check_close(actor=actor, check=check, note=inspection.summary, on=on)
    if outcome == Outcome.NONCONFORMING:
        if not (decision_no or "").strip():
            _refuse("decision_no", _("The commitment was found untrue: give the number of the decision that revokes "
                                     "the approval."), "required")
        return post_check_false(actor=actor, check=check, note=(result.findings if result else inspection.summary),
                                decision_no=decision_no, authority=inspection.plan.authority,
                                on=inspection.published_on or on)
    with transaction.atomic():
        check = lock(PostCheck, check.pk)
        before = snapshot(check)
        check.inspection = None
        check.save()
        record_change(actor=actor, action="qualification_post_check_unplanned", obj=check, before=before,
                      after=snapshot(check), reason=inspection.summary)
    return check
