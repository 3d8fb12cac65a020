"""Benchmarks of the transparency log on a real database.

    .venv/bin/python bench/transparency_bench.py [--leaves N] [--db sqlite|postgres] [--proofs K]

1. builds a log of N leaves (default 10 million): leaf hashes and tiles computed in process with
   the log's own TileBuilder, rows written straight into the log's tables (the log_append
   service would take hours for 10M one batch at a time, and it is measured on its own below);
2. times inclusion and consistency proofs at that size from the stored tiles (median, p95),
   with the process's tile cache warm and cold;
3. times appends through log_append, in batches of 1 to 1000 leaves, one transaction each;
4. times signing a checkpoint, and the monitor re-verifying the whole log.

The database is a new SQLite file or a new PostgreSQL database (on DATABASE_URL's server, or
127.0.0.1:5432), removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def setup_database(kind: str) -> Callable[[], None]:
    """Point Django at a fresh database, migrate it; returns the clean-up."""
    os.environ["CERTINEL_LOG_ORIGIN"] = "bench.certinel.test/log"
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="certinel-bench-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"

        def cleanup() -> None:
            shutil.rmtree(folder, ignore_errors=True)
    else:
        import psycopg

        server = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
        name = f"certinel_bench_{os.getpid()}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name

        def cleanup() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
    import django
    from django.conf import settings
    from django.core.management import call_command

    from certinel.settings import base

    values = {name: getattr(base, name) for name in dir(base) if name.isupper()}
    values.update(DEBUG=False, SECRET_KEY=secrets.token_hex(32), CERTINEL_PERSONAL_DATA_SALT=secrets.token_hex(16),
                  DATABASES={"default": base.database_from_url(os.environ["DATABASE_URL"])}, LOGGING={})
    settings.configure(**values)
    django.setup()
    call_command("migrate", "transparency", verbosity=0)
    return cleanup


def entries(start: int, stop: int) -> Iterator[bytes]:
    for i in range(start, stop):
        yield b'{"actor":"bench","n":%d,"type":"bench_event","v":1}' % i


def write_rows(rows: list[tuple], tiles: list) -> None:
    from django.db import connection, transaction

    when = dt.datetime.now(dt.UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy('COPY transparency_logentry ("index", data, leaf_hash, appended_at) FROM STDIN') as copy:
                for index, data, digest in rows:
                    copy.write_row((index, data, digest, when))
        else:
            cursor.executemany('INSERT INTO transparency_logentry ("index", data, leaf_hash, appended_at) '
                               "VALUES (%s, %s, %s, %s)", [(i, d, h, when) for i, d, h in rows])
        cursor.executemany('INSERT INTO transparency_logtile (level, "index", hashes, root) VALUES (%s, %s, %s, %s)',
                           [(t.level, t.index, t.hashes, t.root) for t in tiles])


def build(n: int, chunk: int = 200_000) -> tuple[bytes, float, float]:
    """The log of n leaves; returns its root, the hashing rate and the loading rate."""
    from certinel.transparency.merkle import leaf_hash
    from certinel.transparency.tiledtree import TileBuilder

    builder = TileBuilder()
    hashing = loading = 0.0
    for lo in range(0, n, chunk):
        started = time.perf_counter()
        rows = []
        for index, data in enumerate(entries(lo, min(n, lo + chunk)), start=lo):
            digest = leaf_hash(data)
            builder.add(digest)
            rows.append((index, data, digest))
        tiles = builder.drain()
        hashing += time.perf_counter() - started
        started = time.perf_counter()
        write_rows(rows, tiles)
        loading += time.perf_counter() - started
        print(f"\r  built {min(n, lo + chunk):,} / {n:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return builder.root(), n / hashing, n / loading


def timings(samples: list[float], cpu: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (f"median {statistics.median(ordered) * 1e3:.3f} ms   p95 {p95 * 1e3:.3f} ms   "
            f"(this process's CPU: median {statistics.median(cpu) * 1e3:.3f} ms)")


def analyze() -> None:
    """Bring the planner's statistics up to date, as autovacuum (PostgreSQL) would after a
    load this size; without them PostgreSQL misjudges the range queries (and may even JIT them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE transparency_logentry")
            cursor.execute("VACUUM ANALYZE transparency_logtile")
        else:
            cursor.execute("ANALYZE")


def time_proofs(n: int, count: int, root: bytes, cold: bool) -> dict[str, str]:
    from django.db import connection, reset_queries

    from certinel.transparency.merkle import leaf_hash, verify_consistency, verify_inclusion
    from certinel.transparency.store import DatabaseTileStore
    from certinel.transparency.tiledtree import consistency_proof, inclusion_proof, tile_levels, tree_root

    rng = random.Random(2024)
    store = DatabaseTileStore()
    inclusion, consistency, inclusion_cpu, consistency_cpu = [], [], [], []
    for _ in range(count):
        index, old = rng.randrange(n), rng.randint(1, n)
        if cold:
            tile_levels.cache_clear()
        started, cpu = time.perf_counter(), time.process_time()
        proof = inclusion_proof(store, index, n)
        inclusion.append(time.perf_counter() - started)
        inclusion_cpu.append(time.process_time() - cpu)
        if cold:
            tile_levels.cache_clear()
        started, cpu = time.perf_counter(), time.process_time()
        cproof = consistency_proof(store, old, n)
        consistency.append(time.perf_counter() - started)
        consistency_cpu.append(time.process_time() - cpu)
        if len(inclusion) <= 20:  # check a few, outside the timing
            data = next(entries(index, index + 1))
            assert verify_inclusion(leaf_hash(data), index, n, proof, root)
            if old < n:
                assert verify_consistency(old, n, tree_root(store, old), root, cproof)
    connection.force_debug_cursor = True
    reset_queries()
    inclusion_proof(store, n // 3, n)
    queries = len(connection.queries)
    connection.force_debug_cursor = False
    return {"inclusion": timings(inclusion, inclusion_cpu), "consistency": timings(consistency, consistency_cpu),
            "queries": str(queries)}


def time_appends(batches: tuple[int, ...], seconds: float) -> dict[int, float]:
    from django.db import transaction

    from certinel.transparency.services import log_append

    rates = {}
    n = 10**12
    for size in batches:
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            with transaction.atomic():
                log_append(records=list(entries(n, n + size)))
            n += size
            done += size
        rates[size] = done / (time.perf_counter() - started)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaves", type=int, default=10_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--proofs", type=int, default=2000, help="random proofs to time (each kind)")
    parser.add_argument("--append-seconds", type=float, default=5.0, help="time spent on each batch size")
    parser.add_argument("--skip-monitor", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database (its location is printed)")
    args = parser.parse_args()
    cleanup = setup_database(args.db)
    try:
        run(args)
    finally:
        if args.keep:
            print(f"database kept: {os.environ['DATABASE_URL']}")
        else:
            cleanup()


def run(args: argparse.Namespace) -> None:
    from certinel.transparency.monitor import verify_log
    from certinel.transparency.note import Ed25519Signer
    from certinel.transparency.services import checkpoint_sign
    from certinel.transparency.signers import log_origin
    from certinel.transparency.store import DatabaseTileStore
    from certinel.transparency.tiledtree import tree_root

    n = args.leaves
    rows: list[tuple[str, str]] = [("database", args.db), ("leaves", f"{n:,}"),
                                   ("load average at start", " ".join(f"{x:.1f}" for x in os.getloadavg()))]
    root, hash_rate, load_rate = build(n)
    rows += [("build: leaf hashes + tiles", f"{hash_rate:,.0f} leaves/s"),
             ("build: rows written", f"{load_rate:,.0f} leaves/s")]
    started = time.perf_counter()
    analyze()
    rows.append(("analyze after the load", f"{time.perf_counter() - started:.1f} s"))
    assert tree_root(DatabaseTileStore(), n) == root, "the stored tiles do not give the built root"
    for label, cold in (("warm tile cache", False), ("cold tile cache", True)):
        result = time_proofs(n, args.proofs, root, cold)
        rows += [(f"inclusion proof at {n:,} ({label})", result["inclusion"]),
                 (f"consistency proof at {n:,} ({label})", result["consistency"])]
    rows.append(("queries per inclusion proof", result["queries"]))
    for size, rate in time_appends((1, 10, 100, 1000), args.append_seconds).items():
        rows.append((f"log_append, batches of {size}", f"{rate:,.0f} appends/s"))
    signer = Ed25519Signer.generate(log_origin())
    started = time.perf_counter()
    checkpoint = checkpoint_sign(signer=signer)
    rows.append((f"checkpoint_sign at {checkpoint.size:,}", f"{(time.perf_counter() - started) * 1e3:.1f} ms"))
    if not args.skip_monitor:
        report = verify_log(origin=log_origin(), verifiers=[signer.verifier],
                            progress=lambda done, total: print(f"\r  verified {done:,} / {total:,}", end="",
                                                               file=sys.stderr, flush=True))
        print(file=sys.stderr)
        assert report.ok, report.problems[:5]
        rows.append(("monitor: full re-verification",
                     f"{report.entries / report.seconds:,.0f} entries/s ({report.seconds:.1f} s)"))
    rows.append(("load average at end", " ".join(f"{x:.1f}" for x in os.getloadavg())))
    width = max(len(a) for a, _ in rows)
    print()
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
