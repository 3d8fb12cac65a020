"""Importing a file of certificates: rows are read in chunks and each chunk goes through the
reporting engine (`report_certificates`), so that a file of any size is checked and written
with bounded work per step.

All or nothing: a real run wraps every chunk in ONE transaction. The first chunk with a bad
row stops the writing; the remaining chunks are still checked (as dry runs, inside the same
transaction, so they see what the earlier chunks would have written) to report every bad row;
then the transaction is rolled back. A process killed half-way leaves nothing behind either:
the database never committed the transaction.

With `prefetch`, reading overlaps with writing: a thread reads and parses the next chunks of
the file (at most PREFETCH ahead) while the database checks and writes the chunk before, on the
caller's thread, which alone uses the database connection and owns the transaction. What the
thread finds wrong with the file (FileRejected, a read error) is raised on the caller's thread
when the import reaches that chunk, as if read there; when the caller stops (an error, a
cancel), the thread stops too. The result is the same either way. It is off by default: it
made no import faster. Reading and parsing are a twelfth of an import's time (20,000 rows of
the benchmark's file: 0.65 s of 7-10 s); the rest is the engine's own Python work, which holds
the interpreter lock as the parsing does, and what the database does without it is short
steps (SQLite's rows, PostgreSQL's round trips) after each of which the caller waits for the
lock again. Median of 4-5 alternated runs on 2 cores, sequential time over prefetched time:
SQLite 1.00, PostgreSQL 0.98. (A process would not need the lock, but unpickling its chunks
costs half of what parsing them does.)

An import can be cancelled (`Cancel`, e.g. from a signal handler): it stops before the next
chunk, or before it commits, raises ImportCancelled and writes nothing. Once the commit has
begun the request comes too late and the import completes.

A certificate number that appears twice in the file is an error wherever the two rows fall,
also in different chunks (the engine only sees one chunk at a time).

A resend (the same rows again: bodies send their whole list each time) takes a short path. Each
row the import writes or finds unchanged leaves its fingerprint (`ReportedRow`: a digest of its
cells under the file's columns, and the certificate's version after it). A later row with the
same fingerprint, for a certificate of the same body whose version is still that one, is
"unchanged" without being parsed or checked again: nothing about it has changed, neither the
row nor the certificate. Only certificates whose checks give the same answer today take it:
revoked, cancelled or expired ones; valid ones not past their expiry date; suspended ones not
past their expiry date whose suspension has not ended (a suspension's end is checked against
today when the row gives no date for it). A valid or suspended certificate past one of those
dates, which the hourly job has not yet moved on, takes the full path, as does every row of an
import with `prefetch` (its reading thread cannot ask the database). An import that finds only
such rows writes nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import queue
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.certificates.choices import CertificateStatus
from certinel.certificates.data import CertificateData
from certinel.certificates.models import Certificate, ReportedRow
from certinel.certificates.reporting import ReportResult, RowOutcome, report_certificates
from certinel.core.actor import Actor
from certinel.core.errors import FieldError, ValidationFailed
from certinel.registry.models import CertificationBody

from .errors import FileInfo, RowError
from .readers import Table, open_table
from .rows import RowParser

DEFAULT_CHUNK = 2000
# Chunks read and parsed ahead of the one the database is working on.
PREFETCH = 2
OUTCOMES = ("created", "updated", "unchanged", "invalid")

Progress = Callable[[int, int | None], None]
# A row that could not be read: its row number, its certificate number (as far as readable)
# and why.
Bad = tuple[int, str, list[RowError]]
Chunk = tuple[list[CertificateData], list[Bad]]
# What the register holds of a row's certificate for the resend path: the fingerprint of the row
# that last left it as it is, that row's version, and the certificate's version, status, expiry
# date and suspension end.
Stored = tuple[bytes, int, int, str, dt.date, dt.date | None]
# Statuses whose checks do not depend on the day (valid and suspended ones: see _settled).
_SETTLED = frozenset({CertificateStatus.REVOKED, CertificateStatus.CANCELLED, CertificateStatus.EXPIRED})


def _settled(held: Stored, today: dt.date) -> bool:
    """Whether the checks of a row equal to what the register holds give today what they gave."""
    status, expires_on, suspended_until = held[3], held[4], held[5]
    if status in _SETTLED:
        return True
    if expires_on < today:
        return False
    if status == CertificateStatus.VALID:
        return True
    return status == CertificateStatus.SUSPENDED and suspended_until is not None and suspended_until > today


class ImportCancelled(Exception):
    """The import was cancelled before it committed: nothing was written."""


class Cancel:
    """A request to stop an import, safe to make from another thread or a signal handler. The
    import checks it before each chunk and once more before it commits; `committing` is set
    when the commit begins, after which a request comes too late."""

    def __init__(self) -> None:
        self._requested = threading.Event()
        self.committing = False

    def request(self) -> None:
        self._requested.set()

    @property
    def requested(self) -> bool:
        return self._requested.is_set()

    def check(self) -> None:
        if self._requested.is_set():
            raise ImportCancelled(_("导入已取消，未写入任何数据。"))


class RowOutcomes:
    """The outcome of every row of an import, kept compactly: a national file has millions of
    rows, and one RowOutcome object each (with its list of events) would take over a kilobyte
    a row. Rows, outcomes and event lists are kept in arrays (each distinct list of events
    once); reading gives RowOutcome objects."""

    def __init__(self, outcomes: Iterable[RowOutcome] = ()) -> None:
        self._rows = array("q")
        self._numbers: list[str] = []
        self._codes = bytearray()
        self._events: list[int] = []
        self._event_lists: list[tuple[str, ...]] = []
        self._event_ids: dict[tuple[str, ...], int] = {}
        self._counts = dict.fromkeys(OUTCOMES, 0)
        self.extend(outcomes)

    def append(self, outcome: RowOutcome) -> None:
        self._rows.append(-1 if outcome.row is None else outcome.row)
        self._numbers.append(outcome.number)
        self._codes.append(_OUTCOME_CODE[outcome.outcome])
        events = tuple(outcome.events)
        known = self._event_ids.get(events)
        if known is None:
            known = self._event_ids[events] = len(self._event_lists)
            self._event_lists.append(events)
        self._events.append(known)
        self._counts[outcome.outcome] += 1

    def extend(self, outcomes: Iterable[RowOutcome]) -> None:
        for outcome in outcomes:
            self.append(outcome)

    def __len__(self) -> int:
        return len(self._numbers)

    def __getitem__(self, i: int) -> RowOutcome:
        row = self._rows[i]
        return RowOutcome(None if row < 0 else row, self._numbers[i], OUTCOMES[self._codes[i]],
                          list(self._event_lists[self._events[i]]))

    def __iter__(self) -> Iterator[RowOutcome]:
        for i in range(len(self)):
            yield self[i]

    def counts(self) -> dict[str, int]:
        return dict(self._counts)


_OUTCOME_CODE = {name: i for i, name in enumerate(OUTCOMES)}


@dataclass
class ImportResult:
    file: FileInfo
    body_approval_no: str
    body_name: str
    actor: str
    dry_run: bool
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    outcomes: RowOutcomes = field(default_factory=RowOutcomes)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def total(self) -> int:
        return len(self.outcomes)

    def count(self, outcome: str) -> int:
        return self.outcomes.counts()[outcome]

    def counts(self) -> dict[str, int]:
        return self.outcomes.counts()

    @property
    def seconds(self) -> float:
        end = self.finished_at or timezone.now()
        return round((end - self.started_at).total_seconds(), 3)

    def summary(self) -> dict[str, Any]:
        return {"file": self.file.as_dict(), "body": {"approval_no": self.body_approval_no, "name": self.body_name},
                "actor": self.actor, "dry_run": self.dry_run, "ok": self.ok, "written": self.written,
                "total": self.total, **self.counts(), "error_count": len(self.errors),
                "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None, "seconds": self.seconds}

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary(), "errors": [e.as_dict() for e in self.errors],
                "rows": [o.as_dict() for o in self.outcomes]}

    def row_dicts(self) -> Iterator[dict[str, Any]]:
        """Each row's outcome, one at a time (for reports written as they are read)."""
        for outcome in self.outcomes:
            yield outcome.as_dict()


