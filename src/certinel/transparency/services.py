"""Writing to the transparency log: appending leaves, signing checkpoints, adding witness
cosignatures. Appends run inside the caller's transaction, so an event and its leaf commit or
roll back together; one lock row serialises appenders and the signer on PostgreSQL (SQLite
already lets one writer in at a time)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from certinel.core.bulk import insert_rows

from .checkpoint import CheckpointBody, CheckpointError, parse_checkpoint_text, sign_checkpoint
from .errors import CheckpointConflict, EntryTooLarge, LogCorrupted
from .leaf import change_record_leaf
from .merkle import leaf_hash, verify_consistency
from .models import AppendLock, Checkpoint, Cosignature, LogEntry, LogTile
from .note import ALG_ED25519, NoteError, Signer, Verifier, key_id, open_note, split_note
from .signers import log_origin
from .store import DatabaseTileStore
from .tiledtree import MissingTile, TileBuilder, consistency_proof, edge_keys, tree_root
from .tiles import MAX_ENTRY_SIZE

if TYPE_CHECKING:
    from certinel.core.models import ChangeRecord

BATCH = 500


def _lock(using: str) -> None:
    """Hold the log's lock row until the transaction ends."""
    locks = AppendLock.objects.using(using)
    if locks.select_for_update().filter(pk=1).first() is None:
        locks.bulk_create([AppendLock(id=1)], ignore_conflicts=True)
        locks.select_for_update().get(pk=1)


def log_size(*, using: str = "default") -> int:
    """How many entries the log holds (the next index)."""
    last = LogEntry.objects.using(using).aggregate(last=Max("index"))["last"]
    return 0 if last is None else last + 1


def _builder(using: str, size: int) -> TileBuilder:
    signed = Checkpoint.objects.using(using).aggregate(size=Max("size"))["size"] or 0
    if signed > size:
        raise LogCorrupted(f"the log holds {size} entries but signed a checkpoint of {signed}: entries were removed")
    try:
        return TileBuilder(size, DatabaseTileStore(using).read_tiles(edge_keys(size)))
    except MissingTile as exc:
        raise LogCorrupted(f"the log's right edge cannot be read: {exc}") from exc


def log_append(*, records: Sequence[bytes], change_records: Sequence[ChangeRecord | None] | None = None,
               using: str = "default") -> list[int]:
    """Append leaves (canonical JSON records) in one batch; returns their indexes. Runs in the
    caller's transaction when there is one: if it rolls back, so does the append."""
    data = [bytes(r) for r in records]
    links = list(change_records) if change_records is not None else [None] * len(data)
    if len(links) != len(data):
        raise ValueError("change_records must match records one for one")
    for position, entry in enumerate(data):
        if len(entry) > MAX_ENTRY_SIZE:
            raise EntryTooLarge(f"record {position} has {len(entry)} bytes; a log entry holds at most {MAX_ENTRY_SIZE}",
                                field="records")
    if not data:
        return []
    with transaction.atomic(using=using):
        _lock(using)
        size = log_size(using=using)
        builder = _builder(using, size)
        now = timezone.now()
        rows = []
        for offset, (entry, link) in enumerate(zip(data, links, strict=True)):
            digest = leaf_hash(entry)
            builder.add(digest)
            rows.append((size + offset, entry, digest, now, None if link is None else link.pk))
        insert_rows(LogEntry, ["index", "data", "leaf_hash", "appended_at", "change_record_id"], rows, using=using)
        tiles = [LogTile(level=t.level, index=t.index, hashes=t.hashes, root=t.root) for t in builder.drain()]
        LogTile.objects.using(using).bulk_create(tiles, batch_size=50)
    return list(range(size, size + len(data)))


def append_change_record(record: ChangeRecord) -> int:
    """Log one history record; returns its index."""
    return append_change_records([record])[0]


def append_change_records(records: list[ChangeRecord]) -> list[int]:
    """Log the history records of one write, in one batch (the subscriber of
    certinel.core.history). A leaf whose change a certification body made carries that body's
    signature."""
    from certinel.credentials.leafsign import leaf_signers

    signers = leaf_signers(records)
    leaves = [change_record_leaf(r, signer=s) for r, s in zip(records, signers, strict=True)]
    return log_append(records=leaves, change_records=records)


def log_catch_up(*, batch: int = 5000, progress: Callable[[int], None] | None = None) -> int:
    """Log, in id order, every history record that is not in the log yet (bulk writers that
    insert ChangeRecord rows themselves call this inside their transaction). Returns how many.
    The records are read a batch at a time in id order, and the batch's logged ones are looked
    up by id (an anti-join against the whole log for each batch would grow with the log)."""
    from certinel.core.models import ChangeRecord

    done, after = 0, 0
    while records := list(ChangeRecord.objects.filter(pk__gt=after).order_by("pk")[:batch]):
        after = records[-1].pk
        ids = [r.pk for r in records]
        logged: set[int] = set()
        for i in range(0, len(ids), 900):  # within SQLite's parameter limit
            logged.update(LogEntry.objects.filter(change_record_id__any=ids[i:i + 900])
                          .values_list("change_record_id", flat=True))
        pending = [r for r in records if r.pk not in logged]
        if pending:
            append_change_records(pending)
            done += len(pending)
        if progress is not None:
            progress(len(pending))
    return done


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
