"""Publishing facts on a subject's public credit page, and credit repair (信用修复), each step
in one transaction with its history record and log leaf:

* `fact_publish`: a regulator of the subject's region publishes an administrative penalty (its
  display period fixed by its severity, `display_policy.csv`: a minor one is not displayed) or
  an award. The publication is public from that day;
* `repair_request`: the subject (its own user) requests credit repair of a displayed penalty,
  with what it did to correct it, evidence files and a public pledge; refused before the
  minimum display period has run and while the subject is on the serious-violation list for
  the same penalty. The request is private;
* `repair_approve` / `repair_refuse`: a regulator decides, with reasons. Approval ends the
  display that day and publishes the pledge with it; the reasons stay private;
* `publications_expire`: the display ends when its maximum period has run (the scheduled job);
* `publication_withdraw`: the fact a publication rests on was annulled (`fact_annul`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.timezone import localdate as today_
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.core.actor import Actor
from certinel.core.dates import add_months
from certinel.core.errors import ErrorList, FieldError, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import lock

from . import evidence as evidence_files
from .choices import (
    IN_FORCE,
    PUBLISHABLE_KINDS,
    CreditSubjectKind,
    FactKind,
    FactStatus,
    PublicationStatus,
    RepairStatus,
)
from .models import CreditFact, FactPublication, ListEntry, RepairRequest
from .policy import display_policy
from .transitions import PUBLICATION, REPAIR

# The reason the system writes when a display's maximum period has run.
EXPIRY_REASON = "公示期届满"


def _required(errors: ErrorList, **values: str) -> None:
    for name, value in values.items():
        if not (value or "").strip():
            errors.add(name, _("This field is required."), "required")


def _subject_fields(source: CreditFact | FactPublication, *, uscc: str, name: str) -> dict[str, Any]:
    """Whom a new publication or request is about: its source's subject, code, name and region."""
    return {
        "subject_kind": source.subject_kind,
        "organization_id": source.organization_id,
        "body_id": source.body_id,
        "lab_id": source.lab_id,
        "uscc": uscc,
        "subject_name": name,
        "region_code": source.region_code,
    }


