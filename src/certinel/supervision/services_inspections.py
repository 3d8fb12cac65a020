"""Inspections of drawn subjects, each step in one transaction with its history record and log
leaf:

* `inspection_add_targeted`: a subject added to a drawn plan for a targeted check on one item
  (not drawn: the post-check of a qualification approval under notification and commitment,
  `qualification.services_post_check`), with inspectors of the plan's frozen directory;
* `inspection_reassign`: replace an inspector (absence, a conflict found late) by another of the
  plan's frozen directory who has no conflict with the subject, with the reason;
* `inspection_record`: the result of every inspection item of the plan (conforming,
  non-conforming, could not inspect), findings and evidence files, and the summary to publish;
* `follow_up_order` / `follow_up_close`: rectification by a deadline, suspension of the
  subject's certificates (through the certificate services), referral to a case;
* `inspection_publish`: the summary made public, within the working days the rules allow, or
  later with the reason recorded. Publishing a targeted post-check closes the post-check it
  serves (its result is final only once published)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.module_loading import import_string
from django.utils.timezone import localdate as today_
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.certificates.models import Certificate
from certinel.certificates.services import certificate_act
from certinel.core.actor import Actor
from certinel.core.errors import ErrorList, FieldError, NotFound, ValidationFailed
from certinel.core.history import change_record, record_change, record_changes, snapshot
from certinel.core.services import lock
from certinel.core.workdays import add_working_days

from . import policy as rules
from .choices import FollowUpKind, Outcome
from .models import FollowUp, Inspection, ItemResult, Plan
from .services import SUBJECT_MODELS, commitment
from .transitions import FOLLOW_UP, INSPECTION, PLAN

# What publishing a targeted check's result does beyond the plan, by its item code: the
# function (dotted path) that takes (actor, inspection, decision_no).
TARGETED_RESULT = {"LAB-PC": "certinel.qualification.services_post_check.post_check_from_inspection"}


@dataclass
class ItemFinding:
    item_code: str
    outcome: str
    findings: str = ""
    evidence: UploadedFile | None = None


def inspection_for(plan: Plan, uscc: str) -> Inspection:
    """The inspection of a subject in a plan: only drawn subjects have one."""
    found = plan.inspections.filter(uscc=(uscc or "").strip().upper()).first()
    if found is None:
        raise NotFound(_("%(uscc)s was not drawn in plan %(plan)s: only drawn subjects are inspected under it.")
                       % {"uscc": uscc or "—", "plan": plan.number}, field="uscc")
    return found


def _frozen_inspectors(plan: Plan) -> dict[str, Any]:
    return json.loads(plan.directory.inputs)["inspectors"]


def conflict_reason(inspection: Inspection, code: str) -> str | None:
    """Why this inspector may not inspect this subject, or None."""
    frozen = _frozen_inspectors(inspection.plan)
    entry = next((i for i in frozen["directory"] if i["id"] == code), None)
    if entry is None:
        return _("%(code)s is not in the plan's inspector directory.") % {"code": code}
    entry_of_subject = commitment(inspection.plan.directory.key, inspection.uscc)
    if code in frozen.get("subjects", {}).get(entry_of_subject, {}).get("excluded", []):
        return _("%(code)s declared a conflict of interest with %(subject)s, or inspected it last time.") % {
            "code": code, "subject": inspection.subject_name}
    rule = frozen.get("region_rule", "any")
    if rule == "same" and entry["region"] != inspection.region_code:
        return _("The rules require an inspector of the subject's own region; %(code)s is not.") % {"code": code}
    if rule == "other" and entry["region"] == inspection.region_code:
        return _("The rules require an inspector from another region than the subject's; %(code)s is of the same "
                 "region.") % {"code": code}
    if code in inspection.inspectors:
        return _("%(code)s is already assigned to this inspection.") % {"code": code}
    return None


def inspection_add_targeted(*, actor: Actor, plan: Plan, subject: Any, item_code: str, inspectors: list[str],
                            reason: str) -> Inspection:
    """Add a subject to a drawn plan for a targeted check on one item of class `targeted`
    (never drawn for): its inspectors come from the plan's frozen directory, as many as the
    rules put on a subject, none with a conflict; it is due for publication as the drawn ones."""
    errors = ErrorList()
    item = rules.item(item_code)
    if item is None or item.item_class != rules.TARGETED or item.subject_kind != plan.subject_kind:
        errors.add("item", _("%(code)s is not an item for a targeted check of this plan's subjects.")
                   % {"code": item_code}, "unknown_item")
    if not (reason or "").strip():
        errors.add("reason", _("A reason is required for this decision."), "required")
    codes = [c.strip() for c in inspectors or [] if c and c.strip()]
    errors.raise_if_any()
    with transaction.atomic():
        plan = lock(Plan, plan.pk)
        require(actor, "decide", "supervision", plan)
        PLAN.target("add_targeted", plan.status)
        model, _active = SUBJECT_MODELS[plan.subject_kind]
        if not isinstance(subject, model) or not (subject.region_code or "").startswith(plan.region_code):
            raise ValidationFailed(FieldError("plan", _("%(subject)s is not a subject of plan %(plan)s's kind and "
                                                        "region.") % {"subject": subject, "plan": plan.number},
                                              "outside_plan"))
        if plan.inspections.filter(uscc=subject.uscc).exists():
            raise ValidationFailed(FieldError("plan", _("%(subject)s is already a subject of plan %(plan)s.")
                                              % {"subject": subject.name, "plan": plan.number}, "already_in_plan"))
        proc = rules.procedure(on=today_(), region_code=plan.region_code)
        inspection = Inspection(plan=plan, stratum="", position=0,
                                drawn_order=(plan.inspections.count() + 1), subject_kind=plan.subject_kind,
                                uscc=subject.uscc, subject_name=subject.name, region_code=subject.region_code,
                                inspectors=[], targeted=item_code,
                                publish_due=add_working_days(plan.ends_on, proc.publish_within_working_days))
        setattr(inspection, plan.subject_kind, subject)
        problems = [(code, conflict_reason(inspection, code)) for code in codes]
        wrong = [f"{code}: {why}" for code, why in problems if why]
        if len(set(codes)) != len(codes):
            wrong.append(_("An inspector is named twice."))
        if wrong:
            raise ValidationFailed(FieldError("inspectors", " ".join(wrong), "conflict"))
        if len(codes) < proc.inspectors_per_subject:
            raise ValidationFailed(FieldError("inspectors", _("Name %(n)s inspectors of the plan's directory "
                                                              "(%(source)s).")
                                              % {"n": proc.inspectors_per_subject, "source": proc.source},
                                              "too_few_inspectors"))
        inspection.inspectors = codes
        inspection.save()
        record_change(actor=actor, action="supervision_inspection_targeted", obj=inspection, before=None,
                      after=snapshot(inspection), reason=reason.strip())
    return inspection


def inspection_reassign(*, actor: Actor, inspection: Inspection, replace: str, by: str, reason: str) -> Inspection:
    errors = ErrorList()
    if not (reason or "").strip():
        errors.add("reason", _("A reason is required for this decision."), "required")
    errors.raise_if_any()
    with transaction.atomic():
        inspection = lock(Inspection, inspection.pk)
        require(actor, "decide", "supervision", inspection)
        INSPECTION.target("reassign", inspection.status)
        if replace not in inspection.inspectors:
            raise ValidationFailed(FieldError("replace", _("%(code)s is not assigned to this inspection.")
                                              % {"code": replace}, "not_assigned"))
        why = conflict_reason(inspection, by)
        if why:
            raise ValidationFailed(FieldError("by", why, "conflict"))
        before = snapshot(inspection)
        inspection.inspectors = [by if c == replace else c for c in inspection.inspectors]
        inspection.save()
        record_change(actor=actor, action="supervision_inspector_replaced", obj=inspection, before=before,
                      after=snapshot(inspection), reason=reason.strip())
    return inspection


# What an evidence file may be, told by its first bytes (never by its name), and how large.
EVIDENCE_SIGNATURES = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def evidence_problem(upload: UploadedFile) -> str | None:
    """Why an evidence file is refused, or None: empty, over the size limit, or not a PDF, PNG
    or JPEG by its content."""
    limit = int(getattr(settings, "CERTINEL_SUPERVISION_EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES))
    if not upload.size:
        return _("The evidence file is empty.")
    if upload.size > limit:
        return _("An evidence file may not be larger than %(max)s.") % {"max": filesizeformat(limit)}
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(EVIDENCE_SIGNATURES):
        return _("Evidence files must be PDF, PNG or JPEG files.")
    return None


def _evidence_hash(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def inspection_record(*, actor: Actor, inspection: Inspection, inspected_on: dt.date, findings: list[ItemFinding],
                      summary: str) -> Inspection:
    """Record (or correct, until published) the result of every item of the plan."""
    errors = ErrorList()
    plan_items = inspection.items_to_record
    by_code = {f.item_code: f for f in findings}
    for f in findings:
        if f.item_code not in plan_items:
            errors.add("findings", _("%(code)s is not an item of plan %(plan)s.")
                       % {"code": f.item_code, "plan": inspection.plan.number}, "unknown_item")
        if f.evidence is not None and (problem := evidence_problem(f.evidence)):
            errors.add(f"evidence_{f.item_code}", problem, "bad_file")
        if f.outcome not in Outcome.values:
            errors.add(f"findings.{f.item_code}", _("Choose conforming, non-conforming or could not inspect."),
                       "invalid")
        elif f.outcome != Outcome.CONFORMING and not f.findings.strip():
            errors.add(f"findings.{f.item_code}", _("Describe what was found (or why the item could not be "
                                                    "inspected)."), "required")
    for code in plan_items:
        if code not in by_code:
            errors.add(f"findings.{code}", _("Record a result for item %(code)s.") % {"code": code}, "required")
    if not isinstance(inspected_on, dt.date):
        errors.add("inspected_on", _("Give the day of the inspection."), "required")
    elif inspected_on > today_():
        errors.add("inspected_on", _("This date lies in the future."), "future_date")
    elif inspected_on < inspection.plan.starts_on:
        errors.add("inspected_on", _("The plan's inspections start on %(day)s.") % {"day": inspection.plan.starts_on},
                   "too_early")
    if not (summary or "").strip():
        errors.add("summary", _("Write the result as it will be published."), "required")
    errors.raise_if_any()
    outcomes = {f.outcome for f in findings}
    outcome = (Outcome.NONCONFORMING if Outcome.NONCONFORMING in outcomes
               else Outcome.NOT_INSPECTED if outcomes == {Outcome.NOT_INSPECTED} else Outcome.CONFORMING)
    with transaction.atomic():
        inspection = lock(Inspection, inspection.pk)
        require(actor, "record", "supervision", inspection)
        status = INSPECTION.target("record", inspection.status)
        records = []
        for f in findings:
            result = ItemResult.objects.filter(inspection=inspection, item_code=f.item_code).first()
            before = snapshot(result) if result else None
            result = result or ItemResult(inspection=inspection, item_code=f.item_code)
            result.outcome, result.findings, result.recorded_by = f.outcome, f.findings.strip(), actor.label[:150]
            if f.evidence is not None:
                result.evidence_sha256 = _evidence_hash(f.evidence)
                result.evidence.save(result.evidence_sha256, f.evidence, save=False)
            result.save()
            records.append(change_record(actor=actor, action="supervision_item_recorded", obj=result, before=before,
                                      after=snapshot(result), region_code=inspection.region_code))
        before = snapshot(inspection)
        inspection.status, inspection.inspected_on = status, inspected_on
        inspection.outcome, inspection.summary = outcome, summary.strip()
        inspection.save()
        records.append(change_record(actor=actor, action="supervision_result_recorded", obj=inspection, before=before,
                                  after=snapshot(inspection)))
        record_changes(records)
    return inspection


def inspection_publish(*, actor: Actor, inspection: Inspection, late_reason: str = "", decision_no: str = "",
                       on: dt.date | None = None) -> Inspection:
    """Publish the result; past the time limit only with the reason for the delay. A targeted
    check's result then does what its item says (`TARGETED_RESULT`): a post-check found
    non-conforming needs the number of the decision that revokes the approval."""
    on = on or today_()
    with transaction.atomic():
        inspection = lock(Inspection, inspection.pk)
        require(actor, "decide", "supervision", inspection)
        status = INSPECTION.target("publish", inspection.status)
        if on > inspection.publish_due and not (late_reason or "").strip():
            proc = rules.procedure(on=on, region_code=inspection.plan.region_code)
            raise ValidationFailed(
                FieldError(
                    "late_reason",
                    _(
                        "The result was due for publication by %(due)s "
                        "(%(days)s working days after the inspections ended: %(source)s); "
                        "publishing it now needs the reason for the delay."
                    )
                    % {"due": inspection.publish_due, "days": proc.publish_within_working_days, "source": proc.source},
                    "late",
                )
            )
        before = snapshot(inspection)
        inspection.status, inspection.published_on = status, on
        if on > inspection.publish_due:
            inspection.late_reason = late_reason.strip()
        inspection.save()
        record_change(actor=actor, action="supervision_result_published", obj=inspection, before=before,
                      after=snapshot(inspection))
        if inspection.targeted in TARGETED_RESULT:
            import_string(TARGETED_RESULT[inspection.targeted])(actor=actor, inspection=inspection,
                                                                 decision_no=decision_no)
    return inspection


def follow_up_order(*, actor: Actor, inspection: Inspection, kind: str, details: str, due_on: dt.date | None = None,
                    certificates: list[str] | None = None, signed_by: str = "") -> FollowUp:
    """Order a measure after a finding. A suspension suspends each named certificate of the
    subject through the certificate services, until the rectification deadline."""
    errors = ErrorList()
    if kind not in FollowUpKind.values:
        errors.add("kind", _("Choose rectification, suspension or referral."), "invalid")
    if not (details or "").strip():
        errors.add("details", _("This field is required."), "required")
    if kind in (FollowUpKind.RECTIFICATION, FollowUpKind.SUSPENSION):
        if due_on is None:
            errors.add("due_on", _("Give the deadline."), "required")
        elif due_on <= today_():
            errors.add("due_on", _("The deadline must lie in the future."), "past")
    numbers = [n.strip() for n in certificates or [] if n.strip()]
    if kind == FollowUpKind.SUSPENSION:
        if not numbers:
            errors.add("certificates", _("Name the certificates to suspend."), "required")
        if not (signed_by or "").strip():
            errors.add("signed_by", _("Name the person who signed this decision (who signs is accountable)."),
                       "required")
    errors.raise_if_any()
    with transaction.atomic():
        inspection = lock(Inspection, inspection.pk)
        require(actor, "decide", "supervision", inspection)
        INSPECTION.target("follow_up", inspection.status)
        if inspection.outcome != Outcome.NONCONFORMING:
            raise ValidationFailed(FieldError("kind", _("Measures follow a non-conforming result; this inspection "
                                                        "found none."), "no_finding"))
        suspended = []
        if kind == FollowUpKind.SUSPENSION:
            certs = {c.number: c for c in Certificate.objects.filter(holder__uscc=inspection.uscc, number__in=numbers)}
            missing = [n for n in numbers if n not in certs]
            if missing:
                raise ValidationFailed(FieldError("certificates", _(
                    "%(numbers)s: no such certificate of %(subject)s.") % {"numbers": ", ".join(missing),
                                                                         "subject": inspection.subject_name},
                    "unknown_certificate"))
            for number in numbers:
                certificate_act(actor=actor, certificate=certs[number], action="suspend", signed_by=signed_by,
                                reason=_("Random inspection %(plan)s: %(details)s")
                                % {"plan": inspection.plan.number, "details": details.strip()},
                                details={"until": due_on}, system=True)
                suspended.append(number)
        follow_up = FollowUp.objects.create(inspection=inspection, kind=kind, details=details.strip(), due_on=due_on,
                                            certificates=suspended)
        record_change(actor=actor, action="supervision_follow_up_ordered", obj=follow_up, before=None,
                      after=snapshot(follow_up), region_code=inspection.region_code)
    return follow_up


def follow_up_close(*, actor: Actor, follow_up: FollowUp, details: str) -> FollowUp:
    if not (details or "").strip():
        raise ValidationFailed(FieldError("details", _("Say how the measure was completed."), "required"))
    with transaction.atomic():
        follow_up = lock(FollowUp, follow_up.pk)
        require(actor, "decide", "supervision", follow_up.inspection)
        before = snapshot(follow_up)
        follow_up.status = FOLLOW_UP.target("close", follow_up.status)
        follow_up.closed_on = today_()
        follow_up.save()
        record_change(actor=actor, action="supervision_follow_up_closed", obj=follow_up, before=before,
                      after=snapshot(follow_up), reason=details.strip(), region_code=follow_up.inspection.region_code)
    return follow_up
