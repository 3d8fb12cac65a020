"""`certinel stats …`: the statistics of the certificate register, from its history.

certinel stats count [--scheme CODE] [--region CODE] [--on YYYY-MM-DD] [--json]
    Certificates valid, suspended, withdrawn (revoked or cancelled) and expired at the end of
    the day (default today), of one scheme (default all) in one region (a GB/T 2260 code:
    province, city or county; default all). --json prints exactly
    {"valid": N, "suspended": N, "withdrawn": N, "expired": N}. Exit 2 on bad input.
certinel stats refresh [--full]
    Bring the precomputed statistics up to date (only what changed since the last refresh;
    --full: from the whole history).
certinel stats check [--json] [--no-refresh]
    Refresh, then recompute everything from the rows and report each difference (exit 1 when
    any): the stored daily flows against the history, today's stock against the certificate rows.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from certinel.core.checks import SETTINGS_ONLY
from certinel.reference.models import Scheme

from ...refresh import stats_check, stats_refresh
from ...selectors import Filters, counts


class Command(BaseCommand):
    help = "Statistics of the certificate register, from its history: count, refresh, check."
    requires_system_checks = SETTINGS_ONLY  # core/checks.py

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        count = sub.add_parser("count", help="Certificates per class on a date.")
        count.add_argument("--scheme", default="", help="A scheme code (default: all).")
        count.add_argument("--region", default="", help="A GB/T 2260 region code (default: all).")
        count.add_argument("--on", default="", help="YYYY-MM-DD (default: today).")
        count.add_argument("--json", action="store_true", help="Print the counts as JSON.")
        count.add_argument("--no-refresh", action="store_true", help="Do not refresh first.")
        refresh = sub.add_parser("refresh", help="Bring the statistics up to date.")
        refresh.add_argument("--full", action="store_true", help="From the whole history.")
        check = sub.add_parser("check", help="Compare the statistics with the rows.")
        check.add_argument("--json", action="store_true")
        check.add_argument("--no-refresh", action="store_true", help="Check what is stored, without refreshing.")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "_" + opts["action"])(opts)

    def _count(self, opts: dict[str, Any]) -> None:
        try:
            on = dt.date.fromisoformat(opts["on"]) if opts["on"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--on: not a date (YYYY-MM-DD): {opts['on']!r}", returncode=2) from None
        scheme = opts["scheme"].strip()
        if scheme and not Scheme.objects.filter(code=scheme).exists():
            raise CommandError(f"--scheme: no scheme {scheme!r}.", returncode=2)
        region = opts["region"].strip()
        if region and (len(region) != 6 or not region.isdigit()):
            raise CommandError(f"--region: a 6-digit GB/T 2260 code, not {region!r}.", returncode=2)
        if not opts["no_refresh"]:
            stats_refresh()
        found = counts(on=on, filters=Filters(schemes=(scheme,) if scheme else (), region=region))
        if opts["json"]:
            self.stdout.write(json.dumps(found))
        else:
            for name, n in found.items():
                self.stdout.write(f"{name}\t{n}")

    def _refresh(self, opts: dict[str, Any]) -> None:
        result = stats_refresh(full=opts["full"])
        self.stdout.write(f"certificates {result.certificates}, rows {result.rows}, "
                          f"records to {result.record_mark}")

    def _check(self, opts: dict[str, Any]) -> None:
        if not opts["no_refresh"]:
            stats_refresh()
        result = stats_check()
        if opts["json"]:
            self.stdout.write(json.dumps({"on": result.on.isoformat(), "ok": result.ok,
                                          "flow_differences": result.flow_differences,
                                          "stock_differences": result.stock_differences,
                                          "rollup_differences": result.rollup_differences}, ensure_ascii=False))
        else:
            for diff in result.flow_differences:
                self.stdout.write(f"flow {diff['key']}: stored {diff['stored']}, history {diff['history']}")
            for diff in result.stock_differences:
                self.stdout.write(f"stock {diff}")
            for diff in result.rollup_differences:
                self.stdout.write(f"roll-up {diff}")
            self.stdout.write("ok" if result.ok else "differences found")
        if not result.ok:
            raise CommandError("The statistics differ from the register.", returncode=1)
