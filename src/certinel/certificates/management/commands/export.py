"""`certinel export --format csv|xlsx|jsonl|parquet [--region 32] [--scheme QMS] [--status valid] --output FILE`

Export the public fields of certificates (docs/import-template.md, "Export"), streamed in
chunks with bounded memory. The status is the status on read (expiry and missed surveillance
applied), and so is the --status filter. The file is written under a temporary name and
renamed when complete, so an interrupted export leaves no half-written file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certinel.certificates.io.export import (
    FORMATS,
    ExportError,
    ExportFilters,
    export_queryset,
    export_rows,
    write_export,
)
from certinel.core.checks import SETTINGS_ONLY


class Command(BaseCommand):
    help = "Export the public fields of certificates as CSV, XLSX, JSON lines or Parquet."
    requires_system_checks = SETTINGS_ONLY  # core/checks.py

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=FORMATS, help="Output format (default: from the file's extension).")
        parser.add_argument("--output", "-o", required=True, help="The file to write.")
        parser.add_argument("--region", default="", help="Region code prefix: 32 (province), 3201 (city), 320102.")
        parser.add_argument("--scheme", default="", help="Scheme code, e.g. QMS.")
        parser.add_argument("--status", default="", help="Status on read: valid, suspended, revoked, cancelled, "
                                                         "expired.")
        parser.add_argument("--body", default="", help="Approval number of the issuing body.")
        parser.add_argument("--headers", choices=("zh", "en"), default="zh",
                            help="Column headers of CSV and XLSX: Chinese (default) or English keys.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        output = Path(opts["output"])
        fmt = opts.get("format") or output.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError(f"Say --format ({', '.join(FORMATS)}); {output.name!r} does not tell.", returncode=2)
        filters = ExportFilters(region=opts["region"].strip(), scheme=opts["scheme"].strip(),
                                status=opts["status"].strip().lower(), body=opts["body"].strip())
        try:
            queryset = export_queryset(filters)
        except ExportError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if not output.parent.is_dir():
            raise CommandError(f"No folder {output.parent}.", returncode=2)
        tmp = output.with_name(f".{output.name}.part")
        try:
            with tmp.open("wb") as out, self._progress(not opts["no_progress"], queryset) as progress:
                count = write_export(export_rows(queryset), fmt, out, headers=opts["headers"], progress=progress)
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)
        self.stdout.write(f"{count} certificates written to {output} ({fmt}).")

    def _progress(self, enabled: bool, queryset: Any) -> Any:
        from contextlib import nullcontext

        from rich.console import Console

        console = Console(file=sys.stderr)
        if not enabled or not console.is_terminal:
            return nullcontext(None)
        return _Bar(console, queryset.count())


class _Bar:
    def __init__(self, console: Any, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("export"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=console)
        self.task = self.bar.add_task("export", total=total)

    def __enter__(self) -> Any:
        self.bar.__enter__()
        return lambda done: self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)
