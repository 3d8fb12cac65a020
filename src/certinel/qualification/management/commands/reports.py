"""`certinel reports import FILE --lab CMA_NO [--dry-run]`: report a lab's test reports from a
CSV file (columns: docs/reports.md). Every bad row is listed with its row, field and reason;
the file is written whole or not at all. Exit status: 0 fine (written unless --dry-run);
1 some rows are invalid (nothing written); 2 the file or the lab cannot be read."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certinel.core.actor import Actor
from certinel.core.checks import SETTINGS_ONLY
from certinel.core.models import Via
from certinel.qualification.io import FileRejected, parse
from certinel.qualification.reporting import report_test_reports
from certinel.registry.models import Lab


class Command(BaseCommand):
    help = "Test reports of labs: `import FILE --lab CMA_NO [--dry-run]`."
    requires_system_checks = SETTINGS_ONLY  # core/checks.py

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Report a lab's test reports from a CSV file, all or nothing.")
        imp.add_argument("file")
        imp.add_argument("--lab", required=True, help="The lab's CMA certificate number.")
        imp.add_argument("--dry-run", action="store_true", help="Check every row; write nothing.")

    def handle(self, *args, **opts):
        lab = Lab.objects.filter(cma_no=opts["lab"]).first()
        if lab is None:
            raise CommandError(f"No lab with CMA number {opts['lab']}.", returncode=2)
        try:
            parsed = parse(Path(opts["file"]).read_bytes())
        except OSError as exc:
            raise CommandError(f"Cannot read {opts['file']}: {exc.strerror}.", returncode=2) from None
        except FileRejected as exc:
            raise CommandError(str(exc), returncode=2) from None
        errors = list(parsed.errors)
        result = None
        dry_run = opts["dry_run"] or bool(errors)
        if parsed.items:
            result = report_test_reports(actor=Actor.system("reports import", via=Via.CLI), lab=lab,
                                         items=parsed.items, dry_run=dry_run)
            errors += result.errors
        if errors:
            for e in sorted(errors, key=lambda e: (e.row or 0, e.field)):
                self.stdout.write(f"row {e.row}: {e.field}: {e.message} [{e.code}]")
            self.stdout.write(f"{len(errors)} error(s) in {len({e.row for e in errors})} row(s); nothing written.")
            sys.exit(1)
        counts = result.as_dict() if result else {"created": 0, "updated": 0, "unchanged": 0}
        verb = "Would write" if opts["dry_run"] else "Written"
        self.stdout.write(f"{verb}: {counts['created']} new, {counts['updated']} updated, "
                          f"{counts['unchanged']} unchanged.")
