"""Reading the transparency log: checkpoints, tiles, entry bundles, proofs and receipts. The
log's entries are history records (`core.ChangeRecord`), found by their `log_index`."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from certinel.core.models import ChangeRecord

from .errors import EntryNotFound, LogCorrupted, NotYetCheckpointed
from .models import Checkpoint, LogTile
from .proof import build_receipt
from .services import log_size
from .store import DatabaseTileStore
from .tiledtree import MissingTile, consistency_proof, inclusion_proof, tree_root
from .tiles import TILE_WIDTH, encode_bundle, tile_width

__all__ = [
    "checkpoint_latest",
    "checkpoint_note",
    "consistency_proof_between",
    "entries_about",
    "entries_latest",
    "entry_bundle",
    "entry_by_index",
    "entry_by_leaf_hash",
    "inclusion_proof_by_leaf_hash",
    "inclusion_proof_for",
    "log_size",
    "receipt_by_leaf_hash",
    "receipt_for",
    "tile_hashes",
    "tree_root_at",
]


def checkpoint_latest() -> Checkpoint | None:
    """The checkpoint of the largest tree the log has signed."""
    return Checkpoint.objects.order_by("-size", "-id").first()


def checkpoint_note(checkpoint: Checkpoint) -> str:
    """The signed checkpoint with the witnesses' cosignatures added to it."""
    lines = "".join(checkpoint.cosignatures.order_by("id").values_list("line", flat=True))
    return checkpoint.note + lines


def _logged():  # type: ignore[no-untyped-def]
    return ChangeRecord.objects.filter(log_index__isnull=False)


def entries_about(obj: Model, *, limit: int = 200) -> list[ChangeRecord]:
    """The log's entries recording changes to `obj` (its history records), oldest first."""
    content_type = ContentType.objects.get_for_model(type(obj))
    return list(_logged().filter(content_type=content_type, object_id=str(obj.pk)).order_by("log_index")[:limit])


def entries_latest(*, limit: int = 20) -> list[ChangeRecord]:
    """The last entries appended, newest first."""
    return list(_logged().order_by("-log_index")[:limit])


def entry_by_index(index: int) -> ChangeRecord:
    entry = ChangeRecord.objects.filter(log_index=index).first()
    if entry is None:
        raise EntryNotFound(f"the log has no entry {index}")
    return entry


def entry_by_leaf_hash(leaf_hash: bytes) -> ChangeRecord:
    """The first entry with this leaf hash (an identical event may have been logged twice)."""
    entry = _logged().filter(leaf_hash=leaf_hash).order_by("log_index").first()
    if entry is None:
        raise EntryNotFound("the log has no entry with this leaf hash")
    return entry


def _store_call(fn, *args):  # type: ignore[no-untyped-def]
    try:
        return fn(DatabaseTileStore(), *args)
    except MissingTile as exc:
        raise LogCorrupted(f"the log's tiles cannot be read: {exc}") from exc


def tree_root_at(size: int) -> bytes:
    if not 0 <= size <= log_size():
        raise EntryNotFound(f"the log has no tree of size {size}")
    return _store_call(tree_root, size)


def inclusion_proof_for(*, index: int, tree_size: int) -> list[bytes]:
    """The proof that entry `index` is in the tree of `tree_size` entries."""
    if not 0 <= index < tree_size or tree_size > log_size():
        raise EntryNotFound(f"no entry {index} in a tree of size {tree_size}")
    return _store_call(inclusion_proof, index, tree_size)


def inclusion_proof_by_leaf_hash(*, leaf_hash: bytes, tree_size: int) -> tuple[int, list[bytes]]:
    entry = entry_by_leaf_hash(leaf_hash)
    return entry.log_index, inclusion_proof_for(index=entry.log_index, tree_size=tree_size)


def consistency_proof_between(*, old_size: int, new_size: int) -> list[bytes]:
    """The proof that the tree of `old_size` entries is a prefix of that of `new_size`."""
    if not 0 < old_size <= new_size or new_size > log_size():
        raise EntryNotFound(f"no consistency proof from size {old_size} to size {new_size}")
    return _store_call(consistency_proof, old_size, new_size)


@dataclass(frozen=True)
class ReceiptView:
    index: int
    text: str
    checkpoint: Checkpoint


def receipt_for(*, index: int) -> ReceiptView:
    """The c2sp.org/tlog-proof receipt of entry `index` against the latest checkpoint, with
    the entry in its `extra` line."""
    entry = entry_by_index(index)
    checkpoint = checkpoint_latest()
    if checkpoint is None or checkpoint.size <= index:
        raise NotYetCheckpointed(f"entry {index} is not yet covered by a signed checkpoint; try again shortly")
    proof = inclusion_proof_for(index=index, tree_size=checkpoint.size)
    text = build_receipt(index=index, proof=proof, checkpoint=checkpoint_note(checkpoint), extra=bytes(entry.leaf))
    return ReceiptView(index, text, checkpoint)


def receipt_by_leaf_hash(*, leaf_hash: bytes) -> ReceiptView:
    return receipt_for(index=entry_by_leaf_hash(leaf_hash).log_index)


def _check_available(level: int, index: int, width: int) -> None:
    if width < 1 or tile_width(level, index, log_size()) < width:
        raise EntryNotFound(f"the log has no tile {level}/{index} of width {width}")


def tile_hashes(*, level: int, index: int, width: int) -> bytes:
    """The hashes of a tile (full: 256; partial: the first `width`)."""
    _check_available(level, index, width)
    if width == TILE_WIDTH:
        row = LogTile.objects.filter(level=level, index=index).values_list("hashes", flat=True).first()
        if row is None:
            raise LogCorrupted(f"full tile {level}/{index} is missing")
        return bytes(row)
    return _store_call(lambda store: store.read_tiles([(level, index, width)])[(level, index, width)])


def entry_bundle(*, index: int, width: int) -> bytes:
    """Entries [index * 256, index * 256 + width) as an entry bundle."""
    _check_available(0, index, width)
    start = index * TILE_WIDTH
    rows = list(ChangeRecord.objects.filter(log_index__gte=start, log_index__lt=start + width)
                .order_by("log_index").values_list("log_index", "leaf"))
    if [i for i, _ in rows] != list(range(start, start + width)):
        raise LogCorrupted(f"entries {start}..{start + width - 1} are not all there")
    return encode_bundle(bytes(d) for _, d in rows)
