"""Verifying a test report: is it genuine, who issued it, and does it hold up against the
register on its issue date (the lab's qualified scope, its signatory, its qualification)?

Scope: a parameter is inside the scope when a line of the lab's scope (`LabScopeItem`) was in
force on the issue date (granted on or before it, and not withdrawn on or before it) whose
object/parameter (`item`) is the parameter or the report's object, and whose standard is the
parameter's standard (a scope line without a standard covers the item under any standard).
Names are compared with their spaces collapsed and case ignored.

Signatory: authorised when the lab's signatory registration of that name (`PersonRole` of kind
`signatory`) covered the issue date (valid_from … valid_until) and, if it is no longer active,
had an end date on or after the issue date (a registration suspended or ended without one
cannot be placed in time, so it does not count).

Qualification: a report issued before the lab's CMA certificate was issued or after it ended,
or on or after the day the lab was suspended, revoked or cancelled (while it still is), is
flagged; so is a report issued before its sample was received.

Sample: a valid report that names its sample (the lab's sample number) and its results'
digest is flagged when another valid report of the same lab names the same sample with a
different results digest (as the register stands now, not on the issue date; withdrawn
reports do not count, so a report withdrawn and issued anew is not a signal)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from certinel.registry.choices import LabStatus, PersonRoleKind, RoleStatus
from certinel.registry.models import Lab, LabScopeItem, PersonRole

from .models import TestReport


def _norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


@dataclass
class ParameterCheck:
    parameter: str
    standard: str
    in_scope: bool


@dataclass
class Flag:
    code: str
    message: str


@dataclass
class Verification:
    report: TestReport
    lab: Lab
    parameters: list[ParameterCheck]
    signatory_authorised: bool
    flags: list[Flag] = field(default_factory=list)

    @property
    def genuine(self) -> bool:
        return True

    @property
    def all_in_scope(self) -> bool:
        return all(p.in_scope for p in self.parameters)

    def as_dict(self) -> dict[str, Any]:
        r, lab = self.report, self.lab
        return {"genuine": True, "number": r.number, "status": r.status, "version": r.version,
                "lab": {"cma_no": lab.cma_no, "name": lab.name, "status": lab.status},
                "issued_on": r.issued_on, "sample_received_on": r.sample_received_on, "object": r.object_name,
                "withdrawn_on": r.withdrawn_on,
                "parameters": [{"parameter": p.parameter, "standard": p.standard, "in_scope": p.in_scope}
                               for p in self.parameters],
                "all_in_scope": self.all_in_scope, "signatory_authorised": self.signatory_authorised,
                "flags": [{"code": f.code, "message": f.message} for f in self.flags]}


def report_find(*, cma_no: str = "", number: str = "", sha256: str = "") -> TestReport | None:
    """The report a verifier asks about: by its lab's CMA number and its number, or by the
    SHA-256 of its PDF (the latest reported, if several)."""
    qs = TestReport.objects.select_related("lab", "signatory")
    if sha256:
        return qs.filter(pdf_sha256=sha256.strip().lower()).order_by("-id").first()
    if not cma_no.strip() or not number.strip():
        return None
    # One row at most (unique lab and number): no order, which costs a join and its compilation.
    found = list(qs.filter(lab__cma_no=cma_no.strip(), number=" ".join(number.split())).order_by()[:1])
    return found[0] if found else None


def scope_in_force(lab: Lab, on: dt.date) -> list[LabScopeItem]:
    return list(LabScopeItem.objects.filter(lab=lab, granted_on__lte=on)
                .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on)).order_by("id")
                .only("id", "lab_id", "item", "standard", "granted_on", "withdrawn_on"))


def parameter_in_scope(parameter: dict[str, str], object_name: str, scope: list[LabScopeItem]) -> bool:
    names = {_norm(parameter.get("parameter", "")), _norm(object_name)}
    standard = _norm(parameter.get("standard", ""))
    return any(_norm(s.item) in names and (not s.standard or _norm(s.standard) == standard) for s in scope)


def signatory_authorised(role: PersonRole | None, lab: Lab, on: dt.date) -> bool:
    if role is None or role.lab_id != lab.pk or role.kind != PersonRoleKind.SIGNATORY:
        return False
    if role.valid_from > on or (role.valid_until is not None and on > role.valid_until):
        return False
    return role.status == RoleStatus.ACTIVE or role.valid_until is not None


def report_verify(report: TestReport) -> Verification:
    lab, day = report.lab, report.issued_on
    scope = scope_in_force(lab, day)
    checks = [ParameterCheck(p.get("parameter", ""), p.get("standard", ""),
                             parameter_in_scope(p, report.object_name, scope)) for p in report.parameters]
    authorised = signatory_authorised(report.signatory, lab, day)
    flags: list[Flag] = []
    if report.status == "withdrawn":
        flags.append(Flag("withdrawn", _("The lab withdrew this report on %(date)s.") % {"date": report.withdrawn_on}))
    outside = [c for c in checks if not c.in_scope]
    if outside:
        flags.append(Flag("parameter_outside_scope", _("%(n)s parameter(s) were outside the lab's qualified scope on "
                                                       "the issue date.") % {"n": len(outside)}))
    if not authorised:
        flags.append(Flag("signatory_not_authorised", _("The signatory was not a registered authorised signatory of "
                                                        "the lab on the issue date.")))
    if day < report.sample_received_on:
        flags.append(Flag("issued_before_sample", _("The report is dated before its sample was received.")))
    if day < lab.cma_issued_on or day > lab.cma_valid_until:
        flags.append(Flag("outside_qualification", _("The report is dated outside the lab's qualification "
                                                     "(%(start)s to %(end)s).")
                          % {"start": lab.cma_issued_on, "end": lab.cma_valid_until}))
    elif lab.status != LabStatus.VALID and lab.status_changed_on is not None and day >= lab.status_changed_on:
        flags.append(Flag("lab_not_in_force", _("The report is dated on or after the day the lab's qualification "
                                                "was %(status)s (%(date)s).")
                          % {"status": lab.get_status_display(), "date": lab.status_changed_on}))
    others = other_results_of_sample(report)
    if others:
        flags.append(Flag("sample_reported_twice", _("%(n)s other valid report(s) of the lab for the same sample give "
                                                     "different results.") % {"n": others}))
    return Verification(report, lab, checks, authorised, flags)


def other_results_of_sample(report: TestReport) -> int:
    """How many other valid reports of the report's lab name its sample with other results (0
    when the report is withdrawn or names no sample or no results digest)."""
    if report.status != "valid" or not report.sample_no or not report.results_sha256:
        return 0
    return (TestReport.objects.filter(lab_id=report.lab_id, sample_no=report.sample_no, status="valid")
            .exclude(results_sha256="").exclude(results_sha256=report.results_sha256).order_by().count())
