"""The monitor: re-checks the whole log from its stored data.

It re-hashes every entry from its bytes, rebuilds the tree and every full tile, and holds
them against what the log stores and what it signed: the stored leaf hashes and tiles, every
signed checkpoint, checkpoints given from outside (a file, a witness) and the last checkpoint
this monitor saw (its state file). It reports each problem it finds:

- rewritten: an entry's bytes no longer hash to its leaf hash, or differ from the tile
  published for it;
- removed: a gap in the indexes, or fewer entries than a checkpoint covers;
- reordered: an entry sits at another index than the tile published for it says;
- tile: a stored tile that is missing, wrong, or has no place in a log of this size;
- checkpoint: a signed checkpoint whose root is not that of the data at its size, or whose
  stored columns differ from the note signed;
- conflict: two checkpoints that cannot both be true;
- signature: a checkpoint whose signature does not verify with the log's keys, or a stored
  witness cosignature that does not verify with the witness's key;
- history: an entry (a history record, core.ChangeRecord, with its log index) whose leaf is
  not the leaf of the record's own columns, or a history record with no place in the log: the
  history, or its leaf, was changed;
- register: a row of the public register (a certificate, a body, a lab, an organization, a
  scope …) that disagrees with the state its leaves give, a row no leaf records, an object the
  log records whose row is gone, or a certificate's public trail of events that is not its
  leaves (`register.py`): the register was changed around the services.

The checkpoint this monitor saw before (its state file) is held against the data like the
others: a log rewritten and signed again since fails it as a checkpoint and a conflict.

Changes to entries after the last full tile are caught by the checkpoints (there is no
stored tile there to say which entry changed).

With `parallel`, the register is held against the log in a second process (forked, with its
own database connection) while this one scans the entries: the two halves of the work take
about the same time, so on two cores the whole check takes about half as long. It is used
only where another connection sees the same data: not inside a transaction, and not on an
in-memory SQLite database; elsewhere both halves run here, one after the other.
"""

from __future__ import annotations

import base64
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.utils import timezone

from certinel.core.models import ChangeRecord

from . import jcs
from .checkpoint import open_checkpoint
from .leaf import LeafError, change_record_leaf, full_record_leaf, object_type_of, parse_leaf, verify_leaf_signature
from .merkle import EMPTY_ROOT, HASH_SIZE, leaf_hash
from .models import Checkpoint, Cosignature, LogTile
from .note import NoteError, Verifier, parse_signature_line
from .privacy import is_public
from .tiledtree import CompletedTile, TileBuilder, perfect_root
from .tiles import TILE_WIDTH

Progress = Callable[[int, int], None]
RegisterProgress = Callable[[str, int, int], None]
# Rows that disagree with the log reported one by one; beyond that, counted.
MAX_REGISTER_PROBLEMS = 200


@dataclass
class Problem:
    kind: str
    message: str
    index: int | None = None

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"


@dataclass
class Claim:
    """A checkpoint held against the data: size and root, and where it came from."""

    source: str
    size: int
    root: bytes
    note: str = ""
    matches: bool | None = None
    text: str = ""
    signers: tuple[str, ...] = ()


@dataclass
class Report:
    size: int = 0
    entries: int = 0
    tiles: int = 0
    rows: int = 0
    claims: list[Claim] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def newest(self) -> Claim | None:
        """The largest checkpoint that matched the data (to remember in the state file)."""
        good = [c for c in self.claims if c.matches and c.note]
        return max(good, key=lambda c: c.size, default=None)

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}


def state_for(claim: Claim, origin: str) -> dict[str, Any]:
    return {"origin": origin, "size": claim.size, "root": base64.b64encode(claim.root).decode(),
            "checkpoint": claim.note, "verified_at": timezone.now().isoformat()}


