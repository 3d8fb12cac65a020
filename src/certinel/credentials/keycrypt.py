"""Encryption at rest of the bodies' private signing keys (AES-256-GCM).

The key-encryption key (KEK) comes from the setting `CERTINEL_KEY_ENCRYPTION_KEY`: one or more
base64url-encoded 32-byte keys separated by commas; the first encrypts, every one of them may
decrypt (so the KEK can be rotated by re-encrypting at leisure). When the setting is missing,
a KEK is derived from SECRET_KEY with HKDF: acceptable for development and tests only.

Each ciphertext is bound to its key row (the body and the public key, as associated data), so
that a ciphertext copied onto another row does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)
_VERSION = b"\x01"


class KeyDecryptionError(Exception):
    """A private key could not be decrypted: wrong KEK, or the ciphertext was altered or moved."""


def _decode_kek(text: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            "CERTINEL_KEY_ENCRYPTION_KEY must be base64url-encoded 32-byte keys, comma-separated "
            "(make one with: python -c \"import os,base64;print(base64.urlsafe_b64encode(os.urandom(32)).decode())\")")
    return raw


def _kek_id(kek: bytes) -> str:
    return hashlib.sha256(b"certinel-kek-id" + kek).hexdigest()[:16]


@cache
def _warn_derived_kek() -> None:
    logger.warning("CERTINEL_KEY_ENCRYPTION_KEY is not set: signing keys are encrypted with a key "
                   "derived from SECRET_KEY, which is meant for development only.")


def key_encryption_keys() -> list[tuple[str, bytes]]:
    """(id, key) of every configured KEK, the one that encrypts first."""
    configured = getattr(settings, "CERTINEL_KEY_ENCRYPTION_KEY", "") or ""
    if configured.strip():
        keys = [_decode_kek(part) for part in configured.split(",") if part.strip()]
        return [(_kek_id(k), k) for k in keys]
    if not settings.SECRET_KEY:
        raise ImproperlyConfigured("Set CERTINEL_KEY_ENCRYPTION_KEY (or, in development, SECRET_KEY).")
    if not settings.DEBUG:
        _warn_derived_kek()
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"certinel-kek-from-secret-key-v1",
                   info=b"certinel signing key encryption").derive(settings.SECRET_KEY.encode())
    return [("dev-" + _kek_id(derived)[:12], derived)]


def encrypt_private_key(raw: bytes, *, associated: str) -> tuple[bytes, str]:
    """Encrypt a raw private key; returns (ciphertext, id of the KEK used)."""
    kek_id, kek = key_encryption_keys()[0]
    nonce = os.urandom(12)
    blob = _VERSION + nonce + AESGCM(kek).encrypt(nonce, raw, associated.encode())
    return blob, kek_id


def decrypt_private_key(blob: bytes, *, kek_id: str, associated: str) -> bytes:
    keys = dict(key_encryption_keys())
    if kek_id not in keys:
        raise KeyDecryptionError(f"the key-encryption key {kek_id} is not configured")
    blob = bytes(blob)
    if blob[:1] != _VERSION or len(blob) < 1 + 12 + 16:
        raise KeyDecryptionError("unknown ciphertext format")
    try:
        return AESGCM(keys[kek_id]).decrypt(blob[1:13], blob[13:], associated.encode())
    except InvalidTag:
        raise KeyDecryptionError("the private key does not decrypt: wrong key or altered data") from None
