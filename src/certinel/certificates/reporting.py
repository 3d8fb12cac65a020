"""The reporting engine: a body reports certificates as they stand in its own system; the
engine checks every one, derives what happened (issue, surveillance, suspension, renewal,
change of scope, transfer …) and writes it all or nothing.

Every channel uses it: the JSON batch API, file imports, and (with one certificate) the
portal and the admin. A dry run reports every problem, row by row, and writes nothing.
Re-sending what the register already holds changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.core.actor import Actor
from certinel.core.bulk import allocate_ids, create_objects, new_instance, update_objects
from certinel.core.errors import ErrorList, FieldError, TransitionNotAllowed
from certinel.core.history import snapshot
from certinel.core.transitions import state_label
from certinel.reference.models import Scheme
from certinel.registry.models import CertificationBody, Organization

from .choices import CertificateStatus
from .data import CertificateData
from .lifecycle import SCOPE_FIELDS, Action, Writer, apply, issue
from .models import Certificate
from .rules import ReportingRules
from .services_transfers import transfer_open, transfers_close

CHUNK = 900  # parameters per IN (…) query, under SQLite's limit

# What reporting may change in a stored certificate.
UPDATED_FIELDS = ("status", "status_reason", "status_changed_on", "suspended_until", "last_surveillance_on",
                  "next_surveillance_due", "issued_on", "expires_on", "signed_by", "holder_name", "first_issued_on",
                  "version", "reported_at", *SCOPE_FIELDS)

STATUS_ACTION = {CertificateStatus.SUSPENDED: "suspend", CertificateStatus.REVOKED: "revoke",
                 CertificateStatus.CANCELLED: "cancel", CertificateStatus.EXPIRED: "expire"}


@dataclass
class RowOutcome:
    row: int | None
    number: str
    outcome: str  # created, updated, unchanged, invalid
    events: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "number": self.number, "outcome": self.outcome, "events": self.events}


@dataclass
class ReportResult:
    dry_run: bool
    outcomes: list[RowOutcome]
    errors: list[FieldError]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "ok": self.ok, "written": self.written,
                "created": self.count("created"), "updated": self.count("updated"),
                "unchanged": self.count("unchanged"), "invalid": self.count("invalid"),
                "errors": [e.as_dict() for e in self.errors], "rows": [o.as_dict() for o in self.outcomes]}


@dataclass
class _Plan:
    data: CertificateData
    scheme: Scheme
    codes: list[str]
    cert: Certificate | None  # the stored certificate, or None for a new one
    actions: list[Action] = field(default_factory=list)
    transfer_source: Certificate | None = None


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), CHUNK):
        yield values[i:i + CHUNK]


def _index_rows(items: Sequence[CertificateData]) -> None:
    for i, item in enumerate(items, start=1):
        if item.row is None:
            item.row = i


def report_certificates(*, actor: Actor, body: CertificationBody, items: Sequence[CertificateData],
                        dry_run: bool = False, today: dt.date | None = None,
                        progress: Callable[[int], None] | None = None) -> ReportResult:
    """Check and (unless `dry_run`) write a batch of certificates reported by `body`. The
    batch is written whole or not at all: one bad row and nothing is written."""
    require(actor, "report", "certificate", Certificate(body=body))
    _index_rows(items)
    rules = ReportingRules(today=today)
    if dry_run:
        return _run(actor, body, items, rules, dry_run=True, progress=progress)
    with transaction.atomic():
        # NO KEY UPDATE: a body's reports queue behind each other, while other writers' references to
        # the body (checked at their COMMIT on PostgreSQL) do not wait for this one (see core.services.lock).
        body = CertificationBody.objects.select_for_update(no_key=True).get(pk=body.pk)
        result = _run(actor, body, items, rules, dry_run=False, progress=progress)
        if not result.ok:
            transaction.set_rollback(True)
        return result


def _run(actor: Actor, body: CertificationBody, items: Sequence[CertificateData], rules: ReportingRules, *,
         dry_run: bool, progress: Callable[[int], None] | None) -> ReportResult:
    errors = ErrorList()
    outcomes = [RowOutcome(item.row, item.number, "invalid") for item in items]
    checked = [_check_item(errors, rules, body, item) for item in items]
    _check_duplicates(errors, items)
    existing = _existing(body, [i.number for i in items], lock=not dry_run)
    holders = _holders([i.holder_uscc for i in items])
    plans: list[_Plan | None] = []
    for item, check in zip(items, checked, strict=True):
        plans.append(_plan(errors, rules, body, item, check, existing.get(item.number), holders)
                     if check is not None else None)
    _check_hopping(errors, rules, body, [p for p in plans if p is not None and p.cert is None], holders)
    _check_transfer_sources(errors, [p for p in plans if p is not None and p.transfer_source is not None])
    for outcome, plan in zip(outcomes, plans, strict=True):
        if plan is not None:
            outcome.events = [a.name for a in plan.actions]
            outcome.outcome = ("created" if plan.cert is None else "updated" if plan.actions else "unchanged")
    bad_rows = {e.row for e in errors.errors}
    for outcome in outcomes:
        if outcome.row in bad_rows:
            outcome.outcome = "invalid"
    if errors or dry_run:
        return ReportResult(dry_run, outcomes, errors.errors)
    _write(actor, body, [p for p in plans if p is not None and p.actions], holders, progress, rules.today)
    return ReportResult(False, outcomes, [])


def _check_item(errors: ErrorList, rules: ReportingRules, body: CertificationBody, item: CertificateData
                ) -> tuple[Scheme, list[str]] | None:
    before = len(errors.errors)
    scheme = rules.scheme(errors, item)
    rules.check_identity(errors, item, scheme)
    rules.check_dates(errors, item, scheme)
    rules.check_status(errors, item, scheme)
    codes = rules.scope_codes(errors, item, scheme)
    if len(errors.errors) > before or scheme is None:
        return None
    return scheme, codes


def _check_duplicates(errors: ErrorList, items: Sequence[CertificateData]) -> None:
    first: dict[str, int | None] = {}
    for item in items:
        if item.number in first:
            errors.add("number", _("Certificate %(number)s appears twice in this batch (first in row %(row)s).")
                       % {"number": item.number, "row": first[item.number]}, "duplicate_in_batch", item.row)
        else:
            first[item.number] = item.row


def _existing(body: CertificationBody, numbers: list[str], *, lock: bool) -> dict[str, Certificate]:
    from django.db import connection

    found: dict[str, Certificate] = {}
    for chunk in _chunks(sorted(set(numbers))):
        if connection.vendor == "sqlite":
            # SQLite's planner would read the body's certificates through an index on the body
            # (all of them) rather than look each number up; by number alone it looks them up.
            qs = Certificate.objects.filter(number__in=chunk).order_by()
        else:
            qs = Certificate.objects.filter(body=body, number__any=chunk).order_by()
        if lock:
            qs = qs.select_for_update(no_key=True, of=("self",))
        found.update({c.number: c for c in qs if c.body_id == body.pk})
    return found


def _holders(usccs: list[str]) -> dict[str, Organization]:
    found: dict[str, Organization] = {}
    for chunk in _chunks(sorted(set(usccs))):
        found.update({o.uscc: o for o in Organization.objects.filter(uscc__any=chunk)})
    return found


def _plan(errors: ErrorList, rules: ReportingRules, body: CertificationBody, item: CertificateData,
          check: tuple[Scheme, list[str]], cert: Certificate | None, holders: dict[str, Organization]
          ) -> _Plan | None:
    scheme, codes = check
    plan = _Plan(item, scheme, codes, cert)
    before = len(errors.errors)
    if item.holder_uscc not in holders and not (item.holder_region and item.holder_address):
        errors.add("holder_uscc", _("No organization %(uscc)s is registered: give holder_region and "
                                    "holder_address to register it with this report.") % {"uscc": item.holder_uscc},
                   "unknown_holder", item.row)
    elif item.holder_uscc not in holders and item.holder_region not in rules.region_codes:
        errors.add("holder_region", _("'%(code)s' is not a current administrative division code (GB/T 2260).")
                   % {"code": item.holder_region}, "unknown_region", item.row)
    if cert is None:
        _plan_new(errors, rules, body, plan)
    else:
        _plan_existing(errors, rules, body, plan)
    return plan if len(errors.errors) == before else None


def _status_action(item: CertificateData, signed_by: str, day: dt.date) -> Action | None:
    name = STATUS_ACTION.get(CertificateStatus(item.status))
    if name is None:
        return None
    details = {"until": item.suspended_until} if name == "suspend" else {}
    return Action(name, item.status_date or day, signed_by, item.status_reason.strip(), details)


def _plan_new(errors: ErrorList, rules: ReportingRules, body: CertificationBody, plan: _Plan) -> None:
    item = plan.data
    rules.check_grant(errors, body, item, plan.scheme, plan.codes, item.issued_on)
    if item.transferred_from_body or item.transferred_from_number:
        _plan_transfer(errors, rules, body, plan)
    plan.actions.append(Action("issue", item.issued_on, item.signed_by, item.status_reason.strip()
                               if item.status == CertificateStatus.VALID else ""))
    if item.last_surveillance_on and item.last_surveillance_on > item.issued_on:
        plan.actions.append(Action("surveillance_pass", item.last_surveillance_on, item.signed_by))
    status = _status_action(item, item.signed_by, rules.today)
    if status is not None:
        plan.actions.append(status)


def _plan_transfer(errors: ErrorList, rules: ReportingRules, body: CertificationBody, plan: _Plan) -> None:
    item = plan.data
    if item.transferred_from_body == body.approval_no:
        errors.add("transferred_from_body", _("A transfer comes from another body; within one body, renew or "
                                              "change the certificate instead."), "transfer_same_body", item.row)
        return
    source = (Certificate.objects.filter(body__approval_no=item.transferred_from_body,
                                         number=item.transferred_from_number).select_related("body").first())
    if source is None:
        errors.add("transferred_from_number", _("No certificate %(number)s of body %(body)s is registered.")
                   % {"number": item.transferred_from_number, "body": item.transferred_from_body}, "unknown_source",
                   item.row)
    elif source.holder_uscc != item.holder_uscc or source.scheme_id != plan.scheme.pk:
        errors.add("transferred_from_number", _("A transfer keeps the holder and the scheme; this certificate "
                                                "belongs to another holder or scheme."), "transfer_mismatch", item.row)
    elif source.status == CertificateStatus.TRANSFER_PENDING:
        errors.add("transferred_from_number", _("Certificate %(number)s already awaits the confirmation of a "
                                                "transfer to another body; it can be taken over once that transfer "
                                                "is refused.") % {"number": source.number},
                   "transfer_pending", item.row)
    elif source.status != CertificateStatus.VALID or source.expires_on < rules.today:
        status = source.status if source.status != CertificateStatus.VALID else CertificateStatus.EXPIRED
        errors.add("transferred_from_number", _("Certificate %(number)s is %(status)s: only a valid certificate can "
                                                "be transferred.")
                   % {"number": source.number, "status": state_label(status, "certificate")},
                   "transfer_not_valid", item.row)
    else:
        plan.transfer_source = source


def _plan_existing(errors: ErrorList, rules: ReportingRules, body: CertificationBody, plan: _Plan) -> None:
    """Compare what the body reports with what the register holds, and derive the actions."""
    item, cert = plan.data, plan.cert
    assert cert is not None
    if item.version is not None and item.version != cert.version:
        errors.add("version", _("Certificate %(number)s changed since you read it (your version %(yours)s, now "
                                "%(now)s); read it again and re-apply your change.")
                   % {"number": cert.number, "yours": item.version, "now": cert.version}, "conflict", item.row)
        return
    if cert.scheme_id != plan.scheme.pk:
        errors.add("scheme", _("Certificate %(number)s is registered under %(scheme)s; a certificate cannot change "
                               "scheme.") % {"number": cert.number, "scheme": cert.scheme.code}, "scheme_changed",
                   item.row)
        return
    if cert.holder_uscc != item.holder_uscc:
        errors.add("holder_uscc", _("Certificate %(number)s belongs to %(uscc)s; a certificate cannot change holder "
                                    "(a new holder needs a new certificate).")
                   % {"number": cert.number, "uscc": cert.holder_uscc}, "holder_changed", item.row)
        return
    day, signer = item.status_date or rules.today, item.signed_by
    actions: list[Action] = []
    target = CertificateStatus(item.status)
    reinstating = cert.status == CertificateStatus.SUSPENDED and target == CertificateStatus.VALID
    if reinstating:
        actions.append(Action("reinstate", day, signer, item.status_reason.strip()))
    corrections = {n: getattr(item, n) for n in ("holder_name", "standards", "manufacturer", "factory",
                                                 "factory_address") if getattr(item, n) != getattr(cert, n)}
    first = item.first_issued_on or cert.first_issued_on
    if first != cert.first_issued_on:
        corrections["first_issued_on"] = first
    if corrections:
        actions.append(Action("correct", day, signer, item.status_reason.strip() or "信息更正", corrections))
    if item.last_surveillance_on and (cert.last_surveillance_on is None
                                      or item.last_surveillance_on > cert.last_surveillance_on):
        actions.append(Action("surveillance_pass", item.last_surveillance_on, signer))
    if (item.issued_on, item.expires_on) != (cert.issued_on, cert.expires_on):
        if item.issued_on <= cert.issued_on or item.expires_on <= cert.expires_on:
            errors.add("expires_on", _("A renewal moves both the issue date and the expiry date forward; to "
                                       "correct dates, cancel this certificate and report a new one."),
                       "dates_backwards", item.row)
            return
        rules.check_grant(errors, body, item, plan.scheme, plan.codes, item.issued_on)
        actions.append(Action("renew", item.issued_on, signer, "", {"issued_on": item.issued_on,
                                                                     "expires_on": item.expires_on}))
    scope = {"scope_text": item.scope_text.strip(), "scope_codes": plan.codes, "products": item.products,
             "sites": item.sites}
    changed_scope = {k: v for k, v in scope.items() if v != getattr(cert, k)}
    if changed_scope:
        rules.check_grant(errors, body, item, plan.scheme, plan.codes, rules.today)
        actions.append(Action("change_scope", day, signer, item.status_reason.strip(), changed_scope))
    if cert.status == CertificateStatus.TRANSFER_PENDING and target not in (
            CertificateStatus.VALID, CertificateStatus.CANCELLED, CertificateStatus.EXPIRED):
        errors.add("status", _("Certificate %(number)s awaits the confirmation of its transfer to another body: "
                               "confirm or object to the transfer first (on the transfers page).")
                   % {"number": cert.number}, "transfer_pending", item.row)
        return
    if target == CertificateStatus.VALID and cert.status not in (CertificateStatus.VALID, CertificateStatus.SUSPENDED,
                                                                   CertificateStatus.TRANSFER_PENDING):
        errors.add("status", _("Certificate %(number)s is %(status)s: it cannot become valid again; issue a new "
                               "certificate.")
                   % {"number": cert.number, "status": state_label(cert.status, "certificate")},
                   "transition_not_allowed", item.row)
        return
    if target != cert.status and not reinstating:
        status = _status_action(item, signer, rules.today)
        if status is not None:
            actions.append(status)
    elif target == CertificateStatus.SUSPENDED and item.suspended_until != cert.suspended_until:
        errors.add("suspended_until", _("A suspension's end date cannot be moved; reinstate or end the "
                                        "certificate."), "suspension_fixed", item.row)
        return
    _check_transitions(errors, cert, actions, item.row)
    plan.actions = actions


def _check_transitions(errors: ErrorList, cert: Certificate, actions: list[Action], row: int | None) -> None:
    from .transitions import CERTIFICATE

    status = cert.status
    for action in actions:
        try:
            status = CERTIFICATE.target(action.name, status)
        except TransitionNotAllowed as exc:
            errors.add("status", _("Certificate %(number)s: %(message)s") % {"number": cert.number,
                                                                              "message": exc.message},
                       "transition_not_allowed", row)
            return


def _check_transfer_sources(errors: ErrorList, plans: list[_Plan]) -> None:
    first: dict[int, _Plan] = {}
    for plan in plans:
        assert plan.transfer_source is not None
        earlier = first.setdefault(plan.transfer_source.pk, plan)
        if earlier is not plan:
            errors.add("transferred_from_number", _("Certificate %(number)s is taken over twice in this batch (first "
                                                    "in row %(row)s).")
                       % {"number": plan.transfer_source.number, "row": earlier.data.row}, "duplicate_in_batch",
                       plan.data.row)


def _check_hopping(errors: ErrorList, rules: ReportingRules, body: CertificationBody, new_plans: list[_Plan],
                   holders: dict[str, Organization]) -> None:
    """“Certificate hopping”: a holder whose certificate another body suspended, or revoked
    recently, cannot be certified by this body for the same scheme until that is resolved."""
    holder_ids = {holders[p.data.holder_uscc].pk for p in new_plans if p.data.holder_uscc in holders}
    if not holder_ids:
        return
    blockers: dict[tuple[int, int], Certificate] = {}
    cutoff = rules.hopping_cutoff()
    for chunk in _chunks(sorted(holder_ids)):
        qs = (Certificate.objects.filter(holder_id__any=chunk).exclude(body=body)
              .filter(Q(status=CertificateStatus.SUSPENDED)
                      | Q(status=CertificateStatus.REVOKED, status_changed_on__gt=cutoff))
              .select_related("body"))
        for cert in qs:
            blockers.setdefault((cert.holder_id, cert.scheme_id), cert)
    for plan in new_plans:
        holder = holders.get(plan.data.holder_uscc)
        blocker = blockers.get((holder.pk, plan.scheme.pk)) if holder else None
        if blocker is not None:
            errors.add("holder_uscc", _("%(holder)s's %(scheme)s certificate %(number)s was %(status)s by %(body)s "
                                        "on %(date)s; another body cannot certify it for this scheme until that is "
                                        "resolved.")
                       % {"holder": plan.data.holder_name, "scheme": plan.scheme.code, "number": blocker.number,
                          "status": state_label(blocker.status, "certificate"), "body": blocker.body.name,
                          "date": blocker.status_changed_on}, "certificate_hopping", plan.data.row)


def _register_holders(actor: Actor, plans: list[_Plan], holders: dict[str, Organization]) -> None:
    from certinel.registry.services import organizations_register_many

    wanted: dict[str, dict[str, Any]] = {}
    for p in plans:
        d = p.data
        if d.holder_uscc not in holders and d.holder_uscc not in wanted:
            wanted[d.holder_uscc] = {"uscc": d.holder_uscc, "name": d.holder_name.strip(),
                                     "region_code": d.holder_region, "address": d.holder_address, "row": d.row}
    if wanted:
        for org in organizations_register_many(actor=actor, rows=list(wanted.values())):
            holders[org.uscc] = org


def _new_certificate(body: CertificationBody, plan: _Plan, holder: Organization) -> Certificate:
    d = plan.data
    related: dict[str, Any] = {"scheme": plan.scheme, "body": body, "holder": holder}
    if plan.transfer_source is not None:
        related["transferred_from"] = plan.transfer_source
    return new_instance(Certificate, {
        "number": d.number, "holder_name": d.holder_name.strip(), "holder_uscc": d.holder_uscc,
        "region_code": holder.region_code, "standards": d.standards.strip(), "scope_text": d.scope_text.strip(),
        "scope_codes": plan.codes, "products": d.products, "sites": d.sites, "manufacturer": d.manufacturer.strip(),
        "factory": d.factory.strip(), "factory_address": d.factory_address.strip(),
        "first_issued_on": d.first_issued_on or d.issued_on, "issued_on": d.issued_on, "expires_on": d.expires_on,
        "signed_by": d.signed_by.strip()}, related)  # type: ignore[return-value]


def _write(actor: Actor, body: CertificationBody, plans: list[_Plan], holders: dict[str, Organization],
           progress: Callable[[int], None] | None, today: dt.date) -> None:
    _register_holders(actor, plans, holders)
    writer = Writer(actor=actor)
    stored = [p.cert for p in plans if p.cert is not None]
    pending = [c.pk for c in stored if c.status == CertificateStatus.TRANSFER_PENDING]
    new = [p for p in plans if p.cert is None]
    # New certificates get their ids first (their history names them), go through all their
    # actions in memory and are then written once, as they end up: no UPDATE after the INSERT.
    fresh = [_new_certificate(body, p, holders[p.data.holder_uscc]) for p in new]
    for cert, plan, pk in zip(fresh, new, allocate_ids(Certificate, len(fresh)), strict=True):
        cert.pk = pk
        issue(cert, plan.scheme, plan.actions[0])
        plan.cert = cert
    writer.created.update(c.pk for c in fresh)
    sources: list[tuple[Certificate, Certificate, str]] = []  # (old certificate, new one, who signed)
    for n, plan in enumerate(plans, start=1):
        cert = plan.cert
        assert cert is not None
        snap: dict[str, Any] | None = None  # the snapshot after the previous action
        for action in plan.actions:
            if action.name == "issue":
                snap = writer.record(cert, action, None)
                continue
            before = snap if snap is not None else snapshot(cert)
            apply(cert, plan.scheme, action)
            snap = writer.record(cert, action, before)
        if plan.transfer_source is not None:
            sources.append((plan.transfer_source, cert, plan.data.signed_by))
        if progress and n % 1000 == 0:
            progress(1000)
    for cert in (*fresh, *stored):
        cert.reported_at = writer.now
    create_objects(fresh, with_ids=False)
    update_objects(stored, UPDATED_FIELDS)
    for source, target, signed_by in sources:
        transfer_open(writer=writer, source=source, target=target, signed_by=signed_by, today=today)
    writer.flush()
    if pending:  # the body ended certificates another body asked to take over: those transfers close
        transfers_close(actor=actor, source_ids=pending, today=today)
    if progress:
        progress(len(plans) % 1000)

