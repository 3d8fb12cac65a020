"""Every write to the serious-violation list (SAMR Order No. 44), each in one transaction
with its history record and log leaf:

* `notice_serve`: a regulator of the subject's region serves the notice before listing (the
  violation, the provision it broke, the heavier penalty and its decision number, the
  authority); the subject may state its case until the policy's statement period ends;
* `notice_state_case`: the subject (its own user) states its case;
* `entry_decide`: after the statement period, the regulator lists the subject; the minimum and
  maximum periods of the policy in force fix the dates of early removal and removal;
* `notice_drop`: the regulator decides not to list;
* `entry_request_removal`: the subject applies for early removal, at the earliest after the
  minimum period, stating how it meets the conditions;
* `entry_remove_early` / `entry_refuse_removal`: the regulator decides on the application;
* `entry_annul`: the penalty the entry rests on was set aside;
* `entries_expire`: the scheduled removal when the maximum period has run (the system acts).

A class or entry is never set around these: the models are changed nowhere else."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.timezone import localdate as today_
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.core.actor import Actor
from certinel.core.dates import add_months
from certinel.core.errors import ErrorList, FieldError, NotFound, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import lock
from certinel.registry.models import CertificationBody, Lab, Organization

from .choices import IN_FORCE, EntryStatus, NoticeStatus, SubjectKind
from .models import ListEntry, ListNotice
from .policy import list_policy
from .transitions import ENTRY, NOTICE

SUBJECT_MODELS: dict[str, type[Organization] | type[CertificationBody] | type[Lab]] = {
    SubjectKind.ORGANIZATION: Organization, SubjectKind.BODY: CertificationBody, SubjectKind.LAB: Lab}


def subject_by_uscc(uscc: str) -> tuple[str, Organization | CertificationBody | Lab]:
    """The registered organization, body or lab with this unified social credit code."""
    code = (uscc or "").strip().upper()
    for kind, model in SUBJECT_MODELS.items():
        found = model.objects.filter(uscc=code).first()
        if found is not None:
            return kind, found
    raise NotFound(_("No organization, certification body or lab with the credit code %(uscc)s is registered.")
                   % {"uscc": code or "—"}, field="uscc")


def _required(errors: ErrorList, **values: str) -> None:
    for name, value in values.items():
        if not (value or "").strip():
            errors.add(name, _("This field is required."), "required")


def notice_serve(*, actor: Actor, uscc: str, violation: str, basis: str, penalty_decision_no: str, penalty: str,
                 authority: str, served_on: dt.date | None = None) -> ListNotice:
    """Serve the notice that comes before a listing decision."""
    errors = ErrorList()
    _required(errors, violation=violation, basis=basis, penalty_decision_no=penalty_decision_no, penalty=penalty,
              authority=authority)
    errors.raise_if_any()
    kind, subject = subject_by_uscc(uscc)
    require(actor, "decide", "credit", region_code=subject.region_code)
    served_on = served_on or today_()
    policy = list_policy(on=served_on, region_code=subject.region_code)
    with transaction.atomic():
        if ListNotice.objects.filter(uscc=subject.uscc, penalty_decision_no=penalty_decision_no.strip()).exclude(
                status=NoticeStatus.DROPPED).exists():
            raise ValidationFailed(FieldError("penalty_decision_no", _(
                "A notice on this penalty decision has already been served to this subject."), "duplicate"))
        notice = ListNotice(subject_kind=kind, uscc=subject.uscc, subject_name=subject.name,
                            region_code=subject.region_code, violation=violation.strip(), basis=basis.strip(),
                            penalty_decision_no=penalty_decision_no.strip(), penalty=penalty.strip(),
                            authority=authority.strip(), served_on=served_on,
                            statement_until=served_on + dt.timedelta(days=policy.statement_days),
                            policy=policy.label)
        setattr(notice, kind, subject)  # a subject kind is the name of its field
        notice.save()
        record_change(actor=actor, action="credit_notice_served", obj=notice, before=None, after=snapshot(notice))
    return notice


def _own_subject(actor: Actor, subject_of) -> None:
    """The subject's own users act for it (an organization's, body's or lab's account)."""
    require(actor, "answer", "credit", subject_of)


def notice_state_case(*, actor: Actor, notice: ListNotice, statement: str) -> ListNotice:
    """The subject states its case (陈述申辩) during the statement period."""
    if not (statement or "").strip():
        raise ValidationFailed(FieldError("statement", _("This field is required."), "required"))
    with transaction.atomic():
        notice = lock(ListNotice, notice.pk)
        _own_subject(actor, notice)
        NOTICE.target("state_case", notice.status)
        if today_() > notice.statement_until:
            raise ValidationFailed(FieldError("statement", _(
                "The statement period ended on %(day)s.") % {"day": notice.statement_until}, "too_late"))
        before = snapshot(notice)
        notice.statement = statement.strip()
        notice.save()
        record_change(actor=actor, action="credit_case_stated", obj=notice, before=before, after=snapshot(notice))
    return notice


def notice_drop(*, actor: Actor, notice: ListNotice, reason: str) -> ListNotice:
    """Decide not to list the subject."""
    if not (reason or "").strip():
        raise ValidationFailed(FieldError("reason", _("A reason is required for this decision."), "required"))
    with transaction.atomic():
        notice = lock(ListNotice, notice.pk)
        require(actor, "decide", "credit", notice)
        before = snapshot(notice)
        notice.status = NOTICE.target("drop", notice.status)
        notice.save()
        record_change(actor=actor, action="credit_notice_dropped", obj=notice, before=before, after=snapshot(notice),
                      reason=reason.strip())
    return notice


def entry_decide(*, actor: Actor, notice: ListNotice, decision_no: str, listed_on: dt.date | None = None) -> ListEntry:
    """List the subject of a notice whose statement period has ended."""
    if not (decision_no or "").strip():
        raise ValidationFailed(FieldError("decision_no", _("This field is required."), "required"))
    listed_on = listed_on or today_()
    with transaction.atomic():
        notice = lock(ListNotice, notice.pk)
        require(actor, "decide", "credit", notice)
        new_status = NOTICE.target("decide", notice.status)
        if listed_on <= notice.statement_until:
            raise ValidationFailed(FieldError("listed_on", _(
                "The subject may state its case until %(day)s: the decision can be made only after that.")
                % {"day": notice.statement_until}, "statement_period"))
        policy = list_policy(on=listed_on, region_code=notice.region_code)
        before = snapshot(notice)
        notice.status = new_status
        notice.save()
        record_change(actor=actor, action="credit_notice_decided", obj=notice, before=before, after=snapshot(notice))
        entry = ListEntry(
            notice=notice, subject_kind=notice.subject_kind, organization_id=notice.organization_id,
            body_id=notice.body_id, lab_id=notice.lab_id, uscc=notice.uscc, subject_name=notice.subject_name,
            region_code=notice.region_code, violation=notice.violation, basis=notice.basis,
            penalty_decision_no=notice.penalty_decision_no, penalty=notice.penalty, authority=notice.authority,
            decision_no=decision_no.strip(), listed_on=listed_on,
            earliest_removal_on=add_months(listed_on, policy.early_removal_after_months),
            expires_on=add_months(listed_on, policy.removal_after_months), policy=policy.label)
        entry.save()
        record_change(actor=actor, action="credit_listed", obj=entry, before=None, after=snapshot(entry))
    return entry


def entry_request_removal(*, actor: Actor, entry: ListEntry, statement: str, on: dt.date | None = None) -> ListEntry:
    """The subject applies for early removal: it has performed the penalty, removed the harm
    and drawn no further heavier penalty (its statement says how)."""
    if not (statement or "").strip():
        raise ValidationFailed(FieldError("statement", _("This field is required."), "required"))
    on = on or today_()
    with transaction.atomic():
        entry = lock(ListEntry, entry.pk)
        _own_subject(actor, entry)
        new_status = ENTRY.target("request_removal", entry.status)
        if on < entry.earliest_removal_on:
            raise ValidationFailed(FieldError("statement", _(
                "Early removal can be requested from %(day)s, once the minimum period on the list has passed.")
                % {"day": entry.earliest_removal_on}, "too_early"))
        before = snapshot(entry)
        entry.status, entry.removal_request, entry.removal_requested_on = new_status, statement.strip(), on
        entry.save()
        record_change(actor=actor, action="credit_removal_requested", obj=entry, before=before,
                      after=snapshot(entry))
    return entry


def _entry_decide(*, actor: Actor, entry: ListEntry, action: str, event: str, reason: str,
                  on: dt.date | None, ends: bool) -> ListEntry:
    if not (reason or "").strip():
        raise ValidationFailed(FieldError("reason", _("A reason is required for this decision."), "required"))
    with transaction.atomic():
        entry = lock(ListEntry, entry.pk)
        require(actor, "decide", "credit", entry)
        new_status = ENTRY.target(action, entry.status)
        before = snapshot(entry)
        entry.status = new_status
        if ends:
            entry.ended_on, entry.end_reason = on or today_(), reason.strip()
        entry.save()
        record_change(actor=actor, action=event, obj=entry, before=before, after=snapshot(entry),
                      reason=reason.strip())
    return entry


def entry_remove_early(*, actor: Actor, entry: ListEntry, reason: str, on: dt.date | None = None) -> ListEntry:
    """Grant an application for early removal."""
    return _entry_decide(actor=actor, entry=entry, action="remove_early", event="credit_removed_early",
                         reason=reason, on=on, ends=True)


def entry_refuse_removal(*, actor: Actor, entry: ListEntry, reason: str) -> ListEntry:
    """Refuse an application for early removal: the entry stays in force."""
    return _entry_decide(actor=actor, entry=entry, action="refuse_removal", event="credit_removal_refused",
                         reason=reason, on=None, ends=False)


def entry_annul(*, actor: Actor, entry: ListEntry, reason: str, on: dt.date | None = None) -> ListEntry:
    """The penalty the entry rests on was set aside: the entry is annulled."""
    return _entry_decide(actor=actor, entry=entry, action="annul", event="credit_annulled", reason=reason, on=on,
                         ends=True)


def entries_expire(*, on: dt.date | None = None, actor: Actor | None = None) -> int:
    """Remove every entry whose maximum period has run (the scheduled job). Returns how many."""
    on = on or today_()
    actor = actor or Actor.system("credit:expiry")
    done = 0
    due = list(ListEntry.objects.filter(status__in=IN_FORCE, expires_on__lte=on).values_list("pk", flat=True))
    reason = "名单期限届满"  # stored as the system writes it; shown through core.actions.SYSTEM_WORDS
    for pk in due:
        with transaction.atomic():
            entry = lock(ListEntry, pk)
            if entry.status not in IN_FORCE or entry.expires_on > on:
                continue
            before = snapshot(entry)
            entry.status = ENTRY.target("expire", entry.status)
            entry.ended_on, entry.end_reason = entry.expires_on, reason
            entry.save()
            record_change(actor=actor, action="credit_expired", obj=entry, before=before, after=snapshot(entry),
                          reason=reason)
            done += 1
    return done


__all__ = ["EntryStatus", "entries_expire", "entry_annul", "entry_decide", "entry_refuse_removal",
           "entry_remove_early", "entry_request_removal", "notice_drop", "notice_serve", "notice_state_case",
           "subject_by_uscc"]
