"""The log operator's key and the log's identity, configured by the deployment.

The private key never enters the database: it comes from the environment variable
CERTINEL_LOG_SIGNING_KEY or from the file CERTINEL_LOG_SIGNING_KEY_FILE (readable by its owner
only), in the sumdb/note signer key format `PRIVATE+KEY+<name>+<hex id>+<base64>` that
`certinel log keygen` prints. Verifiers of the log need only the public verifier key, set as
CERTINEL_LOG_VERIFIER_KEYS (several may be given while a key is being rotated).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from django.conf import settings

from .errors import SignerNotConfigured
from .note import Ed25519Signer, NoteError, Verifier, parse_verifier_key


def _setting(name: str) -> str:
    value = os.environ.get(name) or getattr(settings, name, "") or ""
    return str(value).strip()


def log_origin() -> str:
    """The log's origin line: CERTINEL_LOG_ORIGIN, or the public URL without its scheme
    followed by /log (where the integrator mounts the log)."""
    configured = _setting("CERTINEL_LOG_ORIGIN")
    if configured:
        return configured
    url = getattr(settings, "CERTINEL_PUBLIC_URL", "") or "http://127.0.0.1:8000"
    host = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", url).rstrip("/")
    return f"{host}/log"


def read_key_file(path: Path) -> str:
    """The signer key in a file that only its owner may read."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise SignerNotConfigured(f"cannot read the log signing key file {path}: {exc.strerror}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SignerNotConfigured(f"the log signing key file {path} is readable by others; chmod 600 it")
    return path.read_text(encoding="ascii").strip()


def operator_signer() -> Ed25519Signer:
    """The log's signing key, from CERTINEL_LOG_SIGNING_KEY or CERTINEL_LOG_SIGNING_KEY_FILE."""
    key = _setting("CERTINEL_LOG_SIGNING_KEY")
    path = _setting("CERTINEL_LOG_SIGNING_KEY_FILE")
    if not key and path:
        key = read_key_file(Path(path))
    if not key:
        raise SignerNotConfigured(
            "no log signing key: set CERTINEL_LOG_SIGNING_KEY_FILE (or CERTINEL_LOG_SIGNING_KEY) "
            "to a key made with `certinel log keygen`")
    try:
        return Ed25519Signer.from_signer_key(key)
    except NoteError as exc:
        raise SignerNotConfigured(f"the log signing key is not usable: {exc}") from exc


def _verifiers(value: str) -> list[Verifier]:
    return [parse_verifier_key(v) for v in re.split(r"[\s,]+", value) if v]


def log_verifiers() -> list[Verifier]:
    """The log's public keys: CERTINEL_LOG_VERIFIER_KEYS, else the operator key's own."""
    configured = _setting("CERTINEL_LOG_VERIFIER_KEYS")
    if configured:
        return _verifiers(configured)
    try:
        return [operator_signer().verifier]
    except SignerNotConfigured:
        return []


def witness_verifiers() -> list[Verifier]:
    """Witnesses whose cosignatures the log accepts: CERTINEL_LOG_WITNESS_KEYS."""
    return _verifiers(_setting("CERTINEL_LOG_WITNESS_KEYS"))
