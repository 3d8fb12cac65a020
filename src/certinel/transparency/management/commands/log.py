"""`certinel log verify|checkpoint|status|keygen`: the transparency log from the command line.

    certinel log verify [--state FILE] [--checkpoint FILE ...] [--key VKEY ...] [--witness VKEY ...]
        re-check the whole log (monitor) and hold every public row of the register against it;
        exit 0 only when all is well. With --state, the last checkpoint seen is remembered there
        and must still hold next time.
    certinel log verify --server URL [--key VKEY]
        the same from the outside: a running server's register held against its log, from its
        public data only (no database access).
    certinel log checkpoint   sign a checkpoint of the log as it is now (operator key)
    certinel log status       size, latest checkpoint, keys
    certinel log keygen [NAME] [--out FILE]   make a log signing key
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from certinel.core.checks import SETTINGS_ONLY
from certinel.core.errors import DomainError
from certinel.transparency.monitor import Report, state_for, verify_log
from certinel.transparency.note import Ed25519Signer, NoteError, parse_verifier_key
from certinel.transparency.selectors import checkpoint_latest, checkpoint_note, log_size
from certinel.transparency.services import checkpoint_sign
from certinel.transparency.signers import log_origin, log_verifiers, operator_signer, witness_verifiers


def load_state(path: Path, origin: str) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read the state file {path}: {exc}") from exc
    if not isinstance(state, dict) or state.get("origin") != origin:
        raise CommandError(f"the state file {path} is not for the log {origin!r}")
    return state


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write the state file atomically (a crash leaves the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@contextmanager
def progress_bar(enabled: bool):  # type: ignore[no-untyped-def]
    """A rich progress bar on stderr, or nothing."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("entries", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


