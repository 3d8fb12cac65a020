"""Cases (案件): the handling of a complaint, a report or a risk warning, each step in one
transaction with its history record and log leaf (private kinds):

* `case_open` from an accepted complaint or report, or from an open warning;
* `case_assign` (starts the investigation; reassigning keeps it running);
* `case_note`: a note or evidence files;
* `case_request`: ask the certification body to explain, or to suspend or revoke a certificate;
  `request_answer` (the body: when it complies with a suspension or revocation, the certificate
  changes through `certificates.services`, as every other suspension does) and
  `request_withdraw` (the regulator);
* `case_decide`: no violation, correction ordered, penalty (its legal basis required), or
  transfer to another authority; what follows is written with it: a credit fact through
  `credit.services_facts.fact_record` (an administrative penalty; a correction ordered on a
  complaint or report that proved true), requests to the body to suspend or revoke the
  certificates named, and a supervision item for the next inspection plan;
* `case_close`: refused while a request to the body is open; closing concludes the complaint
  or report, whose sender reads the result."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils.timezone import localdate as today_
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.certificates.choices import CertificateStatus
from certinel.certificates.models import Certificate
from certinel.core.actor import Actor
from certinel.core.errors import Conflict, ErrorList, FieldError, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import lock

from . import evidence as files
from . import policy
from .choices import (
    CaseSource,
    ComplaintKind,
    Decision,
    NoteKind,
    RequestKind,
    RequestStatus,
    SubjectKind,
)
from .models import BodyRequest, Case, CaseNote, Complaint, RiskWarning, SupervisionItem
from .services import complaint_conclude
from .subjects import uscc_of
from .transitions import BODY_REQUEST, CASE, COMPLAINT, WARNING

SEVERITIES = ("minor", "general", "serious")
SUBJECT_FIELDS = ("subject_kind", "subject_code", "subject_name", "organization_id", "body_id", "lab_id",
                  "certificate_id", "region_code")


def _number(on: dt.date) -> str:
    while True:
        number = f"AJ{on:%Y%m%d}{secrets.randbelow(10 ** 6):06d}"
        if not Case.objects.filter(number=number).exists():
            return number


def _text(value: str, field: str, errors: ErrorList, *, limit: int = 8000) -> str:
    text = (value or "").strip()
    if not text:
        errors.add(field, _("This field is required."), "required")
    elif len(text) > limit:
        errors.add(field, _("At most %(n)d characters.") % {"n": limit}, "too_long")
    return text


def case_open(*, actor: Actor, summary: str, complaint: Complaint | None = None,
              warning: RiskWarning | None = None, authority: str = "", on: dt.date | None = None) -> Case:
    """Open a case from an accepted complaint or report, or from an open warning."""
    errors = ErrorList()
    text = _text(summary, "summary", errors)
    if (complaint is None) == (warning is None):
        errors.add("source", _("A case is opened from one complaint, report or warning."), "invalid")
    errors.raise_if_any()
    day = on or today_()
    with transaction.atomic():
        source: Any = lock(Complaint, complaint.pk) if complaint is not None else lock(RiskWarning, warning.pk)  # type: ignore[union-attr]
        require(actor, "decide", "complaint" if complaint is not None else "warning", source)
        require(actor, "decide", "case", region_code=source.region_code)
        before = snapshot(source)
        table = COMPLAINT if complaint is not None else WARNING
        source.status = table.target("open_case", source.status)
        source.save()
        case = Case(number=_number(day), summary=text, opened_on=day,
                    decide_due=policy.deadline("decide", day, region_code=source.region_code),
                    authority=(authority or "").strip()[:200],
                    **{name: getattr(source, name) for name in SUBJECT_FIELDS})
        if complaint is not None:
            case.source = CaseSource.COMPLAINT if source.kind == ComplaintKind.COMPLAINT else CaseSource.REPORT
            case.complaint = source
        else:
            case.source, case.warning = CaseSource.WARNING, source
        case.save()
        if complaint is not None:
            record_change(actor=actor, action="cases_complaint_case_opened", obj=source, before=before,
                          after=snapshot(source), reason=case.number)
        else:
            record_change(actor=actor, action="cases_warning_case_opened", obj=source, before=before,
                          after=snapshot(source), reason=case.number)
        record_change(actor=actor, action="cases_case_opened", obj=case, before=None, after=snapshot(case))
    return case


def _case(actor: Actor, case: Case) -> Case:
    case = lock(Case, case.pk)
    require(actor, "decide", "case", case)
    return case


def case_assign(*, actor: Actor, case: Case, assignee: str) -> Case:
    errors = ErrorList()
    who = _text(assignee, "assignee", errors, limit=150)
    errors.raise_if_any()
    with transaction.atomic():
        case = _case(actor, case)
        before = snapshot(case)
        case.status = CASE.target("assign", case.status)
        case.assignee = who
        case.save()
        record_change(actor=actor, action="cases_case_assigned", obj=case, before=before, after=snapshot(case))
    return case


def case_note(*, actor: Actor, case: Case, text: str, evidence: list[files.EvidenceFile] | None = None) -> CaseNote:
    """A note of the investigation, with evidence files if any."""
    errors = ErrorList()
    body = _text(text, "text", errors)
    try:
        files.check(evidence or [])
    except ValidationFailed as exc:
        errors.errors.extend(exc.errors)
    errors.raise_if_any()
    with transaction.atomic():
        case = _case(actor, case)
        CASE.target("note", case.status)
        note = CaseNote(case=case, kind=NoteKind.EVIDENCE if evidence else NoteKind.NOTE, text=body,
                        evidence=files.store(evidence or []), author=actor.label[:150], region_code=case.region_code)
        note.save()
        record_change(actor=actor, action="cases_case_noted", obj=note, before=None, after=snapshot(note))
    return note


def _certificate_of(case: Case, number: str) -> Certificate:
    """A certificate of the case's subject, by its number."""
    number = (number or "").strip()
    found = Certificate.objects.filter(number=number)
    if case.subject_kind == SubjectKind.CERTIFICATE:
        found = found.filter(pk=case.certificate_id)
    elif case.organization_id:
        found = found.filter(holder_id=case.organization_id)
    elif case.body_id:
        found = found.filter(body_id=case.body_id)
    else:
        found = found.none()
    cert = found.order_by("-issued_on", "-id").first()
    if cert is None:
        raise ValidationFailed(FieldError("certificate", _("%(n)s is not a certificate of this case's subject.")
                                          % {"n": number or "—"}, "unknown_certificate"))
    return cert


