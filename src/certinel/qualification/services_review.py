"""The technical review of an application: reviewers drawn at random, findings and their
closing, the review's end, and the reviewers' own record.

The draw uses the random inspections' machinery (`supervision.draw`, docs/draws.md): the
published inputs are a plan of format version 1 with one stratum (the application) and its
reviewers' directory (reviewers of the application's professional fields, each named by a code
`R<id>` and the province of the regulator they belong to), the region rule of procedure.csv,
and the excluded reviewers (conflicts of interest: declared, working for the lab, or on the
lab's last review). `certinel draw replay --published plan.json` recomputes the result from
them and the public random sources alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from certinel.core.actor import Actor
from certinel.core.errors import ErrorList, FieldError, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import lock
from certinel.core.workdays import add_working_days, working_days_between
from certinel.registry.choices import PersonRoleKind, RoleStatus
from certinel.registry.models import PersonRole
from certinel.supervision import draw

from . import policy
from .choices import ApplicationStatus, FindingStatus, ReviewStage
from .models_applications import Application, Finding, ReviewAssignment
from .services_applications import _history, _require_regulator
from .transitions import APPLICATION, FINDING


def reviewer_code(role: PersonRole | int) -> str:
    return f"R{role if isinstance(role, int) else role.pk}"


def directory(app: Application, on: dt.date) -> list[PersonRole]:
    """The reviewers who may review this application: active reviewers of its fields, in the
    order of their registration (the published directory's order)."""
    fields = set(app.items.values_list("field_id", flat=True))
    return list(PersonRole.objects.filter(kind=PersonRoleKind.REVIEWER, status=RoleStatus.ACTIVE,
                                          field_id__in=fields, valid_from__lte=on)
                .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on)).select_related("person")
                .order_by("id"))


def conflicts(app: Application, reviewers: list[PersonRole], declared: list[int] = ()) -> set[int]:
    """The reviewers with a conflict of interest: declared ones, those who hold a role at the
    lab (its staff or signatories), those on the lab's last review."""
    found = {r.pk for r in reviewers if r.pk in set(declared)}
    people = {r.person_id: r.pk for r in reviewers}
    for person_id in PersonRole.objects.filter(lab=app.lab, person_id__in=people).values_list("person_id", flat=True):
        found.add(people[person_id])
    last = (Application.objects.filter(lab=app.lab, assignments__isnull=False).exclude(pk=app.pk)
            .order_by("-id").first())
    if last is not None:
        found |= set(last.assignments.values_list("reviewer_id", flat=True)) & {r.pk for r in reviewers}
    return found


def _province(role: PersonRole) -> str:
    return (role.region_code or "")[:2]


def published_inputs(app: Application, sources: list[str], reviewers: list[PersonRole], excluded: set[int],
                     rule: policy.Procedure) -> dict[str, Any]:
    """The draw's inputs as published (docs/draws.md, format version 1): codes, no names."""
    return {"version": draw.FORMAT_VERSION, "plan": app.number, "profile": "sha256", "sources": list(sources),
            "strata": [{"label": "application", "pool": [app.number], "count": 1}],
            "inspectors": {"per_subject": rule.reviewers, "region_rule": rule.region_rule,
                           "directory": [{"id": reviewer_code(r), "region": _province(r)} for r in reviewers],
                           "subjects": {app.number: {"region": app.region_code[:2],
                                                     "excluded": sorted(reviewer_code(p) for p in excluded)}}}}


