"""C2SP signed notes (https://c2sp.org/signed-note), the format of golang.org/x/mod/sumdb/note.

A note is a text ending in a newline, a blank line, and one or more signature lines
`— <key name> base64(key ID || signature)`. Keys are named; an Ed25519 key's ID is the first
four bytes of SHA-256(name || 0x0A || 0x01 || public key). A verifier key is written
`<name>+<hex key ID>+base64(type || public key)`; a signer key
`PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || seed)`.

Witness cosignatures (https://c2sp.org/tlog-cosignature, type 0x04) are Ed25519 signatures
over `cosignature/v1\\ntime <t>\\n` followed by the note text, the signature being an 8-byte
big-endian timestamp and the 64-byte signature.

Opening a note verifies every signature by a known key (name and key ID both match), keeps
the others as unverified, and refuses the note when a known key's signature is wrong or no
known key signed it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
EM_DASH = "\u2014"
SIG_PREFIX = EM_DASH + " "
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """The text is not a well-formed signed note (or key)."""


class UnverifiedNoteError(NoteError):
    """No signature by a known key: the note must be ignored."""

    def __init__(self, note: Note) -> None:
        super().__init__("note has no verifiable signatures")
        self.note = note


class InvalidSignatureError(NoteError):
    """A known key's signature does not verify: the note is refused."""

    def __init__(self, name: str, key_id: int) -> None:
        super().__init__(f"invalid signature for key {name}+{key_id:08x}")
        self.name, self.key_id = name, key_id


@runtime_checkable
class Signer(Protocol):
    """Anything that signs with a raw Ed25519 key under a key name."""

    name: str
    public_key: bytes

    def sign(self, message: bytes) -> bytes: ...


def is_valid_name(name: str) -> bool:
    """Key names are non-empty, without Unicode spaces or '+'."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name) and name.isprintable()


def key_id(name: str, alg: int, public_key: bytes) -> int:
    """SHA-256(name || 0x0A || type || public key)[:4] as a big-endian uint32."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def verifier_key(name: str, public_key: bytes, alg: int = ALG_ED25519) -> str:
    """The verifier key string `<name>+<hex key ID>+base64(type || public key)`."""
    if not is_valid_name(name):
        raise NoteError(f"invalid key name {name!r}")
    if len(public_key) != 32:
        raise NoteError("an Ed25519 public key is 32 bytes")
    material = base64.b64encode(bytes([alg]) + public_key).decode()
    return f"{name}+{key_id(name, alg, public_key):08x}+{material}"


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise NoteError(f"not base64: {text[:40]!r}") from exc


