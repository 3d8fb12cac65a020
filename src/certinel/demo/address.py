"""The demo's public address: `certinel demo --port N` serves on 127.0.0.1:N, so the public
address (the setting CERTINEL_PUBLIC_URL, from which QR codes, credential ids, did:web DIDs,
status lists and the log's name all derive) is `http://127.0.0.1:N`, unless the person set
CERTINEL_PUBLIC_URL themselves.

What the demo signs names that address for good (the log's checkpoints, its origin inside
them; e-certificates, their issuers' DIDs and status lists), so a demo database belongs to the
address it was built for. The address is recorded in the data folder (`public-url`, read by
the development settings), so that every later command on that folder (`certinel log verify`,
`certinel import` …) names the same one, and `certinel demo` on a database built for another
address refuses, saying how to serve it or rebuild it.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError

DEFAULT_PORT = 8000
RECORD_NAME = "public-url"


def record_path() -> Path:
    return Path(settings.DATA_DIR) / RECORD_NAME


def recorded_address() -> str | None:
    try:
        value = record_path().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return value or None


def forget_address() -> None:
    record_path().unlink(missing_ok=True)


def loopback_port(url: str) -> int | None:
    """The port of an http://127.0.0.1:N (or localhost) address, else None."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname in ("127.0.0.1", "localhost") and parts.port:
        return parts.port
    return None


def choose(port: int | None) -> tuple[str, int]:
    """(public address, port to serve on). The address: CERTINEL_PUBLIC_URL when the person set
    it; else http://127.0.0.1:<port> for the port asked; else the address recorded for this data
    folder; else http://127.0.0.1:8000. The port: the one asked, else the address's own."""
    own = os.environ.get("CERTINEL_PUBLIC_URL", "").strip()
    if own:
        address = own
    elif port is not None:
        address = f"http://127.0.0.1:{port}"
    else:
        address = recorded_address() or f"http://127.0.0.1:{DEFAULT_PORT}"
    return address.rstrip("/"), port or loopback_port(address) or DEFAULT_PORT


def apply(address: str) -> None:
    """Make `address` the public address of this process (and of the server it runs)."""
    from certinel.credentials.naming import public_origin

    try:
        public_origin(address)
    except ValueError as exc:
        raise CommandError(f"CERTINEL_PUBLIC_URL: {exc}") from None
    settings.CERTINEL_PUBLIC_URL = address


def built_for() -> str | None:
    """The address the data in this database names, when it names another one than the
    current public address; None when it agrees (or names none yet)."""
    from certinel.credentials.models import StatusList
    from certinel.credentials.naming import deployment_host, deployment_scheme
    from certinel.transparency.models import Checkpoint
    from certinel.transparency.signers import log_origin

    try:
        origins = set(Checkpoint.objects.values_list("origin", flat=True).distinct())
        lists = set(StatusList.objects.values_list("scheme", "host").distinct())
    except DatabaseError:  # no tables yet
        return None
    other_origins = origins - {log_origin()}
    other_lists = lists - {(deployment_scheme(), deployment_host())}
    if not other_origins and not other_lists:
        return None
    recorded = recorded_address()
    if recorded and recorded != settings.CERTINEL_PUBLIC_URL:
        return recorded
    if other_lists:
        scheme, host = sorted(other_lists)[0]
        return f"{scheme}://{host}"
    return "http://" + sorted(other_origins)[0].removesuffix("/log")


def settle(port: int | None) -> int:
    """Choose the public address, refuse when this database was built for another one,
    record it for the data folder; returns the port to serve on."""
    address, serve_port = choose(port)
    apply(address)
    other = built_for()
    if other is not None:
        old_port = loopback_port(other)
        keep = (f"`certinel demo --port {old_port}` (`make demo PORT={old_port}`)" if old_port else
                f"`certinel demo` with CERTINEL_PUBLIC_URL={other}")
        raise CommandError(
            f"This demo database was built for {other}: the transparency log's signed checkpoints and the "
            f"e-certificates name that address, so it cannot be served as {address}. Serve it at the address it "
            f"was built for with {keep}, or rebuild it for the new address with `certinel demo --reset "
            f"--port {serve_port}` (`make demo PORT={serve_port} RESET=1`).")
    record_path().parent.mkdir(parents=True, exist_ok=True)
    record_path().write_text(address + "\n", encoding="utf-8")
    return serve_port
