"""Generating a report for assessment: the figures computed once, the document, its PDF and
workbook stored by their SHA-256, and one history record whose after-snapshot carries the three
digests (so the transparency log's leaf fixes them). The same region, period and figures are
never generated twice; a re-generation after the data changed is a new version."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from certinel.accounts.permissions import can
from certinel.core.actor import Actor
from certinel.core.errors import ErrorList, NotPermitted
from certinel.core.history import record_change, snapshot

from . import content as c
from .models import AssessmentReport
from .render import render_pdf, render_xlsx

KINDS = ("json", "pdf", "xlsx")


def folder() -> Path:
    """The files are kept by their SHA-256 outside MEDIA_ROOT (as the evidence stores do)."""
    return Path(settings.DATA_DIR) / "assessment-reports"


def stored_path(digest: str) -> Path:
    return folder() / digest[:2] / digest


def _store(data: bytes) -> str:
    digest = c.sha256(data)
    path = stored_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)
    return digest


def may_generate(actor: Actor, region: str) -> bool:
    """Regulators of the region or above (the jurisdiction rule supervision decisions use)."""
    return can(actor.user, "decide", "supervision", region_code=region)


@dataclass(frozen=True)
class Generated:
    report: AssessmentReport
    created: bool


def report_generate(*, actor: Actor, region: str, period: str, now: dt.datetime | None = None) -> Generated:
    """Generate the report of `region` (a 6-digit GB/T 2260 code) for `period` (2026Q3 or 2026).
    Returns the existing latest version when its figures are the same."""
    now = (now or timezone.now()).replace(microsecond=0)
    errors = ErrorList()
    region = (region or "").strip()
    found = c.parse_period(period)
    if not c.valid_region(region):
        errors.add("region", _("A region is a six-digit administrative division code."), "invalid")
    if found is None:
        errors.add("period", _("A period is a quarter (2026Q3) or a year (2026)."), "invalid")
    elif found.start > timezone.localtime(now).date():
        errors.add("period", _("This period has not begun."), "future_period")
    errors.raise_if_any()
    if not may_generate(actor, region):
        raise NotPermitted(_("Only regulators of the region or above may generate its reports."),
                           details={"action": "generate", "kind": "assessment_report"})
    assert found is not None
    figures = c.figures(region, found, today=timezone.localtime(now).date())
    figures_sha = c.sha256(c.canonical(figures))
    with transaction.atomic():
        latest = (AssessmentReport.objects.select_for_update().filter(region_code=region, period=found.code)
                  .order_by("-version").first())
        if latest is not None and latest.figures_sha256 == figures_sha:
            return Generated(latest, False)
        version = (AssessmentReport.objects.filter(region_code=region, period=found.code)
                   .aggregate(n=Max("version"))["n"] or 0) + 1
        document = {**figures, "version": version, "figures_sha256": figures_sha,
                    "generated_at": timezone.localtime(now).isoformat()}
        files = build_files(document)
        digests = {kind: _store(data) for kind, data in files.items()}
        report = AssessmentReport.objects.create(
            region_code=region, period=found.code, version=version, generated_at=now,
            generated_by=actor.label[:150], figures_sha256=figures_sha, content_sha256=digests["json"],
            pdf_sha256=digests["pdf"], xlsx_sha256=digests["xlsx"], content_size=len(files["json"]),
            pdf_size=len(files["pdf"]), xlsx_size=len(files["xlsx"]))
        record_change(actor=actor, action="assessment_report_generated", obj=report, before=None,
                      after=snapshot(report), region_code=region)
    return Generated(report, True)


def build_files(document: dict[str, Any]) -> dict[str, bytes]:
    """The three files of a document: its canonical JSON, the PDF and the workbook."""
    data = c.canonical(document)
    digest = c.sha256(data)
    return {"json": data, "pdf": render_pdf(document, digest), "xlsx": render_xlsx(document, digest)}


def rebuild(report: AssessmentReport) -> dict[str, bytes]:
    """The files rebuilt from the stored JSON document (they equal the stored ones)."""
    document = json.loads(stored_path(report.content_sha256).read_bytes())
    return build_files(document)


@dataclass(frozen=True)
class ScheduleRule:
    id: str
    effective_from: dt.date | None
    region: str
    level: str
    window_days: int
    source: str


def schedule_rule(on: dt.date) -> ScheduleRule | None:
    """The edition of the schedule (data/schedule.csv) in force on `on`."""
    import csv

    from certinel.core.editions import edition_for

    with (Path(__file__).parent / "data" / "schedule.csv").open(encoding="utf-8", newline="") as fh:
        rules = [ScheduleRule(r["id"], dt.date.fromisoformat(r["effective_from"]) if r["effective_from"] else None,
                              r["region"], r["level"], int(r["window_days"]), r["source"])
                 for r in csv.DictReader(fh)]
    return edition_for(rules, on=on)


def scheduled_generate(*, today: dt.date | None = None, now: dt.datetime | None = None,
                       refresh: bool = False, limit: int | None = None) -> list[Generated]:
    """In the first days of a quarter (data/schedule.csv), the previous quarter's report of each
    province that has none yet (with `refresh`, the statistics are refreshed first; at most
    `limit` new reports a run)."""
    from certinel.reference.models import Region

    now = now or timezone.now()
    today = today or timezone.localtime(now).date()
    rule = schedule_rule(today)
    if rule is None:
        return []
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if (today - quarter_start).days >= rule.window_days:
        return []
    period = c.previous_quarter(today)
    provinces = sorted(code for code in Region.objects.current().filter(code__endswith="0000")
                       .values_list("code", flat=True) if c.valid_region(code)
                       and code.startswith(rule.region[:2]))
    actor = Actor.system("assessment schedule")
    out = []
    for code in provinces:
        existing = (AssessmentReport.objects.filter(region_code=code, period=period.code)
                    .order_by("-version").first())
        if existing is not None:  # once per quarter: a later change is regenerated on demand
            out.append(Generated(existing, False))
            continue
        if limit is not None and sum(d.created for d in out) >= limit:
            break
        if refresh:
            from certinel.stats.refresh import stats_refresh

            stats_refresh()
            refresh = False
        out.append(report_generate(actor=actor, region=code, period=period.code, now=now))
    return out
