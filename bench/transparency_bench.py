"""Benchmarks of the transparency log on a real database.

    .venv/bin/python bench/transparency_bench.py [--leaves N] [--db sqlite|postgres] [--proofs K]
                                                 [--append-seconds S] [--checkpoints C] [--json FILE]

1. builds a log of N leaves (default 10 million): the log's entries are history records
   (core.ChangeRecord, each with its leaf, leaf hash and log index), here small records of a
   private kind about one account; leaf hashes and tiles computed in process with the log's own
   TileBuilder, rows written straight into the tables (writing them through the history service
   would take hours for 10M one batch at a time, and it is measured on its own below);
2. times inclusion and consistency proofs at that size from the stored tiles (median, p95),
   with the process's tile cache warm and cold;
3. times appends through the history service (`record_changes`, which logs each record as it
   inserts it), in batches of 1 to 1000 records, one transaction each;
4. times signing a checkpoint, and the monitor re-verifying the whole log.

Every figure is set against a reference measured in the same run, on the same database and
connection, and quoted as a ratio of medians:

- proofs: one indexed read of a stored tile row by its key (level, index), in plain SQL
  through the same Django connection, as many samples as proofs, after a warm-up; taken
  again right before each pass of proofs (warm and cold tile cache);
- appends: inserting as many rows (bigint key, 32-byte hash, 200-byte payload) into a scratch
  table with executemany, one transaction a batch, same batch sizes, alternating transaction
  by transaction with the history service's batches (so both see the same load);
- checkpoint signing: a bare Ed25519 signature (cryptography) of a note of the same size;
- monitor: hashlib.sha256 over the same leaf bytes (0x00 || entry) in a plain Python loop.

Transaction rates are batch size / median transaction time. The figures, the references, the
machine (CPU, cores, load average at start and end and at each phase) and the versions are
written to bench/out/transparency-<db>-<date>-<time>.json (or --json FILE).

The database is a new SQLite file or a new PostgreSQL database (on DATABASE_URL's server, or
127.0.0.1:5432), removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "src"))

SCRATCH = "bench_insert_reference"  # the raw-insert reference's table
SCRATCH_HASH, SCRATCH_PAYLOAD = 32, 200  # bytes a row, besides its bigint key
APPEND_START = 10**12  # the appended entries are entries(APPEND_START, APPEND_START + appended)


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
    call_command("migrate", "core", verbosity=0)  # the private details (core 0005)
    return cleanup


# --- the machine ---------------------------------------------------------------------------------


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> dict[str, str | None]:
    """The machine, described (CPU model, cores, memory, system, versions)."""
    import cryptography
    import django

    info: dict[str, str | None] = {"python": platform.python_version(), "cores": str(os.cpu_count()),
                                   "sqlite": sqlite3.sqlite_version, "django": django.get_version(),
                                   "cryptography": cryptography.__version__}
    try:
        import psycopg

        info["psycopg"] = psycopg.__version__
        info["libpq"] = str(psycopg.pq.version())
    except ImportError:
        pass
    try:
        cpu = [line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")]
        info["cpu"] = cpu[0].split(":", 1)[1].strip() if cpu else platform.processor()
        mem = [line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")]
        info["memory_gb"] = f"{int(mem[0].split()[1]) / 1024 / 1024:.1f}" if mem else ""
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        info["os"] = release.get("PRETTY_NAME", platform.platform()).strip('"')
    except OSError:
        info.setdefault("os", platform.platform())
    return info


def database_version() -> str:
    """The server's version (PostgreSQL), or the SQLite library's the connection uses."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
        else:
            cursor.execute("SELECT 'SQLite ' || sqlite_version()")
        return cursor.fetchone()[0]


# --- statistics --------------------------------------------------------------------------------------


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def stats(samples: list[float], cpu: list[float] | None = None) -> dict[str, float]:
    """Median and p95 of timings in seconds, in ms."""
    out = {"median_ms": statistics.median(samples) * 1e3, "p95_ms": p95(samples) * 1e3, "samples": len(samples)}
    if cpu:
        out["cpu_median_ms"] = statistics.median(cpu) * 1e3
    return out


