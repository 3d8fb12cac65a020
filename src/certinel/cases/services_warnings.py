"""Storing the findings of the warning rules: each new finding (by its fingerprint: rule,
subject and what makes it itself) becomes a `RiskWarning` in the queue of the regulators of its
subject's region, with one history record; a finding seen again is not written again.

The rules run on a schedule (`core.scheduler`, Celery beat) and, deferred, after imports: the
history subscriber `mark_due` notes that certificates or bodies changed (a flag in the cache,
nothing more, so that an import is not slowed), and the next scheduled pass runs the rules.

That pass is incremental (`warnings_run_incremental`): it reads the history records written since
the last run (by id, from a mark kept in the cache), takes the certificates, bodies, holders and
issue days they touched (`rules.Touched`), and runs each rule that allows it on those only; the
others (`verification_misses`, and rules of other apps that do not declare `incremental`) run in
full. Without a mark (a cold cache), or when a record is about an object it cannot place, it
runs everything. The daily pass runs every rule in full: findings that depend on the date alone
(a window sliding past), and any record committed after a later one's run, are found there."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils.timezone import localdate as today_

from certinel.core.actor import Actor
from certinel.core.bulk import create_objects
from certinel.core.history import change_record, record_changes, snapshot
from certinel.core.models import ChangeRecord

from . import rules
from .models import RiskWarning

SYSTEM_LABEL = "cases:warnings"
DUE_KEY = "cases:warnings:due"
MARK_KEY = "cases:warnings:mark"  # the last history record id a run has seen
WATCHED_PREFIXES = ("certificate_", "body_")


def warnings_record(findings: list[rules.Finding], *, on: dt.date | None = None,
                    actor: Actor | None = None) -> list[RiskWarning]:
    """Write the new findings as warnings (by the rules' system actor unless another is given);
    returns those written."""
    day = on or today_()
    prints = {f.fingerprint: f for f in findings}
    with transaction.atomic():
        seen: set[str] = set()
        keys = sorted(prints)
        for start in range(0, len(keys), 900):
            seen.update(RiskWarning.objects.filter(fingerprint__in=keys[start:start + 900])
                        .values_list("fingerprint", flat=True))
        new = [RiskWarning(rule=f.rule, rule_edition=f.edition, severity=f.severity, fingerprint=fp,
                           evidence=f.evidence, found_on=day, subject_kind=f.subject_kind,
                           subject_code=f.subject_code[:64], subject_name=f.subject_name[:200],
                           region_code=f.region_code, organization_id=f.ids.get("organization_id"),
                           body_id=f.ids.get("body_id"), lab_id=f.ids.get("lab_id"),
                           certificate_id=f.ids.get("certificate_id"))
               for fp, f in sorted(prints.items()) if fp not in seen]
        if new:
            create_objects(new)
            actor = actor or Actor.system(SYSTEM_LABEL)
            record_changes([change_record(actor=actor, action="cases_warning_found", obj=w, before=None,
                                          after=snapshot(w)) for w in new])
    return new


def _last_record_id() -> int:
    return ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0


def warnings_run(*, rule: str | None = None, on: dt.date | None = None, actor: Actor | None = None,
                 touched: rules.Touched | None = None) -> dict[str, int]:
    """Run one rule or all of them (on what changed only, with `touched`) and record the new
    findings: {rule: new warnings}. A full run of every rule sets the incremental runs' mark."""
    full = rule is None and touched is None
    if full:
        cache.delete(DUE_KEY)  # before reading: a change during the run sets it again
        mark = _last_record_id()
    out = {}
    for code in [rule] if rule else list(rules.RULES):
        out[code] = len(warnings_record(rules.run(code, on=on, touched=touched), on=on, actor=actor))
    if full:
        cache.set(MARK_KEY, mark, timeout=None)
    return out


def touched_since(mark: int, until: int) -> rules.Touched | None:
    """What the history records after `mark` (up to `until`) touched, or None when one of them
    is about an object this cannot place (then everything is run)."""
    from certinel.certificates.models import Certificate
    from certinel.registry.models import BodyScope, CertificationBody

    kinds = ContentType.objects.get_for_models(Certificate, CertificationBody, BodyScope)
    by_kind: dict[int, set[int]] = {kinds[m].pk: set() for m in (Certificate, CertificationBody, BodyScope)}
    watched = Q()
    for prefix in WATCHED_PREFIXES:
        watched |= Q(action__startswith=prefix)
    records = ChangeRecord.objects.filter(watched, id__gt=mark, id__lte=until).order_by()
    for kind, object_id in records.values_list("content_type_id", "object_id").iterator(chunk_size=5000):
        if kind not in by_kind or not object_id.isdigit():
            return None
        by_kind[kind].add(int(object_id))
    certificates = by_kind[kinds[Certificate].pk]
    changed = set(by_kind[kinds[CertificationBody].pk])
    for chunk in rules._chunks(by_kind[kinds[BodyScope].pk]):
        changed.update(BodyScope.objects.filter(pk__in=chunk).values_list("body_id", flat=True))
    bodies, holders, days = set(changed), set(), set()
    for chunk in rules._chunks(certificates):
        for body_id, holder_id, issued_on in Certificate.objects.filter(pk__in=chunk).order_by().values_list(
                "body_id", "holder_id", "issued_on"):
            bodies.add(body_id)
            days.add(issued_on)
            if holder_id is not None:
                holders.add(holder_id)
    return rules.Touched(frozenset(certificates), frozenset(bodies), frozenset(holders), frozenset(days),
                         frozenset(changed))


def warnings_run_incremental(*, on: dt.date | None = None, actor: Actor | None = None) -> dict[str, int]:
    """Run the rules on what the history records since the last run touched (see the module's
    note); a full run when there is no mark or a record cannot be placed."""
    mark = cache.get(MARK_KEY)
    if mark is None:
        return warnings_run(on=on, actor=actor)
    cache.delete(DUE_KEY)
    until = _last_record_id()
    touched = touched_since(mark, until)
    if touched is None:
        return warnings_run(on=on, actor=actor)
    out = warnings_run(on=on, actor=actor, touched=touched)
    cache.set(MARK_KEY, until, timeout=None)
    return out


def mark_due(records: list[ChangeRecord]) -> None:
    """The history subscriber: certificates or bodies changed, so the rules are due."""
    if any(r.action.startswith(WATCHED_PREFIXES) for r in records):
        cache.set(DUE_KEY, 1, timeout=None)


def run_if_due() -> dict[str, int]:
    """The frequent scheduled pass: run the rules on what changed, only when something did."""
    return warnings_run_incremental() if cache.get(DUE_KEY) else {}