@dataclass(frozen=True)
class Verifier:
    """A known key: Ed25519 (type 0x01) or an Ed25519 witness cosigner (type 0x04)."""

    name: str
    public_key: bytes
    alg: int = ALG_ED25519

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.alg, self.public_key)

    @property
    def vkey(self) -> str:
        return verifier_key(self.name, self.public_key, self.alg)

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether `signature` (without its key ID) signs `text`."""
        message = text
        if self.alg == ALG_COSIGNATURE_V1:
            if len(signature) != 8 + 64:
                return False
            timestamp = int.from_bytes(signature[:8], "big")
            if timestamp >= 1 << 63:
                return False
            message = f"cosignature/v1\ntime {timestamp}\n".encode() + text
            signature = signature[8:]
        elif len(signature) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


def parse_verifier_key(vkey: str) -> Verifier:
    """A verifier key string, checked: name, 8 hex digits matching the key, known type."""
    name, _, rest = vkey.partition("+")
    hex_id, _, material = rest.partition("+")
    if not is_valid_name(name) or len(hex_id) != 8 or not material:
        raise NoteError(f"malformed verifier key {vkey!r}")
    try:
        declared = int(hex_id, 16)
    except ValueError as exc:
        raise NoteError(f"malformed key ID in {vkey!r}") from exc
    raw = _b64(material)
    if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise NoteError(f"unsupported key type or length in {vkey!r}")
    verifier = Verifier(name=name, public_key=raw[1:], alg=raw[0])
    if verifier.key_id != declared:
        raise NoteError(f"key ID does not match the key in {vkey!r}")
    return verifier


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    base64: str

    @property
    def line(self) -> str:
        return f"{SIG_PREFIX}{self.name} {self.base64}\n"

    @property
    def raw(self) -> bytes:
        return _b64(self.base64)[4:]


@dataclass
class Note:
    text: str
    signatures: list[Signature] = field(default_factory=list)  # verified
    unverified: list[Signature] = field(default_factory=list)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end in a newline")
    if any(ch < " " and ch != "\n" for ch in text):
        raise NoteError("note text has a control character")


def split_note(message: str | bytes) -> tuple[str, list[Signature]]:
    """The text and signature lines of a signed note, unverified; NoteError if malformed."""
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("note is not UTF-8") from exc
    _check_text(message)
    cut = message.rfind("\n\n")
    if cut < 0:
        raise NoteError("note has no blank line before its signatures")
    text, block = message[:cut + 1], message[cut + 2:]
    lines = block.split("\n")
    if lines[-1] != "" or len(lines) < 2:
        raise NoteError("note has no signatures")
    lines = lines[:-1]
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signatures")
    return text, [parse_signature_line(line) for line in lines]


def parse_signature_line(line: str) -> Signature:
    """One `— <name> <base64>` line (without its newline)."""
    if not line.startswith(SIG_PREFIX):
        raise NoteError(f"not a signature line: {line[:60]!r}")
    name, sep, b64 = line[len(SIG_PREFIX):].partition(" ")
    if not sep or not is_valid_name(name) or " " in b64:
        raise NoteError(f"malformed signature line: {line[:60]!r}")
    raw = _b64(b64)
    if len(raw) < 5:
        raise NoteError(f"signature too short: {line[:60]!r}")
    return Signature(name=name, key_id=int.from_bytes(raw[:4], "big"), base64=b64)


def open_note(message: str | bytes, verifiers: Iterable[Verifier]) -> Note:
    """Parse a signed note and verify it against the known keys."""
    text, sigs = split_note(message)
    known: dict[tuple[str, int], Verifier] = {}
    for v in verifiers:
        if (v.name, v.key_id) in known and known[(v.name, v.key_id)] != v:
            raise NoteError(f"ambiguous key {v.name}+{v.key_id:08x}")
        known[(v.name, v.key_id)] = v
    note = Note(text=text)
    for sig in sigs:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            if sig not in note.unverified:
                note.unverified.append(sig)
            continue
        if not verifier.verify(text.encode(), sig.raw):
            raise InvalidSignatureError(sig.name, sig.key_id)
        if sig not in note.signatures:
            note.signatures.append(sig)
    if not note.signatures:
        raise UnverifiedNoteError(note)
    return note


def signature_line(text: str, signer: Signer) -> Signature:
    """Sign a note text with an Ed25519 (type 0x01) signer."""
    _check_text(text)
    if not is_valid_name(signer.name):
        raise NoteError(f"invalid key name {signer.name!r}")
    kid = key_id(signer.name, ALG_ED25519, signer.public_key)
    sig = signer.sign(text.encode())
    if len(sig) != 64:
        raise NoteError("an Ed25519 signature is 64 bytes")
    return Signature(signer.name, kid, base64.b64encode(kid.to_bytes(4, "big") + sig).decode())


def sign_note(text: str, signers: Sequence[Signer], existing: Sequence[Signature] = ()) -> str:
    """The signed note: text, blank line, the existing signatures (other than those the
    signers replace) and one line per signer."""
    new = [signature_line(text, s) for s in signers]
    replaced = {(s.name, s.key_id) for s in new}
    keep = [s for s in existing if (s.name, s.key_id) not in replaced]
    return text + "\n" + "".join(s.line for s in [*keep, *new])


class Ed25519Signer:
    """An Ed25519 key held in memory, with its key name."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not is_valid_name(name):
            raise NoteError(f"invalid key name {name!r}")
        self.name = name
        self._key = private_key
        self.public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @classmethod
    def generate(cls, name: str) -> Ed25519Signer:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Ed25519Signer:
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_signer_key(cls, skey: str) -> Ed25519Signer:
        """From `PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || seed)` (sumdb/note format)."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"] or len(parts[3]) != 8:
            raise NoteError("malformed signer key (expected PRIVATE+KEY+<name>+<id>+<key>)")
        _, _, name, hex_id, material = parts
        raw = _b64(material)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("signer key is not an Ed25519 key")
        signer = cls.from_seed(name, raw[1:])
        if f"{key_id(name, ALG_ED25519, signer.public_key):08x}" != hex_id:
            raise NoteError("signer key ID does not match its key")
        return signer

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key, ALG_ED25519)

    @property
    def vkey(self) -> str:
        return verifier_key(self.name, self.public_key)

    @property
    def signer_key(self) -> str:
        """The sumdb/note signer key string; a secret."""
        seed = self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        kid = key_id(self.name, ALG_ED25519, self.public_key)
        return f"PRIVATE+KEY+{self.name}+{kid:08x}+{base64.b64encode(bytes([ALG_ED25519]) + seed).decode()}"

    def __repr__(self) -> str:  # never show the key
        return f"Ed25519Signer({self.vkey!r})"


class Cosigner:
    """A witness's cosigning key (type 0x04), for tests and for running a witness."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self.name = name
        self._key = private_key
        self.public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        return cls(name, Ed25519PrivateKey.generate())

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key, ALG_COSIGNATURE_V1)

    def cosign(self, text: str, timestamp: int | None = None) -> Signature:
        _check_text(text)
        ts = int(time.time()) if timestamp is None else timestamp
        message = f"cosignature/v1\ntime {ts}\n".encode() + text.encode()
        kid = key_id(self.name, ALG_COSIGNATURE_V1, self.public_key)
        raw = kid.to_bytes(4, "big") + ts.to_bytes(8, "big") + self._key.sign(message)
        return Signature(self.name, kid, base64.b64encode(raw).decode())
