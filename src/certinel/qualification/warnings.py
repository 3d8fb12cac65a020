"""Signals of false or untrue test reports as risk-warning rules (registered into the cases
engine's `RULES` by `QualificationConfig.ready`; their thresholds are rows of
`cases/data/rules.csv`, routed by the lab's region).

Each rule looks at the valid reports issued in its window and yields one finding per lab (per lab
and day for the volume rule), with counts and example report numbers as evidence:

* `report_outside_scope`: reports with a parameter outside the lab's scope on the issue date
  (the same test as verification, `selectors.parameter_in_scope`); the reports come in one query
  per chunk of labs and the scope lines of those labs in one more, since parameters are JSON
  compared with normalised names;
* `report_signatory`: reports whose signatory was not the lab's registered signatory on the issue
  date (none of that name, another lab's, out of its dates, or suspended without an end date);
  one grouped query;
* `report_dates`: reports issued before their sample was received, before the lab's CMA
  certificate was issued or after it ended, or on or after the day the lab was suspended,
  revoked or cancelled; one grouped query;
* `report_volume`: a signatory of a lab signing more than N reports on one day; one grouped query.

Not built: the same sample reported twice with different results. A report records its
parameters and standards, not its results, so two reports of one sample cannot be told apart
from two samples of one client received on the same day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, F, Max, Min, Q

from certinel.cases.rules import Finding, Spec
from certinel.registry.choices import LabStatus, PersonRoleKind, RoleStatus

EXAMPLES = 5


def _labs(ids: set[int]) -> dict[int, Any]:
    from certinel.registry.models import Lab

    return {lab.pk: lab for lab in Lab.objects.filter(pk__in=sorted(ids)).only(
        "id", "uscc", "cma_no", "name", "region_code")}


def _window(params: dict[str, int], on: dt.date) -> tuple[dt.date, Any]:
    from .models import TestReport

    since = on - dt.timedelta(days=params["window_days"])
    return since, TestReport.objects.filter(status="valid", issued_on__gt=since, issued_on__lte=on).order_by()


def _finding(rule: str, lab: Any, since: dt.date, on: dt.date, evidence: dict[str, Any]) -> Finding:
    return Finding(rule, "lab", lab.uscc, lab.name, lab.region_code, f"{since:%Y-%m}",
                   {"lab": lab.cma_no, "window": [since.isoformat(), on.isoformat()], **evidence},
                   ids={"lab_id": lab.pk})


def _outside_scope(params: dict[str, int], on: dt.date) -> Iterator[Finding]:
    from certinel.registry.models import LabScopeItem

    from .selectors import parameter_in_scope

    since, reports = _window(params, on)
    lab_ids = sorted(set(reports.values_list("lab_id", flat=True).distinct()))
    for start in range(0, len(lab_ids), 500):
        chunk = lab_ids[start:start + 500]
        scope: dict[int, list[Any]] = defaultdict(list)
        for item in LabScopeItem.objects.filter(lab_id__in=chunk, granted_on__lte=on).order_by().only(
                "lab_id", "item", "standard", "granted_on", "withdrawn_on"):
            scope[item.lab_id].append(item)
        found: dict[int, list[str]] = defaultdict(list)
        counts: dict[int, int] = defaultdict(int)
        rows = (reports.filter(lab_id__in=chunk)
                .values_list("lab_id", "number", "issued_on", "object_name", "parameters"))
        for lab_id, number, issued, object_name, parameters in rows.iterator(chunk_size=5000):
            in_force = [s for s in scope[lab_id]
                        if s.granted_on <= issued and (s.withdrawn_on is None or s.withdrawn_on > issued)]
            if not all(parameter_in_scope(p, object_name, in_force) for p in parameters):
                counts[lab_id] += 1
                if len(found[lab_id]) < EXAMPLES:
                    found[lab_id].append(number)
        labs = _labs(set(counts))
        for lab_id, n in counts.items():
            yield _finding("report_outside_scope", labs[lab_id], since, on,
                           {"reports": n, "examples": sorted(found[lab_id])})


def _signatory(params: dict[str, int], on: dt.date) -> Iterator[Finding]:
    since, reports = _window(params, on)
    authorised = (Q(signatory__lab_id=F("lab_id")) & Q(signatory__kind=PersonRoleKind.SIGNATORY)
                  & Q(signatory__valid_from__lte=F("issued_on"))
                  & (Q(signatory__valid_until__isnull=True, signatory__status=RoleStatus.ACTIVE)
                     | Q(signatory__valid_until__gte=F("issued_on"))))
    rows = list(reports.exclude(Q(signatory__isnull=False) & authorised).values("lab_id")
                .annotate(n=Count("id"), unknown=Count("id", filter=Q(signatory__isnull=True)),
                          first=Min("number"), last=Max("number")))
    labs = _labs({r["lab_id"] for r in rows})
    for r in rows:
        yield _finding("report_signatory", labs[r["lab_id"]], since, on, {
            "reports": r["n"], "signatory_not_registered": r["unknown"], "examples": [r["first"], r["last"]]})


def _dates(params: dict[str, int], on: dt.date) -> Iterator[Finding]:
    before_sample = Q(issued_on__lt=F("sample_received_on"))
    outside = Q(issued_on__lt=F("lab__cma_issued_on")) | Q(issued_on__gt=F("lab__cma_valid_until"))
    not_in_force = ~Q(lab__status=LabStatus.VALID) & Q(lab__status_changed_on__isnull=False,
                                                        issued_on__gte=F("lab__status_changed_on"))
    since, reports = _window(params, on)
    rows = list(reports.filter(before_sample | outside | not_in_force).values("lab_id").annotate(
        n=Count("id"), before_sample=Count("id", filter=before_sample), outside=Count("id", filter=outside),
        not_in_force=Count("id", filter=not_in_force), first=Min("number"), last=Max("number")))
    labs = _labs({r["lab_id"] for r in rows})
    for r in rows:
        yield _finding("report_dates", labs[r["lab_id"]], since, on, {
            "reports": r["n"], "issued_before_sample": r["before_sample"], "outside_qualification": r["outside"],
            "lab_not_in_force": r["not_in_force"], "examples": [r["first"], r["last"]]})


def _volume(params: dict[str, int], on: dt.date) -> Iterator[Finding]:
    _since, reports = _window(params, on)
    rows = list(reports.values("lab_id", "issued_on", "signatory_name")
                .annotate(n=Count("id"), first=Min("number"), last=Max("number"))
                .filter(n__gt=params["per_signatory_day"]))
    labs = _labs({r["lab_id"] for r in rows})
    by_day: dict[tuple[int, dt.date], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_day[(r["lab_id"], r["issued_on"])].append(r)
    for (lab_id, day), found in sorted(by_day.items()):
        lab = labs[lab_id]
        # Signatories are counted, never named: the evidence stays free of personal data.
        yield Finding("report_volume", "lab", lab.uscc, lab.name, lab.region_code, day.isoformat(), {
            "lab": lab.cma_no, "issued_on": day.isoformat(), "signatories_over": len(found),
            "max_reports_per_signatory": max(r["n"] for r in found),
            "examples": [min(r["first"] for r in found), max(r["last"] for r in found)]}, ids={"lab_id": lab.pk})


def _over(name: str):
    return lambda finding, rule: finding.evidence[name] > rule.param("per_signatory_day")


SPECS: dict[str, Spec] = {
    "report_outside_scope": Spec(("window_days",), _outside_scope, {"window_days": "max"}),
    "report_signatory": Spec(("window_days",), _signatory, {"window_days": "max"}),
    "report_dates": Spec(("window_days",), _dates, {"window_days": "max"}),
    "report_volume": Spec(("window_days", "per_signatory_day"), _volume,
                          {"window_days": "max", "per_signatory_day": "min"},
                          keep=_over("max_reports_per_signatory")),
}


def register() -> None:
    from certinel.cases import rules

    for code, spec in SPECS.items():
        rules.RULES.setdefault(code, spec)
