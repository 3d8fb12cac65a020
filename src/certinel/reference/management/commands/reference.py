"""`certinel reference sync` loads the code-list files; `certinel reference status` lists the
loaded editions and whether the files on disk still match them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certinel.reference.datafiles import DataFileError, read_editions
from certinel.reference.loader import LIST_FOLDERS, sync_all
from certinel.reference.models import CodeListVersion


class Command(BaseCommand):
    help = "Load the reference code lists (sync) or list the loaded editions (status)."
    requires_system_checks: list[str] = []  # data and pure checks: no need to check the whole project

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync", help="load every changed code-list file into the database")
        sync.add_argument("--force", action="store_true", help="reload even files whose checksum is unchanged")
        sync.add_argument("--data-dir", type=Path, help="a data folder other than the packaged one")
        status = sub.add_parser("status", help="list the loaded editions of every code list")
        status.add_argument("--data-dir", type=Path, help="compare against this data folder")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sync":
            self._sync(options)
        else:
            self._status(options)

    def _sync(self, options: dict[str, Any]) -> None:
        try:
            counts = sync_all(stdout=self.stdout, data_dir=options["data_dir"], force=options["force"])
        except DataFileError as exc:
            raise CommandError(f"nothing loaded: {exc}", returncode=1) from exc
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"reference data in step: {total} rows in {len(counts)} lists"))

    def _status(self, options: dict[str, Any]) -> None:
        from certinel.reference.datafiles import DATA_DIR

        base = options["data_dir"] or DATA_DIR
        loaded = {(v.name, v.edition): v for v in CodeListVersion.objects.all()}
        stale = 0
        for name, folder in LIST_FOLDERS.items():
            try:
                editions = read_editions(folder, name, base=base, lenient=True)
            except DataFileError as exc:
                self.stdout.write(f"{name:<11} files unreadable: {exc}")
                stale += 1
                continue
            for edition in editions:
                version = loaded.pop((name, edition.edition), None)
                if version is None:
                    state = "not loaded"
                elif version.checksum != edition.checksum:
                    state = "file changed since loading"
                else:
                    state = f"loaded {version.loaded_at:%Y-%m-%d %H:%M}, {version.rows} rows"
                stale += state.startswith(("not", "file"))
                self.stdout.write(f"{name:<11} {edition.edition:<16} {state}")
        for (name, label), _version in sorted(loaded.items()):
            self.stdout.write(f"{name:<11} {label:<16} loaded, but no longer in the files")
            stale += 1
        if stale:
            self.stdout.write(self.style.WARNING(f"{stale} edition(s) out of step: run `certinel reference sync`"))
        else:
            self.stdout.write(self.style.SUCCESS("every edition is loaded and matches its file"))