def reviewers_draw(*, actor: Actor, application: Application, sources: list[str], declared_conflicts: list[int] = (),
                   on: dt.date | None = None) -> Application:
    """Draw the application's reviewers from the directory with the public random sources
    (entered once they exist), conflicts excluded; the technical review starts."""
    on = on or localdate()
    sources = [s.strip() for s in sources or [] if s and s.strip()]
    if not sources:
        raise ValidationFailed(FieldError("sources", _("Enter the public random source(s) the draw uses."),
                                          "required"))
    with transaction.atomic():
        app = lock(Application, application.pk)
        _require_regulator(actor, app)
        APPLICATION.target("draw", app.status)
        rule = policy.procedure(on=app.submitted_on or on, region_code=app.region_code)
        reviewers = directory(app, on)
        excluded = conflicts(app, reviewers, list(declared_conflicts))
        published = published_inputs(app, sources, reviewers, excluded, rule)
        try:
            result = draw.replay(published)
        except draw.TooFewInspectors as exc:
            raise ValidationFailed(FieldError("reviewers", _("Too few reviewers without a conflict in the directory "
                                                             "for this application's fields and region: %(n)d "
                                                             "eligible, %(k)d needed.")
                                              % {"n": exc.eligible, "k": exc.needed}, "too_few")) from None
        except draw.DrawInputError as exc:
            raise ValidationFailed(FieldError("sources", str(exc), "invalid")) from None
        before = _history(app)
        app.status = APPLICATION.target("draw", app.status)
        app.review_started_on = on
        app.draw_published, app.draw_result = published, result
        app.save()
        record_change(actor=actor, action="qualification_reviewers_drawn", obj=app, before=before,
                      after=_history(app))
        by_code = {reviewer_code(r): r for r in reviewers}
        for code in result["inspectors"][0]["inspectors"]:
            assignment = ReviewAssignment.objects.create(application=app, reviewer=by_code[code], code=code)
            record_change(actor=actor, action="qualification_reviewer_assigned", obj=assignment, before=None,
                          after=snapshot(assignment))
    return app


def reviewer_replace(*, actor: Actor, assignment: ReviewAssignment, reviewer: PersonRole, reason: str,
                     on: dt.date | None = None) -> ReviewAssignment:
    """Put another reviewer in place of one who withdrew (a conflict found late, absence);
    a reviewer with a conflict, or not of the application's fields, is refused."""
    on = on or localdate()
    if not (reason or "").strip():
        raise ValidationFailed(FieldError("reason", _("A reason is required for this decision."), "required"))
    with transaction.atomic():
        old = lock(ReviewAssignment, assignment.pk)
        app = lock(Application, old.application_id)
        _require_regulator(actor, app)
        APPLICATION.target("reassign", app.status)
        allowed = directory(app, on)
        if reviewer.pk not in {r.pk for r in allowed}:
            raise ValidationFailed(FieldError("reviewer", _("Not an active reviewer of this application's fields."),
                                              "not_eligible"))
        team = set(app.assignments.filter(active=True).values_list("reviewer_id", flat=True))
        if reviewer.pk in team or reviewer.pk in conflicts(app, [reviewer]):
            raise ValidationFailed(FieldError("reviewer", _("This reviewer has a conflict of interest with the lab, "
                                                            "or is already on the review."), "conflict"))
        before = snapshot(old)
        old.active, old.replaced_reason = False, reason.strip()
        old.save()
        record_change(actor=actor, action="qualification_reviewer_replaced", obj=old, before=before,
                      after=snapshot(old), reason=old.replaced_reason)
        new = ReviewAssignment.objects.create(application=app, reviewer=reviewer, code=reviewer_code(reviewer))
        record_change(actor=actor, action="qualification_reviewer_assigned", obj=new, before=None, after=snapshot(new))
    return new


def finding_record(*, actor: Actor, application: Application, stage: str, description: str,
                   clause: str = "") -> Finding:
    """A nonconformity of the document review or the on-site assessment."""
    errors = ErrorList()
    if stage not in ReviewStage.values:
        errors.add("stage", _("'%(value)s' must be one of: %(choices)s.")
                   % {"value": stage, "choices": ", ".join(ReviewStage.values)}, "invalid_choice")
    if not (description or "").strip():
        errors.add("description", _("This field is required."), "required")
    errors.raise_if_any()
    with transaction.atomic():
        app = lock(Application, application.pk)
        _require_regulator(actor, app)
        APPLICATION.target("record", app.status)
        finding = Finding.objects.create(application=app, stage=stage, clause=(clause or "").strip()[:64],
                                         description=description.strip())
        record_change(actor=actor, action="qualification_finding_recorded", obj=finding, before=None,
                      after=snapshot(finding))
    return finding


def finding_close(*, actor: Actor, finding: Finding, corrective_action: str, on: dt.date | None = None) -> Finding:
    """The lab's corrective action was verified: the finding is closed."""
    if not (corrective_action or "").strip():
        raise ValidationFailed(FieldError("corrective_action", _("This field is required."), "required"))
    with transaction.atomic():
        finding = lock(Finding, finding.pk)
        _require_regulator(actor, finding.application)
        before = snapshot(finding)
        finding.status = FINDING.target("close", finding.status)
        finding.corrective_action, finding.closed_on = corrective_action.strip(), on or localdate()
        finding.save()
        record_change(actor=actor, action="qualification_finding_closed", obj=finding, before=before,
                      after=snapshot(finding))
    return finding


