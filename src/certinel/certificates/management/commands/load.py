"""`certinel load FILE… --initial (--body APPROVAL_NO | --manifest CSV) [--report-dir DIR]
[--chunk-size N] [--as USERNAME] [--no-progress]`

The initial load: the certificates a region or a new body already has, into a register that
holds none of them (certinel.certificates.io.initial). Same checks and same stored result as
`certinel import`; all files in one transaction, secondary indexes built after the rows when
the register is empty, one checkpoint signed at the end.

Files: every FILE is reported for `--body`; or `--manifest` names a CSV with the columns
`file,body` (a file path, relative to the manifest's folder, and the approval number of the
body it reports for), one line per file.

A bad row anywhere fails the whole load: every bad row of every file is reported (a report
file per file, as the import writes it, in --report-dir) and nothing is written. A body that
already holds certificates is refused before anything is read, with the command to use
instead. Cancel (Ctrl-C, SIGTERM) works as for the import.

Exit status: 0 loaded; 1 invalid rows, nothing written; 2 a file cannot be read, a body or user
is unknown, or a body already holds certificates; 3 cancelled (nothing written).
"""

from __future__ import annotations

import csv
import importlib
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from certinel.certificates.io import FileRejected, ImportCancelled, write_report
from certinel.certificates.io.initial import INITIAL_CHUNK, LoadPart, LoadRefused, load_initial
from certinel.certificates.io.report import write_rejection
from certinel.core.errors import NotPermitted
from certinel.registry.models import CertificationBody

# The import command's output, progress and cancel handling are the load's too.
_import = importlib.import_module("certinel.certificates.management.commands.import")


class Command(_import.Command):
    help = ("Initial load of certificate files into a register that holds none of their bodies' certificates "
            "(--initial): same checks as `certinel import`, all files or nothing, indexes built after the rows. "
            "Exit 0: loaded; 1: invalid rows, nothing written; 2: unreadable file, unknown body/user, or a body "
            "that already holds certificates; 3: cancelled.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", metavar="FILE", help="CSV (UTF-8 or GB18030) or XLSX files.")
        parser.add_argument("--initial", action="store_true",
                            help="Required: this is an initial load (see the command's description).")
        parser.add_argument("--body", help="The approval number (CNCA-R-…) of the body every FILE reports for.")
        parser.add_argument("--manifest", help="A CSV with columns file,body: each file and its body.")
        parser.add_argument("--report-dir", default=".", help="Where the per-file reports go (default: here).")
        parser.add_argument("--as", dest="as_user", metavar="USERNAME",
                            help="The acting user; default: the system, for each body.")
        parser.add_argument("--chunk-size", type=int, default=INITIAL_CHUNK,
                            help=f"Rows per step (default {INITIAL_CHUNK}).")
        parser.add_argument("--no-progress", action="store_true", help="No progress output.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["initial"]:
            raise CommandError("`certinel load` is the initial load and needs --initial; to report files into a "
                               "register that holds the body's certificates, use `certinel import FILE --body "
                               "APPROVAL_NO`.", returncode=2)
        parts = self._parts(opts)
        report_dir = Path(opts["report_dir"])
        report_dir.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        cancel = _import.Cancel()
        actors: dict[int, Any] = {}

        def actor_for(body: CertificationBody) -> Any:
            if body.pk not in actors:
                actors[body.pk] = self._actor(opts.get("as_user"), body)
            return actors[body.pk]

        for part in parts:  # unknown users are refused before anything is read
            actor_for(part.body)
        try:
            with self._progress(not opts["no_progress"], "load") as bar, self._cancel_on_signals(cancel):
                progress = (lambda name, done, total: bar(done, total)) if bar else None
                result = load_initial(parts, actor_for=actor_for, chunk_size=opts["chunk_size"], progress=progress,
                                      cancel=cancel)
        except (ImportCancelled, KeyboardInterrupt):
            raise CommandError("Load cancelled, nothing written.", returncode=3) from None
        except LoadRefused as exc:
            raise CommandError(exc.message, returncode=2) from None
        except FileRejected as exc:
            path = report_dir / f"load-report-rejected-{stamp}.json"
            write_rejection(exc, path, name=getattr(exc, "path", Path("")).name)
            self._show_rejection(exc, path)
            raise CommandError(f"{exc.message} Nothing was written.", returncode=2) from None
        except NotPermitted as exc:
            raise CommandError(exc.message, returncode=2) from None
        for part, file_result in zip(parts, result.results, strict=False):
            path = report_dir / f"load-report-{part.path.stem}-{stamp}.json"
            write_report(file_result, path)
            self._show(file_result, path)
        if not result.ok:
            bad = sum(len(r.errors) for r in result.results)
            raise CommandError(f"{bad} error(s) in the files above; nothing was written (the whole load is one "
                               "transaction). Fix the rows and load again.", returncode=1)
        self.stdout.write(
            f"Loaded {result.total:,} rows from {len(parts)} file(s) in {result.seconds:.1f} s; "
            f"{len(result.indexes_rebuilt)} index(es) built after the rows; checkpoint: {result.checkpoint}.")

    def _parts(self, opts: dict[str, Any]) -> list[LoadPart]:
        if bool(opts.get("manifest")) == bool(opts.get("body")):
            raise CommandError("Give either --body APPROVAL_NO with the files, or --manifest CSV.", returncode=2)
        if opts.get("body"):
            if not opts["files"]:
                raise CommandError("No file given.", returncode=2)
            body = self._body(opts["body"])
            return [LoadPart(Path(f), body) for f in opts["files"]]
        if opts["files"]:
            raise CommandError("With --manifest, the files are named in the manifest, not on the command line.",
                               returncode=2)
        manifest = Path(opts["manifest"])
        try:
            with manifest.open(encoding="utf-8-sig", newline="") as f:
                lines = list(csv.DictReader(f))
        except OSError as exc:
            raise CommandError(f"Cannot read the manifest {manifest}: {exc.strerror}.", returncode=2) from None
        parts = []
        for number, line in enumerate(lines, start=2):
            if not (line.get("file") or "").strip() or not (line.get("body") or "").strip():
                raise CommandError(f"{manifest}, line {number}: needs a file and a body (columns file,body).",
                                   returncode=2)
            parts.append(LoadPart(manifest.parent / line["file"].strip(), self._body(line["body"])))
        if not parts:
            raise CommandError(f"{manifest} lists no file.", returncode=2)
        return parts

    def _body(self, approval_no: str) -> CertificationBody:
        body = CertificationBody.objects.filter(approval_no=approval_no.strip()).first()
        if body is None:
            raise CommandError(f"No certification body with approval number {approval_no!r}.", returncode=2)
        return body


