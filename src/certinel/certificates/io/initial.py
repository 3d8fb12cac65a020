"""The initial load (`certinel load FILE… --initial`): the certificates a region or a new body
already has, loaded into a register that holds none of them.

The rows go through the same engine as the import (`_Run`, `report_certificates`): the same
checks, the same rows written, the same history records and log leaves. What differs is how:

* **Preconditions.** Every body named must hold no certificate in the register; otherwise the
  load is refused, naming the body and the `certinel import` command to use instead.
* **One transaction for all the files.** A bad row anywhere fails the whole load, and every bad
  row of every file is still checked and reported (the import's report, per file). Readers
  never see part of a load: PostgreSQL commits it at once; SQLite holds its write lock.
* **Indexes after the rows.** When the register holds no certificate at all, the secondary
  indexes of the tables the load fills (not the unique ones, which check the rows, and not the
  ones the engine's own look-ups read) are dropped inside the transaction and built again
  after the last row, once, instead of being updated row by row. That includes the search
  indexes of the certificates. A rollback restores them with everything else. (On
  PostgreSQL the dropped indexes lock the certificate tables against readers until the
  commit: for an empty register there is nothing to read.) In a register that already holds
  certificates the indexes stay: rebuilding them would cost more than it saves.
* **Large chunks.** Rows go through the engine 20,000 at a time (the import: 2,000), so the
  log's leaves are appended, and their tiles built, in large batches.
* **One checkpoint at the end.** After the commit the log signs one checkpoint over all the
  load's leaves (when a signing key is configured), instead of one per scheduler tick.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from certinel.certificates.models import Certificate
from certinel.core.actor import Actor
from certinel.registry.models import CertificationBody

from .errors import FileRejected
from .importer import Cancel, ImportResult, _fewer_collections, _Run, _Statistics
from .readers import open_table

INITIAL_CHUNK = 20_000
# The tables the load fills, whose secondary indexes are built after it (model labels; a label
# the schema no longer has is skipped). The history records are the log's entries (0007).
LOADED_MODELS = ("certificates.Certificate", "core.ChangeRecord")
# Indexes the engine itself reads while it loads, kept: the look-up of other bodies'
# certificates of the same holders ("certificate hopping") reads certificate_holder_idx; without
# it each chunk would read every certificate loaded so far.
KEPT_INDEXES = frozenset({"certificate_holder_idx"})

Progress = Callable[[str, int, int | None], None]


class LoadRefused(Exception):
    """The load cannot start (a body already holds certificates, a body is unknown)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class LoadPart:
    """One file of a load and the body it reports for."""

    path: Path
    body: CertificationBody
    sheet: str | None = None


@dataclass
class LoadResult:
    results: list[ImportResult] = field(default_factory=list)
    indexes_rebuilt: list[str] = field(default_factory=list)
    checkpoint: str = ""
    started_at: dt.datetime = field(default_factory=timezone.now)
    finished_at: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.results)

    @property
    def seconds(self) -> float:
        end = self.finished_at or timezone.now()
        return round((end - self.started_at).total_seconds(), 3)


def check_empty(bodies: Sequence[CertificationBody]) -> None:
    """Refuse a load for a body that already holds certificates."""
    for body in bodies:
        if Certificate.objects.filter(body=body).exists():
            count = Certificate.objects.filter(body=body).count()
            raise LoadRefused(
                f"{body.approval_no} ({body.name}) already holds {count:,} certificate(s) in the register: an initial "
                f"load is for an empty register or a new body. Report its files with `certinel import FILE --body "
                f"{body.approval_no}` instead (same checks; it updates what is there).")


def _tables() -> list[str]:
    tables = []
    for label in LOADED_MODELS:
        try:
            tables.append(apps.get_model(label)._meta.db_table)
        except LookupError:
            continue
    return tables


