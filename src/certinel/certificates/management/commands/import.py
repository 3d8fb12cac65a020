"""`certinel import FILE --body APPROVAL_NO [--dry-run] [--sheet NAME] [--report PATH] [--as USERNAME]
[--chunk-size N] [--read-ahead] [--no-progress]`

Report a body's certificates from a CSV (UTF-8 or GB18030) or XLSX file; the columns are those
of docs/import-template.md. A dry run checks every row and writes nothing; a real run writes
the whole file or nothing. A progress bar runs on standard error (plain progress lines when it
is not a terminal); a summary table follows, and a report file (JSON, or CSV with a .csv
name) lists every row's outcome, events and errors.

With --read-ahead, a thread reads and parses the next chunks while the database checks and
writes one; the result is the same. It is off by default: measured, it made no import faster
(see certinel.certificates.io.importer).

Cancel: Ctrl-C (SIGINT) or SIGTERM stops the import before its next chunk (at most a chunk's
work later), rolls its transaction back and exits with status 3, saying "Import cancelled,
nothing written."; no report file is written. A second Ctrl-C or SIGTERM stops at once, rolled
back the same way. Once the import has begun to commit, a cancel comes too late: the import
finishes and reports as usual (and says so). A process killed outright (SIGKILL, a crash, a
power cut) leaves nothing either: its transaction never committed.

Exit status: 0 all rows are fine (and written, unless --dry-run); 1 some rows are invalid
(nothing written); 2 the file cannot be read, or the body or user is unknown; 3 cancelled
(nothing written).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from certinel.certificates.io import (
    DEFAULT_CHUNK,
    Cancel,
    FileRejected,
    ImportCancelled,
    ImportResult,
    import_file,
    write_report,
)
from certinel.certificates.io.report import write_rejection
from certinel.certificates.summary import outcome_message
from certinel.core.actor import Actor
from certinel.core.checks import SETTINGS_ONLY
from certinel.core.errors import NotPermitted
from certinel.core.models import Via
from certinel.registry.models import CertificationBody

SHOWN_ERRORS = 50
CANCELLED = 3
CANCELLED_MESSAGE = "Import cancelled, nothing written."


class Command(BaseCommand):
    help = ("Report certificates from a CSV or XLSX file for a certification body (see docs/import-template.md). "
            "Exit 0: fine; 1: invalid rows, nothing written; 2: unreadable file or unknown body/user; "
            "3: cancelled (Ctrl-C or SIGTERM), nothing written.")
    requires_system_checks = SETTINGS_ONLY  # core/checks.py

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV (UTF-8 or GB18030) or XLSX file.")
        parser.add_argument("--body", required=True, help="The reporting body's approval number (CNCA-R-…).")
        parser.add_argument("--dry-run", action="store_true", help="Check every row; write nothing.")
        parser.add_argument("--sheet", help="The XLSX sheet to read (default: the first).")
        parser.add_argument("--report", help="Where to write the report (.json or .csv); default: "
                                             "import-report-<file>-<time>.json in the current folder.")
        parser.add_argument("--as", dest="as_user", metavar="USERNAME",
                            help="The acting user (an operator of the body); default: the system, for the body.")
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK,
                            help=f"Rows per step (default {DEFAULT_CHUNK}).")
        parser.add_argument("--read-ahead", action="store_true",
                            help="Read and parse the next chunks in a thread while the database works (same result; "
                                 "not faster as measured).")
        parser.add_argument("--no-progress", action="store_true", help="No progress output.")

    def handle(self, *args: Any, **opts: Any) -> None:
        body = CertificationBody.objects.filter(approval_no=opts["body"].strip()).first()
        if body is None:
            raise CommandError(f"No certification body with approval number {opts['body']!r}.", returncode=2)
        actor = self._actor(opts.get("as_user"), body)
        path = Path(opts["file"])
        report_path = Path(opts["report"]) if opts.get("report") else default_report_path(path)
        cancel = Cancel()
        try:
            with self._progress(not opts["no_progress"], path.name) as progress, self._cancel_on_signals(cancel):
                result = import_file(path, actor=actor, body=body, sheet=opts.get("sheet"), dry_run=opts["dry_run"],
                                     chunk_size=opts["chunk_size"], progress=progress, cancel=cancel,
                                     prefetch=opts["read_ahead"])
        except (ImportCancelled, KeyboardInterrupt):
            raise CommandError(CANCELLED_MESSAGE, returncode=CANCELLED) from None
        except FileRejected as exc:
            write_rejection(exc, report_path, name=path.name)
            self._show_rejection(exc, report_path)
            raise CommandError(exc.message, returncode=2) from None
        except NotPermitted as exc:
            raise CommandError(exc.message, returncode=2) from None
        write_report(result, report_path)
        self._show(result, report_path)
        if cancel.requested:
            self.stderr.write("The cancel came too late: the import had already begun to commit.")
        if not result.ok:
            raise CommandError(f"{len(result.errors)} error(s) in {result.count('invalid')} row(s); nothing was "
                               f"written. See {report_path}.", returncode=1)

    def _actor(self, username: str | None, body: CertificationBody) -> Actor:
        if not username:
            return Actor.system(f"import:{body.approval_no}", via=Via.IMPORT)
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user {username!r}.", returncode=2)
        return Actor.for_user(user, via=Via.IMPORT)

    @contextmanager
    def _cancel_on_signals(self, cancel: Cancel) -> Iterator[None]:
        """Ctrl-C and SIGTERM request the cancel; a second one stops at once (KeyboardInterrupt),
        except once the commit has begun."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handle(signum: int, _frame: Any) -> None:
            if cancel.committing:
                cancel.request()
                return
            if cancel.requested:
                raise KeyboardInterrupt
            cancel.request()
            # Straight to the descriptor: the handler may run in the middle of a progress line.
            os.write(2, f"\n{signal.Signals(signum).name}: cancelling, nothing will be written "
                        "(again to stop at once)\n".encode())

        previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    @contextmanager
    def _progress(self, enabled: bool, name: str) -> Iterator[Any]:
        if not enabled:
            yield None
            return
        from rich.console import Console

        console = Console(file=sys.stderr)
        if not console.is_terminal:
            def lines(done: int, total: int | None) -> None:
                sys.stderr.write(f"progress {done}/{total if total is not None else '?'} rows\n")
                sys.stderr.flush()

            yield lines
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn(f"[bold]{name}"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"),
                      TimeRemainingColumn(), console=console, transient=False) as bar:
            task = bar.add_task("import", total=None)

            def update(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=max(total or 0, done) or None)

            yield update

    def _console(self) -> Any:
        from rich.console import Console

        return Console(file=self.stdout._out, width=120, soft_wrap=False)  # type: ignore[arg-type]

    def _show(self, result: ImportResult, report_path: Path) -> None:
        from rich.table import Table

        console = self._console()
        counts = result.counts()
        summary = Table(title=f"{result.file.name} → {result.body_name} ({result.body_approval_no})")
        for label in ("rows", "created", "updated", "unchanged", "invalid", "errors", "seconds"):
            summary.add_column(label, justify="right")
        summary.add_row(str(result.total), str(counts["created"]), str(counts["updated"]), str(counts["unchanged"]),
                        str(counts["invalid"]), str(len(result.errors)), f"{result.seconds:.1f}")
        console.print(summary)
        if result.errors:
            self._error_table(console, [e.as_dict() for e in result.errors])
        if result.ok:
            with translation.override("en"):
                state = outcome_message(dry_run=result.dry_run, created=counts["created"], updated=counts["updated"],
                                        unchanged=counts["unchanged"])
        elif result.dry_run:
            state = "Dry run: nothing written; fix the rows above."
        else:
            state = "NOTHING written: fix the rows above and run again."
        console.print(f"{state} Report: {report_path}", markup=False)

    def _error_table(self, console: Any, errors: list[dict[str, Any]]) -> None:
        from rich.table import Table

        title = "errors" if len(errors) <= SHOWN_ERRORS else f"first {SHOWN_ERRORS} of {len(errors)} errors"
        table = Table(title=title)
        for label in ("row", "column", "code", "message"):
            table.add_column(label, overflow="fold")
        for e in errors[:SHOWN_ERRORS]:
            table.add_row(str(e["row"] or ""), e["column"], e["code"], e["message"])
        console.print(table)

    def _show_rejection(self, exc: FileRejected, report_path: Path) -> None:
        console = self._console()
        console.print(f"[bold red]File not imported:[/] {exc.message}", highlight=False)
        if exc.errors:
            self._error_table(console, [e.as_dict() for e in exc.errors])
        console.print(f"Report: {report_path}")


def default_report_path(source: Path) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path.cwd() / f"import-report-{source.stem}-{stamp}.json"

