"""W3C Bitstring Status List: the bitstring's encoding and the documents that carry it.

Bit 0 is the left-most (most significant) bit of the first byte. The list is GZIP-compressed,
base64url-encoded without padding and given the multibase prefix 'u'.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable
from typing import Any

from .ldloader import VC_V2_CONTEXT
from .multibase import MultibaseError, multibase_decode_b64url, multibase_encode_b64url

MIN_SIZE = 131_072
MAX_DECODED_BYTES = 16 * 1024 * 1024


class StatusListError(ValueError):
    """A status list or a status entry is malformed."""


def encode_bits(set_indexes: Iterable[int], *, size: int) -> str:
    """The `encodedList` of a list of `size` bits where `set_indexes` are 1."""
    if size % 8:
        raise StatusListError("a status list's size must be a multiple of 8")
    bits = bytearray(size // 8)
    for i in set_indexes:
        if not 0 <= i < size:
            raise StatusListError(f"index {i} is outside the list (size {size})")
        bits[i // 8] |= 0x80 >> (i % 8)
    return multibase_encode_b64url(gzip.compress(bytes(bits), mtime=0))


def decode_bits(encoded: str) -> bytes:
    """The raw bitstring of an `encodedList` (size-limited against compression bombs)."""
    try:
        compressed = multibase_decode_b64url(encoded)
    except MultibaseError as exc:
        raise StatusListError(f"encodedList is not multibase base64url: {exc}") from None
    inflater = zlib.decompressobj(wbits=31)
    try:
        bits = inflater.decompress(compressed, MAX_DECODED_BYTES)
    except zlib.error as exc:
        raise StatusListError(f"encodedList is not GZIP data: {exc}") from None
    if inflater.unconsumed_tail:
        raise StatusListError("encodedList decompresses to more than the allowed size")
    return bits


def bit(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"statusListIndex {index} is outside the list ({len(bits) * 8} entries)")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_entry(*, list_url: str, purpose: str, index: int) -> dict[str, Any]:
    """A `credentialStatus` entry pointing at bit `index` of a status list credential."""
    return {"id": f"{list_url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": purpose,
            "statusListIndex": str(index), "statusListCredential": list_url}


def status_list_credential(*, list_url: str, issuer: str, purpose: str, encoded_list: str,
                           valid_from: str) -> dict[str, Any]:
    """An unsigned BitstringStatusListCredential."""
    return {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {"id": f"{list_url}#list", "type": "BitstringStatusList",
                              "statusPurpose": purpose, "encodedList": encoded_list},
    }


def parse_status_entry(entry: Any) -> tuple[str, str, int]:
    """(statusListCredential URL, statusPurpose, index) of a `credentialStatus` entry."""
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        raise StatusListError("credentialStatus entry is not a BitstringStatusListEntry")
    url, purpose, raw = entry.get("statusListCredential"), entry.get("statusPurpose"), entry.get("statusListIndex")
    if not isinstance(url, str) or not isinstance(purpose, str):
        raise StatusListError("credentialStatus entry lacks statusListCredential or statusPurpose")
    if not isinstance(raw, str) or not raw.isdigit():
        raise StatusListError(f"statusListIndex must be a string of digits, not {raw!r}")
    return url, purpose, int(raw)
