"""`certinel targets …`: the policy texts' targets and their progress from the register.

certinel targets progress [--region CODE] [--json]
    Each target in force (data/targets.csv) with its progress: --json prints a list, each with
    id, source, clause, title, target, actual, baseline, due, at_due (when the due date has
    passed), forecast (at the current pace), percent, met, on_track and responsible
    ({"lead": [...], "co_operating": [...]}).
certinel targets check [--file PATH]
    Read a targets file and report its first error (exit 2), as a regulator edits it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certinel.core.checks import SETTINGS_ONLY

from ...refresh import stats_refresh
from ...targets import TargetsError, read_targets, targets_progress


class Command(BaseCommand):
    help = "The policy texts' targets: progress from the register, and a check of the targets file."
    requires_system_checks = SETTINGS_ONLY  # core/checks.py

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        progress = sub.add_parser("progress", help="Each target with its progress.")
        progress.add_argument("--region", default="", help="Targets of this region (a GB/T 2260 code).")
        progress.add_argument("--json", action="store_true")
        progress.add_argument("--no-refresh", action="store_true", help="Do not refresh the statistics first.")
        check = sub.add_parser("check", help="Check a targets file.")
        check.add_argument("--file", default="", help="The file (default: the one in force).")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "_" + opts["action"])(opts)

    def _progress(self, opts: dict[str, Any]) -> None:
        if not opts["no_refresh"]:
            stats_refresh()
        found = targets_progress(region=opts["region"].strip())
        if opts["json"]:
            self.stdout.write(json.dumps(found, ensure_ascii=False))
            return
        for t in found:
            self.stdout.write(f"{t['id']}\t{t['actual']}/{t['target']}\tdue {t['due']}\t"
                              f"{'、'.join(t['responsible']['lead'])}")

    def _check(self, opts: dict[str, Any]) -> None:
        try:
            found = read_targets(Path(opts["file"]) if opts["file"] else None)
        except (OSError, TargetsError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(f"{len(found)} targets, ok")