class _Run:
    """One import: the state carried from chunk to chunk."""

    def __init__(self, *, table: Table, actor: Actor, body: CertificationBody, dry_run: bool, chunk_size: int,
                 progress: Progress | None, today: dt.date | None, resend_path: bool = True) -> None:
        # Rows the resend path finds unchanged never reach the engine, which checks this.
        require(actor, "report", "certificate", Certificate(body=body))
        self.table, self.actor, self.body, self.today = table, actor, body, today
        self.chunk_size = max(1, chunk_size)
        self.progress = progress
        self.parser = RowParser(table.header, header_row=table.header_row)
        self.first_row: dict[str, int] = {}
        self.done = 0
        self.resend_path = resend_path
        # The chunk chunks() yielded last: its rows found unchanged by their fingerprint, the
        # fingerprints of its other rows (by row) and what the register held of their numbers.
        self._known: list[RowOutcome] = []
        self._fingerprints: dict[int, tuple[str, bytes]] = {}
        self._stored: dict[str, Stored] = {}
        self.result = ImportResult(file=table.info, body_approval_no=body.approval_no, body_name=body.name,
                                   actor=actor.label, dry_run=dry_run, started_at=timezone.now())

    def chunks(self) -> Iterator[Chunk]:
        if self.resend_path:
            yield from self._resend_chunks()
            return
        items: list[CertificateData] = []
        bad: list[Bad] = []
        for number, values in self.table.rows():
            self._parse(number, values, items, bad)
            if len(items) + len(bad) >= self.chunk_size:
                yield items, bad
                items, bad = [], []
        if items or bad:
            yield items, bad

    def _parse(self, number: int, values: Any, items: list[CertificateData], bad: list[Bad]) -> None:
        data, errors = self.parser.parse(number, values)
        if data is not None:
            first = self.first_row.setdefault(data.number, number) if data.number else number
            if first != number:
                errors = [self.parser.row_error("number", "duplicate_in_batch", _(
                    "证书编号 %(number)s 在本文件中重复出现（第一次在第 %(first)d 行）。") % {
                    "number": data.number, "first": first}, number)]
                data = None
        if data is not None:
            items.append(data)
        else:
            bad.append((number, self.parser.number_of(values), errors))

    def _resend_chunks(self) -> Iterator[Chunk]:
        """The chunks, each row first compared with the fingerprint the register holds for its
        certificate (see the module's docstring); only rows that differ are parsed."""
        rows: list[tuple[int, Any]] = []
        for row in self.table.rows():
            rows.append(row)
            if len(rows) >= self.chunk_size:
                yield self._sorted_out(rows)
                rows = []
        if rows:
            yield self._sorted_out(rows)

    def _sorted_out(self, rows: list[tuple[int, Any]]) -> Chunk:
        parser = self.parser
        keyed = [(row, values, parser.number_in(values), parser.fingerprint(values)) for row, values in rows]
        stored = self._stored = _stored_rows(self.body, [number for _r, _v, number, _f in keyed if number])
        today = self.today or timezone.localdate()
        known: list[RowOutcome] = []
        fingerprints: dict[int, tuple[str, bytes]] = {}
        items: list[CertificateData] = []
        bad: list[Bad] = []
        for row, values, number, fingerprint in keyed:
            held = stored.get(number) if number else None
            if (held is not None and held[0] == fingerprint and held[1] == held[2] and number not in self.first_row
                    and _settled(held, today)):
                self.first_row[number] = row  # type: ignore[index]
                known.append(RowOutcome(row, number, "unchanged"))  # type: ignore[arg-type]
                continue
            if number:
                fingerprints[row] = (number, fingerprint)
            self._parse(row, values, items, bad)
        self._known, self._fingerprints = known, fingerprints
        return items, bad

    def check(self, items: list[CertificateData], bad: list[Bad], *, write: bool) -> bool:
        """Run one chunk through the engine (writing only when `write` and every row of the
        chunk could be read); returns whether the chunk is free of errors."""
        known, self._known = self._known, []
        fingerprints, self._fingerprints = self._fingerprints, {}
        outcomes = [RowOutcome(row, number, "invalid") for row, number, _errors in bad]
        for _row, _number, errors in bad:
            self.result.errors.extend(errors)
        engine_errors: list[FieldError] = []
        report = None
        if items:
            report, engine_errors = self._report(items, dry_run=not (write and not bad))
            outcomes.extend(report.outcomes)
            self.result.errors.extend(self.parser.row_error(e.field, e.code, e.message, e.row)
                                      for e in engine_errors)
        invalid_rows = {e.row for e in engine_errors}
        for outcome in outcomes:
            if outcome.row in invalid_rows:
                outcome.outcome = "invalid"
        if report is not None and not report.dry_run and fingerprints:
            _keep_fingerprints(self.body, report.outcomes, fingerprints, self._stored)
        outcomes.extend(known)
        outcomes.sort(key=lambda o: o.row or 0)
        self.result.outcomes.extend(outcomes)
        self.done += len(outcomes)
        if self.progress is not None:
            self.progress(self.done, self.table.total_hint)
        return not bad and not engine_errors

    def _report(self, items: list[CertificateData], *, dry_run: bool) -> tuple[ReportResult, list[FieldError]]:
        try:
            report = report_certificates(actor=self.actor, body=self.body, items=items, dry_run=dry_run,
                                         today=self.today)
        except ValidationFailed as exc:
            # A service the engine calls while writing refused a row the engine's checks let
            # through (e.g. registering a new holder): report it like any other row error.
            report = report_certificates(actor=self.actor, body=self.body, items=items, dry_run=True,
                                         today=self.today)
            return report, [*report.errors, *exc.errors]
        return report, report.errors


