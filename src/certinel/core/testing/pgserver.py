"""A PostgreSQL server for the test suite: the one on 127.0.0.1:5432 when it answers, or a
throwaway one started from the installed binaries, stopped again when the tests end."""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"


class PostgresUnavailable(RuntimeError):
    pass


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binaries() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.insert(0, found)
    if not candidates:
        raise PostgresUnavailable(
            "No PostgreSQL server answers on 127.0.0.1:5432 and no PostgreSQL binaries (initdb) are "
            "installed to start one. Install Debian's 'postgresql' package, or set DATABASE_URL."
        )
    return Path(candidates[0]).parent


def _run_as_owner(args: list[str], owner: str | None) -> None:
    cmd = ["runuser", "-u", owner, "--", *args] if owner else args
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def start_throwaway() -> str:
    """Start a private server in a temporary folder; returns its URL."""
    bindir = _binaries()
    owner = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        owner = "postgres"
    root = Path(tempfile.mkdtemp(prefix="certinel-pg-"))
    if owner:
        shutil.chown(root, owner)
    data = root / "data"
    port = _free_port()
    _run_as_owner([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                   "-E", "UTF8", "--locale=C.UTF-8"], owner)
    _run_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"),
                   "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start"], owner)

    def stop() -> None:
        subprocess.run([*(["runuser", "-u", owner, "--"] if owner else []),
                        str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    for _ in range(50):
        if _answers("127.0.0.1", port):
            break
        time.sleep(0.1)
    return f"postgres://postgres@127.0.0.1:{port}/postgres"


def ensure_postgres() -> str:
    if _answers("127.0.0.1", 5432):
        return DEFAULT_URL
    return start_throwaway()