def _new_request(actor: Actor, case: Case, *, kind: str, text: str, certificate: Certificate | None,
                 on: dt.date) -> BodyRequest:
    body_id = certificate.body_id if certificate is not None else (case.body_id or (
        case.certificate.body_id if case.certificate_id else None))
    if body_id is None:
        raise ValidationFailed(FieldError("body", _("This case names no certification body to ask: name one of its "
                                                    "certificates."), "no_body"))
    if kind in (RequestKind.SUSPENSION, RequestKind.REVOCATION):
        if certificate is None:
            raise ValidationFailed(FieldError("certificate", _("Name the certificate to suspend or revoke."),
                                              "required"))
        wanted = {CertificateStatus.VALID} if kind == RequestKind.SUSPENSION else {
            CertificateStatus.VALID, CertificateStatus.SUSPENDED}
        if certificate.status not in wanted:
            raise ValidationFailed(FieldError("certificate", _("Certificate %(n)s is %(s)s: it cannot be asked for.")
                                              % {"n": certificate.number, "s": certificate.get_status_display()},
                                              "status"))
    request = BodyRequest(case=case, body_id=body_id, kind=kind, certificate=certificate, text=text,
                          due_on=policy.deadline("answer", on, region_code=case.region_code),
                          region_code=case.region_code)
    request.save()
    record_change(actor=actor, action="cases_request_made", obj=request, before=None, after=snapshot(request))
    return request


def case_request(*, actor: Actor, case: Case, kind: str, text: str, certificate: str = "",
                 on: dt.date | None = None) -> BodyRequest:
    """Ask the certification body of the case (or of the certificate named) to explain, or to
    suspend or revoke a certificate, within the answer time limit."""
    errors = ErrorList()
    body = _text(text, "text", errors)
    if kind not in RequestKind.values:
        errors.add("kind", _("Unknown kind of request."), "invalid")
    errors.raise_if_any()
    with transaction.atomic():
        case = _case(actor, case)
        CASE.target("request", case.status)
        cert = _certificate_of(case, certificate) if (certificate or "").strip() else None
        return _new_request(actor, case, kind=kind, text=body, certificate=cert, on=on or today_())