def _any_of(qs: Any, field: str, values: Iterable[Any], *columns: str) -> Iterator[tuple]:
    """`columns` of the rows of `qs` whose `field` is one of `values`: one query on PostgreSQL
    (an array parameter), 900 values at a time on SQLite (its limit of parameters)."""
    wanted = sorted(set(values))
    step = max(1, len(wanted)) if connection.vendor == "postgresql" else 900
    for start in range(0, len(wanted), step):
        yield from qs.filter(**{f"{field}__any": wanted[start:start + step]}).values_list(*columns)


def _by_number(body: CertificationBody, numbers: Iterable[str], *columns: str) -> Iterator[tuple]:
    """`columns` of `body`'s certificates with these numbers, looked up as the engine looks them
    up: through the (number, body) index, which SQLite's planner takes only when asked by
    number alone (with the body it would read all the body's certificates)."""
    qs = Certificate.objects.order_by()
    if connection.vendor == "postgresql":
        qs = qs.filter(body=body)
    for body_id, *row in _any_of(qs, "number", numbers, "body_id", *columns):
        if body_id == body.pk:
            yield tuple(row)


def _stored_rows(body: CertificationBody, numbers: list[str]) -> dict[str, Stored]:
    """What the register holds of these numbers' certificates of `body` that have a
    fingerprint. Two look-ups: the certificates by number, as the engine reads them, then their
    fingerprints by certificate."""
    if not numbers:
        return {}
    certs = {pk: rest for pk, *rest in _by_number(body, numbers, "pk", "number", "version", "status", "expires_on",
                                                  "suspended_until")}
    found: dict[str, Stored] = {}
    for pk, digest, version in _any_of(ReportedRow.objects.order_by(), "certificate_id", certs,
                                       "certificate_id", "digest", "version"):
        number, cert_version, status, expires_on, until = certs[pk]
        found[number] = (bytes(digest), version, cert_version, status, expires_on, until)
    return found


