"""Every write to the certificate register. Batches go through `report_certificates`
(reporting.py); the functions here change one certificate at a time, with the same rules, the
same events and the same history. Each names the person who signed the decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.core.actor import Actor
from certinel.core.dates import add_months
from certinel.core.db import WritePacer
from certinel.core.errors import Conflict, ErrorList, FieldError, ValidationFailed
from certinel.core.history import snapshot
from certinel.core.services import lock
from certinel.registry.models import CertificationBody

from .choices import CertificateStatus
from .data import CertificateData
from .lifecycle import ENDS_BY_EXPIRY, Action, Writer, apply
from .models import Certificate
from .reporting import ReportResult, report_certificates
from .rules import ReportingRules
from .services_transfers import transfers_close, transfers_tick

REASON_REQUIRED = {"suspend", "revoke", "cancel", "reinstate"}


def certificate_issue(*, actor: Actor, body: CertificationBody, data: CertificateData) -> Certificate:
    """Report one new (or changed) certificate; raises ValidationFailed with every problem."""
    result: ReportResult = report_certificates(actor=actor, body=body, items=[data])
    if not result.ok:
        raise ValidationFailed(result.errors)
    return Certificate.objects.get(body=body, number=data.number)


def certificate_act(*, actor: Actor, certificate: Certificate, action: str, signed_by: str, reason: str = "",
                    occurred_on: dt.date | None = None, details: dict[str, Any] | None = None,
                    expected_version: int | None = None, system: bool = False,
                    today: dt.date | None = None) -> Certificate:
    """Apply one lifecycle action to a certificate: lock it, check who acts, the version the
    caller saw, the transition and the scheme's rules, then save it with its event and history.
    `system` actions (expiry, missed surveillance) are the register's own and need no body."""
    details = dict(details or {})
    rules = ReportingRules(today=today)
    occurred_on = occurred_on or rules.today
    errors = ErrorList()
    if not (signed_by or "").strip():
        errors.add("signed_by", _("Name the person who signed this decision (who signs is accountable)."),
                   "required")
    if action in REASON_REQUIRED and not (reason or "").strip():
        errors.add("reason", _("Give the reason for this decision."), "required")
    if occurred_on > rules.today:
        errors.add("occurred_on", _("This date lies in the future."), "future_date")
    errors.raise_if_any()
    with transaction.atomic():
        cert = lock(Certificate, certificate.pk)
        if not system:
            require(actor, "report", "certificate", cert)
        if expected_version is not None and expected_version != cert.version:
            raise Conflict(_("Certificate %(number)s changed since you read it (your version %(yours)s, now "
                             "%(now)s); reload it and decide again.")
                           % {"number": cert.number, "yours": expected_version, "now": cert.version},
                           details={"version": cert.version})
        scheme = cert.scheme
        _check_details(rules, cert, scheme, action, occurred_on, details)
        step = Action(action, occurred_on, signed_by.strip(), (reason or "").strip(), details)
        before = snapshot(cert)
        status_before, _after = apply(cert, scheme, step)
        cert.reported_at = timezone.now()
        cert.save()
        writer = Writer(actor=actor)
        writer.record(cert, step, before)
        writer.flush()
        if status_before == CertificateStatus.TRANSFER_PENDING and cert.status != status_before:
            transfers_close(actor=actor, source_ids=[cert.pk], today=rules.today)
    return cert


def _check_details(rules: ReportingRules, cert: Certificate, scheme, action: str, occurred_on: dt.date,
                   details: dict[str, Any]) -> None:
    errors = ErrorList()
    if occurred_on < cert.first_issued_on:
        errors.add("occurred_on", _("This date comes before the certificate was first issued."), "date_order")
    if action == "suspend":
        until = details.get("until")
        limit = add_months(occurred_on, scheme.max_suspension_months)
        if until is None:
            errors.add("until", _("A suspension needs an end date."), "required")
        elif until <= occurred_on:
            errors.add("until", _("The suspension must end after it starts."), "date_order")
        elif until > limit:
            errors.add("until", _("%(scheme)s suspensions last at most %(months)s months: until %(latest)s at the "
                                  "latest.")
                       % {"scheme": scheme.code, "months": scheme.max_suspension_months, "latest": limit}, "too_long")
    elif action in ("renew", "change_scope"):
        data = CertificateData(
            number=cert.number, scheme=scheme.code, holder_uscc=cert.holder_uscc, holder_name=cert.holder_name,
            issued_on=details.get("issued_on", cert.issued_on), expires_on=details.get("expires_on", cert.expires_on),
            scope_text=details.get("scope_text", cert.scope_text), signed_by="x",
            scope_codes=details.get("scope_codes", cert.scope_codes), first_issued_on=cert.first_issued_on)
        if action == "renew":
            rules.check_dates(errors, data, scheme)
            if data.issued_on <= cert.issued_on or data.expires_on <= cert.expires_on:
                errors.add("expires_on", _("A renewal moves both the issue date and the expiry date forward."),
                           "dates_backwards")
        codes = rules.scope_codes(errors, data, scheme)
        if not errors:
            rules.check_grant(errors, cert.body, data, scheme, codes, data.issued_on if action == "renew"
                              else rules.today)
            if action == "change_scope" and "scope_codes" in details:
                details["scope_codes"] = codes
    errors.raise_if_any()


def certificate_suspend(*, actor: Actor, certificate: Certificate, until: dt.date, reason: str, signed_by: str,
                        occurred_on: dt.date | None = None, expected_version: int | None = None) -> Certificate:
    return certificate_act(actor=actor, certificate=certificate, action="suspend", signed_by=signed_by, reason=reason,
                           occurred_on=occurred_on, details={"until": until}, expected_version=expected_version)