def request_answer(*, actor: Actor, request: BodyRequest, answer: str, complied: bool,
                   signed_by: str = "", until: dt.date | None = None, on: dt.date | None = None) -> BodyRequest:
    """The body answers. Complying with a suspension or revocation changes the certificate
    through the certificate services (with its own history, log leaf and credit fact)."""
    from certinel.certificates.services import certificate_revoke, certificate_suspend

    errors = ErrorList()
    text = _text(answer, "answer", errors)
    day = on or today_()
    acting = complied and request.kind in (RequestKind.SUSPENSION, RequestKind.REVOCATION)
    if acting and not (signed_by or "").strip():
        errors.add("signed_by", _("Name the signatory of the body's decision."), "required")
    if acting and request.kind == RequestKind.SUSPENSION and (until is None or until <= day):
        errors.add("until", _("Give the last day of the suspension (after today)."), "required")
    errors.raise_if_any()
    with transaction.atomic():
        request = lock(BodyRequest, request.pk)
        require(actor, "answer", "case_request", request)
        before = snapshot(request)
        request.status = BODY_REQUEST.target("answer", request.status)
        request.answer, request.complied, request.answered_on = text, complied, day
        request.answered_by = actor.label[:150]
        request.save()
        record_change(actor=actor, action="cases_request_answered", obj=request, before=before,
                      after=snapshot(request))
        if acting and request.certificate_id:
            reason = _("At the request of case %(n)s: %(t)s") % {"n": request.case.number, "t": request.text[:400]}
            cert = Certificate.objects.get(pk=request.certificate_id)
            if request.kind == RequestKind.SUSPENSION:
                certificate_suspend(actor=actor, certificate=cert, until=until, reason=reason,  # type: ignore[arg-type]
                                    signed_by=signed_by.strip(), occurred_on=day)
            else:
                certificate_revoke(actor=actor, certificate=cert, reason=reason, signed_by=signed_by.strip(),
                                   occurred_on=day)
    return request


def request_withdraw(*, actor: Actor, request: BodyRequest, reason: str) -> BodyRequest:
    errors = ErrorList()
    text = _text(reason, "reason", errors)
    errors.raise_if_any()
    with transaction.atomic():
        request = lock(BodyRequest, request.pk)
        require(actor, "decide", "case", request.case)
        before = snapshot(request)
        request.status = BODY_REQUEST.target("withdraw", request.status)
        request.save()
        record_change(actor=actor, action="cases_request_withdrawn", obj=request, before=before,
                      after=snapshot(request), reason=text)
    return request


def _check_decision(decision: str, values: dict[str, str], errors: ErrorList) -> None:
    if decision not in Decision.values:
        errors.add("decision", _("Choose the decision: %(d)s.") % {"d": ", ".join(Decision.values)}, "invalid")
        return
    if not values["decision_text"]:
        errors.add("decision_text", _("State the decision and the facts it rests on."), "required")
    if not values["signatory"]:
        errors.add("signatory", _("Name who signs the decision."), "required")
    if decision in (Decision.PENALTY, Decision.CORRECTION):
        if not values["legal_basis"]:
            errors.add("legal_basis", _("A penalty or an order to correct needs its legal basis: the provisions "
                                        "violated and those the decision applies."), "required")
        if not values["decision_no"]:
            errors.add("decision_no", _("Give the number of the decision."), "required")
    if decision == Decision.PENALTY and values["penalty_severity"] not in SEVERITIES:
        errors.add("penalty_severity", _("Severity must be minor, general or serious."), "required")
    if decision == Decision.TRANSFER and not values["transfer_to"]:
        errors.add("transfer_to", _("Name the authority the case is transferred to."), "required")


