"""C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the signed note text

    <origin>
    <tree size, decimal, no leading zeroes>
    <base64 of the RFC 6962 root hash>
    [extension lines]

The log signs it with its Ed25519 key (named after the origin); witnesses may add their
cosignatures, which a verifier that does not know them ignores.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .merkle import HASH_SIZE
from .note import Note, NoteError, Signer, Verifier, open_note, sign_note

_SIZE = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(NoteError):
    """The note is not a checkpoint of the expected log."""


@dataclass(frozen=True)
class CheckpointBody:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The note text, ending in a newline."""
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("the origin must be one non-empty line")
        if self.size < 0 or len(self.root_hash) != HASH_SIZE:
            raise CheckpointError("a checkpoint needs a size >= 0 and a 32-byte root hash")
        if any(not line or "\n" in line for line in self.extensions):
            raise CheckpointError("extension lines must be non-empty single lines")
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode(), *self.extensions]
        return "\n".join(lines) + "\n"


def parse_checkpoint_text(text: str) -> CheckpointBody:
    """The checkpoint a note text holds; CheckpointError unless it is one exactly."""
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint text must end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or any(not line for line in lines):
        raise CheckpointError("a checkpoint has at least three non-empty lines")
    origin, size_text, root_text, *extensions = lines
    if not _SIZE.fullmatch(size_text):
        raise CheckpointError(f"tree size is not a decimal without leading zeroes: {size_text!r}")
    try:
        root = base64.b64decode(root_text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise CheckpointError(f"root hash is not base64: {root_text!r}") from exc
    if len(root) != HASH_SIZE or base64.b64encode(root).decode() != root_text:
        raise CheckpointError("root hash must be the base64 of 32 bytes")
    return CheckpointBody(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(body: CheckpointBody, signers: Sequence[Signer]) -> str:
    """The signed checkpoint note."""
    return sign_note(body.text(), signers)


@dataclass(frozen=True)
class OpenedCheckpoint:
    body: CheckpointBody
    note: Note

    @property
    def size(self) -> int:
        return self.body.size

    @property
    def root_hash(self) -> bytes:
        return self.body.root_hash

    def cosigned_by(self, witnesses: Iterable[Verifier]) -> list[str]:
        """The names of the given witnesses whose signatures verified."""
        names = {(w.name, w.key_id) for w in witnesses}
        return [s.name for s in self.note.signatures if (s.name, s.key_id) in names]


def open_checkpoint(message: str | bytes, *, origin: str, verifiers: Sequence[Verifier],
                    witnesses: Sequence[Verifier] = (), quorum: int = 0) -> OpenedCheckpoint:
    """Verify a signed checkpoint: signed by one of the log's keys `verifiers`, with the
    expected origin, and cosigned by at least `quorum` of `witnesses`. Signatures by other
    keys are ignored; a bad signature by a known key refuses the note."""
    if not verifiers:
        raise CheckpointError("no log key to verify the checkpoint with")
    note = open_note(message, [*verifiers, *witnesses])
    log_keys = {(v.name, v.key_id) for v in verifiers}
    if not any((s.name, s.key_id) in log_keys for s in note.signatures):
        raise CheckpointError("the checkpoint is not signed by the log's key")
    body = parse_checkpoint_text(note.text)
    if body.origin != origin:
        raise CheckpointError(f"checkpoint origin {body.origin!r} is not {origin!r}")
    opened = OpenedCheckpoint(body, note)
    if quorum and len(set(opened.cosigned_by(witnesses))) < quorum:
        raise CheckpointError(f"the checkpoint has fewer than {quorum} witness cosignatures")
    return opened