def certificate_reinstate(*, actor: Actor, certificate: Certificate, reason: str, signed_by: str,
                          occurred_on: dt.date | None = None, expected_version: int | None = None) -> Certificate:
    return certificate_act(actor=actor, certificate=certificate, action="reinstate", signed_by=signed_by,
                           reason=reason, occurred_on=occurred_on, expected_version=expected_version)


def certificate_revoke(*, actor: Actor, certificate: Certificate, reason: str, signed_by: str,
                       occurred_on: dt.date | None = None, expected_version: int | None = None) -> Certificate:
    return certificate_act(actor=actor, certificate=certificate, action="revoke", signed_by=signed_by, reason=reason,
                           occurred_on=occurred_on, expected_version=expected_version)


def certificate_cancel(*, actor: Actor, certificate: Certificate, reason: str, signed_by: str,
                       occurred_on: dt.date | None = None, expected_version: int | None = None) -> Certificate:
    return certificate_act(actor=actor, certificate=certificate, action="cancel", signed_by=signed_by, reason=reason,
                           occurred_on=occurred_on, expected_version=expected_version)


def certificate_surveillance_pass(*, actor: Actor, certificate: Certificate, signed_by: str,
                                  occurred_on: dt.date | None = None, reason: str = "",
                                  expected_version: int | None = None) -> Certificate:
    return certificate_act(actor=actor, certificate=certificate, action="surveillance_pass", signed_by=signed_by,
                           reason=reason, occurred_on=occurred_on, expected_version=expected_version)


def certificate_renew(*, actor: Actor, certificate: Certificate, issued_on: dt.date, expires_on: dt.date,
                      signed_by: str, reason: str = "", expected_version: int | None = None) -> Certificate:
    return certificate_act(actor=actor, certificate=certificate, action="renew", signed_by=signed_by, reason=reason,
                           occurred_on=issued_on, details={"issued_on": issued_on, "expires_on": expires_on},
                           expected_version=expected_version)


def certificate_change_scope(*, actor: Actor, certificate: Certificate, signed_by: str, reason: str = "",
                             scope_text: str | None = None, scope_codes: list[str] | None = None,
                             products: list[dict] | None = None, sites: list[dict] | None = None,
                             occurred_on: dt.date | None = None, expected_version: int | None = None) -> Certificate:
    details = {k: v for k, v in {"scope_text": scope_text, "scope_codes": scope_codes, "products": products,
                                 "sites": sites}.items() if v is not None}
    if not details:
        raise ValidationFailed(FieldError("scope_text", _("Say what changes in the scope."), "required"))
    return certificate_act(actor=actor, certificate=certificate, action="change_scope", signed_by=signed_by,
                           reason=reason, occurred_on=occurred_on, details=details, expected_version=expected_version)


SYSTEM_SIGNER = "系统（到期自动处理）"


def certificates_tick(*, on: dt.date | None = None, batch: int = 500) -> dict[str, int]:
    """The scheduled job: certificates past their expiry expire; certificates whose
    surveillance is overdue (beyond the scheme's grace) are suspended for missed surveillance;
    transfers whose objection period passed end the old certificate (`transfers_tick`).
    Safe to run any number of times; `selectors.effective_status` gives the same answer on read
    between runs."""
    from certinel.core.models import Via

    on = on or timezone.localdate()
    actor = Actor.system("lifecycle", via=Via.TASK)
    counts = {"expired": 0, "surveillance_missed": 0}
    pace = WritePacer()  # one short transaction per certificate; other writers get in between
    live = ENDS_BY_EXPIRY
    # No order: the model's default (newest issue first) made the planner walk the issue-date
    # index instead of the status-and-date ones (docs/performance.md).
    while ids := list(Certificate.objects.filter(status__in=live, expires_on__lt=on).order_by()
                      .values_list("pk", flat=True)[:batch]):
        for pk in ids:
            cert = Certificate(pk=pk)
            certificate_act(actor=actor, certificate=cert, action="expire", signed_by=SYSTEM_SIGNER,
                            reason="有效期届满", occurred_on=_expiry_day(pk, on), system=True, today=on)
            counts["expired"] += 1
            pace()
    from certinel.reference.models import Scheme

    for scheme in Scheme.objects.all():
        grace = dt.timedelta(days=scheme.surveillance_grace_days)
        overdue = Certificate.objects.filter(scheme=scheme, status=CertificateStatus.VALID,
                                             next_surveillance_due__lt=on - grace).order_by()
        while rows := list(overdue.values_list("pk", "next_surveillance_due")[:batch]):
            for pk, due in rows:
                certificate_act(actor=actor, certificate=Certificate(pk=pk), action="surveillance_miss",
                                signed_by=SYSTEM_SIGNER, reason="未按期接受监督审核",
                                occurred_on=min(due + grace + dt.timedelta(days=1), on), system=True, today=on)
                counts["surveillance_missed"] += 1
                pace()
    # Transfers: the old certificates whose objection period passed end (after expiry, so that
    # a transfer whose old certificate expired first is closed as such).
    counts.update(transfers_tick(on=on, batch=batch))
    return counts


def _expiry_day(pk: int, on: dt.date) -> dt.date:
    expires_on = Certificate.objects.values_list("expires_on", flat=True).get(pk=pk)
    return min(expires_on + dt.timedelta(days=1), on)
