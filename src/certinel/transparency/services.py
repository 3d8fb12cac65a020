"""Writing to the transparency log: appending leaves, signing checkpoints, adding witness
cosignatures. The log's entries are the history records (core.ChangeRecord): appending gives a
record, before it is inserted, its leaf, its leaf hash and the next index, inside the caller's
transaction, so a change and its leaf commit or roll back together, in one row. One lock row
serialises appenders and the signer on PostgreSQL (SQLite already lets one writer in at a
time)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max

from certinel.core.models import ChangeRecord

from .checkpoint import CheckpointBody, CheckpointError, parse_checkpoint_text, sign_checkpoint
from .errors import CheckpointConflict, EntryTooLarge, LogCorrupted
from .leaf import change_record_leaf
from .merkle import leaf_hash, verify_consistency
from .models import AppendLock, Checkpoint, Cosignature, LogTile
from .note import ALG_ED25519, NoteError, Signer, Verifier, key_id, open_note, split_note
from .signers import log_origin
from .store import DatabaseTileStore
from .tiledtree import MissingTile, TileBuilder, consistency_proof, edge_keys, tree_root
from .tiles import MAX_ENTRY_SIZE


def _lock(using: str) -> None:
    """Hold the log's lock row until the transaction ends."""
    locks = AppendLock.objects.using(using)
    if locks.select_for_update().filter(pk=1).first() is None:
        locks.bulk_create([AppendLock(id=1)], ignore_conflicts=True)
        locks.select_for_update().get(pk=1)


def log_size(*, using: str = "default") -> int:
    """How many entries the log holds (the next index): one past the last record's."""
    last = (ChangeRecord.objects.using(using).filter(log_index__isnull=False).order_by("-log_index")
            .values_list("log_index", flat=True).first())
    return 0 if last is None else last + 1


def _builder(using: str, size: int) -> TileBuilder:
    signed = Checkpoint.objects.using(using).aggregate(size=Max("size"))["size"] or 0
    if signed > size:
        raise LogCorrupted(f"the log holds {size} entries but signed a checkpoint of {signed}: entries were removed")
    try:
        return TileBuilder(size, DatabaseTileStore(using).read_tiles(edge_keys(size)))
    except MissingTile as exc:
        raise LogCorrupted(f"the log's right edge cannot be read: {exc}") from exc


def record_leaves(records: Sequence[ChangeRecord]) -> list[bytes]:
    """The leaves of history records (not yet logged): a leaf whose change a certification
    body made carries that body's signature; a private kind's is a commitment only."""
    from certinel.credentials.leafsign import leaf_signers

    signers = leaf_signers(records)
    leaves = [change_record_leaf(r, signer=s) for r, s in zip(records, signers, strict=True)]
    for record, leaf in zip(records, leaves, strict=True):
        if len(leaf) > MAX_ENTRY_SIZE:
            raise EntryTooLarge(f"the leaf of {record.action} has {len(leaf)} bytes; a log entry holds at most "
                                f"{MAX_ENTRY_SIZE}", field="records")
    return leaves


def log_records(records: Sequence[ChangeRecord], *, using: str = "default") -> list[int]:
    """Make history records, not yet inserted, the log's next entries: each is given its leaf,
    its leaf hash and the next index, and the tiles they complete are stored. The caller
    inserts the records in the same transaction (`core.history` does), which must be open: the
    log's lock is held until it ends, so that nobody else takes the same indexes meanwhile."""
    if not records:
        return []
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("log_records must be called inside the transaction that inserts the records.")
    leaves = record_leaves(records)
    _lock(using)
    size = log_size(using=using)
    builder = _builder(using, size)
    for offset, (record, leaf) in enumerate(zip(records, leaves, strict=True)):
        digest = leaf_hash(leaf)
        builder.add(digest)
        record.log_index, record.leaf, record.leaf_hash = size + offset, leaf, digest
    _store_tiles(builder, using)
    return list(range(size, size + len(records)))


def _store_tiles(builder: TileBuilder, using: str) -> None:
    tiles = [LogTile(level=t.level, index=t.index, hashes=t.hashes, root=t.root) for t in builder.drain()]
    LogTile.objects.using(using).bulk_create(tiles, batch_size=50)