def case_decide(*, actor: Actor, case: Case, decision: str, decision_text: str, signatory: str,
                legal_basis: str = "", decision_no: str = "", penalty_severity: str = "", transfer_to: str = "",
                suspend: list[str] | None = None, revoke: list[str] | None = None, supervise: bool = False,
                on: dt.date | None = None) -> Case:
    """Decide the case, and write what follows from it in the same transaction."""
    from certinel.credit.services_facts import fact_record

    values = {"decision_text": (decision_text or "").strip(), "signatory": (signatory or "").strip(),
              "legal_basis": (legal_basis or "").strip(), "decision_no": (decision_no or "").strip(),
              "penalty_severity": (penalty_severity or "").strip(), "transfer_to": (transfer_to or "").strip()}
    errors = ErrorList()
    _check_decision(decision, values, errors)
    errors.raise_if_any()
    day = on or today_()
    with transaction.atomic():
        case = _case(actor, case)
        before = snapshot(case)
        case.status = CASE.target("decide", case.status)
        case.decision, case.decided_on = decision, day
        case.legal_basis, case.decision_no = values["legal_basis"][:500], values["decision_no"][:100]
        case.decision_text, case.signatory = values["decision_text"], values["signatory"][:64]
        case.penalty_severity = values["penalty_severity"] if decision == Decision.PENALTY else ""
        case.transfer_to = values["transfer_to"][:200] if decision == Decision.TRANSFER else ""
        uscc = uscc_of(case)
        fact_kind = {Decision.PENALTY: "administrative_penalty"}.get(decision)
        if decision == Decision.CORRECTION and case.source in (CaseSource.COMPLAINT, CaseSource.REPORT):
            fact_kind = "complaint_upheld"
        if fact_kind and uscc:
            case.credit_fact = fact_record(
                actor=actor, subject=uscc, kind=fact_kind,
                severity=case.penalty_severity or "minor", occurred_on=day, decision_no=case.decision_no,
                authority=case.authority or actor.label, description=case.decision_text[:2000])
        case.save()
        record_change(actor=actor, action="cases_case_decided", obj=case, before=before, after=snapshot(case))
        certs = [(RequestKind.SUSPENSION, n) for n in suspend or [] if n.strip()] + [
            (RequestKind.REVOCATION, n) for n in revoke or [] if n.strip()]
        for kind, number in certs:
            cert = _certificate_of(case, number)
            text = _("Decision %(no)s of case %(n)s: %(what)s certificate %(c)s.") % {
                "no": case.decision_no or "—", "n": case.number, "c": cert.number,
                "what": _("suspend") if kind == RequestKind.SUSPENSION else _("revoke")}
            _new_request(actor, case, kind=kind, text=text, certificate=cert, on=day)
        if supervise and uscc:
            _supervision_item(actor, case, uscc)
    return case


def _supervision_item(actor: Actor, case: Case, uscc: str) -> SupervisionItem:
    kind = SubjectKind.ORGANIZATION if case.subject_kind == SubjectKind.CERTIFICATE else case.subject_kind
    name = case.certificate.holder_name if case.subject_kind == SubjectKind.CERTIFICATE else case.subject_name
    reason = _("Case %(n)s decided: %(d)s.") % {"n": case.number, "d": case.get_decision_display()}
    item = SupervisionItem(case=case, subject_kind=kind, uscc=uscc, subject_name=name, region_code=case.region_code,
                           reason=reason)
    item.save()
    record_change(actor=actor, action="cases_supervision_item_added", obj=item, before=None, after=snapshot(item))
    return item


def case_close(*, actor: Actor, case: Case, on: dt.date | None = None) -> Case:
    """Close a decided case; refused while a request to the body is open. The complaint or
    report it came from is concluded, its sender told the result."""
    day = on or today_()
    with transaction.atomic():
        case = _case(actor, case)
        CASE.target("close", case.status)
        waiting = list(case.requests.filter(status=RequestStatus.OPEN).order_by("id"))
        if waiting:
            raise Conflict(_("The case cannot be closed while requests to the body are open (%(list)s): wait for "
                             "their answers or withdraw them.")
                           % {"list": ", ".join(f"{r.get_kind_display()} {r.due_on}" for r in waiting)},
                           code="open_requests", details={"requests": [r.pk for r in waiting]})
        before = snapshot(case)
        case.status = CASE.target("close", case.status)
        case.closed_on = day
        case.save()
        record_change(actor=actor, action="cases_case_closed", obj=case, before=before, after=snapshot(case))
        if case.complaint_id:
            feedback = _("Your %(kind)s was investigated as a case. Result: %(d)s.") % {
                "kind": case.complaint.get_kind_display(), "d": case.get_decision_display()}
            if case.decision == Decision.PENALTY and case.decision_no:
                feedback += " " + _("Decision number: %(no)s.") % {"no": case.decision_no}
            complaint_conclude(actor=actor, complaint=case.complaint, feedback=feedback, on=day)
    return case


def warning_dismiss(*, actor: Actor, warning: RiskWarning, reason: str) -> RiskWarning:
    """A regulator checked a warning and found nothing to act on: the reason is kept."""
    errors = ErrorList()
    text = _text(reason, "reason", errors)
    errors.raise_if_any()
    with transaction.atomic():
        warning = lock(RiskWarning, warning.pk)
        require(actor, "decide", "warning", warning)
        before = snapshot(warning)
        warning.status = WARNING.target("dismiss", warning.status)
        warning.reason = text
        warning.save()
        record_change(actor=actor, action="cases_warning_dismissed", obj=warning, before=before,
                      after=snapshot(warning), reason=text)
    return warning