def _keep_fingerprints(body: CertificationBody, outcomes: list[RowOutcome],
                       fingerprints: dict[int, tuple[str, bytes]], stored: dict[str, Stored]) -> None:
    """After a chunk is written: the fingerprint of each row that left its certificate as it
    is now (created, updated, or unchanged where the register held another fingerprint or an
    older version). New certificates' fingerprints are inserted in bulk; others replace theirs."""
    wanted: dict[str, bytes] = {}
    for outcome in outcomes:
        if outcome.outcome == "invalid" or outcome.row not in fingerprints:
            continue
        number, fingerprint = fingerprints[outcome.row]
        held = stored.get(number)
        if outcome.outcome == "unchanged" and held is not None and held[0] == fingerprint and held[1] == held[2]:
            continue
        wanted[number] = fingerprint
    if not wanted:
        return
    new: list[tuple[int, bytes, int]] = []
    known: list[tuple[bytes, int, int]] = []
    for pk, number, version in _by_number(body, wanted, "pk", "number", "version"):
        if number in stored:
            known.append((wanted[number], version, pk))
        else:
            # No fingerprint was found for it before the chunk: a new certificate, or one
            # reported before fingerprints were kept (an upsert below takes both).
            new.append((pk, wanted[number], version))
    table = connection.ops.quote_name(ReportedRow._meta.db_table)
    with connection.cursor() as cursor:
        if new:
            cursor.executemany(
                f"INSERT INTO {table} (certificate_id, digest, version) VALUES (%s, %s, %s) "  # noqa: S608
                "ON CONFLICT (certificate_id) DO UPDATE SET digest = excluded.digest, version = excluded.version",
                new)
        if known:
            cursor.executemany(f"UPDATE {table} SET digest = %s, version = %s WHERE certificate_id = %s",  # noqa: S608
                               known)


_gc_lock = threading.Lock()
_gc_users = 0
_gc_threshold: tuple[int, ...] = ()


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """An import makes millions of short-lived containers. With the default thresholds the
    cycle collector runs thousands of times and scans every long-lived object again and again
    (a fifth of an import's time). Long-lived objects are frozen out of its sight and young
    collections come less often while imports run; the first import to start changes the
    settings (they are the process's) and the last to end restores them."""
    global _gc_users, _gc_threshold
    with _gc_lock:
        if _gc_users == 0:
            _gc_threshold = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(_gc_threshold[0], 50_000), *_gc_threshold[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_threshold)
                gc.unfreeze()