def secondary_indexes(tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, the statement that creates it) of each index of these tables that neither is
    unique (nor a primary key) nor is read by the engine during a load."""
    found: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                    "WHERE t.relname = %s AND t.relnamespace = to_regnamespace(current_schema())::oid "
                    "AND NOT i.indisunique AND NOT i.indisprimary "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                    "ORDER BY c.relname", [table])
            else:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                               "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name", [table])
            found.extend((name, sql) for name, sql in cursor.fetchall() if name not in KEPT_INDEXES)
    return found


@contextmanager
def naming(path: Path) -> Iterator[None]:
    """A file that cannot be read is named in the refusal (a load reads several)."""
    try:
        yield
    except FileRejected as exc:
        exc.message = f"{path.name}: {exc.message}"
        exc.args = (exc.message,)
        exc.path = path  # type: ignore[attr-defined]
        raise


class BuiltAfter:
    """The indexes dropped for a load; `build` is cleared when the load rolls back (the
    rollback brings them back as they were)."""

    def __init__(self, indexes: list[tuple[str, str]]) -> None:
        self.indexes = indexes
        self.build = True

    @property
    def names(self) -> list[str]:
        return [name for name, _sql in self.indexes]


@contextmanager
def indexes_built_after(enabled: bool) -> Iterator[BuiltAfter]:
    """Inside the caller's transaction: drop the loaded tables' secondary indexes, and create
    them again when the block ends, unless the load cleared `build` (it rolls back). Yields
    the indexes so handled (none when not `enabled`)."""
    after = BuiltAfter(secondary_indexes(_tables()) if enabled else [])
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for name, _sql in after.indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield after
    if not (after.build and after.indexes):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The foreign keys are checked at the commit; PostgreSQL builds no index on a table
            # with checks pending, so they are run now (a bad reference fails here instead).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for _name, sql in after.indexes:
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            for table in _tables():
                cursor.execute(f"ANALYZE {quote(table)}")


def load_initial(parts: Sequence[LoadPart], *, actor_for: Callable[[CertificationBody], Actor],
                 chunk_size: int = INITIAL_CHUNK, progress: Progress | None = None, cancel: Cancel | None = None,
                 today: dt.date | None = None, sign: bool = True) -> LoadResult:
    """Load `parts` (files and their bodies) into a register that holds none of their
    bodies' certificates: all of it or nothing. Raises LoadRefused before writing anything
    when a body already holds certificates, FileRejected when a file cannot be read, and
    ImportCancelled when cancelled before the commit. Row problems are in the result's
    per-file results, and then nothing is written."""
    cancel = cancel or Cancel()
    bodies = list({p.body.pk: p.body for p in parts}.values())
    check_empty(bodies)
    result = LoadResult()
    empty_register = not Certificate.objects.exists()
    with _fewer_collections(), ExitStack() as files:
        tables = []
        for part in parts:
            with naming(part.path):
                tables.append(files.enter_context(open_table(part.path, name=part.path.name, sheet=part.sheet)))
        with transaction.atomic():
            check_empty(bodies)  # again, inside the transaction that writes
            writing = True
            with indexes_built_after(empty_register) as after:
                statistics = _Statistics()
                written = 0
                for part, table in zip(parts, tables, strict=True):
                    name = part.path.name

                    def step(done: int, total: int | None, name: str = name) -> None:
                        if progress is not None:
                            progress(name, done, total)

                    run = _Run(table=table, actor=actor_for(part.body), body=part.body, dry_run=False,
                               chunk_size=chunk_size, progress=step, today=today)
                    with naming(part.path):
                        for items, bad in run.chunks():
                            cancel.check()
                            writing = run.check(items, bad, write=writing) and writing
                            if writing and not empty_register:
                                statistics.after(written + run.result.count("created"))
                    written += run.result.count("created")
                    run.result.finished_at = timezone.now()
                    result.results.append(run.result)
                cancel.check()
                if not (writing and result.ok):
                    after.build = False
                    transaction.set_rollback(True)
            if result.ok:
                result.indexes_rebuilt = after.names
                cancel.check()
                cancel.committing = True
    if sign and result.ok:
        from certinel.core.scheduler import sign_checkpoint_if_grown

        result.checkpoint = sign_checkpoint_if_grown()
    result.finished_at = timezone.now()
    return result