class LogMonitor:
    def __init__(self, *, origin: str, verifiers: Sequence[Verifier], witnesses: Sequence[Verifier] = (),
                 using: str = "default", batch: int = 20000, progress: Progress | None = None,
                 register: bool = True, register_progress: RegisterProgress | None = None,
                 parallel: bool = False) -> None:
        self.origin, self.verifiers, self.witnesses, self.using = origin, list(verifiers), list(witnesses), using
        self.batch, self.progress = batch, progress
        self.register, self.register_progress = register, register_progress
        self.parallel = parallel
        self.report = Report()
        self._roots: dict[int, bytes] = {}
        self._builder = TileBuilder()
        self._level0: dict[int, tuple[bytes, bytes]] = {}  # prefetched level-0 tiles: index -> (hashes, root)
        self._checked: set[tuple[int, int]] = set()
        self._mismatches: list[tuple[int, bytes, bytes]] = []  # (index, published, recomputed)
        self._bytes_rewritten: set[int] = set()
        self._texts: dict[int, str] = {}  # checkpoint id -> its verified note text
        self._leaf_keys: dict[tuple[str, str], bytes] | None = None  # the bodies' keys, read when needed

    def problem(self, kind: str, message: str, index: int | None = None) -> None:
        self.report.problems.append(Problem(kind, message, index))

    # --- the run ---------------------------------------------------------------------------

    def run(self, *, notes: Sequence[tuple[str, str]] = (), state: dict[str, Any] | None = None) -> Report:
        """Verify the log. `notes` are (source, signed checkpoint) pairs from outside; `state`
        is what the state file remembers."""
        started = time.monotonic()
        claims = self._stored_claims()
        claims += [c for source, note in notes if (c := self._claim(source, note, "signature")) is not None]
        if state and state.get("checkpoint"):
            claim = self._claim("the checkpoint this monitor saw before (state file)", state["checkpoint"], "state")
            if claim is not None:
                claims.append(claim)
        self.report.claims = claims
        self._cosignatures()
        self._roots[0] = EMPTY_ROOT
        self._wanted = {c.size for c in claims}
        elsewhere = (_RegisterCheck(self.using) if self.register and self.parallel and _can_fork(self.using)
                     else None)
        try:
            self._scan()
            self._unexpected_tiles()
            self._explain_tile_mismatches()
            self._judge(claims)
            self._unlogged_history()
        except BaseException:
            if elsewhere is not None:
                elsewhere.stop()
            raise
        if elsewhere is not None:
            self._register_found(*elsewhere.result())
        elif self.register:
            self._register()
        self.report.seconds = time.monotonic() - started
        return self.report

    def _claim(self, source: str, note: str, kind: str) -> Claim | None:
        try:
            opened = open_checkpoint(note, origin=self.origin, verifiers=self.verifiers)
        except NoteError as exc:
            self.problem(kind, f"{source}: {exc}")
            return None
        signers = tuple(s.name for s in opened.note.signatures)
        return Claim(source, opened.size, opened.root_hash, note, text=opened.note.text, signers=signers)

    def _stored_claims(self) -> list[Claim]:
        rows = list(Checkpoint.objects.using(self.using).order_by("size", "id")
                    .values_list("id", "size", "root_hash", "origin", "key_name", "note"))
        if rows and not self.verifiers:
            self.problem("signature", "no verifier key for the log: checkpoint signatures were not checked")
            return []
        claims = []
        for pk, size, root, origin, key_name, note in rows:
            claim = self._claim(f"checkpoint #{pk}", note, "signature")
            if claim is None:
                continue
            if (claim.size, claim.root, self.origin) != (size, bytes(root), origin) or key_name not in claim.signers:
                self.problem("checkpoint", f"checkpoint #{pk}'s stored size, root, origin or key ({size}) differs "
                                           f"from the note it signed (size {claim.size}): the row was changed")
            self._texts[pk] = claim.text
            claims.append(claim)
        return claims

    def _cosignatures(self) -> None:
        """Stored witness signature lines: their columns match the line, and those of known
        witnesses verify over their checkpoint."""
        known = {(w.name, w.key_id): w for w in self.witnesses}
        rows = Cosignature.objects.using(self.using).order_by("id").values_list(
            "id", "checkpoint_id", "key_name", "key_id", "line")
        for pk, checkpoint_id, name, key_id, line in rows:
            try:
                sig = parse_signature_line(line.removesuffix("\n"))
            except NoteError as exc:
                self.problem("signature", f"cosignature #{pk} is not a signature line: {exc}")
                continue
            if (sig.name, sig.key_id) != (name, key_id) or not line.endswith("\n"):
                self.problem("checkpoint", f"cosignature #{pk}'s stored name or key ID differs from its line")
            witness, text = known.get((sig.name, sig.key_id)), self._texts.get(checkpoint_id)
            if witness is not None and text is not None and not witness.verify(text.encode(), sig.raw):
                self.problem("signature", f"cosignature #{pk} by {sig.name} on checkpoint #{checkpoint_id} "
                                          "does not verify")

    # --- entries and tiles ----------------------------------------------------------------

    def _scan(self) -> None:
        # With their PrivateDetail (the before and after of a private or oversized record).
        entries = ChangeRecord.objects.using(self.using).filter(log_index__isnull=False).select_related("detail")
        last_index = entries.order_by("-log_index").values_list("log_index", flat=True).first()
        total = 0 if last_index is None else last_index + 1
        last = -1
        while True:
            rows = list(entries.filter(log_index__gt=last).order_by("log_index")[:self.batch])
            if not rows:
                break
            self._prefetch_level0(self._builder.size, rows[-1].log_index)
            for record in rows:
                if record.log_index > self._builder.size:
                    self._gap(self._builder.size, record.log_index)
                self._entry(record.log_index, bytes(record.leaf or b""), bytes(record.leaf_hash or b""))
            self._history(rows)
            last = rows[-1].log_index
            if self.progress:
                self.progress(self._builder.size, total)
        self.report.size = self._builder.size

    def _history(self, records: list[ChangeRecord]) -> None:
        """Each entry's leaf must be the leaf of its record's own columns."""
        for record in records:
            index, data = record.log_index, bytes(record.leaf or b"")
            if b'"event":' in data:
                # A certificate action's event is the leaf's own (there is no column of it): the
                # rest of the leaf must be the record's columns. The register check reads it.
                record._event = _event_of(data)  # type: ignore[attr-defined]
            if change_record_leaf(record) == data:
                continue
            if b'"sig":' in data and self._signed_leaf_of(record, index, data):
                continue
            if _private_in_full(record, data):
                self.problem("private", f"entry {index} holds a private record ({object_type_of(record)}) in full, "
                                        "where the log now keeps only a commitment: it was written before private "
                                        "kinds were committed, and stays (the log is append-only)", index)
                continue
            self.problem("history", f"entry {index} is not the leaf of change record #{record.pk}'s columns "
                                    "(and its private detail, if it has one): the history, or its leaf, was "
                                    "changed", index)

    def _signed_leaf_of(self, record: ChangeRecord, index: int, data: bytes) -> bool:
        """Whether `data` is the record's leaf signed by the acting body: the rest of it is the
        record's leaf, and the signature verifies with the key it names."""
        try:
            leaf = parse_leaf(data)
        except LeafError:
            return False
        sig = leaf.pop("sig", None)
        if not isinstance(sig, dict) or jcs.dumps(leaf) != change_record_leaf(record):
            return False
        if self._leaf_keys is None:
            from certinel.credentials.leafsign import leaf_keys

            self._leaf_keys = leaf_keys()
        from certinel.credentials.leafsign import leaf_key_slot

        name = str(sig.get("key", "")).rpartition("+")[0]
        slot = leaf_key_slot(name)
        public = self._leaf_keys.get(slot) if slot else None
        if public is None or not verify_leaf_signature(data, public):
            self.problem("signature", f"entry {index} is signed by {name or 'an unnamed key'}, but the signature "
                                      "does not verify with that body's key", index)
        return True

    def _unlogged_history(self) -> None:
        """Every history record must be logged: one without a place in the log was written
        around the services (or its place was taken from it)."""
        unlogged = ChangeRecord.objects.using(self.using).filter(log_index__isnull=True)
        count = unlogged.count()
        if not count:
            return
        missing = list(unlogged.order_by("pk").values_list("pk", flat=True)[:20])
        self.problem("history", f"{count} history record(s) are in no entry of the log "
                                f"(#{', #'.join(map(str, missing))}{' …' if count > 20 else ''}): "
                                "written around the services, or their place in the log was removed")

    def _register(self) -> None:
        from .register import check_register

        self._register_found(*check_register(using=self.using, progress=self.register_progress))

    def _register_found(self, rows: int, mismatches: list[Any]) -> None:
        self.report.rows = rows
        for mismatch in mismatches[:MAX_REGISTER_PROBLEMS]:
            self.problem("private" if mismatch.kind == "private" else "register", str(mismatch), mismatch.index)
        if len(mismatches) > MAX_REGISTER_PROBLEMS:
            self.problem("register", f"… and {len(mismatches) - MAX_REGISTER_PROBLEMS} more rows that disagree "
                                     "with the log")

    def _prefetch_level0(self, first: int, last: int) -> None:
        rows = (LogTile.objects.using(self.using)
                .filter(level=0, index__gte=first // TILE_WIDTH, index__lte=last // TILE_WIDTH)
                .values_list("index", "hashes", "root"))
        self._level0 = {i: (bytes(h), bytes(r)) for i, h, r in rows}

    def _published_leaf(self, index: int) -> bytes | None:
        tile = self._level0.get(index // TILE_WIDTH)
        if tile is None or len(tile[0]) != TILE_WIDTH * HASH_SIZE:
            return None
        offset = (index % TILE_WIDTH) * HASH_SIZE
        return tile[0][offset:offset + HASH_SIZE]

    def _gap(self, first: int, stop: int) -> None:
        self.problem("removed", f"entries {first}..{stop - 1} are missing: removed from the log", first)
        for index in range(first, stop):
            # Carry on with the hash the tile published, so that the rest can still be checked.
            self._add(self._published_leaf(index) or bytes(HASH_SIZE))

    def _entry(self, index: int, data: bytes, stored: bytes) -> None:
        self.report.entries += 1
        computed = leaf_hash(data)
        if computed != stored:
            self._bytes_rewritten.add(index)
            self.problem("rewritten", f"entry {index}: its bytes were rewritten (they hash to "
                                      f"{computed.hex()[:16]}…, its leaf hash is {stored.hex()[:16]}…)", index)
        self._add(computed)

    def _add(self, digest: bytes) -> None:
        self._builder.add(digest)
        for tile in self._builder.drain():
            self._compare_tile(tile)
        if self._builder.size in self._wanted:
            self._roots[self._builder.size] = self._builder.root()

    def _stored_tile(self, level: int, index: int) -> tuple[bytes, bytes] | None:
        if level == 0:
            return self._level0.get(index)
        row = (LogTile.objects.using(self.using).filter(level=level, index=index)
               .values_list("hashes", "root").first())
        return None if row is None else (bytes(row[0]), bytes(row[1]))

    def _compare_tile(self, tile: CompletedTile) -> None:
        self.report.tiles += 1
        self._checked.add((tile.level, tile.index))
        stored = self._stored_tile(tile.level, tile.index)
        name = f"tile {tile.level}/{tile.index}"
        if stored is None:
            self.problem("tile", f"{name} is missing")
            return
        hashes, root = stored
        if hashes != tile.hashes:
            if tile.level == 0 and len(hashes) == len(tile.hashes):
                self._leaf_mismatches(tile, hashes)
            else:
                self.problem("tile", f"{name}'s hashes differ from those recomputed from the entries")
        elif root != tile.root or perfect_root(hashes) != root:
            self.problem("tile", f"{name}'s root column was changed")

    def _leaf_mismatches(self, tile: CompletedTile, published: bytes) -> None:
        start = tile.index * TILE_WIDTH
        for k in range(TILE_WIDTH):
            a = published[k * HASH_SIZE:(k + 1) * HASH_SIZE]
            b = tile.hashes[k * HASH_SIZE:(k + 1) * HASH_SIZE]
            if a != b:
                self._mismatches.append((start + k, a, b))

    def _explain_tile_mismatches(self) -> None:
        published_at = {published: index for index, published, _ in self._mismatches}
        for index, _published, recomputed in self._mismatches:
            origin = published_at.get(recomputed)
            if origin is not None and origin != index:
                self.problem("reordered", f"entry {index} is the entry the log published at index {origin}: "
                                          "entries were moved", index)
            elif index not in self._bytes_rewritten:
                self.problem("rewritten", f"entry {index} differs from the leaf hash published in its tile: "
                                          "its bytes and leaf hash were both replaced", index)

    def _unexpected_tiles(self) -> None:
        stored = LogTile.objects.using(self.using).values_list("level", "index")
        extra = sorted(set(stored) - self._checked)
        for level, index in extra[:20]:
            self.problem("tile", f"tile {level}/{index} is stored but a log of {self.report.size} entries "
                                 "has no such tile")
        if len(extra) > 20:
            self.problem("tile", f"… and {len(extra) - 20} more tiles beyond the log's entries")

    # --- checkpoints ------------------------------------------------------------------------

    def _judge(self, claims: list[Claim]) -> None:
        size = self.report.size
        for claim in claims:
            if claim.size > size:
                claim.matches = False
                self.problem("removed", f"{claim.source} covers {claim.size} entries but the log holds {size}: "
                                        "entries were removed from its end")
                continue
            claim.matches = self._roots.get(claim.size) == claim.root
            if not claim.matches:
                self.problem("checkpoint", f"{claim.source} (size {claim.size}) does not match the log's data: "
                                           "the entries it covers were changed")
        reported: set[tuple[str, str]] = set()
        for a in claims:
            for b in claims:
                if a is b or (b.source, a.source) in reported:
                    continue
                same_size = a.size == b.size and a.root != b.root
                if same_size or (not a.matches and b.matches and b.size >= a.size):
                    reported.add((a.source, b.source))
                    self.problem("conflict", f"{a.source} (size {a.size}) and {b.source} (size {b.size}) cannot "
                                             "both be true: no consistency proof joins them")


def _can_fork(using: str) -> bool:
    """Whether a forked process with a connection of its own sees what this one sees."""
    connection = connections[using]
    if "fork" not in multiprocessing.get_all_start_methods() or connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def _check_register_in_child(send: Any, using: str) -> None:
    """The forked process's work. It ends with os._exit, which leaves out the interpreter's own
    ending (flushing streams, joining threads): locks the parent's threads (a progress bar's)
    held at the fork would otherwise stop it there."""
    from .register import check_register

    try:
        outcome: tuple[str, Any] = ("ok", check_register(using=using))
    except Exception as exc:  # handed to the parent, which raises it
        outcome = ("error", f"{type(exc).__name__}: {exc}")
    try:
        connections.close_all()
        send.send(outcome)
        send.close()
    finally:
        os._exit(0)


class _RegisterCheck:
    """`check_register` in a forked process: (rows compared, mismatches) when `result` is
    asked for. The connections are closed before the fork, so that neither process shares the
    other's."""

    def __init__(self, using: str) -> None:
        connections.close_all()
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_check_register_in_child, args=(send, using), daemon=True,
                                        name="certinel-register-check")
        self._process.start()
        send.close()

    def result(self) -> tuple[int, list[Any]]:
        try:
            kind, value = self._receive.recv()
        except EOFError:
            kind, value = "error", None
        finally:
            self._process.join()
            self._receive.close()
        if value is None:
            value = f"the process ended without a result (exit code {self._process.exitcode})"
        if kind != "ok":
            raise RuntimeError(f"the register check failed: {value}")
        return value

    def stop(self) -> None:
        self._process.terminate()
        self._process.join()
        self._receive.close()


def _event_of(data: bytes) -> Any:
    """The `event` member of a leaf, or None when it cannot be read (the leaf then differs
    from its record's and is reported as such)."""
    try:
        return parse_leaf(data).get("event")
    except LeafError:
        return None


def _private_in_full(record: ChangeRecord, data: bytes) -> bool:
    """Whether `data` is the whole leaf (signed or not) of a record of a private kind."""
    object_type = object_type_of(record)
    if is_public(object_type):
        return False
    try:
        leaf = parse_leaf(data)
    except LeafError:
        return False
    leaf.pop("sig", None)
    return jcs.dumps(leaf) == full_record_leaf(record, object_type=object_type)


def verify_log(*, origin: str, verifiers: Sequence[Verifier], witnesses: Sequence[Verifier] = (),
               notes: Sequence[tuple[str, str]] = (), state: dict[str, Any] | None = None,
               progress: Progress | None = None, using: str = "default", batch: int = 20000,
               register: bool = True, register_progress: RegisterProgress | None = None,
               parallel: bool = False) -> Report:
    """Re-check the whole log (see the module's docstring); with `register`, hold every public
    row against it too (with `parallel`, in a second process where that sees the same data;
    `register_progress` is then not called)."""
    monitor = LogMonitor(origin=origin, verifiers=verifiers, witnesses=witnesses, using=using, batch=batch,
                         progress=progress, register=register, register_progress=register_progress,
                         parallel=parallel)
    return monitor.run(notes=notes, state=state)
