"""`certinel restore FILE`: replace the database's contents with a backup made by
`certinel backup`. Stop the server first: the restore replaces every table."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from certinel.core.checks import SETTINGS_ONLY

from .backup import pg_env_args, pg_password_env, require_tool


class Command(BaseCommand):
    help = "Restore the whole database from a backup FILE made by `certinel backup` (stop the server first)."
    requires_system_checks = SETTINGS_ONLY  # core/checks.py

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup to restore.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, **opts):
        source = Path(opts["file"])
        if not source.is_file():
            raise CommandError(f"No backup file at {source}.")
        if not opts["yes"]:
            answer = input(f"This replaces everything in the database with {source}. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        vendor = connection.vendor
        if vendor == "sqlite":
            with open(source, "rb") as f:
                if f.read(16) != b"SQLite format 3\x00":
                    raise CommandError(f"{source} is not a SQLite backup.")
            connection.ensure_connection()
            src = sqlite3.connect(source)
            try:
                src.backup(connection.connection)
            finally:
                src.close()
        elif vendor == "postgresql":
            with open(source, "rb") as f:
                if f.read(5) != b"PGDMP":
                    raise CommandError(f"{source} is not a PostgreSQL custom-format backup.")
            connection.close()
            cmd = [require_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                   *pg_env_args(), str(source)]
            result = subprocess.run(cmd, capture_output=True, text=True, env=pg_password_env(), check=False)  # noqa: S603
            if result.returncode != 0:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        else:
            raise CommandError(f"Restoring {vendor} databases is not supported.")
        self.stdout.write(f"Restored {source} into the {vendor} database.")
