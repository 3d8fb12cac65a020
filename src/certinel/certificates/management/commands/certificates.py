"""`certinel certificates tick`: run the lifecycle job now (expiry, missed surveillance,
transfers whose objection period passed)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from certinel.certificates.services import certificates_tick
from certinel.core.checks import SETTINGS_ONLY


class Command(BaseCommand):
    help = "Certificate register maintenance: `tick` applies expiry and missed surveillance now."
    requires_system_checks = SETTINGS_ONLY  # core/checks.py

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        tick = sub.add_parser("tick", help="Expire certificates past their expiry; suspend those whose "
                                           "surveillance is overdue beyond the scheme's grace; end those whose "
                                           "transfer's objection period passed.")
        tick.add_argument("--on", help="Act as of this day (YYYY-MM-DD); default today.")

    def handle(self, *args, **opts):
        if opts["action"] == "tick":
            try:
                on = dt.date.fromisoformat(opts["on"]) if opts.get("on") else None
            except ValueError:
                raise CommandError(f"--on must be a date like 2026-11-22, not {opts['on']!r}.") from None
            counts = certificates_tick(on=on)
            self.stdout.write(f"Expired: {counts['expired']}; suspended for missed surveillance: "
                              f"{counts['surveillance_missed']}; transfers ended after the objection period: "
                              f"{counts['transfers_confirmed']}, withdrawn: {counts['transfers_withdrawn']}, "
                              f"lapsed: {counts['transfers_lapsed']}.")
