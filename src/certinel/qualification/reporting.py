"""Reporting test reports: a lab reports the reports it issued, as they stand; the same rules
as certificate reporting (`certificates/reporting.py`).

* A batch is checked whole and written whole or not at all; a dry run writes nothing.
* Re-sending a report the register already holds, unchanged, changes nothing.
* The same number with a different content is refused, naming each field that differs,
  unless the row says it is a correction (`correction`): then the report is corrected and its
  version goes up.
* A report marked `withdrawn` (with its reason) is withdrawn; a withdrawn report cannot
  become valid again, nor be corrected (`transitions.py`).

Every change is written once, as a history record (and so a log leaf) through
`record_changes`. Signals of a false report (issue before sample receipt, parameters outside
the scope, an unknown signatory) are not refused here: they are what verification shows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.certificates.reporting import ReportResult, RowOutcome
from certinel.core.actor import Actor
from certinel.core.bulk import create_objects, new_instance, update_objects
from certinel.core.errors import ErrorList, TransitionNotAllowed
from certinel.core.history import change_record, record_changes, snapshot
from certinel.registry.choices import PersonRoleKind
from certinel.registry.models import Lab, PersonRole

from .choices import ReportStatus
from .data import ReportData
from .models import TestReport
from .transitions import TEST_REPORT

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_PARAMETERS = 500
UPDATED_FIELDS = ("issued_on", "sample_received_on", "client_name", "object_name", "parameters", "signatory_name",
                  "signatory", "pdf_sha256", "sample_no", "results_sha256", "status", "status_reason", "withdrawn_on",
                  "version", "updated_at")
TEXT_LIMITS = {"number": 64, "client_name": 200, "object_name": 255, "signatory_name": 64, "sample_no": 64}


@dataclass
class _Plan:
    data: ReportData
    report: TestReport | None
    actions: list[str] = field(default_factory=list)


def normalise_parameters(parameters: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"parameter": " ".join(str(p.get("parameter", "")).split()),
             "standard": " ".join(str(p.get("standard", "")).split())} for p in parameters]


def report_test_reports(*, actor: Actor, lab: Lab, items: Sequence[ReportData], dry_run: bool = False,
                        today: dt.date | None = None) -> ReportResult:
    """Check and (unless `dry_run`) write a batch of test reports of `lab`: all or nothing."""
    require(actor, "report", "lab", lab)
    for i, item in enumerate(items, start=1):
        if item.row is None:
            item.row = i
    today = today or timezone.localdate()
    if dry_run:
        return _run(actor, lab, items, today, dry_run=True)
    with transaction.atomic():
        lab = Lab.objects.select_for_update(no_key=True).get(pk=lab.pk)
        result = _run(actor, lab, items, today, dry_run=False)
        if not result.ok:
            transaction.set_rollback(True)
        return result


def _run(actor: Actor, lab: Lab, items: Sequence[ReportData], today: dt.date, *, dry_run: bool) -> ReportResult:
    errors = ErrorList()
    outcomes = [RowOutcome(item.row, item.number, "invalid") for item in items]
    for item in items:
        _clean(item)
    fine = [_check_item(errors, item, today) for item in items]
    _check_duplicates(errors, items)
    existing = _existing(lab, [i.number for i in items], lock=not dry_run)
    plans: list[_Plan | None] = []
    for item, ok in zip(items, fine, strict=True):
        plans.append(_plan(errors, item, existing.get(item.number)) if ok else None)
    bad_rows = {e.row for e in errors.errors}
    for outcome, plan in zip(outcomes, plans, strict=True):
        if plan is not None and outcome.row not in bad_rows:
            outcome.events = list(plan.actions)
            outcome.outcome = "created" if plan.report is None else "updated" if plan.actions else "unchanged"
    if errors or dry_run:
        return ReportResult(dry_run, outcomes, errors.errors)
    _write(actor, lab, [p for p in plans if p is not None and p.actions], today)
    return ReportResult(False, outcomes, [])


def _clean(item: ReportData) -> None:
    for name in ("number", "client_name", "object_name", "signatory_name", "status_reason", "sample_no"):
        setattr(item, name, " ".join(str(getattr(item, name) or "").split()))
    item.pdf_sha256 = (item.pdf_sha256 or "").strip().lower()
    item.results_sha256 = (item.results_sha256 or "").strip().lower()
    item.parameters = normalise_parameters(item.parameters or [])


def _check_item(errors: ErrorList, item: ReportData, today: dt.date) -> bool:
    before = len(errors.errors)
    row = item.row
    required = {"number": _("The report number"), "client_name": _("The client"),
                "object_name": _("The object tested"), "signatory_name": _("The signatory")}
    for name, label in required.items():
        value = getattr(item, name)
        if not value:
            errors.add(name, _("%(what)s is required.") % {"what": label}, "required", row)
        elif len(value) > TEXT_LIMITS[name]:
            errors.add(name, _("At most %(n)s characters.") % {"n": TEXT_LIMITS[name]}, "too_long", row)
    if item.issued_on > today:
        errors.add("issued_on", _("A report cannot be issued in the future (%(date)s).") % {"date": item.issued_on},
                   "future_date", row)
    if item.sample_received_on > today:
        errors.add("sample_received_on", _("A sample cannot be received in the future (%(date)s).")
                   % {"date": item.sample_received_on}, "future_date", row)
    if not item.parameters:
        errors.add("parameters", _("Name at least one parameter and its standard."), "required", row)
    elif len(item.parameters) > MAX_PARAMETERS:
        errors.add("parameters", _("At most %(n)s parameters per report.") % {"n": MAX_PARAMETERS}, "too_many", row)
    for n, p in enumerate(item.parameters, start=1):
        if not p["parameter"] or not p["standard"]:
            errors.add(f"parameters.{n}", _("Each parameter needs its name and the standard it was tested to."),
                       "required", row)
    if item.pdf_sha256 and not SHA256.match(item.pdf_sha256):
        errors.add("pdf_sha256", _("The PDF's SHA-256 is 64 hexadecimal characters."), "invalid_hash", row)
    if len(item.sample_no) > TEXT_LIMITS["sample_no"]:
        errors.add("sample_no", _("At most %(n)s characters.") % {"n": TEXT_LIMITS["sample_no"]}, "too_long", row)
    if item.results_sha256 and not SHA256.match(item.results_sha256):
        errors.add("results_sha256", _("The results' SHA-256 is 64 hexadecimal characters."), "invalid_hash", row)
    if item.status not in ReportStatus.values:
        errors.add("status", _("'%(value)s' must be one of: %(choices)s.")
                   % {"value": item.status, "choices": ", ".join(ReportStatus.values)}, "invalid_choice", row)
    elif item.status == ReportStatus.WITHDRAWN and not item.status_reason:
        errors.add("status_reason", _("Say why the report is withdrawn."), "required", row)
    if item.status_date and item.status_date > today:
        errors.add("status_date", _("The date cannot be in the future."), "future_date", row)
    return len(errors.errors) == before


def _check_duplicates(errors: ErrorList, items: Sequence[ReportData]) -> None:
    first: dict[str, int | None] = {}
    for item in items:
        if item.number in first:
            errors.add("number", _("Report %(number)s appears twice in this batch (first in row %(row)s).")
                       % {"number": item.number, "row": first[item.number]}, "duplicate_in_batch", item.row)
        elif item.number:
            first[item.number] = item.row


def _existing(lab: Lab, numbers: list[str], *, lock: bool) -> dict[str, TestReport]:
    found: dict[str, TestReport] = {}
    wanted = sorted({n for n in numbers if n})
    for i in range(0, len(wanted), 900):
        qs = TestReport.objects.filter(lab=lab, number__in=wanted[i:i + 900]).order_by()
        if lock:
            qs = qs.select_for_update(no_key=True)
        found.update({r.number: r for r in qs})
    return found


def _differences(item: ReportData, report: TestReport) -> list[str]:
    return [name for name in ReportData.CONTENT if getattr(item, name) != getattr(report, name)]


def _plan(errors: ErrorList, item: ReportData, report: TestReport | None) -> _Plan | None:
    plan = _Plan(item, report)
    if report is None:
        if item.correction:
            errors.add("correction", _("Report %(number)s is not registered: there is nothing to correct.")
                       % {"number": item.number}, "nothing_to_correct", item.row)
            return None
        plan.actions.append("issue")
        if item.status == ReportStatus.WITHDRAWN:
            plan.actions.append("withdraw")
        return plan
    changed = _differences(item, report)
    if changed and not item.correction:
        for name in changed:
            errors.add(name, _("Report %(number)s is registered with another %(field)s; a report number cannot be "
                               "reused for a different content (send it as a correction if the report was "
                               "corrected).") % {"number": item.number, "field": name}, "content_changed", item.row)
        return None
    if report.status == ReportStatus.WITHDRAWN and item.status == ReportStatus.VALID:
        errors.add("status", _("Report %(number)s was withdrawn: it cannot become valid again; issue a new report "
                               "with a new number.") % {"number": item.number}, "transition_not_allowed", item.row)
        return None
    if changed:
        plan.actions.append("correct")
    if item.status != report.status:
        plan.actions.append("withdraw")
    status = report.status
    for action in plan.actions:
        try:
            status = TEST_REPORT.target(action, status)
        except TransitionNotAllowed as exc:
            errors.add("status", _("Report %(number)s: %(message)s") % {"number": item.number,
                                                                        "message": exc.message},
                       "transition_not_allowed", item.row)
            return None
    return plan


def _signatories(lab: Lab) -> dict[str, list[PersonRole]]:
    found: dict[str, list[PersonRole]] = {}
    for role in (PersonRole.objects.filter(lab=lab, kind=PersonRoleKind.SIGNATORY).select_related("person")
                 .order_by("valid_from", "id")):
        found.setdefault(role.person.name.strip(), []).append(role)
    return found


def signatory_for(roles: list[PersonRole], on: dt.date) -> PersonRole | None:
    """Of the lab's signatory registrations of one name, the one in force on `on` (else the latest)."""
    for role in roles:
        if role.valid_from <= on and (role.valid_until is None or on <= role.valid_until):
            return role
    return roles[-1] if roles else None


