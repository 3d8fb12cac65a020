"""Encryption of private keys at rest, and the Bitstring Status List encoding."""

from __future__ import annotations

import base64
import gzip
import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from certinel.credentials import bitstring
from certinel.credentials.keycrypt import KeyDecryptionError, decrypt_private_key, encrypt_private_key
from certinel.credentials.multibase import multibase_encode_b64url


def _kek() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def test_configured_kek_round_trip_and_rotation(settings):
    old, new = _kek(), _kek()
    settings.CERTINEL_KEY_ENCRYPTION_KEY = old
    blob, kek_id = encrypt_private_key(b"k" * 32, associated="row-1")
    assert b"k" * 32 not in blob
    settings.CERTINEL_KEY_ENCRYPTION_KEY = f"{new},{old}"  # new KEK first; the old one still decrypts
    assert decrypt_private_key(blob, kek_id=kek_id, associated="row-1") == b"k" * 32
    _, new_id = encrypt_private_key(b"k" * 32, associated="row-1")
    assert new_id != kek_id
    settings.CERTINEL_KEY_ENCRYPTION_KEY = new
    with pytest.raises(KeyDecryptionError, match="not configured"):
        decrypt_private_key(blob, kek_id=kek_id, associated="row-1")


def test_altered_or_moved_ciphertext_does_not_decrypt(settings):
    settings.CERTINEL_KEY_ENCRYPTION_KEY = _kek()
    blob, kek_id = encrypt_private_key(b"s" * 32, associated="row-1")
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key(blob, kek_id=kek_id, associated="row-2")
    flipped = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key(flipped, kek_id=kek_id, associated="row-1")
    with pytest.raises(KeyDecryptionError, match="format"):
        decrypt_private_key(b"\x02" + blob[1:], kek_id=kek_id, associated="row-1")


@pytest.mark.parametrize("value", ["short", "!!!!", base64.urlsafe_b64encode(b"x" * 16).decode()])
def test_bad_kek_setting_is_a_configuration_error(settings, value):
    settings.CERTINEL_KEY_ENCRYPTION_KEY = value
    with pytest.raises(ImproperlyConfigured, match="32-byte"):
        encrypt_private_key(b"k" * 32, associated="x")


def test_without_the_setting_a_development_kek_is_derived(settings):
    settings.CERTINEL_KEY_ENCRYPTION_KEY = ""
    blob, kek_id = encrypt_private_key(b"d" * 32, associated="x")
    assert kek_id.startswith("dev-")
    assert decrypt_private_key(blob, kek_id=kek_id, associated="x") == b"d" * 32


# --- bitstring ----------------------------------------------------------------------------

def test_bit_zero_is_the_leftmost_bit():
    encoded = bitstring.encode_bits([0, 9, 131_071], size=131_072)
    raw = bitstring.decode_bits(encoded)
    assert len(raw) == 16_384
    assert raw[0] == 0x80 and raw[1] == 0x40 and raw[-1] == 0x01
    assert [i for i in (0, 1, 8, 9, 131_071) if bitstring.bit(raw, i)] == [0, 9, 131_071]
    assert encoded.startswith("u") and "=" not in encoded


def test_encoding_is_deterministic():
    assert bitstring.encode_bits([5], size=131_072) == bitstring.encode_bits([5], size=131_072)


@pytest.mark.parametrize("encoded", ["zABC", "u!!", "u" + base64.urlsafe_b64encode(b"not gzip").decode()])
def test_malformed_lists_are_refused(encoded):
    with pytest.raises(bitstring.StatusListError):
        bitstring.decode_bits(encoded)


def test_compression_bombs_are_refused():
    bomb = multibase_encode_b64url(gzip.compress(bytes(bitstring.MAX_DECODED_BYTES + 1)))
    with pytest.raises(bitstring.StatusListError, match="allowed size"):
        bitstring.decode_bits(bomb)


def test_out_of_range_indexes():
    with pytest.raises(bitstring.StatusListError):
        bitstring.encode_bits([131_072], size=131_072)
    with pytest.raises(bitstring.StatusListError):
        bitstring.bit(bytes(2), 16)


@pytest.mark.parametrize("entry", [
    None, {"type": "StatusList2021Entry"},
    {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "-1",
     "statusListCredential": "https://x"},
    {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": 5,
     "statusListCredential": "https://x"},
    {"type": "BitstringStatusListEntry", "statusListIndex": "5", "statusListCredential": "https://x"},
])
def test_malformed_status_entries(entry):
    with pytest.raises(bitstring.StatusListError):
        bitstring.parse_status_entry(entry)
