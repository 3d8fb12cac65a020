"""`certinel backup FILE`: a consistent copy of the whole database.

SQLite: the online backup API (safe while the portal runs). PostgreSQL: `pg_dump` in its
custom format (restore with `certinel restore FILE` or `pg_restore`)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from certinel.core.checks import SETTINGS_ONLY


def pg_env_args() -> list[str]:
    s = connection.settings_dict
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    return args


def pg_password_env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    if connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(connection.settings_dict["PASSWORD"])
    return env


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise CommandError(f"{name} is not installed; install the PostgreSQL client tools (Debian: "
                           "postgresql-client) of the server's major version.")
    return path


class Command(BaseCommand):
    help = "Write a consistent backup of the whole database to FILE."
    requires_system_checks = SETTINGS_ONLY  # core/checks.py

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the backup (overwritten if it exists).")

    def handle(self, *args, **opts):
        target = Path(opts["file"])
        target.parent.mkdir(parents=True, exist_ok=True)
        vendor = connection.vendor
        if vendor == "sqlite":
            connection.ensure_connection()
            dest = sqlite3.connect(target)
            try:
                connection.connection.backup(dest)
            finally:
                dest.close()
        elif vendor == "postgresql":
            cmd = [require_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *pg_env_args()]
            result = subprocess.run(cmd, capture_output=True, text=True, env=pg_password_env(), check=False)  # noqa: S603
            if result.returncode != 0:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            raise CommandError(f"Backups of {vendor} databases are not supported.")
        size = target.stat().st_size
        self.stdout.write(f"Backup written to {target} ({size:,} bytes, {vendor}).")
