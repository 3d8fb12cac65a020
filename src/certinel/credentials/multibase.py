"""Multibase and Multikey encodings used by Data Integrity proofs and DID documents.

- base58btc (multibase prefix 'z') for proof values and keys;
- base64url without padding (multibase prefix 'u') for status lists;
- Multikey: a multicodec varint header before the raw key bytes. Ed25519 public keys use
  0xed (varint 0xed 0x01), Ed25519 private keys (seeds) use 0x1300 (varint 0x80 0x26).
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}

ED25519_PUB_HEADER = b"\xed\x01"
ED25519_PRIV_HEADER = b"\x80\x26"


class MultibaseError(ValueError):
    """A value is not valid multibase / Multikey data."""


def b58encode(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    num = int.from_bytes(data, "big")
    out = []
    while num:
        num, rem = divmod(num, 58)
        out.append(_B58_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    if not isinstance(text, str):
        raise MultibaseError("base58 input must be a string")
    num = 0
    for ch in text:
        try:
            num = num * 58 + _B58_INDEX[ch]
        except KeyError:
            raise MultibaseError(f"invalid base58 character {ch!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = num.to_bytes((num.bit_length() + 7) // 8, "big") if num else b""
    return b"\0" * zeros + body


def multibase_encode_b58(data: bytes) -> str:
    return "z" + b58encode(data)


def multibase_decode_b58(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise MultibaseError("expected a multibase base58btc value starting with 'z'")
    return b58decode(value[1:])


def multibase_encode_b64url(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def multibase_decode_b64url(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("u"):
        raise MultibaseError("expected a multibase base64url value starting with 'u'")
    body = value[1:]
    if any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in body):
        raise MultibaseError("invalid base64url character")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as exc:  # binascii.Error is a ValueError
        raise MultibaseError(f"invalid base64url data: {exc}") from None


def public_key_to_multikey(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return multibase_encode_b58(ED25519_PUB_HEADER + raw)


def public_key_from_multikey(value: str) -> Ed25519PublicKey:
    data = multibase_decode_b58(value)
    if not data.startswith(ED25519_PUB_HEADER) or len(data) != 34:
        raise MultibaseError("not an Ed25519 public key Multikey (header 0xed01, 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def private_key_to_multikey(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return multibase_encode_b58(ED25519_PRIV_HEADER + raw)


def private_key_from_multikey(value: str) -> Ed25519PrivateKey:
    data = multibase_decode_b58(value)
    if not data.startswith(ED25519_PRIV_HEADER) or len(data) != 34:
        raise MultibaseError("not an Ed25519 private key Multikey (header 0x8026, 32 bytes)")
    return Ed25519PrivateKey.from_private_bytes(data[2:])


def private_key_raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
