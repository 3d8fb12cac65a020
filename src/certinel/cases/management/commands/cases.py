"""`certinel cases deadline`: the due date of a time limit of complaints, reports and cases.

certinel cases deadline --received YYYY-MM-DD --kind accept|mediate|verify|decide|answer [--extended]
    Prints the due date (YYYY-MM-DD) under the rule in force on that day and the working-day
    calendar (`core/holidays.csv`): the start day is not counted, the limit ends at the end of
    the N-th working day after it. For `mediate` and `verify` the start day is the day of
    acceptance. --extended counts a report's check with its one extension. A due date past the
    calendar's last year is counted on plain weeks and flagged on stderr as provisional.
    Exit 0: a date; 2: bad input (the reason on stderr).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certinel.cases import policy


class Command(BaseCommand):
    help = "Complaints, reports and cases: the due date of a time limit."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("deadline", help="The due date of a time limit (exit 0 a date, 2 bad input).")
        due.add_argument("--received", required=True, help="The start day, YYYY-MM-DD (received, or accepted).")
        due.add_argument("--kind", required=True, help=f"One of: {', '.join(policy.KINDS)}.")
        due.add_argument("--extended", action="store_true", help="With the limit's extension (a report's check).")

    def handle(self, *args: Any, **opts: Any) -> None:
        text = str(opts["received"]).strip()
        try:
            start = dt.date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"--received must be a date YYYY-MM-DD: got {text!r}.", returncode=2) from None
        if len(text) != 10:
            raise CommandError(f"--received must be a date YYYY-MM-DD: got {text!r}.", returncode=2)
        kind = str(opts["kind"]).strip()
        try:
            limit = policy.time_limit(kind, on=start)
            due = limit.due(start, extensions=1 if opts["extended"] else 0)
        except policy.PolicyError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if policy.provisional(start, due):
            self.stderr.write(f"provisional: the working-day calendar does not cover {due.year} yet")
        self.stdout.write(due.isoformat())
