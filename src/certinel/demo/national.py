"""The national data set for benchmarks (`certinel demo --scale national`): 1.5 million or
more organizations across every province, with sites, former names, the name search index and
their history, written by the bulk path (`bulk.py`) a chunk at a time, so memory stays
bounded whatever the size.

Loading is tuned for a database that is being filled, not served:
- PostgreSQL: COPY; when the name index table is empty, its primary key and index are dropped
  before and built again after (a sorted build is many times faster than 30 million random
  inserts), and so are the plain indexes of the history table when it is empty;
- SQLite: executemany in one transaction per chunk, with journaling and foreign key checks off
  while loading and WAL mode restored afterwards (an interrupted load leaves a database to
  delete, as with any scratch benchmark file).
Both finish with ANALYZE (and VACUUM on PostgreSQL, for index-only scans).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import OperationalError, connection, transaction

from certinel.core.models import ChangeRecord
from certinel.reference.loader import sync_all
from certinel.registry.models import NameGram, Organization, Site

from .bulk import OrganizationLoader, RowMaker, Rows, StagingTable, chunks
from .context import Context, NullReporter, Reporter
from .organizations import Lookups, organization_specs
from .places import PlaceBook, national_books

NATIONAL_ORGANIZATIONS = 1_500_000
CHUNK = 20_000


@dataclass
class NationalSummary:
    organizations: int = 0
    sites: int = 0
    former_names: int = 0
    index_rows: int = 0
    history: int = 0
    provinces: int = 0
    seconds: float = 0.0
    load_seconds: float = 0.0
    index_seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


def province_counts(total: int, shares: list[tuple[str, float]]) -> list[tuple[str, int]]:
    """`total` shared out over the provinces by weight (largest remainders)."""
    whole = sum(w for _, w in shares)
    exact = [(p, total * w / whole) for p, w in shares]
    counts = {p: int(x) for p, x in exact}
    for p, _ in sorted(exact, key=lambda px: px[1] - int(px[1]), reverse=True)[: total - sum(counts.values())]:
        counts[p] += 1
    return [(p, counts[p]) for p, _ in shares if counts[p]]


class _Indexes:
    """Indexes taken off empty tables for the load and put back afterwards."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def take_off(self, model, *, primary_key: bool = False) -> None:
        table = model._meta.db_table
        if model.objects.exists():
            return
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                               "AND sql IS NOT NULL", [table])
            else:
                if primary_key:
                    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                   "WHERE conrelid = %s::regclass AND contype = 'p'", [table])
                    for name, definition in cursor.fetchall():
                        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                        self.statements.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                cursor.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT "
                               "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", [table])
            for name, definition in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                self.statements.append(definition)

    def put_back(self) -> None:
        with connection.cursor() as cursor:
            for sql in self.statements:
                cursor.execute(sql)
        self.statements = []


STAGE = "demo_namegram_stage"


def _prepare() -> _Indexes:
    indexes = _Indexes()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '1GB'")
        else:
            # No journal while loading (the whole build is one transaction either way); SQLite
            # refuses to leave WAL while another connection has the database open, and then the
            # build goes on in WAL, only slower.
            with contextlib.suppress(OperationalError):
                cursor.execute("PRAGMA journal_mode = OFF")
            for pragma in ("synchronous = OFF", "foreign_keys = OFF", "cache_size = -1000000", "temp_store = MEMORY"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(f"CREATE TABLE {STAGE} (gram INTEGER NOT NULL, organization_id INTEGER NOT NULL)")
    indexes.take_off(NameGram, primary_key=True)
    for model in (ChangeRecord, Organization, Site):
        indexes.take_off(model)
    return indexes


def _finish(indexes: _Indexes) -> dict[str, float]:
    """Sort the staged name index in (SQLite), put the indexes back, gather statistics;
    returns the seconds each step took."""
    steps: dict[str, float] = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"INSERT INTO {NameGram._meta.db_table} (gram, organization_id) "  # noqa: S608
                           f"SELECT gram, organization_id FROM {STAGE} ORDER BY gram, organization_id")
            cursor.execute(f"DROP TABLE {STAGE}")
            steps["name_index_sorted_in"] = time.perf_counter() - started
        started = time.perf_counter()
        indexes.put_back()
        steps["indexes_built"] = time.perf_counter() - started
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA analysis_limit = 2000")
            cursor.execute("ANALYZE")
        steps["statistics"] = time.perf_counter() - started
    # The loader's settings (no synchronous commits, a large cache) must not outlive the load:
    # the next statement opens a connection with the usual ones.
    if not connection.in_atomic_block:
        connection.close()
    return {k: round(v, 1) for k, v in steps.items()}


def _produce(queue, plan: list[tuple[str, int]], books: dict[str, PlaceBook], lookups: Lookups, seed: int,
             maker: RowMaker, chunk: int) -> None:
    """The generating process: makes the rows of every chunk and queues them, in order. It
    touches no database (the writing process does)."""
    try:
        for prefix, count in plan:
            ctx = Context(random.Random(f"{seed}-{prefix}"), books[prefix])
            specs = organization_specs(ctx, count, lookups, renamed_share=0.01)
            for batch in chunks(specs, chunk):
                queue.put((maker.rows(batch), len(batch)))
        queue.put(None)
    except BaseException as exc:  # report it to the writer rather than die silently
        queue.put(RuntimeError(f"generating organizations failed: {exc!r}"))


def _chunks_from(process_queue) -> Iterator[tuple[Rows, int]]:
    while (item := process_queue.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item


def build_national(*, seed: int = 2026, organizations: int = NATIONAL_ORGANIZATIONS,
                   reporter: Reporter | None = None, chunk: int = CHUNK) -> NationalSummary:
    """Load the reference lists, then `organizations` organizations across all provinces.
    One process generates the rows while this one writes them (two cores, both busy)."""
    started = time.perf_counter()
    reporter = reporter or NullReporter()
    sync_all()
    books = national_books()
    plan = province_counts(organizations, [(p, share) for p, share, _ in books])
    maker = RowMaker.from_database()
    indexes = _prepare()
    stage = StagingTable(STAGE) if connection.vendor != "postgresql" else None
    loader = OrganizationLoader(gram_table=stage, sort_grams=False)
    mp = multiprocessing.get_context("fork")
    queue = mp.Queue(maxsize=3)
    producer = mp.Process(target=_produce, daemon=True,
                          args=(queue, plan, {p: b for p, _, b in books}, Lookups(), seed, maker, chunk))
    producer.start()
    reporter.start("获证组织 organizations (national)", organizations)
    try:
        for rows, count in _chunks_from(queue):
            with transaction.atomic():
                loader.write_rows(rows)
            reporter.advance(count)
    finally:
        producer.join(timeout=5)
        if producer.is_alive():
            producer.terminate()
    loader.finish()
    reporter.done()
    loaded = time.perf_counter()
    reporter.start("索引与统计 indexes and statistics", 1)
    steps = _finish(indexes)
    reporter.advance()
    reporter.done()
    c = loader.counts
    return NationalSummary(
        organizations=c.organizations, sites=c.sites, former_names=c.former_names, index_rows=c.index_rows,
        history=c.history, provinces=len(plan), seconds=time.perf_counter() - started,
        load_seconds=loaded - started, index_seconds=time.perf_counter() - loaded, steps=steps)
