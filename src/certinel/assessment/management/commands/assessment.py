"""`certinel assessment …`: a region's report for assessment, generated and verified.

certinel assessment generate --region CODE --period 2026Q3|2026 [--no-refresh] [--json]
    Refresh the statistics, then generate the report of the region (a GB/T 2260 code) for the
    quarter or year, as the system; prints its id, version and the three SHA-256 digests (an
    unchanged report is not made again: "unchanged").
certinel assessment scheduled [--no-refresh]
    What the scheduler does: in the first days of a quarter, the previous quarter's report of
    each province.
certinel assessment verify FILE [--json]
    Is the file (PDF, Excel or JSON) a report of this register, logged? Exit 1 when not.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certinel.core.actor import Actor
from certinel.core.checks import SETTINGS_ONLY
from certinel.core.errors import DomainError, ValidationFailed

from ...selectors import verify_digest
from ...services import report_generate, scheduled_generate


class Command(BaseCommand):
    help = "Reports for assessment: generate a region's quarterly or annual report; verify a report's file."
    requires_system_checks = SETTINGS_ONLY  # core/checks.py

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate", help="Generate a region's report for a period.")
        gen.add_argument("--region", required=True, help="A GB/T 2260 code (320000, 320100, 320102).")
        gen.add_argument("--period", required=True, help="A quarter (2026Q3) or a year (2026).")
        gen.add_argument("--no-refresh", action="store_true", help="Do not refresh the statistics first.")
        gen.add_argument("--json", action="store_true")
        sch = sub.add_parser("scheduled", help="The scheduled run: last quarter's report of each province.")
        sch.add_argument("--no-refresh", action="store_true")
        ver = sub.add_parser("verify", help="Check a report's file against the log.")
        ver.add_argument("file")
        ver.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "_" + opts["action"])(opts)

    def _refresh(self, opts: dict[str, Any]) -> None:
        if not opts["no_refresh"]:
            from certinel.stats.refresh import stats_refresh

            stats_refresh()

    def _generate(self, opts: dict[str, Any]) -> None:
        self._refresh(opts)
        try:
            done = report_generate(actor=Actor.system("certinel assessment"), region=opts["region"],
                                   period=opts["period"])
        except ValidationFailed as exc:
            raise CommandError("; ".join(f"{e.field}: {e.message}" for e in exc.errors)) from None
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        r = done.report
        out = {"id": r.pk, "region": r.region_code, "period": r.period, "version": r.version,
               "created": done.created, "content_sha256": r.content_sha256, "pdf_sha256": r.pdf_sha256,
               "xlsx_sha256": r.xlsx_sha256}
        if opts["json"]:
            self.stdout.write(json.dumps(out))
            return
        self.stdout.write(f"{'generated' if done.created else 'unchanged'} {r.region_code} {r.period} "
                          f"v{r.version} (#{r.pk})\n  json {r.content_sha256}\n  pdf  {r.pdf_sha256}\n"
                          f"  xlsx {r.xlsx_sha256}")

    def _scheduled(self, opts: dict[str, Any]) -> None:
        self._refresh(opts)
        for done in scheduled_generate():
            r = done.report
            self.stdout.write(f"{'generated' if done.created else 'unchanged'} {r.region_code} {r.period} "
                              f"v{r.version}")

    def _verify(self, opts: dict[str, Any]) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        found = verify_digest(digest.hexdigest())
        r = found.report
        out = {"sha256": found.sha256, "genuine": found.genuine}
        if found.genuine and r is not None:
            out.update(kind=found.kind, region=r.region_code, period=r.period, version=r.version,
                       generated_at=r.generated_at.isoformat(), log_index=found.log_index)
        if opts["json"]:
            self.stdout.write(json.dumps(out))
        elif found.genuine and r is not None:
            index = "-" if found.log_index is None else found.log_index
            self.stdout.write(f"genuine: {r.region_code} {r.period} v{r.version}, generated at "
                              f"{r.generated_at.isoformat()}, log index {index}")
        else:
            self.stdout.write(f"not issued by this register (SHA-256 {found.sha256})")
        if not found.genuine:
            raise SystemExit(1)
