"""Risk-warning rules: versioned data (`data/rules.csv`: rule code, edition, region prefix,
enabled, severity, thresholds, names, source), each a set-based query over the register.

A rule's row is chosen per finding's region (`core.editions.edition_for`: the narrowest region,
the latest edition), so a city may tune its thresholds or switch a rule off; the query runs once
with the loosest threshold of the rows in force and each candidate is then held against its own
region's row. Every finding carries its evidence (the rows and the figures) and a severity.

Rules (codes for `certinel warnings run --rule`):

* `reporting_lag`: a body's events reported after the deadline (`CERTINEL_REPORTING_DEADLINE_DAYS`)
  in the window, with the count of the window before it (the trend);
* `out_of_scope`: a valid certificate whose scheme the body was not approved for on its issue
  date, or whose approval has been withdrawn since;
* `hopping`: an organization's certificate at another body issued within N days after one of
  its certificates was suspended or revoked by its old body;
* `body_withdrawn`: valid certificates of a suspended or revoked body;
* `mills`: a body issuing certificates to at least N distinct organizations on one day
  (certificates taken over by transfer from another body not counted);
* `verification_misses`: spikes of "not found" verifications for one number pattern against its
  own baseline (`cases.misses`: the counters, the query and the routing).

The signals of false or untrue test reports (`report_outside_scope`, `report_signatory`,
`report_dates`, `report_volume`, `report_duplicate_sample`, `report_capacity`) are rules of the
qualification app, added to `RULES` when it loads (`qualification/warnings.py`).

Not implemented, and why: auditor-days per certificate against IAF MD 5 (audit durations are not
reported to the register)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import CharField, Count, Exists, Max, Min, OuterRef, Q
from django.db.models.functions import Cast
from django.utils.timezone import localdate as today_
from django.utils.timezone import make_aware
from django.utils.translation import get_language

from certinel.core.editions import edition_for, in_force

from . import misses
from .policy import DATA, PolicyError

RULES_FILE = DATA / "rules.csv"
SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True)
class Rule:
    code: str
    edition: str
    effective_from: dt.date | None
    region: str
    enabled: bool
    severity: str
    params: dict[str, int]
    name_zh: str
    name_en: str
    source: str

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def label(self) -> str:
        return f"{self.edition}/{self.region}" if self.region else self.edition

    def param(self, name: str) -> int:
        return self.params[name]


def _params(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in (text or "").split(";"):
        if part.strip():
            key, _sep, value = part.partition("=")
            out[key.strip()] = int(value)
    return out


@cache
def _rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, raw in enumerate(csv.DictReader(fh), start=2):
            row = {k: (v or "").strip() for k, v in raw.items()}
            try:
                rule = Rule(row["rule"], row["edition"], dt.date.fromisoformat(row["effective_from"])
                            if row["effective_from"] else None, row["region"], row["enabled"] == "yes",
                            row["severity"], _params(row["params"]), row["name_zh"], row["name_en"], row["source"])
            except (KeyError, ValueError) as exc:
                raise PolicyError(f"{path.name}, line {line}: {exc}") from None
            if rule.code not in RULES or rule.severity not in SEVERITIES or not rule.source or (
                    row["enabled"] not in ("yes", "no")) or set(RULES[rule.code].params) - set(rule.params):
                raise PolicyError(f"{path.name}, line {line}: a known rule, enabled yes or no, a severity "
                                  f"({', '.join(SEVERITIES)}), the rule's thresholds and the source.")
            rows.append(rule)
    return tuple(rows)


def rule_for(code: str, *, on: dt.date, region_code: str) -> Rule | None:
    return edition_for([r for r in _rules() if r.code == code], on=on, region_code=region_code)


def rules_in_force(on: dt.date | None = None) -> list[Rule]:
    """The everywhere-row of each rule in force (for lists and filters)."""
    day = on or today_()
    out = []
    for code in RULES:
        found = rule_for(code, on=day, region_code="")
        if found is not None:
            out.append(found)
    return out


def rule_info(code: str) -> Rule | None:
    return rule_for(code, on=today_(), region_code="") if code in RULES else None


@dataclass
class Finding:
    rule: str
    subject_kind: str
    subject_code: str
    subject_name: str
    region_code: str
    key: str  # what makes this finding itself (the same finding seen again is not new)
    evidence: dict[str, Any]
    severity: str = ""
    edition: str = ""
    ids: dict[str, int | None] = field(default_factory=dict)  # organization_id, body_id, lab_id, certificate_id

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.rule}|{self.subject_code}|{self.key}".encode()).hexdigest()

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "subject": self.subject_code, "severity": self.severity,
                "evidence": self.evidence}


@dataclass(frozen=True)
class Touched:
    """What changed since the last run (`services_warnings.touched_since`, from the history
    records): the certificates, their bodies, holders and issue days, and the bodies whose own
    approval or scopes changed (all of whose certificates are then concerned)."""

    certificates: frozenset[int] = frozenset()
    bodies: frozenset[int] = frozenset()
    holders: frozenset[int] = frozenset()
    days: frozenset[dt.date] = frozenset()
    changed_bodies: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Spec:
    params: tuple[str, ...]
    query: Callable[..., Iterator[Finding]]  # (params, on), and `touched=` when `incremental`
    loosest: dict[str, str]  # param -> "min" or "max": which value finds the most candidates
    keep: Callable[[Finding, Rule], bool] = lambda finding, rule: True
    grade: Callable[[Finding, Rule], str] = lambda finding, rule: rule.severity
    # Whether the query can be limited to what changed (`touched=`): it finds then every finding
    # about the touched bodies, holders, certificates and days that a full run finds.
    incremental: bool = False


def _loosest(code: str, on: dt.date) -> dict[str, int] | None:
    rows = [r for r in in_force([r for r in _rules() if r.code == code], on=on) if r.enabled]
    if not rows:
        return None
    spec = RULES[code]
    return {name: (min if spec.loosest.get(name, "min") == "min" else max)(r.params[name] for r in rows)
            for name in spec.params}


# --- the queries ----------------------------------------------------------------------------------

def _bodies(ids: set[int]) -> dict[int, Any]:
    from certinel.registry.models import CertificationBody

    return {b.pk: b for b in CertificationBody.objects.filter(pk__in=sorted(ids)).only(
        "id", "uscc", "name", "region_code", "status", "status_changed_on")}


def _day_start(day: dt.date) -> dt.datetime:
    """The first instant of a local day."""
    return make_aware(dt.datetime.combine(day, dt.time.min))


def _chunks(ids: frozenset[int] | set[int], size: int = 900) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for first in range(0, len(ordered), size):
        yield ordered[first:first + size]


def _reporting_lag(params: dict[str, int], on: dt.date, touched: Touched | None = None) -> Iterator[Finding]:
    from certinel.certificates.choices import TRANSFER_EVENTS
    from certinel.certificates.models import Certificate
    from certinel.certificates.trail import PREFIX, event_records, reported_event
    from certinel.core.models import Via

    deadline = settings.CERTINEL_REPORTING_DEADLINE_DAYS
    window = params["window_days"]
    start, before = on - dt.timedelta(days=window), on - dt.timedelta(days=2 * window)
    # Days as ranges of instants (the start of the next local day), not `time__date`: on
    # SQLite that casts every row through a Python function, sixteen times slower.
    after_before, after_start, after_on = (_day_start(day + dt.timedelta(days=1)) for day in (before, start, on))
    records = (event_records().filter(time__gte=after_before, time__lt=after_on).exclude(via=Via.TASK)
               .exclude(action__in=[PREFIX + kind for kind in TRANSFER_EVENTS]).order_by())
    if touched is not None:  # a body's finding counts all its events: only the bodies touched
        keys = (Certificate.objects.filter(body_id__in=sorted(touched.bodies)).order_by()
                .annotate(key=Cast("pk", output_field=CharField())).values("key"))
        records = records.filter(object_id__in=keys)
    late: list[tuple[str, bool, int]] = []  # (certificate id, in the window, delay) of each late event
    for record in records.only("id", "time", "object_id", "leaf", "legacy_event").iterator(chunk_size=2000):
        event = reported_event(record)
        if event is not None and event["delay_days"] > deadline:
            late.append((record.object_id, record.time >= after_start, event["delay_days"]))
    body_of: dict[str, int] = {}
    for chunk in _chunks({int(cert_id) for cert_id, _, _ in late}):
        body_of.update((str(pk), body_id) for pk, body_id in
                       Certificate.objects.filter(pk__in=chunk).values_list("pk", "body_id"))
    per_body: dict[int, dict[str, Any]] = {}
    for cert_id, now, delay in late:
        r = per_body.setdefault(body_of[cert_id], {"body_id": body_of[cert_id], "now": 0, "earlier": 0,
                                                   "max_delay": None})
        if now:
            r["now"] += 1
            r["max_delay"] = max(r["max_delay"] or delay, delay)
        else:
            r["earlier"] += 1
    found = [r for _, r in sorted(per_body.items()) if r["now"] >= params["min_events"]]
    bodies = _bodies({r["body_id"] for r in found})
    for r in found:
        body = bodies[r["body_id"]]
        yield Finding("reporting_lag", "body", body.uscc, body.name, body.region_code, f"{start:%Y-%m}",
                      {"deadline_days": deadline, "window": [start.isoformat(), on.isoformat()],
                       "late_events": r["now"], "late_events_previous_window": r["earlier"],
                       "trend": "rising" if r["now"] > r["earlier"] else "steady" if r["now"] == r["earlier"]
                       else "falling", "max_delay_days": r["max_delay"]},
                      ids={"body_id": body.pk})


def _out_of_scope(params: dict[str, int], on: dt.date, touched: Touched | None = None) -> Iterator[Finding]:
    if touched is None:
        yield from _out_of_scope_of(Q())
        return
    for chunk in _chunks(touched.certificates):
        yield from _out_of_scope_of(Q(id__in=chunk) & ~Q(body_id__in=sorted(touched.changed_bodies)))
    for chunk in _chunks(touched.changed_bodies):
        yield from _out_of_scope_of(Q(body_id__in=chunk))


def _out_of_scope_of(which: Q) -> Iterator[Finding]:
    from certinel.certificates.models import Certificate
    from certinel.registry.models import BodyScope

    at_issue = BodyScope.objects.filter(body_id=OuterRef("body_id"), scheme_id=OuterRef("scheme_id"),
                                        granted_on__lte=OuterRef("issued_on")).filter(
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=OuterRef("issued_on")))
    today = BodyScope.objects.filter(body_id=OuterRef("body_id"), scheme_id=OuterRef("scheme_id"),
                                     withdrawn_on__isnull=True)
    rows = (Certificate.objects.filter(which, status="valid").annotate(at_issue=Exists(at_issue), now=Exists(today))
            .filter(Q(at_issue=False) | Q(now=False)).order_by()
            .values("id", "number", "holder_id", "holder_name", "holder_uscc", "region_code", "body_id",
                    "body__name", "body__uscc", "scheme__code", "issued_on", "at_issue", "now"))
    for r in rows.iterator(chunk_size=2000):
        yield Finding("out_of_scope", "certificate", r["number"], r["holder_name"], r["region_code"], str(r["id"]),
                      {"certificate": r["number"], "body": r["body__uscc"], "body_name": r["body__name"],
                       "scheme": r["scheme__code"], "issued_on": r["issued_on"].isoformat(),
                       "approved_at_issue": r["at_issue"], "approved_now": r["now"]},
                      ids={"certificate_id": r["id"], "organization_id": r["holder_id"], "body_id": r["body_id"]})


def _hopping(params: dict[str, int], on: dt.date, touched: Touched | None = None) -> Iterator[Finding]:
    from certinel.certificates.trail import event_records

    days = params["days"]
    since = on - dt.timedelta(days=days + 3 * 365)
    # An event is reported on or after the day it happened: its record is no older than that.
    records = event_records().filter(time__gte=_day_start(since)).order_by()
    if touched is None:
        yield from _hops(_ended(records, since), days)
        return
    # A hop is about one holder (its old certificate's event and its new certificate): only the
    # holders touched.
    from certinel.certificates.models import Certificate

    for chunk in _chunks(touched.holders):
        keys = (Certificate.objects.filter(holder_id__in=chunk).order_by()
                .annotate(key=Cast("pk", output_field=CharField())).values("key"))
        yield from _hops(_ended(records.filter(object_id__in=keys), since), days)


def _ended(records: Any, since: dt.date) -> list[dict[str, Any]]:
    """The suspensions and revocations among these certificate records that happened since a
    day, with their certificate's holder, number and body."""
    from certinel.certificates.models import Certificate
    from certinel.certificates.trail import events_ending_in

    events = [e for e in events_ending_in(("suspended", "revoked"), records) if e.occurred_on >= since]
    certs: dict[int, tuple[int | None, str, int]] = {}
    for chunk in _chunks({e.certificate_id for e in events}):
        certs.update((pk, (holder, number, body)) for pk, holder, number, body in Certificate.objects.filter(
            pk__in=chunk).values_list("pk", "holder_id", "number", "body_id"))
    return [{"certificate__holder_id": certs[e.certificate_id][0], "certificate__number": certs[e.certificate_id][1],
             "body_id": certs[e.certificate_id][2], "occurred_on": e.occurred_on, "status_after": e.status_after}
            for e in events]


