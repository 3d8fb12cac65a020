"""Storing the findings of the warning rules: each new finding (by its fingerprint: rule,
subject and what makes it itself) becomes a `RiskWarning` in the queue of the regulators of its
subject's region, with one history record; a finding seen again is not written again.

The rules run on a schedule (`core.scheduler`, Celery beat) and, deferred, after imports: the
history subscriber `mark_due` notes that certificates or bodies changed (a flag in the cache,
nothing more, so that an import is not slowed), and the next scheduled pass runs the rules."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import transaction
from django.utils.timezone import localdate as today_

from certinel.core.actor import Actor
from certinel.core.bulk import create_objects
from certinel.core.history import change_record, record_changes, snapshot
from certinel.core.models import ChangeRecord

from . import rules
from .models import RiskWarning

SYSTEM_LABEL = "cases:warnings"
DUE_KEY = "cases:warnings:due"
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
                           body_id=f.ids.get("body_id"), certificate_id=f.ids.get("certificate_id"))
               for fp, f in sorted(prints.items()) if fp not in seen]
        if new:
            create_objects(new)
            actor = actor or Actor.system(SYSTEM_LABEL)
            record_changes([change_record(actor=actor, action="cases_warning_found", obj=w, before=None,
                                          after=snapshot(w)) for w in new])
    return new


def warnings_run(*, rule: str | None = None, on: dt.date | None = None, actor: Actor | None = None) -> dict[str, int]:
    """Run one rule or all of them and record the new findings: {rule: new warnings}."""
    out = {}
    for code in [rule] if rule else list(rules.RULES):
        out[code] = len(warnings_record(rules.run(code, on=on), on=on, actor=actor))
    cache.delete(DUE_KEY)
    return out


def mark_due(records: list[ChangeRecord]) -> None:
    """The history subscriber: certificates or bodies changed, so the rules are due."""
    if any(r.action.startswith(WATCHED_PREFIXES) for r in records):
        cache.set(DUE_KEY, 1, timeout=None)


def run_if_due() -> dict[str, int]:
    """The frequent scheduled pass: run the rules only when something changed since the last run."""
    return warnings_run() if cache.get(DUE_KEY) else {}
