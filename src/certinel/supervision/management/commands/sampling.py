"""`certinel sampling plan`: the ISO 2859-1 / GB/T 2828.1 single sampling plan for a lot.

certinel sampling plan --lot-size N [--level II] --aql AQL [--severity normal|tightened|reduced] [--json]
    Table 1's code letter, then Table 2-A (normal), 2-B (tightened) or 2-C (reduced), the arrows
    followed to the plan they point to. --json prints exactly
    {"code_letter": "J", "sample_size": 80, "accept": 5, "reject": 6}; when the plan's sample size
    is the lot size or more, every item is inspected and sample_size is the lot size.
    Exit 0: a plan; 2: bad input (the reason on stderr).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certinel.supervision import sampling


class Command(BaseCommand):
    help = "Acceptance sampling (ISO 2859-1 / GB/T 2828.1): the single sampling plan for a lot."
    # Pure table look-ups: the system checks are the server's business.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        found = sub.add_parser("plan", help="The single sampling plan for a lot (exit 0 a plan, 2 bad input).")
        found.add_argument("--lot-size", required=True, help="Items in the lot (1 or more).")
        found.add_argument(
            "--level", default="II", help=f"Inspection level: {', '.join(sampling.LEVELS)} (default II)."
        )
        found.add_argument("--aql", required=True, help=f"AQL, one of {', '.join(sampling.AQL_SERIES)}.")
        found.add_argument("--severity", default="normal", help="normal (default), tightened or reduced.")
        found.add_argument(
            "--json", action="store_true", help="Print code_letter, sample_size, accept, reject as JSON."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "_" + opts["action"])(opts)

    def _plan(self, opts: dict[str, Any]) -> None:
        text = str(opts["lot_size"]).strip()
        if not text.isdecimal():
            raise CommandError(f"--lot-size must be a whole number of items, 1 or more: got {text!r}.", returncode=2)
        try:
            found = sampling.plan(int(text), opts["level"], opts["aql"], severity=opts["severity"])
        except sampling.SamplingInputError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if opts["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "code_letter": found.code_letter,
                        "sample_size": found.sample_size,
                        "accept": found.accept,
                        "reject": found.reject,
                    }
                )
            )
            return
        via = "" if not found.arrow_followed else f", arrow to {found.code_letter}"
        line = (
            f"Lot {found.lot_size}, level {found.level}: code letter {found.initial_code_letter}{via}; "
            f"{found.severity} inspection (Table {found.table}), AQL {found.aql}: "
            f"sample {found.sample_size}, accept {found.accept}, reject {found.reject}"
        )
        if found.full_inspection:
            line += f" (the table's sample of {found.table_sample_size} is the lot size or more: inspect every item)"
        self.stdout.write(line + ".")
