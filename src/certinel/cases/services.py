"""Complaints and reports (投诉举报), each step in one transaction with its history record and
log leaf (a private kind: the log holds a commitment only):

* `complaint_submit`: anyone, without an account (the public form or the API), or a regulator
  entering a complaint received by phone. A complaint names its sender; a report may be
  anonymous. The sender gets a private follow link and code, shown once;
* `complaint_accept` / `complaint_reject`: within the acceptance time limit (the service does
  not refuse a late decision: the queue shows it as overdue, and the history keeps its day);
* `complaint_extend`: a report's check extended once, with the approver named;
* `complaint_close`: mediation ended (agreed or not), or a report checked without a clue found,
  with the feedback the sender reads on the follow page;
* a case opened from an accepted complaint or report (`services_cases.case_open`) and its
  closing concludes it (`complaint_conclude`).

The time limits are `policy.time_limit` rows on the working-day calendar (`core.workdays`)."""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from typing import Any

from django.db import transaction
from django.utils.timezone import localdate as today_
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.core.actor import Actor
from certinel.core.errors import ErrorList, FieldError, NotFound, ValidationFailed
from certinel.core.history import personal_hash, record_change, snapshot
from certinel.core.services import lock

from . import evidence as files
from . import policy
from .choices import Channel, ComplaintKind, Outcome
from .models import Complaint
from .subjects import subject_find
from .transitions import COMPLAINT

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_FACTS = 8000
PHONE = re.compile(r"^[0-9+()\- ]{5,32}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# How each kind may end without a case.
CLOSING_OUTCOMES = {ComplaintKind.COMPLAINT: (Outcome.MEDIATED, Outcome.MEDIATION_ENDED),
                    ComplaintKind.REPORT: (Outcome.NO_CLUE,)}


def _hash_code(code: str) -> str:
    return personal_hash("follow-code:" + code.strip().upper())


def code_matches(complaint: Complaint, code: str) -> bool:
    return hmac.compare_digest(complaint.code_hash, _hash_code(code or ""))


def _number(kind: str, on: dt.date) -> str:
    prefix = "TS" if kind == ComplaintKind.COMPLAINT else "JB"
    while True:
        number = f"{prefix}{on:%Y%m%d}{secrets.randbelow(10 ** 6):06d}"
        if not Complaint.objects.filter(number=number).exists():
            return number


def _check_contact(errors: ErrorList, *, kind: str, anonymous: bool, name: str, phone: str, email: str) -> None:
    if kind == ComplaintKind.COMPLAINT and anonymous:
        errors.add("anonymous", _("A complaint cannot be anonymous: mediation needs the complainant's name and "
                                  "contact. Send a report to stay anonymous."), "not_anonymous")
    if anonymous:
        if name or phone or email:
            errors.add("anonymous", _("An anonymous report carries no name or contact: leave them empty."),
                       "contact_given")
        return
    if not name:
        errors.add("contact_name", _("Give your name, or send the report anonymously."), "required")
    if not phone and not email:
        errors.add("contact_phone", _("Give a phone number or an e-mail address."), "required")
    if phone and not PHONE.match(phone):
        errors.add("contact_phone", _("Enter a phone number of digits (5 to 32)."), "invalid")
    if email and not EMAIL.match(email):
        errors.add("contact_email", _("Enter a valid e-mail address."), "invalid")


def complaint_submit(*, actor: Actor, kind: str, subject: str, facts: str, evidence: list[files.EvidenceFile],
                     anonymous: bool = False, contact_name: str = "", contact_phone: str = "",
                     contact_email: str = "", channel: str = Channel.WEB,
                     received_on: dt.date | None = None) -> tuple[Complaint, str]:
    """Record a complaint or a report; returns it and its follow code (shown once, kept hashed).
    Every problem is refused at once, and nothing is written unless all is well."""
    errors = ErrorList()
    if kind not in ComplaintKind.values:
        errors.add("kind", _("Choose complaint or report."), "invalid")
    if channel not in Channel.values:
        errors.add("channel", _("Unknown channel."), "invalid")
    facts = (facts or "").strip()
    if not facts:
        errors.add("facts", _("Describe the facts: what happened, when, and what you ask for."), "required")
    elif len(facts) > MAX_FACTS:
        errors.add("facts", _("At most %(n)d characters.") % {"n": MAX_FACTS}, "too_long")
    name, phone, email = (contact_name or "").strip(), (contact_phone or "").strip(), (contact_email or "").strip()
    _check_contact(errors, kind=kind, anonymous=anonymous, name=name, phone=phone, email=email)
    found = None
    try:
        found = subject_find(subject)
    except ValidationFailed as exc:
        errors.errors.extend(exc.errors)
    except NotFound as exc:
        errors.add("subject", exc.message, exc.code)
    try:
        files.check(evidence)
    except ValidationFailed as exc:
        errors.errors.extend(exc.errors)
    errors.raise_if_any()
    assert found is not None
    if channel == Channel.PHONE:
        require(actor, "decide", "complaint", region_code=found.region_code)
    received = received_on or today_()
    limit = policy.time_limit("accept", on=received, region_code=found.region_code)
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    with transaction.atomic():
        complaint = Complaint(
            number=_number(kind, received), kind=kind, channel=channel, facts=facts, evidence=files.store(evidence),
            anonymous=anonymous, contact_name=name, contact_phone=phone, contact_email=email,
            follow_token=secrets.token_urlsafe(32), code_hash=_hash_code(code), received_on=received,
            accept_due=limit.due(received), time_limits=limit.label, entered_by=actor.label[:150],
            **found.fields())
        complaint.save()
        record_change(actor=actor, action="cases_complaint_received", obj=complaint, before=None,
                      after=snapshot(complaint))
    return complaint, code


def _decided(actor: Actor, complaint: Complaint) -> Complaint:
    complaint = lock(Complaint, complaint.pk)
    require(actor, "decide", "complaint", complaint)
    return complaint


def _required(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(FieldError(field, _("This field is required."), "required"))
    return text


def complaint_accept(*, actor: Actor, complaint: Complaint, on: dt.date | None = None) -> Complaint:
    """Accept: the mediation (a complaint) or the check (a report) starts, with its time limit."""
    day = on or today_()
    with transaction.atomic():
        complaint = _decided(actor, complaint)
        before = snapshot(complaint)
        complaint.status = COMPLAINT.target("accept", complaint.status)
        if day < complaint.received_on:
            raise ValidationFailed(FieldError("on", _("A complaint cannot be accepted before it was received."),
                                              "invalid"))
        kind = "mediate" if complaint.kind == ComplaintKind.COMPLAINT else "verify"
        complaint.accepted_on = day
        complaint.handle_due = policy.deadline(kind, day, region_code=complaint.region_code)
        complaint.save()
        record_change(actor=actor, action="cases_complaint_accepted", obj=complaint, before=before,
                      after=snapshot(complaint))
    return complaint


def complaint_reject(*, actor: Actor, complaint: Complaint, feedback: str, on: dt.date | None = None) -> Complaint:
    """Not accepted (outside the department's powers, no subject or facts, a matter already
    decided …): the sender reads why."""
    text = _required(feedback, "feedback")
    with transaction.atomic():
        complaint = _decided(actor, complaint)
        before = snapshot(complaint)
        complaint.status = COMPLAINT.target("reject", complaint.status)
        complaint.outcome, complaint.feedback, complaint.closed_on = Outcome.REJECTED, text, on or today_()
        complaint.save()
        record_change(actor=actor, action="cases_complaint_rejected", obj=complaint, before=before,
                      after=snapshot(complaint), reason=text)
    return complaint


def complaint_extend(*, actor: Actor, complaint: Complaint, reason: str, approved_by: str,
                     on: dt.date | None = None) -> Complaint:
    """Extend a report's check, once, with the approval of the department's head, before it ends."""
    text = _required(reason, "reason")
    approver = _required(approved_by, "approved_by")
    day = on or today_()
    with transaction.atomic():
        complaint = _decided(actor, complaint)
        COMPLAINT.target("extend", complaint.status)
        limit = policy.time_limit("verify", on=complaint.accepted_on or day, region_code=complaint.region_code)
        if complaint.kind != ComplaintKind.REPORT:
            raise ValidationFailed(FieldError("kind", _("Only the check of a report can be extended."), "not_report"))
        if complaint.extended or not limit.extensions:
            raise ValidationFailed(FieldError("extended", _("The check of this report has been extended already; "
                                                            "it can be extended only once."), "extended"))
        if complaint.handle_due is not None and day > complaint.handle_due:
            raise ValidationFailed(FieldError("on", _("The check ended on %(day)s: an extension must be approved "
                                                      "before the time limit ends.") % {"day": complaint.handle_due},
                                              "too_late"))
        before = snapshot(complaint)
        complaint.handle_due = limit.extend(complaint.handle_due or policy.deadline("verify", day))
        complaint.extended, complaint.extension_approved_by = True, approver[:64]
        complaint.save()
        record_change(actor=actor, action="cases_complaint_extended", obj=complaint, before=before,
                      after=snapshot(complaint), reason=text)
    return complaint


def complaint_close(*, actor: Actor, complaint: Complaint, outcome: str, feedback: str,
                    on: dt.date | None = None) -> Complaint:
    """End an accepted complaint or report without a case: mediation agreed or ended, or a report
    checked without finding a clue of a violation. The feedback is what the sender reads."""
    text = _required(feedback, "feedback")
    with transaction.atomic():
        complaint = _decided(actor, complaint)
        if outcome not in CLOSING_OUTCOMES.get(complaint.kind, ()):
            allowed = ", ".join(CLOSING_OUTCOMES.get(complaint.kind, ()))
            raise ValidationFailed(FieldError("outcome", _("A %(kind)s ends here as one of: %(allowed)s.")
                                              % {"kind": complaint.get_kind_display(), "allowed": allowed},
                                              "invalid"))
        before = snapshot(complaint)
        complaint.status = COMPLAINT.target("close", complaint.status)
        complaint.outcome, complaint.feedback, complaint.closed_on = outcome, text, on or today_()
        complaint.save()
        record_change(actor=actor, action="cases_complaint_closed", obj=complaint, before=before,
                      after=snapshot(complaint))
    return complaint


def complaint_conclude(*, actor: Actor, complaint: Complaint, feedback: str, on: dt.date) -> Complaint:
    """The case a complaint or report became was closed: the sender is told its result (called
    by `services_cases.case_close`, inside its transaction)."""
    complaint = lock(Complaint, complaint.pk)
    before = snapshot(complaint)
    complaint.status = COMPLAINT.target("conclude", complaint.status)
    complaint.outcome, complaint.feedback, complaint.closed_on = Outcome.CASE_DECIDED, feedback, on
    complaint.save()
    record_change(actor=actor, action="cases_complaint_concluded", obj=complaint, before=before,
                  after=snapshot(complaint))
    return complaint


def follow_find(token: str, code: str) -> Complaint | None:
    """The complaint a follow link and code open; None when either is wrong (the same answer
    whichever it is)."""
    if not token or len(token) > 64:
        return None
    found: Any = Complaint.objects.filter(follow_token=token).first()
    if found is None:
        _hash_code(code or "")  # the same work either way
        return None
    return found if code_matches(found, code) else None