def _refuse(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(FieldError(field, message, code))


def fact_publish(*, actor: Actor, fact: CreditFact, summary: str, on: dt.date | None = None) -> FactPublication:
    """Publish a penalty or an award of a subject's credit file on its public credit page."""
    if not (summary or "").strip():
        raise _refuse("summary", _("This field is required."), "required")
    on = on or today_()
    with transaction.atomic():
        fact = lock(CreditFact, fact.pk)
        require(actor, "decide", "credit", fact)
        if fact.status != FactStatus.RECORDED:
            raise _refuse("fact", _("An annulled fact cannot be published."), "annulled")
        if fact.kind not in PUBLISHABLE_KINDS:
            raise _refuse("fact", _("Only administrative penalties and awards are published."), "not_publishable")
        if fact.subject_kind == CreditSubjectKind.PERSON:
            raise _refuse(
                "fact", _("Facts about practitioners are personal information and are not published."), "personal"
            )
        if FactPublication.objects.filter(fact=fact).exists():
            raise _refuse("fact", _("This fact has already been published."), "already_published")
        if on > today_() or on < fact.occurred_on:
            raise _refuse(
                "published_on",
                _("The day of publication can be neither in the future nor before the decision."),
                "invalid_date",
            )
        repair_from = display_until = None
        policy_label = ""
        if fact.kind == FactKind.ADMINISTRATIVE_PENALTY:
            policy = display_policy(severity=fact.severity, on=on, region_code=fact.region_code)
            if not policy.displayed:
                raise _refuse("fact", _("Penalties for minor violations are not displayed publicly."), "not_displayed")
            repair_from, display_until = add_months(on, policy.min_months), add_months(on, policy.max_months)
            policy_label = policy.label
        subject = fact.subject
        publication = FactPublication(
            fact=fact,
            **_subject_fields(fact, uscc=subject.uscc, name=subject.name),
            kind=fact.kind,
            severity=fact.severity,
            decision_no=fact.decision_no,
            authority=fact.authority,
            decided_on=fact.occurred_on,
            summary=summary.strip(),
            published_on=on,
            repair_from=repair_from,
            display_until=display_until,
            policy=policy_label,
        )
        publication.save()
        record_change(
            actor=actor, action="credit_fact_published", obj=publication, before=None, after=snapshot(publication)
        )
    return publication


def listed_for(publication: FactPublication, *, on: dt.date) -> ListEntry | None:
    """The subject's entry in force on the serious-violation list that rests on the same
    penalty decision, if any."""
    return ListEntry.objects.filter(
        uscc=publication.uscc, penalty_decision_no=publication.decision_no, status__in=IN_FORCE, listed_on__lte=on
    ).first()


def _not_listed(publication: FactPublication, on: dt.date) -> None:
    entry = listed_for(publication, on=on)
    if entry is not None:
        raise _refuse(
            "publication",
            _(
                "The subject is on the serious-violation list for this penalty (listing decision %(no)s): apply for "
                "early removal from the list first."
            )
            % {"no": entry.decision_no},
            "listed",
        )


def repair_request(
    *,
    actor: Actor,
    publication: FactPublication,
    statement: str,
    pledge: str,
    evidence: list[evidence_files.EvidenceFile],
    on: dt.date | None = None,
) -> RepairRequest:
    """The subject requests credit repair of a displayed penalty."""
    errors = ErrorList()
    _required(errors, statement=statement, pledge=pledge)
    try:
        evidence_files.check(evidence)
    except ValidationFailed as exc:
        errors.errors += exc.errors
    errors.raise_if_any()
    on = on or today_()
    with transaction.atomic():
        publication = lock(FactPublication, publication.pk)
        require(actor, "answer", "credit", publication)
        if publication.kind != FactKind.ADMINISTRATIVE_PENALTY:
            raise _refuse("publication", _("Only published penalties can be repaired."), "not_penalty")
        PUBLICATION.target("repair", publication.status)
        if publication.repair_from is None or on < publication.repair_from:
            raise _refuse(
                "publication",
                _("Credit repair can be requested from %(day)s, once the minimum display period has run.")
                % {"day": publication.repair_from},
                "too_early",
            )
        _not_listed(publication, on)
        if publication.repair_requests.filter(status=RepairStatus.PENDING).exists():
            raise _refuse("publication", _("A request for repair of this penalty is awaiting a decision."), "pending")
        request = RepairRequest(
            publication=publication,
            **_subject_fields(publication, uscc=publication.uscc, name=publication.subject_name),
            statement=statement.strip(),
            pledge=pledge.strip(),
            evidence=evidence_files.store(evidence),
            requested_on=on,
        )
        request.save()
        record_change(actor=actor, action="credit_repair_requested", obj=request, before=None, after=snapshot(request))
    return request


def _decide(
    actor: Actor, request: RepairRequest, action: str, reason: str, on: dt.date | None
) -> tuple[RepairRequest, FactPublication]:
    if not (reason or "").strip():
        raise _refuse("reason", _("A reason is required for this decision."), "required")
    on = on or today_()
    request = lock(RepairRequest, request.pk)
    require(actor, "decide", "credit", request)
    new_status = REPAIR.target(action, request.status)
    publication = lock(FactPublication, request.publication_id)
    before = snapshot(request)
    request.status, request.decided_on, request.reason = new_status, on, reason.strip()
    request.save()
    record_change(
        actor=actor,
        action="credit_repair_approved" if action == "approve" else "credit_repair_refused",
        obj=request,
        before=before,
        after=snapshot(request),
        reason=reason.strip(),
    )
    return request, publication


def repair_approve(*, actor: Actor, request: RepairRequest, reason: str, on: dt.date | None = None) -> RepairRequest:
    """Grant a request: the penalty's display ends that day, and the subject's pledge is
    published with the outcome."""
    day = on or today_()
    with transaction.atomic():
        request, publication = _decide(actor, request, "approve", reason, day)
        new_status = PUBLICATION.target("repair", publication.status)
        _not_listed(publication, day)
        before = snapshot(publication)
        publication.status, publication.ended_on, publication.pledge = new_status, day, request.pledge
        publication.save()
        # The public leaf says the display ended on a granted repair; the reasons stay private.
        record_change(
            actor=actor,
            action="credit_publication_repaired",
            obj=publication,
            before=before,
            after=snapshot(publication),
        )
    return request


def repair_refuse(*, actor: Actor, request: RepairRequest, reason: str, on: dt.date | None = None) -> RepairRequest:
    """Refuse a request, with reasons: the penalty stays displayed."""
    with transaction.atomic():
        request, _publication = _decide(actor, request, "refuse", reason, on)
    return request


def publications_expire(*, on: dt.date | None = None, actor: Actor | None = None) -> int:
    """End the display of every published penalty whose maximum period has run (the scheduled
    job). Returns how many."""
    on = on or today_()
    actor = actor or Actor.system("credit:display-expiry")
    due = list(
        FactPublication.objects.filter(status=PublicationStatus.DISPLAYED, display_until__lte=on).values_list(
            "pk", flat=True
        )
    )
    done = 0
    for pk in due:
        with transaction.atomic():
            publication = lock(FactPublication, pk)
            if (
                publication.status != PublicationStatus.DISPLAYED
                or publication.display_until is None
                or publication.display_until > on
            ):
                continue
            before = snapshot(publication)
            publication.status = PUBLICATION.target("expire", publication.status)
            publication.ended_on = publication.display_until
            publication.save()
            record_change(
                actor=actor,
                action="credit_publication_expired",
                obj=publication,
                before=before,
                after=snapshot(publication),
                reason=EXPIRY_REASON,
            )
            done += 1
    return done


def publication_withdraw(*, actor: Actor, fact: CreditFact, reason: str) -> FactPublication | None:
    """The fact was annulled: its publication, if displayed, is withdrawn (in the caller's
    transaction)."""
    publication = FactPublication.objects.select_for_update(no_key=True).filter(fact=fact).first()
    if publication is None or publication.status != PublicationStatus.DISPLAYED:
        return publication
    before = snapshot(publication)
    publication.status = PUBLICATION.target("withdraw", publication.status)
    publication.ended_on = today_()
    publication.save()
    record_change(
        actor=actor,
        action="credit_publication_withdrawn",
        obj=publication,
        before=before,
        after=snapshot(publication),
        reason=reason,
    )
    return publication
