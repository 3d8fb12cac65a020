"""`certinel warnings run`: the risk-warning rules from the command line.

certinel warnings run [--rule RULE] [--json] [--record] [--on YYYY-MM-DD]
    Runs one rule (or all) over the register and prints its findings: with --json one JSON
    object per line, {"rule", "subject" (a credit code or certificate number), "severity",
    "evidence"}; otherwise one readable line each. --record also writes the new findings to the
    regulators' queues (the scheduled job does this). Exit 0: ran (findings or none); 2: bad input.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certinel.cases import rules
from certinel.cases.services_warnings import warnings_record
from certinel.core.checks import SETTINGS_ONLY


class Command(BaseCommand):
    help = "Risk warnings: run the rules over the register."
    requires_system_checks = SETTINGS_ONLY  # core/checks.py

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Run the rules and print the findings.")
        run.add_argument("--rule", default="", help=f"One of: {', '.join(rules.RULES)} (default: all).")
        run.add_argument("--json", action="store_true", help="One JSON object per finding, one per line.")
        run.add_argument("--record", action="store_true", help="Also write new findings to the queues.")
        run.add_argument("--on", default="", help="The day to run for, YYYY-MM-DD (default: today).")

    def handle(self, *args: Any, **opts: Any) -> None:
        code = (opts["rule"] or "").strip()
        if code and code not in rules.RULES:
            raise CommandError(f"Unknown rule {code!r}: use one of {', '.join(rules.RULES)}.", returncode=2)
        try:
            on = dt.date.fromisoformat(opts["on"]) if opts["on"] else None
        except ValueError:
            raise CommandError(f"--on must be a date YYYY-MM-DD: got {opts['on']!r}.", returncode=2) from None
        for rule in [code] if code else list(rules.RULES):
            findings = rules.run(rule, on=on)
            for finding in findings:
                if opts["json"]:
                    self.stdout.write(json.dumps(finding.as_json(), ensure_ascii=False, sort_keys=False))
                else:
                    self.stdout.write(f"{finding.rule}\t{finding.severity}\t{finding.subject_code}\t"
                                      f"{finding.subject_name}\t{json.dumps(finding.evidence, ensure_ascii=False)}")
            if opts["record"]:
                new = warnings_record(findings, on=on)
                self.stderr.write(f"{rule}: {len(findings)} findings, {len(new)} new")
