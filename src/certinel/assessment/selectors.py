"""Reading the reports for assessment: a region's reports, and a file's verification (is its
SHA-256 one of a logged report's files?)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from certinel.core.history import history_for
from certinel.core.regions import within_region

from .models import AssessmentReport


def reports_of(region: str) -> QuerySet[AssessmentReport]:
    """The reports of a region and of the regions within it, newest period first."""
    from certinel.stats.selectors import region_prefix

    return (AssessmentReport.objects.filter(within_region(region_prefix(region)))
            .order_by("region_code", "-period", "-version"))


def log_index(report: AssessmentReport) -> int | None:
    """The transparency log's index of the report's entry, when the log holds it."""
    try:
        from certinel.transparency.selectors import entries_about

        found = entries_about(report, limit=1)
    except Exception:  # the log is optional for this answer
        return None
    return getattr(found[0], "index", None) if found else None


@dataclass(frozen=True)
class Verification:
    sha256: str
    report: AssessmentReport | None
    kind: str  # json, pdf or xlsx
    log_index: int | None
    logged: bool  # the history record carries the digest

    @property
    def genuine(self) -> bool:
        return self.report is not None and self.logged


def verify_bytes(data: bytes) -> Verification:
    return verify_digest(hashlib.sha256(data).hexdigest())


def verify_digest(digest: str) -> Verification:
    """Is this SHA-256 (hex) the digest of a report's JSON, PDF or workbook, and does the
    report's history record (its log leaf) carry it?"""
    digest = digest.strip().lower()
    report = AssessmentReport.objects.filter(
        Q(content_sha256=digest) | Q(pdf_sha256=digest) | Q(xlsx_sha256=digest)).order_by("id").first()
    if report is None:
        return Verification(digest, None, "", None, False)
    kind = ("json" if report.content_sha256 == digest else "pdf" if report.pdf_sha256 == digest else "xlsx")
    field = {"json": "content_sha256", "pdf": "pdf_sha256", "xlsx": "xlsx_sha256"}[kind]
    logged = any((r.after or {}).get(field) == digest
                 for r in history_for(report).filter(action="assessment_report_generated"))
    return Verification(digest, report, kind, log_index(report), logged)