class BulkLog:
    """The log's side of a bulk writer that inserts history records itself, with their leaves
    and indexes already made (the demo's loader, a chunk at a time): it gives out the indexes
    and stores the tiles the leaves complete. The writer runs alone, holding the log's lock in
    each of its transactions."""

    def __init__(self, *, using: str = "default") -> None:
        self.using = using
        with transaction.atomic(using=using):
            _lock(using)
            self.size = log_size(using=using)
            self._builder = _builder(using, self.size)

    def add(self, entries: Sequence[tuple[int, bytes]]) -> None:
        """The (log index, leaf hash) of the next entries, in index order, inside the
        transaction that inserts their records."""
        _lock(self.using)
        for index, digest in entries:
            if index != self._builder.size:
                raise LogCorrupted(f"a bulk writer gave entry {index} where the log's next is {self._builder.size}")
            self._builder.add(digest)
        self.size = self._builder.size
        _store_tiles(self._builder, self.using)


def _signed_body(checkpoint: Checkpoint) -> CheckpointBody:
    try:
        body = parse_checkpoint_text(split_note(checkpoint.note)[0])
    except NoteError as exc:
        raise LogCorrupted(f"checkpoint {checkpoint.pk} does not hold a checkpoint note: {exc}") from exc
    if (body.size, body.root_hash, body.origin) != (checkpoint.size, bytes(checkpoint.root_hash), checkpoint.origin):
        raise LogCorrupted(f"checkpoint {checkpoint.pk}'s columns differ from the note it signed")
    return body


def _check_consistent(store: DatabaseTileStore, previous: Checkpoint, size: int, root: bytes, origin: str) -> None:
    """Refuse to sign (size, root) unless it extends `previous`."""
    body = _signed_body(previous)
    if body.origin != origin:
        raise CheckpointConflict(f"the log's origin is {body.origin!r}; refusing to sign for {origin!r}")
    if body.size > size:
        raise CheckpointConflict(f"the log signed size {body.size} before but holds only {size} entries now")
    try:
        if tree_root(store, body.size) != body.root_hash:
            raise CheckpointConflict(f"the log's first {body.size} entries no longer have the root it signed")
        if 0 < body.size < size:
            proof = consistency_proof(store, body.size, size)
            if not verify_consistency(body.size, size, body.root_hash, root, proof):
                raise CheckpointConflict(f"no consistency proof from size {body.size} to {size}")
    except MissingTile as exc:
        raise LogCorrupted(f"the log's tiles cannot be read: {exc}") from exc


def checkpoint_sign(*, signer: Signer, origin: str | None = None, using: str = "default") -> Checkpoint:
    """Sign a checkpoint of the log as it is now. Refuses (CheckpointConflict) when the log
    does not extend the largest checkpoint signed before; returns that checkpoint when nothing
    was appended since and this key signed it already."""
    origin = origin or log_origin()
    with transaction.atomic(using=using):
        _lock(using)
        size = log_size(using=using)
        store = DatabaseTileStore(using)
        try:
            root = tree_root(store, size)
        except MissingTile as exc:
            raise LogCorrupted(f"the log's tiles cannot be read: {exc}") from exc
        previous = Checkpoint.objects.using(using).order_by("-size", "-id").first()
        if previous is not None:
            _check_consistent(store, previous, size, root, origin)
            own = (signer.name, key_id(signer.name, ALG_ED25519, signer.public_key))
            if previous.size == size and any((s.name, s.key_id) == own for s in split_note(previous.note)[1]):
                return previous
        note = sign_checkpoint(CheckpointBody(origin, size, root), [signer])
        return Checkpoint.objects.using(using).create(size=size, root_hash=root, origin=origin, note=note,
                                                      key_name=signer.name)


def checkpoint_add_cosignatures(*, checkpoint: Checkpoint, cosigned: str,
                                witnesses: Sequence[Verifier]) -> list[Cosignature]:
    """Keep the signatures of known witnesses found on a copy of `checkpoint` they cosigned.
    Their signatures are verified; others are ignored."""
    own_text = split_note(checkpoint.note)[0]
    try:
        text, _ = split_note(cosigned)
        if text != own_text:
            raise CheckpointError("the cosigned note is not this checkpoint")
        note = open_note(cosigned, witnesses)
    except NoteError as exc:
        raise CheckpointConflict(f"cosignature refused: {exc}") from exc
    known = {(w.name, w.key_id) for w in witnesses}
    added = []
    with transaction.atomic():
        have = set(checkpoint.cosignatures.values_list("key_name", "key_id"))
        for sig in note.signatures:
            if (sig.name, sig.key_id) in known and (sig.name, sig.key_id) not in have:
                added.append(Cosignature.objects.create(checkpoint=checkpoint, key_name=sig.name,
                                                        key_id=sig.key_id, line=sig.line))
                have.add((sig.name, sig.key_id))
    return added