def _hops(events: list[Any], days: int) -> Iterator[Finding]:
    from certinel.certificates.models import Certificate

    by_holder: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["certificate__holder_id"] is not None:
            by_holder[e["certificate__holder_id"]].append(e)
    holders = sorted(by_holder)
    for start in range(0, len(holders), 900):
        chunk = holders[start:start + 900]
        certs = (Certificate.objects.filter(holder_id__in=chunk).order_by()
                 .values("id", "number", "holder_id", "holder_name", "holder_uscc", "region_code", "body_id",
                         "body__uscc", "issued_on", "first_issued_on"))
        for c in certs:  # a few thousand rows: fetched at once, not through a server-side cursor
            for e in by_holder[c["holder_id"]]:
                gap = (c["issued_on"] - e["occurred_on"]).days
                if c["body_id"] != e["body_id"] and 0 <= gap <= days:
                    yield Finding("hopping", "organization", c["holder_uscc"], c["holder_name"], c["region_code"],
                                  f"{c['id']}", {
                                      "old_certificate": e["certificate__number"], "old_status": e["status_after"],
                                      "old_status_on": e["occurred_on"].isoformat(), "new_certificate": c["number"],
                                      "new_body": c["body__uscc"], "new_issued_on": c["issued_on"].isoformat(),
                                      "days_between": gap, "limit_days": days},
                                  ids={"organization_id": c["holder_id"], "certificate_id": c["id"],
                                       "body_id": c["body_id"]})
                    break