def run_import(table: Table, *, actor: Actor, body: CertificationBody, dry_run: bool = False,
               chunk_size: int = DEFAULT_CHUNK, progress: Progress | None = None,
               today: dt.date | None = None, cancel: Cancel | None = None,
               prefetch: bool = False) -> ImportResult:
    """Import an opened table for `body`. Raises FileRejected when the file (or its header)
    cannot be read, ImportCancelled when `cancel` is requested before the commit; row problems
    are in the result. A real run writes everything or nothing. `prefetch`: read the next
    chunks in a thread while the database works (see the module's docstring)."""
    run = _Run(table=table, actor=actor, body=body, dry_run=dry_run, chunk_size=chunk_size, progress=progress,
               today=today, resend_path=not prefetch)
    with _fewer_collections():
        _run_all(run, dry_run=dry_run, cancel=cancel or Cancel(), prefetch=prefetch)
    run.result.finished_at = timezone.now()
    return run.result


_END = object()


class _Prefetch:
    """The chunks of an import, read and parsed by a thread of their own at most `depth` chunks
    ahead of the caller. An exception raised in the thread is raised again by the iteration,
    where the caller reaches it; `close()` stops the thread (and waits for it, so that the file
    is no longer read once it returns)."""

    def __init__(self, chunks: Iterator[Chunk], depth: int = PREFETCH) -> None:
        self._chunks = chunks
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        # Messages are translated in the caller's language, which is the caller's thread's.
        self._thread = threading.Thread(target=self._produce, args=(translation.get_language(),),
                                        name="certinel-import-reader", daemon=True)

    def _produce(self, language: str | None) -> None:
        try:
            with translation.override(language):
                for chunk in self._chunks:
                    if not self._put(chunk):
                        return
        except BaseException as exc:  # handed to the caller, which decides
            self._put(_Failed(exc))
            return
        finally:
            self._chunks.close()  # type: ignore[attr-defined]
        self._put(_END)

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def __iter__(self) -> Iterator[Chunk]:
        self._thread.start()
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item

    def close(self) -> None:
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join()


@dataclass
class _Failed:
    exc: BaseException


class _Statistics:
    """PostgreSQL plans each query with the table statistics of before the import: inside its
    one transaction nothing refreshes them. As a national file fills a register that held few
    of the body's certificates, the look-up of each chunk's numbers, planned for a few dozen
    rows of the body, came to read all the body's certificates written so far, at every chunk
    (at a million rows, two fifths of the import's time). ANALYZE run inside the transaction
    samples the transaction's own rows too; it is run each time the certificates written have
    doubled, from 20,000 on: a dozen times for 5 million. In a savepoint, so that a user
    without the right to analyze only goes without."""

    FIRST = 20_000
    table = Certificate._meta.db_table

    def __init__(self) -> None:
        self.next = self.FIRST

    def after(self, written: int) -> None:
        if connection.vendor != "postgresql" or written < self.next:
            return
        self.next = written * 2
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(self.table)}")
        except DatabaseError:
            pass


def _run_all(run: _Run, *, dry_run: bool, cancel: Cancel, prefetch: bool) -> None:
    chunks: Iterator[Chunk] | _Prefetch = _Prefetch(run.chunks()) if prefetch else run.chunks()
    with contextlib.closing(chunks):  # type: ignore[type-var]
        if dry_run:
            for items, bad in chunks:
                cancel.check()
                run.check(items, bad, write=False)
            cancel.check()
            return
        statistics = _Statistics()
        with transaction.atomic():
            writing = True
            for items, bad in chunks:
                cancel.check()
                writing = run.check(items, bad, write=writing) and writing
                if writing:
                    statistics.after(run.result.count("created"))
            cancel.check()
            if not run.result.ok:
                transaction.set_rollback(True)
            else:
                cancel.committing = True


def import_file(source: str | Path | IO[bytes], *, actor: Actor, body: CertificationBody, name: str = "",
                sheet: str | None = None, max_bytes: int | None = None, dry_run: bool = False,
                chunk_size: int = DEFAULT_CHUNK, progress: Progress | None = None,
                today: dt.date | None = None, cancel: Cancel | None = None,
                prefetch: bool = False) -> ImportResult:
    """Open a CSV or XLSX file and import it (see run_import)."""
    with open_table(source, name=name, sheet=sheet, max_bytes=max_bytes) as table:
        return run_import(table, actor=actor, body=body, dry_run=dry_run, chunk_size=chunk_size,
                          progress=progress, today=today, cancel=cancel, prefetch=prefetch)