def timings(samples: list[float], cpu: list[float]) -> str:
    s = stats(samples, cpu)
    return (f"median {s['median_ms']:.3f} ms   p95 {s['p95_ms']:.3f} ms   "
            f"(this process's CPU: median {s['cpu_median_ms']:.3f} ms)")


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


# --- the log ---------------------------------------------------------------------------------------


BENCH_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
BENCH_LABEL = "bench"
BENCH_OBJECT = 10**9
_templates: list[tuple[bytes, bytes, bytes, bytes]] = []


def bench_change(i: int):  # type: ignore[no-untyped-def]
    """History record number i, unsaved: about an account (a private kind, so its leaf is a
    commitment and the register has nothing to compare it with), its `after` holding i."""
    from django.contrib.auth import get_user_model

    from certinel.core.actor import Actor
    from certinel.core.history import change_record

    subject = get_user_model()(pk=BENCH_OBJECT, username=BENCH_LABEL)
    return change_record(actor=Actor.system(BENCH_LABEL), action="bench_event", obj=subject, before=None,
                         after={"n": i}, time=BENCH_TIME)


def entries(start: int, stop: int) -> Iterator[bytes]:
    """The leaves of history records number start to stop - 1 (`change_record_leaf` of
    `bench_change(i)`, put together from the leaf of record 0 so that ten million take seconds)."""
    from certinel.transparency.leaf import commitment, full_record_leaf, object_type_of, private_leaf

    if not _templates:
        first = bench_change(0)
        head, _, tail = full_record_leaf(first, object_type=object_type_of(first)).partition(b'"after":{"n":0}')
        marker = b"hmac-sha256:" + b"0" * 64
        p_head, _, p_tail = private_leaf(time=BENCH_TIME, full=b"").replace(
            commitment(b"").encode(), marker).partition(marker)
        _templates.append((head + b'"after":{"n":', b"}" + tail, p_head, p_tail))
    head, tail, p_head, p_tail = _templates[0]
    for i in range(start, stop):
        yield p_head + commitment(head + str(i).encode() + tail).encode() + p_tail


def write_rows(rows: list[tuple], tiles: list) -> None:
    """The history records of `rows` (index, leaf, leaf hash) and the full tiles."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from certinel.core.bulk import allocate_ids, insert_rows
    from certinel.core.models import ChangeRecord, PrivateDetail, Via

    content_type = ContentType.objects.get_for_model(get_user_model()).pk
    columns = ("id", "time", "actor_label", "via", "request_id", "action", "content_type_id", "object_id",
               "object_repr", "region_code", "reason", "log_index", "leaf_hash", "leaf")
    with transaction.atomic(), connection.cursor() as cursor:
        ids = allocate_ids(ChangeRecord, len(rows))
        insert_rows(ChangeRecord, columns, [
            (pk, BENCH_TIME, BENCH_LABEL, Via.SYSTEM, "", "bench_event", content_type, str(BENCH_OBJECT), BENCH_LABEL,
             "", "", index, digest, data) for pk, (index, data, digest) in zip(ids, rows, strict=True)])
        # A private kind's before and after are in its detail (its leaf is a commitment).
        insert_rows(PrivateDetail, ("record_id", "before", "after"),
                    [(pk, None, f'{{"n":{index}}}') for pk, (index, _data, _digest) in zip(ids, rows, strict=True)])
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


def analyze() -> None:
    """Bring the planner's statistics up to date, as autovacuum (PostgreSQL) would after a
    load this size; without them PostgreSQL misjudges the range queries (and may even JIT them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE core_changerecord")
            cursor.execute("VACUUM ANALYZE transparency_logtile")
        else:
            cursor.execute("ANALYZE")


# --- proofs, and their reference: one indexed tile-row read -------------------------------------------


def time_tile_reads(count: int, seed: int) -> dict[str, float]:
    """The reference of the proofs: one read of a stored tile row by its key (the unique
    (level, index) the store reads full tiles by), plain SQL through the same Django connection,
    a cursor a read as the store opens; `count` timed reads of random tiles after as many
    untimed ones (warm)."""
    from django.db import connections

    from certinel.transparency.models import LogTile

    table = LogTile._meta.db_table
    connection = connections["default"]
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT level, "index" FROM {table}')
        keys = cursor.fetchall()
    if not keys:
        return {}
    sql = f'SELECT hashes FROM {table} WHERE level = %s AND "index" = %s'
    rng = random.Random(seed)
    samples, cpu = [], []
    for timed in (False, True):
        for _ in range(count):
            key = list(rng.choice(keys))
            started, cpu_started = time.perf_counter(), time.process_time()
            with connection.cursor() as cursor:
                cursor.execute(sql, key)
                found = cursor.fetchall()
            if timed:
                samples.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            assert len(found) == 1
    return stats(samples, cpu)


def time_proofs(n: int, count: int, root: bytes, cold: bool) -> dict:
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
            "queries": str(queries), "inclusion_stats": stats(inclusion, inclusion_cpu),
            "consistency_stats": stats(consistency, consistency_cpu)}