def _body_withdrawn(params: dict[str, int], on: dt.date, touched: Touched | None = None) -> Iterator[Finding]:
    from certinel.certificates.models import Certificate

    valid = Certificate.objects.filter(status="valid", body__status__in=("suspended", "revoked"))
    if touched is not None:
        valid = valid.filter(body_id__in=sorted(touched.bodies))
    rows = (valid
            .values("body_id").annotate(valid=Count("id"), first=Min("number"), latest_issue=Max("issued_on")))
    found = list(rows)
    bodies = _bodies({r["body_id"] for r in found})
    for r in found:
        body = bodies[r["body_id"]]
        changed = body.status_changed_on
        after = Certificate.objects.filter(body_id=body.pk, status="valid", issued_on__gt=changed).count() if (
            changed) else 0
        yield Finding("body_withdrawn", "body", body.uscc, body.name, body.region_code,
                      f"{body.status}:{changed}", {
                          "body_status": body.status, "status_changed_on": changed.isoformat() if changed else None,
                          "valid_certificates": r["valid"], "issued_after_the_decision": after,
                          "example_certificate": r["first"], "latest_issue": r["latest_issue"].isoformat()},
                      ids={"body_id": body.pk})


def _mills(params: dict[str, int], on: dt.date, touched: Touched | None = None) -> Iterator[Finding]:
    from certinel.certificates.models import Certificate

    since = on - dt.timedelta(days=params["window_days"])
    # A certificate taken over from another body (IAF MD 2: a transfer review, not an audit) is not
    # counted: a body taking over a closing body's clients on one day is not issuing them.
    issued = Certificate.objects.filter(issued_on__gt=since, issued_on__lte=on, transferred_from__isnull=True)
    if touched is not None:  # a (body, day) counts all its certificates: only the pairs touched
        issued = issued.filter(body_id__in=sorted(touched.bodies),
                               issued_on__in=sorted(d for d in touched.days if since < d <= on))
    rows = (issued
            .values("body_id", "issued_on")
            .annotate(holders=Count("holder_id", distinct=True), certificates=Count("id"), first=Min("number"),
                      last=Max("number"))
            .filter(holders__gte=params["per_day"]))
    found = list(rows)
    bodies = _bodies({r["body_id"] for r in found})
    for r in found:
        body = bodies[r["body_id"]]
        yield Finding("mills", "body", body.uscc, body.name, body.region_code, r["issued_on"].isoformat(), {
            "issued_on": r["issued_on"].isoformat(), "organizations": r["holders"], "certificates": r["certificates"],
            "numbers": [r["first"], r["last"]]}, ids={"body_id": body.pk})


