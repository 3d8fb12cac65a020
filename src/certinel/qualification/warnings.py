"""Signals of false or untrue test reports as risk-warning rules (registered into the cases
engine's `RULES` by `QualificationConfig.ready`; their thresholds are rows of
`cases/data/rules.csv`, routed by the lab's region).

Each rule looks at the valid reports issued in its window and yields one finding per lab (per lab
and day for the volume and capacity rules), with counts and example report numbers as evidence
(never the client's or the signatory's name):

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
* `report_volume`: a signatory of a lab signing more than N reports on one day; one grouped query;
* `report_duplicate_sample`: reports naming a sample (the lab's sample number) that another valid
  report of the same lab names with a different results digest (the other report may be of any
  date); one query, the other reports found through the (lab, sample) index;
* `report_capacity`: a lab issuing more reports on one day than its declared capacity: the staff
  and equipment of its latest first or renewal application approved on or before that day,
  times the per-staff and per-equipment daily limits of the rule's row (whichever is lower).
  Labs without such an application in the register are skipped. The approved applications in
  one query, then one grouped query per 500 labs (the labs ordered by capacity, each query
  keeping only days over the lowest capacity of its labs)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q

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


def _duplicate_sample(params: dict[str, int], on: dt.date) -> Iterator[Finding]:
    from .models import TestReport

    since, reports = _window(params, on)
    other = (TestReport.objects.filter(lab_id=OuterRef("lab_id"), sample_no=OuterRef("sample_no"), status="valid")
             .exclude(sample_no="").exclude(results_sha256="").exclude(results_sha256=OuterRef("results_sha256")))
    rows = (reports.exclude(sample_no="").exclude(results_sha256="").filter(Exists(other.order_by()))
            .values_list("lab_id", "sample_no", "number"))
    samples: dict[int, set[str]] = defaultdict(set)
    numbers: dict[int, list[str]] = defaultdict(list)
    for lab_id, sample, number in rows.iterator(chunk_size=2000):
        samples[lab_id].add(sample)
        numbers[lab_id].append(number)
    labs = _labs(set(samples))
    for lab_id, found in samples.items():
        # The lab's sample numbers and its report numbers only: never the client or the signatory.
        yield _finding("report_duplicate_sample", labs[lab_id], since, on, {
            "reports": len(numbers[lab_id]), "samples": len(found), "sample_examples": sorted(found)[:EXAMPLES],
            "examples": sorted(numbers[lab_id])[:EXAMPLES]})


def capacity_limit(staff: int, equipment: int, params: dict[str, int]) -> int:
    """Reports a day a lab's declared staff and equipment allow: the lower of the two limits."""
    return min(staff * params["per_staff_day"], equipment * params["per_equipment_day"])


def _declared(on: dt.date) -> dict[int, list[tuple[dt.date, str, int, int]]]:
    """Per lab, its approved first and renewal applications decided on or before `on`, oldest
    first: (decided on, number, staff, equipment). A change declares no staff or equipment and
    an extension only those of its new items, so neither is the lab's capacity."""
    from .choices import ApplicationKind, ApplicationStatus
    from .models_applications import Application

    out: dict[int, list[tuple[dt.date, str, int, int]]] = defaultdict(list)
    approved = (Application.objects.filter(status=ApplicationStatus.APPROVED, decided_on__lte=on,
                                           kind__in=(ApplicationKind.FIRST, ApplicationKind.RENEWAL))
                .order_by("lab_id", "decided_on", "id").values_list("lab_id", "decided_on", "number", "staff",
                                                                     "equipment"))
    for lab_id, decided, number, staff, equipment in approved.iterator(chunk_size=2000):
        out[lab_id].append((decided, number, len(staff or []), len(equipment or [])))
    return out


def _capacity(params: dict[str, int], on: dt.date) -> Iterator[Finding]:
    from certinel.cases.rules import rule_for

    _since, reports = _window(params, on)
    declared = _declared(on)

    def lowest(lab_id: int) -> int:
        return min(capacity_limit(staff, equipment, params) for _d, _n, staff, equipment in declared[lab_id])

    ordered = sorted(declared, key=lambda lab_id: (lowest(lab_id), lab_id))
    rows_of: dict[str, Any] = {}  # the rule's row of each region, for the limit the evidence shows
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        rows = list(reports.filter(lab_id__in=chunk).values("lab_id", "issued_on")
                    .annotate(n=Count("id"), first=Min("number"), last=Max("number"))
                    .filter(n__gt=lowest(chunk[0])))
        labs = _labs({r["lab_id"] for r in rows})
        for r in sorted(rows, key=lambda r: (r["lab_id"], r["issued_on"])):
            day, lab = r["issued_on"], labs[r["lab_id"]]
            in_force = [d for d in declared[r["lab_id"]] if d[0] <= day]
            if not in_force:  # no approved application yet on that day: no declared capacity
                continue
            _decided, number, staff, equipment = in_force[-1]
            if lab.region_code not in rows_of:
                rows_of[lab.region_code] = rule_for("report_capacity", on=on, region_code=lab.region_code)
            row = rows_of[lab.region_code]
            limit = capacity_limit(staff, equipment, row.params if row is not None else params)
            if r["n"] <= capacity_limit(staff, equipment, params):
                continue
            yield Finding("report_capacity", "lab", lab.uscc, lab.name, lab.region_code, day.isoformat(), {
                "lab": lab.cma_no, "issued_on": day.isoformat(), "reports": r["n"], "application": number,
                "staff": staff, "equipment": equipment, "limit": limit,
                "examples": [r["first"], r["last"]]}, ids={"lab_id": lab.pk})


def _over(name: str):
    return lambda finding, rule: finding.evidence[name] > rule.param("per_signatory_day")


def _over_capacity(finding: Finding, rule: Any) -> bool:
    evidence = finding.evidence
    return evidence["reports"] > capacity_limit(evidence["staff"], evidence["equipment"], rule.params)


SPECS: dict[str, Spec] = {
    "report_outside_scope": Spec(("window_days",), _outside_scope, {"window_days": "max"}),
    "report_signatory": Spec(("window_days",), _signatory, {"window_days": "max"}),
    "report_dates": Spec(("window_days",), _dates, {"window_days": "max"}),
    "report_volume": Spec(("window_days", "per_signatory_day"), _volume,
                          {"window_days": "max", "per_signatory_day": "min"},
                          keep=_over("max_reports_per_signatory")),
    "report_duplicate_sample": Spec(("window_days",), _duplicate_sample, {"window_days": "max"}),
    "report_capacity": Spec(("window_days", "per_staff_day", "per_equipment_day"), _capacity,
                            {"window_days": "max", "per_staff_day": "min", "per_equipment_day": "min"},
                            keep=_over_capacity),
}


def register() -> None:
    from certinel.cases import rules

    for code, spec in SPECS.items():
        rules.RULES.setdefault(code, spec)
