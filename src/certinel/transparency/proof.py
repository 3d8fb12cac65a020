"""Offline receipts in the `c2sp.org/tlog-proof@v1` format (https://c2sp.org/tlog-proof):

    c2sp.org/tlog-proof@v1
    extra <base64 of the entry>
    index <index>
    <base64 inclusion proof hash, lowest first, one per line>

    <the signed checkpoint, verbatim, with any witness cosignatures>

The format carries no entry itself; Certinel puts the entry (the canonical JSON of the
event) in the optional `extra` line, so a receipt alone is enough to check that this event
is in the log. The extra data is not trusted as such: verifying hashes it and checks the
inclusion proof against the signed checkpoint.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .checkpoint import OpenedCheckpoint, open_checkpoint
from .merkle import HASH_SIZE, leaf_hash, verify_inclusion
from .note import NoteError, Verifier

HEADER = "c2sp.org/tlog-proof@v1"
_INDEX = re.compile(r"index (0|[1-9][0-9]*)")


class ReceiptError(ValueError):
    """A receipt that is malformed or does not verify."""


@dataclass(frozen=True)
class Receipt:
    index: int
    proof: tuple[bytes, ...]
    checkpoint: str  # the signed note, verbatim
    extra: bytes | None = None

    def text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode() for h in self.proof)
        return "\n".join(lines) + "\n\n" + self.checkpoint


def build_receipt(*, index: int, proof: Sequence[bytes], checkpoint: str, extra: bytes | None = None) -> str:
    """The receipt text for the entry at `index`."""
    if index < 0 or any(len(h) != HASH_SIZE for h in proof):
        raise ReceiptError("a receipt needs an index >= 0 and 32-byte proof hashes")
    if not checkpoint.endswith("\n"):
        raise ReceiptError("the checkpoint note must end in a newline")
    return Receipt(index, tuple(proof), checkpoint, extra).text()


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ReceiptError(f"{what} is not base64") from exc


def parse_receipt(text: str | bytes) -> Receipt:
    """The parts of a receipt; ReceiptError when it is not one."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReceiptError("a receipt is UTF-8 text") from exc
    lines = text.split("\n")
    if not lines or lines[0] != HEADER:
        raise ReceiptError(f"a receipt starts with {HEADER!r}")
    pos = 1
    extra = None
    if pos < len(lines) and lines[pos].startswith("extra "):
        extra = _b64(lines[pos][len("extra "):], "the extra data")
        pos += 1
    match = _INDEX.fullmatch(lines[pos]) if pos < len(lines) else None
    if match is None:
        raise ReceiptError("the receipt has no 'index <n>' line")
    index = int(match[1])
    pos += 1
    proof: list[bytes] = []
    while pos < len(lines) and lines[pos] != "":
        value = _b64(lines[pos], f"proof line {len(proof) + 1}")
        if len(value) != HASH_SIZE:
            raise ReceiptError(f"proof line {len(proof) + 1} is not a 32-byte hash")
        proof.append(value)
        pos += 1
    if pos >= len(lines):
        raise ReceiptError("the receipt has no checkpoint after its proof")
    checkpoint = "\n".join(lines[pos + 1:])
    if not checkpoint.endswith("\n"):
        raise ReceiptError("the checkpoint must end in a newline")
    return Receipt(index, tuple(proof), checkpoint, extra)


@dataclass(frozen=True)
class VerifiedReceipt:
    index: int
    entry: bytes | None
    checkpoint: OpenedCheckpoint


def verify_receipt(text: str | bytes, *, origin: str, verifiers: Sequence[Verifier], entry: bytes | None = None,
                   leaf: bytes | None = None, witnesses: Sequence[Verifier] = (), quorum: int = 0) -> VerifiedReceipt:
    """Check a receipt offline: the checkpoint is signed by the log's key (and cosigned by
    `quorum` of `witnesses`), and the entry, given or carried in `extra`, or its leaf hash,
    is in the tree that checkpoint names at the receipt's index."""
    receipt = parse_receipt(text)
    try:
        opened = open_checkpoint(receipt.checkpoint, origin=origin, verifiers=verifiers,
                                 witnesses=witnesses, quorum=quorum)
    except NoteError as exc:
        raise ReceiptError(f"checkpoint: {exc}") from exc
    data = entry if entry is not None else receipt.extra
    if entry is not None and receipt.extra is not None and receipt.extra != entry:
        raise ReceiptError("the receipt carries a different entry")
    if leaf is None:
        if data is None:
            raise ReceiptError("no entry or leaf hash to check the receipt against")
        leaf = leaf_hash(data)
    elif data is not None and leaf_hash(data) != leaf:
        raise ReceiptError("the entry does not hash to the given leaf hash")
    if not verify_inclusion(leaf, receipt.index, opened.size, list(receipt.proof), opened.root_hash):
        raise ReceiptError(f"the inclusion proof does not lead from entry {receipt.index} "
                           f"to the checkpoint's root at size {opened.size}")
    return VerifiedReceipt(receipt.index, data, opened)