def _lag_grade(finding: Finding, rule: Rule) -> str:
    return "high" if finding.evidence["late_events"] >= rule.param("high_events") else rule.severity


RULES: dict[str, Spec] = {
    "reporting_lag": Spec(("window_days", "min_events", "high_events"), _reporting_lag,
                          {"window_days": "max", "min_events": "min"},
                          keep=lambda f, r: f.evidence["late_events"] >= r.param("min_events"), grade=_lag_grade,
                          incremental=True),
    "out_of_scope": Spec((), _out_of_scope, {}, incremental=True),
    "hopping": Spec(("days",), _hopping, {"days": "max"}, keep=lambda f, r: f.evidence["days_between"] <= r.param(
        "days"), incremental=True),
    "body_withdrawn": Spec((), _body_withdrawn, {}, incremental=True),
    "mills": Spec(("window_days", "per_day"), _mills, {"window_days": "max", "per_day": "min"},
                  keep=lambda f, r: f.evidence["organizations"] >= r.param("per_day"), incremental=True),
    "verification_misses": Spec(("window_hours", "baseline_days", "min_misses", "factor", "platform_region",
                                 "many_networks"),
                                misses.verification_misses,
                                {"window_hours": "max", "baseline_days": "max", "min_misses": "min", "factor": "min"},
                                keep=misses.keep),
}


def run(code: str, *, on: dt.date | None = None, touched: Touched | None = None) -> list[Finding]:
    """The findings of one rule today (or on `on`), each held against its own region's row;
    with `touched`, only those about what changed when the rule allows it (else all)."""
    if code not in RULES:
        raise PolicyError(f"Unknown rule {code!r}: use one of {', '.join(RULES)}.")
    day = on or today_()
    params = _loosest(code, day)
    if params is None:
        return []
    spec = RULES[code]
    out = []
    found = spec.query(params, day, touched=touched) if touched is not None and spec.incremental else (
        spec.query(params, day))
    for finding in found:
        rule = rule_for(code, on=day, region_code=finding.region_code)
        if rule is None or not rule.enabled or not spec.keep(finding, rule):
            continue
        finding.severity, finding.edition = spec.grade(finding, rule), rule.label
        out.append(finding)
    return sorted(out, key=lambda f: (f.subject_code, f.key))