def review_close(*, actor: Actor, application: Application, on: dt.date | None = None) -> Application:
    """End the technical review (every finding closed). The decision's limit is set: the
    procedure's working days after acceptance, less those used before the review began,
    counted from the review's end (the review's own time is not counted). Each reviewer's
    timeliness is recorded: on time when the review ended within the time told."""
    on = on or localdate()
    with transaction.atomic():
        app = lock(Application, application.pk)
        _require_regulator(actor, app)
        APPLICATION.target("close", app.status)
        if app.findings.filter(status=FindingStatus.OPEN).exists():
            raise ValidationFailed(FieldError("findings", _("A finding of the review is still open."), "finding_open"))
        if on < app.review_started_on:
            raise ValidationFailed(FieldError("on", _("The date cannot be before the review began."), "date_order"))
        rule = policy.procedure(on=app.submitted_on or on, region_code=app.region_code)
        before = _history(app)
        app.status = APPLICATION.target("close", app.status)
        app.review_closed_on = on
        used = working_days_between(app.accepted_on, app.review_started_on)
        app.decide_due = add_working_days(on, max(rule.decide_within - used, 0))
        app.save()
        record_change(actor=actor, action="qualification_review_closed", obj=app, before=before, after=_history(app))
        told = app.review_told_days or rule.review_told
        on_time = on <= add_working_days(app.review_started_on, told)
        upheld = app.findings.filter(status=FindingStatus.CLOSED).count()
        for assignment in app.assignments.filter(active=True).select_related("reviewer"):
            a_before = snapshot(assignment)
            assignment.on_time = on_time
            assignment.save()
            record_change(actor=actor, action="qualification_reviewer_timeliness", obj=assignment, before=a_before,
                          after=snapshot(assignment))
            _reviewer_facts(actor, app, assignment, on, None if on_time else told, upheld)
    return app


def _reviewer_facts(actor: Actor, app: Application, assignment: ReviewAssignment, on: dt.date, late_after: int | None,
                    upheld: int) -> None:
    """The reviewer's own record as credit facts in their file (a practitioner, by registration
    number), under the application's number and by the deciding regulator: a review closed
    after the time told (`review_late`), and findings upheld (`review_findings_upheld`: the
    review's nonconformities, each corrected by the lab and the correction verified). A reviewer
    without a registration number has no file: the assignment keeps the record alone."""
    from certinel.credit.services_facts import fact_record

    from .ecert import issuer_jurisdiction, issuer_name

    number = assignment.reviewer.registration_no
    if not number:
        return
    authority = issuer_name(issuer_jurisdiction(actor, app), on)
    if late_after is not None:
        fact_record(actor=actor, subject=number, kind="review_late", severity="minor", occurred_on=on,
                    decision_no=app.number, authority=authority,
                    description=_("Review of %(number)s closed on %(on)s, later than the %(days)s working days told "
                                  "(from %(start)s).") % {"number": app.number, "on": on, "days": late_after,
                                                          "start": app.review_started_on})
    if upheld:
        fact_record(actor=actor, subject=number, kind="review_findings_upheld", severity="minor", occurred_on=on,
                    decision_no=app.number, authority=authority,
                    description=_("Review of %(number)s: %(n)s finding(s) upheld, each corrected and verified.")
                    % {"number": app.number, "n": upheld})


def reviewer_complaint_upheld(*, actor: Actor, assignment: ReviewAssignment, decision_no: str, authority: str,
                              description: str, on: dt.date | None = None):
    """A complaint about a reviewer's conduct on a review was upheld: a credit fact in the
    reviewer's file (a practitioner, by registration number) through the credit app."""
    from certinel.credit.services_facts import fact_record

    reviewer = assignment.reviewer
    if not reviewer.registration_no:
        raise ValidationFailed(FieldError("reviewer", _("The reviewer has no registration number to file the fact "
                                                        "under."), "no_registration"))
    _require_regulator(actor, assignment.application)
    return fact_record(actor=actor, subject=reviewer.registration_no, kind="complaint_upheld", severity="general",
                       occurred_on=on or localdate(), decision_no=decision_no, authority=authority,
                       description=f"{assignment.application.number}: {(description or '').strip()}")


def application_state(app: Application) -> str:
    return ApplicationStatus(app.status).label