# --- appends, and their reference: raw inserts of as many rows ------------------------------------------


def create_scratch_table() -> None:
    from django.db import connection

    blob = "bytea" if connection.vendor == "postgresql" else "BLOB"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {SCRATCH} (id bigint NOT NULL PRIMARY KEY, digest {blob} NOT NULL, "
                       f"payload {blob} NOT NULL)")


def drop_scratch_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")


def time_appends(batches: tuple[int, ...], seconds: float) -> tuple[dict[int, dict], int]:
    """Batches through the history service (each record logged as it is inserted: the append)
    and, alternating transaction by transaction, raw inserts of as many rows into the scratch
    table (executemany, one transaction each), until the service's batches of a size have taken
    `seconds`. Returns, by batch size, the timings of
    both, and how many entries were appended."""
    from django.db import connection, transaction

    from certinel.core.history import record_changes

    create_scratch_table()
    sql = f"INSERT INTO {SCRATCH} (id, digest, payload) VALUES (%s, %s, %s)"
    payload = secrets.token_bytes(SCRATCH_PAYLOAD)
    results: dict[int, dict] = {}
    n, next_id = APPEND_START, 0
    for size in batches:
        done, spent, appends, inserts = 0, 0.0, [], []
        while spent < seconds:
            records = [bench_change(i) for i in range(n, n + size)]
            started = time.perf_counter()
            with transaction.atomic():
                record_changes(records)
            elapsed = time.perf_counter() - started
            appends.append(elapsed)
            spent += elapsed
            n += size
            done += size
            rows = [(i, hashlib.sha256(i.to_bytes(8, "big")).digest(), payload)
                    for i in range(next_id, next_id + size)]
            next_id += size
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, rows)
            inserts.append(time.perf_counter() - started)
        append_rate = size / statistics.median(appends)
        insert_rate = size / statistics.median(inserts)
        results[size] = {"log_append": stats(appends), "raw_insert": stats(inserts),
                         "log_append_overall_per_s": done / spent,
                         "log_append_per_s": append_rate, "raw_insert_per_s": insert_rate,
                         "ratio": ratio(append_rate, insert_rate)}
    drop_scratch_table()
    return results, n - APPEND_START


# --- checkpoints, and their reference: a bare Ed25519 signature -----------------------------------------


def time_ed25519(message: bytes, count: int) -> dict[str, float]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    for _ in range(min(count, 20)):  # warm-up
        key.sign(message)
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        key.sign(message)
        samples.append(time.perf_counter() - started)
    return stats(samples)


# --- the monitor, and its reference: sha256 over the same leaf bytes ------------------------------------