def _write(actor: Actor, lab: Lab, plans: list[_Plan], today: dt.date) -> None:
    signatories = _signatories(lab)
    now = timezone.now()
    new = [p for p in plans if p.report is None]
    # COPY on PostgreSQL, executemany on SQLite, ids allocated first (as the certificate import
    # writes): the ORM's bulk_create spent a third of an import building its statement.
    fresh = create_objects([_new_report(lab, p.data, signatories) for p in new])
    records = []
    for plan, created in zip(new, fresh, strict=True):
        plan.report = created
        records.append(change_record(actor=actor, action="test_report_issued", obj=created, before=None,
                                     after=snapshot(created), region_code=lab.region_code, time=now))
    stored: list[TestReport] = []
    for plan in plans:
        report = plan.report
        assert report is not None
        for action in plan.actions:
            if action == "issue":
                continue
            before = snapshot(report)
            _apply(report, action, plan.data, signatories, today)
            records.append(change_record(
                actor=actor, action="test_report_corrected" if action == "correct" else "test_report_withdrawn",
                obj=report, before=before, after=snapshot(report), reason=plan.data.status_reason,
                region_code=lab.region_code, time=now))
        if plan.actions != ["issue"]:
            stored.append(report)
    if stored:
        update_objects(stored, UPDATED_FIELDS)
    record_changes(records)


def _new_report(lab: Lab, item: ReportData, signatories: dict[str, list[PersonRole]]) -> TestReport:
    role = signatory_for(signatories.get(item.signatory_name, []), item.issued_on)
    return new_instance(TestReport, {
        "number": item.number, "issued_on": item.issued_on, "sample_received_on": item.sample_received_on,
        "client_name": item.client_name, "object_name": item.object_name, "parameters": item.parameters,
        "signatory_name": item.signatory_name, "signatory_id": None, "pdf_sha256": item.pdf_sha256,
        "sample_no": item.sample_no, "results_sha256": item.results_sha256},
        related={"lab": lab, **({"signatory": role} if role is not None else {})})


def _apply(report: TestReport, action: str, item: ReportData, signatories: dict[str, list[PersonRole]],
           today: dt.date) -> None:
    report.status = TEST_REPORT.target(action, report.status)
    report.version += 1
    report.updated_at = timezone.now()
    if action == "correct":
        for name in ReportData.CONTENT:
            setattr(report, name, getattr(item, name))
        report.signatory = signatory_for(signatories.get(item.signatory_name, []), item.issued_on)
    elif action == "withdraw":
        report.status_reason = item.status_reason
        report.withdrawn_on = item.status_date or today