class Command(BaseCommand):
    help = "The transparency log: verify (monitor), checkpoint, status, keygen."
    requires_system_checks = SETTINGS_ONLY  # core/checks.py

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify,checkpoint,status,keygen}")
        verify = sub.add_parser("verify", help="Re-check the whole log; exit 0 only when all is well.")
        verify.add_argument("--state", metavar="FILE",
                            help="Remember the last checkpoint seen here; it must still hold next time.")
        verify.add_argument("--checkpoint", metavar="FILE", action="append", default=[],
                            help="Also hold this signed checkpoint (from a witness, a receipt…) against the log.")
        verify.add_argument("--key", metavar="VKEY", action="append", default=[],
                            help="The log's verifier key (default: CERTINEL_LOG_VERIFIER_KEYS).")
        verify.add_argument("--witness", metavar="VKEY", action="append", default=[],
                            help="A witness whose stored cosignatures to verify (default: CERTINEL_LOG_WITNESS_KEYS).")
        verify.add_argument("--origin", help="The log's origin (default: CERTINEL_LOG_ORIGIN).")
        verify.add_argument("--progress", choices=["auto", "always", "never"], default="auto")
        verify.add_argument("--server", metavar="URL",
                            help="Check a running server from its public data (checkpoint, entry bundles, "
                                 "/log/state) instead of this database.")
        verify.add_argument("--no-register", action="store_true",
                            help="Check the log only, not the register's rows against it.")
        checkpoint = sub.add_parser("checkpoint", help="Sign a checkpoint of the log as it is now.")
        checkpoint.add_argument("--origin")
        sub.add_parser("status", help="Size, latest checkpoint and keys.")
        keygen = sub.add_parser("keygen", help="Make a log signing key (prints the verifier key).")
        keygen.add_argument("name", nargs="?", help="Key name (default: the log's origin).")
        keygen.add_argument("--out", metavar="FILE", help="Write the private key to FILE (mode 600).")

    def handle(self, *args, **opts):
        action = opts["action"]
        if action == "verify":
            self.verify(opts)
        elif action == "checkpoint":
            self.checkpoint(opts)
        elif action == "status":
            self.status()
        else:
            self.keygen(opts)

    # --- verify -------------------------------------------------------------------------------

    def verify(self, opts: dict[str, Any]) -> None:
        if opts["server"]:
            self.verify_server(opts)
            return
        origin = opts["origin"] or log_origin()
        try:
            verifiers = [parse_verifier_key(k) for k in opts["key"]] or log_verifiers()
            witnesses = [parse_verifier_key(k) for k in opts["witness"]] or witness_verifiers()
        except NoteError as exc:
            raise CommandError(f"bad verifier key: {exc}") from exc
        state_path = Path(opts["state"]) if opts["state"] else None
        state = load_state(state_path, origin) if state_path else None
        notes = []
        for name in opts["checkpoint"]:
            try:
                notes.append((f"checkpoint file {name}", Path(name).read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"cannot read checkpoint file {name}: {exc}") from exc
        show = opts["progress"] == "always" or (opts["progress"] == "auto" and sys.stderr.isatty())
        with progress_bar(show) as progress:
            report = verify_log(origin=origin, verifiers=verifiers, witnesses=witnesses, notes=notes, state=state,
                                progress=progress, register=not opts["no_register"], parallel=True)
        self.summary(report)
        if not report.ok:
            raise CommandError(f"the log failed verification: {len(report.problems)} problem(s)", returncode=1)
        newest = report.newest
        if state_path and newest is not None:
            save_state(state_path, state_for(newest, origin))
        self.stdout.write(self.style.SUCCESS(f"OK: {origin} verified at size {report.size}"
                                             + (f", checkpoint {newest.size} holds" if newest else "")
                                             + (f"; {report.rows:,} register rows agree with it" if report.rows
                                                else "")))

    def verify_server(self, opts: dict[str, Any]) -> None:
        from certinel.transparency.remote import RemoteError, verify_remote

        try:
            verifiers = [parse_verifier_key(k) for k in opts["key"]]
        except NoteError as exc:
            raise CommandError(f"bad verifier key: {exc}") from exc
        try:
            report = verify_remote(opts["server"], verifiers=verifiers, origin=opts["origin"] or None)
        except RemoteError as exc:
            raise CommandError(f"the server's log cannot be verified: {exc}", returncode=1) from exc
        self.stdout.write(f"server {report.server}  log {report.origin}  key {report.key_source}")
        self.stdout.write(f"entries {report.size:,} signed (+{report.read_after:,} not yet signed)  "
                          f"register rows {report.rows:,}  {report.seconds:.2f} s")
        for problem in report.log_problems:
            self.stdout.write(self.style.ERROR(f"[log] {problem}"))
        for problem in report.problems[:200]:
            self.stdout.write(self.style.ERROR(f"[register] {problem}"))
        if len(report.problems) > 200:
            self.stdout.write(self.style.ERROR(f"… and {len(report.problems) - 200} more"))
        if not report.ok:
            raise CommandError(f"the server's register disagrees with its log: "
                               f"{len(report.problems) + len(report.log_problems)} problem(s)", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"OK: {report.rows:,} register rows agree with the log's "
                                             f"{report.size:,} signed entries"))

    def summary(self, report: Report) -> None:
        rate = report.entries / report.seconds if report.seconds else 0.0
        self.stdout.write(f"entries {report.entries:,}  tiles {report.tiles:,}  checkpoints {len(report.claims)}  "
                          f"register rows {report.rows:,}  {report.seconds:.2f} s  ({rate:,.0f} entries/s)")
        for problem in report.problems:
            self.stdout.write(self.style.ERROR(str(problem)))

    # --- the others -----------------------------------------------------------------------------

    def checkpoint(self, opts: dict[str, Any]) -> None:
        try:
            signed = checkpoint_sign(signer=operator_signer(), origin=opts["origin"] or None)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(checkpoint_note(signed), ending="")

    def status(self) -> None:
        latest = checkpoint_latest()
        size = log_size()
        keys = log_verifiers()
        self.stdout.write(f"origin      {log_origin()}")
        self.stdout.write(f"entries     {size:,}")
        if latest is None:
            self.stdout.write("checkpoint  none signed yet")
        else:
            age = timezone.now() - latest.signed_at
            self.stdout.write(f"checkpoint  size {latest.size:,}, signed {latest.signed_at:%Y-%m-%d %H:%M:%S %Z} "
                              f"({int(age.total_seconds())} s ago); {size - latest.size:,} entries not yet covered")
        for key in keys:
            self.stdout.write(f"key         {key.vkey}")
        if not keys:
            self.stdout.write("key         none configured (CERTINEL_LOG_VERIFIER_KEYS)")

    def keygen(self, opts: dict[str, Any]) -> None:
        try:
            signer = Ed25519Signer.generate(opts["name"] or log_origin())
        except NoteError as exc:
            raise CommandError(str(exc)) from exc
        if opts["out"]:
            path = Path(opts["out"])
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError as exc:
                raise CommandError(f"{path} exists; not overwriting a key") from exc
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(signer.signer_key + "\n")
            self.stdout.write(f"private key written to {path}")
        else:
            self.stdout.write(f"private key (keep it secret): {signer.signer_key}")
        self.stdout.write(f"verifier key: {signer.vkey}")