def time_sha256(n: int, appended: int, passes: int = 3, chunk: int = 200_000) -> dict[str, float]:
    """hashlib.sha256 of every leaf's bytes (0x00 || entry, as the leaf hash) in a plain Python
    loop; the bytes are made outside the timing. Entries a second, median of `passes`."""
    sha256 = hashlib.sha256
    ranges = [(0, n), (APPEND_START, APPEND_START + appended)]
    rates = []
    for _ in range(passes):
        spent, count = 0.0, 0
        for start, stop in ranges:
            for lo in range(start, stop, chunk):
                leaves = [b"\x00" + data for data in entries(lo, min(stop, lo + chunk))]
                started = time.perf_counter()
                for leaf in leaves:
                    sha256(leaf).digest()
                spent += time.perf_counter() - started
                count += len(leaves)
        rates.append(count / spent)
    return {"entries_per_s": statistics.median(rates), "passes": passes, "entries": n + appended,
            "all_passes_per_s": rates}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaves", type=int, default=10_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--proofs", type=int, default=2000, help="random proofs to time (each kind)")
    parser.add_argument("--append-seconds", type=float, default=5.0, help="time spent on each batch size")
    parser.add_argument("--checkpoints", type=int, default=20,
                        help="checkpoints signed after the first one (a new key each), for the median")
    parser.add_argument("--signatures", type=int, default=500, help="bare Ed25519 signatures (the reference)")
    parser.add_argument("--skip-monitor", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database (its location is printed)")
    parser.add_argument("--json", help="write the report here (default bench/out/transparency-<db>-<date>.json)")
    args = parser.parse_args()
    report: dict = {"benchmark": "transparency log", "database": args.db, "leaves": args.leaves,
                    "arguments": vars(args), "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                    "load_average": {"start": load_average()}}
    cleanup = setup_database(args.db)
    try:
        run(args, report)
    finally:
        if args.keep:
            print(f"database kept: {os.environ['DATABASE_URL']}")
        else:
            cleanup()
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = Path(args.json) if args.json else OUT / f"transparency-{args.db}-{stamp}.json"
    target.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"\nwritten: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


def run(args: argparse.Namespace, report: dict) -> None:
    from certinel.transparency.monitor import verify_log
    from certinel.transparency.note import Ed25519Signer, split_note
    from certinel.transparency.services import checkpoint_sign
    from certinel.transparency.signers import log_origin
    from certinel.transparency.store import DatabaseTileStore
    from certinel.transparency.tiledtree import tree_root

    n = args.leaves
    phases = report["load_average"]
    report["machine"] = machine()
    report["machine"]["database"] = database_version()
    rows: list[tuple[str, str]] = [("database", f"{args.db} ({report['machine']['database']})"), ("leaves", f"{n:,}"),
                                   ("load average at start", phases["start"])]
    built = time.perf_counter()
    root, hash_rate, load_rate = build(n)
    build_seconds = time.perf_counter() - built
    rows += [("build: leaf hashes + tiles", f"{hash_rate:,.0f} leaves/s"),
             ("build: rows written", f"{load_rate:,.0f} leaves/s"),
             ("build: total", f"{build_seconds:.1f} s")]
    started = time.perf_counter()
    analyze()
    analyze_seconds = time.perf_counter() - started
    rows.append(("analyze after the load", f"{analyze_seconds:.1f} s"))
    report["build"] = {"seconds": build_seconds, "hash_leaves_per_s": hash_rate, "write_leaves_per_s": load_rate,
                       "analyze_seconds": analyze_seconds}
    assert tree_root(DatabaseTileStore(), n) == root, "the stored tiles do not give the built root"

    report["proofs"] = {}
    for label, cold in (("warm tile cache", False), ("cold tile cache", True)):
        mode = "cold" if cold else "warm"
        phases[f"proofs ({mode})"] = load_average()
        reference = time_tile_reads(args.proofs, seed=7 if cold else 3)
        result = time_proofs(n, args.proofs, root, cold)
        entry: dict = {"reference_tile_read": reference}
        described = "no full tile"
        if reference:
            described = (f"median {reference['median_ms']:.3f} ms   p95 {reference['p95_ms']:.3f} ms   "
                         f"(this process's CPU: median {reference['cpu_median_ms']:.3f} ms)")
        rows.append((f"reference: indexed tile-row read (before {label})", described))
        for kind in ("inclusion", "consistency"):
            figure = result[f"{kind}_stats"]
            times = ratio(figure["median_ms"], reference.get("median_ms", 0))
            times_p95 = ratio(figure["p95_ms"], reference.get("p95_ms", 0))
            entry[kind] = {**figure, "ratio_median": times, "ratio_p95": times_p95}
            text = f"   = {times:.1f}× a tile-row read (p95 {times_p95:.1f}×)" if times else ""
            rows.append((f"{kind} proof at {n:,} ({label})", result[kind] + text))
        report["proofs"][mode] = entry
    rows.append(("queries per inclusion proof", result["queries"]))
    report["proofs"]["queries_per_inclusion_proof"] = int(result["queries"])

    phases["appends"] = load_average()
    appends, appended = time_appends((1, 10, 100, 1000), args.append_seconds)
    report["appends"] = {str(size): value for size, value in appends.items()}
    report["appends"]["reference_row_bytes"] = {"key": 8, "hash": SCRATCH_HASH, "payload": SCRATCH_PAYLOAD}
    for size, r in appends.items():
        rows.append((f"record_changes (each record logged), batches of {size}",
                     f"{r['log_append_overall_per_s']:,.0f} appends/s   (median transaction "
                     f"{r['log_append']['median_ms']:.2f} ms, p95 {r['log_append']['p95_ms']:.2f} ms: "
                     f"{r['log_append_per_s']:,.0f} appends/s)"))
        rows.append((f"reference: raw insert, batches of {size}",
                     f"median transaction {r['raw_insert']['median_ms']:.2f} ms, "
                     f"p95 {r['raw_insert']['p95_ms']:.2f} ms: {r['raw_insert_per_s']:,.0f} rows/s"
                     f"   → record_changes = {r['ratio']:.3f}× raw inserts "
                     f"({r['log_append']['samples']} transactions each)"))

    phases["checkpoints"] = load_average()
    origin = log_origin()
    signers = [Ed25519Signer.generate(origin)]
    started = time.perf_counter()
    checkpoint = checkpoint_sign(signer=signers[0])
    first = time.perf_counter() - started
    again = []
    for _ in range(args.checkpoints):
        signers.append(Ed25519Signer.generate(origin))
        started = time.perf_counter()
        checkpoint_sign(signer=signers[-1])
        again.append(time.perf_counter() - started)
    text = split_note(checkpoint.note)[0].encode()
    signature = time_ed25519(text, args.signatures)
    rows.append((f"checkpoint_sign at {checkpoint.size:,}", f"{first * 1e3:.1f} ms"
                 f"   = {first * 1e3 / signature['median_ms']:,.0f}× a bare Ed25519 signature"))
    report["checkpoint"] = {"size": checkpoint.size, "note_text_bytes": len(text), "first_ms": first * 1e3,
                            "first_ratio": ratio(first * 1e3, signature["median_ms"]),
                            "reference_ed25519": signature}
    if again:
        s = stats(again)
        report["checkpoint"]["again"] = {**s, "ratio_median": ratio(s["median_ms"], signature["median_ms"])}
        rows.append((f"checkpoint_sign at {checkpoint.size:,}, again ×{len(again)} (a new key each)",
                     f"median {s['median_ms']:.1f} ms   p95 {s['p95_ms']:.1f} ms   "
                     f"= {s['median_ms'] / signature['median_ms']:,.0f}× a bare Ed25519 signature"))
    rows.append((f"reference: bare Ed25519 signature of {len(text)} bytes",
                 f"median {signature['median_ms']:.4f} ms   p95 {signature['p95_ms']:.4f} ms"))

    if not args.skip_monitor:
        phases["monitor"] = load_average()
        # The log alone: the bench's database holds only the log's tables, not the register's.
        monitored = verify_log(origin=origin, verifiers=[s.verifier for s in signers], register=False,
                               progress=lambda done, total: print(f"\r  verified {done:,} / {total:,}", end="",
                                                                  file=sys.stderr, flush=True))
        print(file=sys.stderr)
        assert monitored.ok, monitored.problems[:5]
        rate = monitored.entries / monitored.seconds
        hashing = time_sha256(n, appended)
        assert hashing["entries"] == monitored.entries, (hashing["entries"], monitored.entries)
        rows.append(("monitor: full re-verification",
                     f"{rate:,.0f} entries/s ({monitored.seconds:.1f} s)   "
                     f"= {rate / hashing['entries_per_s']:.3f}× sha256 of the leaf bytes"))
        rows.append(("reference: sha256 of the same leaf bytes (Python loop)",
                     f"{hashing['entries_per_s']:,.0f} entries/s (median of {hashing['passes']} passes)"))
        report["monitor"] = {"entries": monitored.entries, "seconds": monitored.seconds, "entries_per_s": rate,
                             "reference_sha256": hashing, "ratio": ratio(rate, hashing["entries_per_s"])}
    phases["end"] = load_average()
    report["machine"].update(load_average_start=phases["start"], load_average_end=phases["end"])
    report["finished_at"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    rows.append(("load average at end", phases["end"]))
    report["table"] = [list(row) for row in rows]
    width = max(len(a) for a, _ in rows)
    print()
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
