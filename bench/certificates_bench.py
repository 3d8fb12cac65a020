"""The certificate register at size: importing, verifying under load, searching.

    .venv/bin/python bench/certificates_bench.py [--quick] [--db sqlite|postgres|both] [--rows N]
                                                 [--parts import,verify,search] [--repeat R]
                                                 [--duration S] [--workers W] [--keep] [--json FILE]

1. Import throughput (per database). A scratch database (a new SQLite file in a temporary
   folder; a new PostgreSQL database certinel_bench_cert_<pid> on the server of
   BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres) is migrated; the
   national builder (`certinel demo --scale national`'s loader, which also loads the
   reference lists) writes the holders — about N/2 organizations across every province — and
   the registry services create one certification body approved for a mix of schemes
   (management systems by IAF sector, CCC by catalogue product, product and service schemes).
   N rows of the import template (docs/import-template.md; a UTF-8 CSV with the Chinese
   headers) are generated for that body: real holders, valid numbers, a mix of schemes and of
   statuses (valid, suspended, revoked, cancelled, expired), surveillance audits up to date,
   sites and products. Then, in this
   order: the reference — the same file read and loaded raw into a plain table with the same
   columns (PostgreSQL: COPY … FROM STDIN; SQLite: one executemany INSERT in a transaction) —;
   `import_file` as a dry run; `import_file` for real (one transaction, committed); the same
   file again (a resend: every row unchanged). Rows per second, and the ratio to the raw load.
2. Verification under load (SQLite only). `certinel demo --no-serve` builds the demo province
   in a scratch SQLite file (or --demo-db copies one); `certinel serve` (gunicorn, production
   settings, its default workers and threads, REDIS_URL set to --redis as a deployment with
   several workers has it) serves it on a free loopback port with the rate limit raised through
   its setting (CERTINEL_RATE_LIMIT_PER_MINUTE) so it never answers 429. First, each of 1,000
   real certificate numbers is verified once, one request at a time (first asks: nothing kept
   yet). Then `wrk` (2 threads, 32 connections, 30 s each) asks for /api/v1/ping (the
   reference), /api/v1/verify?number=… and /verify/<number> cycling over the same numbers, and
   the API for a number that does not exist. Requests per second and p50/p99 latency, with
   ratios to the ping.
   Needs wrk (Debian: apt-get install wrk); without it this part fails with a message.
3. Register search (per database), on the database of part 1 after the import (N
   certificates), after ANALYZE: `certificate_search` with filters by number, holder code,
   holder name, body, scheme, region (32, 3201), status and combinations, each query timed R
   times (default 5) after a warm-up; medians and 95th percentiles per kind, against
   `SELECT id, number, status FROM certificates_certificate WHERE number = %s` (indexed) on the
   same connection.

Progress goes to standard error; the tables to standard output; everything, with the machine
(CPU, cores, load average at start and end, versions), to bench/out/certificates-<date>.json.
The default N is 5,000,000 (the register's target size); --quick: 2,000 rows, a small demo,
3-second wrk runs. Scratch databases and files are removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import json
import math
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
SEED = 2026
FULL_ROWS = 5_000_000
QUICK_ROWS = 2_000
PARTS = ("import", "verify", "search")
RAW_TABLE = "bench_raw_certificate"

# The schemes of the benchmark body, with their share of the rows: most certificates are
# management systems, then CCC, then product and service schemes (roughly as in the national
# register). Management systems are approved by IAF sector, CCC by catalogue product.
SCHEME_MIX = (("QMS", 30), ("EMS", 13), ("OHSMS", 11), ("FSMS", 3), ("HACCP", 2), ("EnMS", 3), ("ISMS", 4),
              ("ITSMS", 2), ("IMS", 2), ("CCC", 15), ("GREEN-PRODUCT", 3), ("ENERGY-SAVING", 2), ("ORGANIC", 3),
              ("LOW-CARBON", 1), ("SVC-AFTERSALES", 4), ("SVC-LOGISTICS", 2))
CCC_PRODUCTS = 12
STATUS_LABEL = {"valid": "有效", "suspended": "暂停", "revoked": "撤销", "cancelled": "注销", "expired": "过期"}
PRODUCT_NAMES = ("电动螺丝刀", "角磨机", "家用电冰箱", "电饭锅", "插头插座", "电线组件", "LED灯具", "吸尘器")
COMMON_WORDS = ("科技", "有限公司", "机械")


def machine() -> dict[str, str]:
    """The machine, described (CPU model, cores, memory, system, load)."""
    info = {"python": platform.python_version(), "cores": str(os.cpu_count())}
    try:
        cpu = [line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")]
        info["cpu"] = cpu[0].split(":", 1)[1].strip() if cpu else platform.processor()
        mem = [line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")]
        info["memory_gb"] = f"{int(mem[0].split()[1]) / 1024 / 1024:.1f}" if mem else ""
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        info["os"] = release.get("PRETTY_NAME", platform.platform()).strip('"')
    except OSError:
        info.setdefault("os", platform.platform())
    info["load_average"] = load()
    return info


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def versions() -> dict[str, str]:
    found = {"sqlite": sqlite3.sqlite_version}
    for name in ("django", "psycopg", "gunicorn"):
        try:
            module = __import__(name)
            found[name] = getattr(module, "__version__", "")
        except ImportError:
            pass
    wrk = shutil.which("wrk")
    if wrk:
        text = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
        found["wrk"] = (text.stdout or text.stderr).split("Copyright")[0].strip()
    return found


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Progress:
    """import_file's progress callback: a line on standard error every `every` seconds."""

    def __init__(self, label: str, every: float = 15.0) -> None:
        self.label, self.every = label, every
        self.started = self.shown = time.perf_counter()

    def __call__(self, done: int, total: int | None) -> None:
        now = time.perf_counter()
        if now - self.shown >= self.every or (total and done >= total):
            self.shown = now
            rate = done / max(now - self.started, 1e-9)
            say(f"  {self.label}: {done:,} / {total or 0:,} rows ({now - self.started:.0f} s, {rate:,.0f} rows/s, "
                f"load {load()})")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


# --- the worker: parts 1 and 3 on one database, in its own process ------------------------------

def setup_django(db: str, keep: bool, url: str | None = None) -> tuple[str, object]:
    """Point Django at a new scratch database (or at `url`, an existing one, which is left as
    it is); returns its description and the clean-up."""
    folder = Path(tempfile.mkdtemp(prefix="certinel-bench-cert-"))
    drop = None
    if url:
        where = url
    elif db == "sqlite":
        url = f"sqlite:///{folder / 'certificates.sqlite3'}"
        where = str(folder / "certificates.sqlite3")
        drop = None
    else:
        import psycopg

        server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        name = f"certinel_bench_cert_{os.getpid()}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        url = server.rsplit("/", 1)[0] + "/" + name
        where = url

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    os.environ["DATABASE_URL"] = url
    os.environ["CERTINEL_DATA_DIR"] = str(folder)
    sys.path.insert(0, str(ROOT / "src"))
    import django
    from django.conf import settings

    from certinel.settings import base

    values = {key: getattr(base, key) for key in dir(base) if key.isupper()}
    values.update(DEBUG=False, SECRET_KEY=secrets.token_hex(32), CERTINEL_PERSONAL_DATA_SALT=secrets.token_hex(16),
                  CERTINEL_KEY_ENCRYPTION_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                  DATABASES={"default": base.database_from_url(url)})
    settings.configure(**values)
    django.setup()

    def cleanup() -> None:
        if keep:
            say(f"kept: {where} (and {folder})")
            return
        if drop is not None:
            drop()
        shutil.rmtree(folder, ignore_errors=True)

    return str(folder), cleanup


def make_body(rng: random.Random):
    """The reporting body, through the registry services, approved for every scheme of
    SCHEME_MIX: management systems in 24 of the 39 IAF sectors, CCC for CCC_PRODUCTS catalogue
    products, the product and service schemes whole."""
    from certinel.core.actor import Actor
    from certinel.reference.generators import make_cb_approval, make_uscc
    from certinel.reference.models import CCCEdition, IAFSector, Scheme
    from certinel.registry import services

    actor = Actor.system("bench")
    body = services.body_create(
        actor=actor, name="基准测试认证有限公司", uscc=make_uscc("320102", rng),
        approval_no=make_cb_approval(rng, year=2006), approval_date=dt.date(2006, 3, 1),
        region_code="320102", address="南京市玄武区基准路1号", accreditation_no="CNAS C999-M",
        website="https://www.bench-cb.example", legal_representative="基准测试")
    granted = dt.date(2010, 1, 1)
    sectors = sorted(rng.sample(list(IAFSector.objects.values_list("number", flat=True)), 24))
    edition = CCCEdition.current(dt.date.today())
    ccc = sorted(c for c in edition.products.values_list("code", flat=True) if len(c) == 4 and c.isdigit())
    ccc = sorted(rng.sample(ccc, min(CCC_PRODUCTS, len(ccc))))
    grants: dict[str, list[str]] = {}
    for code, _share in SCHEME_MIX:
        scheme = Scheme.objects.get(code=code)
        if scheme.scope_kind == "iaf":
            for sector in sectors:
                services.body_scope_grant(actor=actor, body=body, scheme_code=code, iaf_sector=sector,
                                          granted_on=granted)
            grants[code] = [str(s) for s in sectors]
        elif scheme.scope_kind == "ccc_product":
            for product in ccc:
                services.body_scope_grant(actor=actor, body=body, scheme_code=code, ccc_product_code=product,
                                          granted_on=granted)
            grants[code] = list(ccc)
        else:
            services.body_scope_grant(actor=actor, body=body, scheme_code=code, granted_on=granted)
            grants[code] = []
    return body, grants


class RowMaker:
    """Rows of the import template for the benchmark body, modelled on the demo's certificates
    (certinel/demo/certificates.py): dates relative to today, mostly valid, some suspended,
    revoked, cancelled or expired, some with a surveillance audit; numbers unique."""

    HEADER = ("number", "scheme", "holder_uscc", "holder_name", "holder_region", "holder_address", "issued_on",
              "expires_on", "first_issued_on", "status", "status_date", "status_reason", "suspended_until",
              "last_surveillance_on", "standards", "scope_text", "scope_codes", "sites", "products",
              "manufacturer", "factory", "factory_address", "signed_by")

    def __init__(self, rng: random.Random, grants: dict[str, list[str]], today: dt.date) -> None:
        from certinel.demo.certificates import LETTER, REASONS
        from certinel.demo.words import CERT_SCOPES
        from certinel.reference.models import Scheme

        self.rng, self.grants, self.today = rng, grants, today
        self.letter, self.reasons, self.scopes = LETTER, REASONS, CERT_SCOPES
        self.schemes = {s.code: s for s in Scheme.objects.filter(code__in=list(grants))}
        self.standards = {code: ";".join(s.standards.values_list("code", flat=True)[:2])
                          for code, s in self.schemes.items()}
        self.codes = [c for c, _ in SCHEME_MIX]
        self.weights = [w for _, w in SCHEME_MIX]
        self.signers = [f"{rng.choice('王李张刘陈杨赵黄周吴')}{rng.choice('签批审核')}{rng.choice('发准定')}"
                        for _ in range(40)]
        self.ccc_serial: dict[tuple[int, str], int] = {}
        self.serial = self.ccc_first = 0

    def share_numbers(self, part: int, parts: int) -> None:
        """Number from part `part` of `parts` equal ranges, so that makers of several bodies
        (which write the same prefix) never write the same number."""
        self.serial = part * (9_000_000 // parts)
        self.ccc_first = part * (900_000 // parts)

    def header(self) -> list[str]:
        from certinel.certificates.io.columns import BY_FIELD

        return [BY_FIELD[name].zh for name in self.HEADER]

    def schemes_for_holder(self) -> list[str]:
        """One to three different schemes for one holder, by the mix's weights."""
        want = self.rng.choice((1, 2, 3))
        chosen: list[str] = []
        while len(chosen) < want:
            code = self.rng.choices(self.codes, weights=self.weights)[0]
            if code not in chosen:
                chosen.append(code)
        return chosen

    def _status(self, expires: dt.date) -> tuple[str, dt.date | None]:
        rng, today = self.rng, self.today
        if expires < today:
            return "expired", expires + dt.timedelta(days=1)
        roll = rng.random()
        if roll < 0.05:
            return "suspended", today - dt.timedelta(days=rng.randint(1, 60))
        if roll < 0.08:
            return "revoked", today - dt.timedelta(days=rng.randint(1, 300))
        if roll < 0.11:
            return "cancelled", today - dt.timedelta(days=rng.randint(1, 300))
        return "valid", None

    def row(self, code: str, uscc: str, name: str, region: str, address: str) -> list[str]:
        from certinel.core.dates import add_months

        rng, today, scheme = self.rng, self.today, self.schemes[code]
        self.serial += 1
        months = scheme.validity_months
        issued = today - dt.timedelta(days=rng.randint(10, max(30, months * 30 + 200)))
        expires = add_months(issued, months) - dt.timedelta(days=1)
        status, status_date = self._status(expires)
        if status_date is not None and status != "expired":
            status_date = max(status_date, issued + dt.timedelta(days=1))
        allowed = self.grants[code]
        codes = sorted(rng.sample(allowed, min(len(allowed), rng.choice((1, 1, 2)))), key=int) if allowed else []
        if code == "CCC":
            codes = codes[:1]
            key = (issued.year, codes[0])
            self.ccc_serial[key] = self.ccc_serial.get(key, self.ccc_first) + 1
            number = f"{issued.year:04d}71{codes[0]}{self.ccc_serial[key]:06d}"
        else:
            letter = self.letter.get(code, code.split("-")[-1][:2])
            number = f"071{issued.year % 100:02d}{letter}{self.serial:07d}R{rng.randint(0, 2)}M"
        # Live certificates have had every surveillance audit that fell due (a few weeks before
        # each anniversary), so that none is overdue: the register's recorded status is then
        # current, as when bodies report their audits and the scheduled job runs. (The demo
        # reports only the first audit, which leaves many valid certificates overdue.)
        last_surveillance = None
        interval = scheme.surveillance_interval_months
        if status in ("valid", "suspended") and interval:
            lag, k, since = rng.randint(5, 40), 0, issued
            while add_months(since, interval) < today:
                k += 1
                audit = add_months(issued, k * interval) - dt.timedelta(days=lag)
                if audit >= today:
                    break
                since = last_surveillance = audit
        until = None
        if status == "suspended":
            assert status_date is not None
            until = min(status_date + dt.timedelta(days=rng.randint(30, 170)), expires)
            if until <= status_date or until > add_months(status_date, scheme.max_suspension_months):
                status, status_date, until = "valid", None, None
        first = issued - dt.timedelta(days=365 * rng.choice((0, 0, 3, 6)))
        family = scheme.family
        scope = rng.choice(self.scopes.get(family, self.scopes["management"]))
        sites = products = manufacturer = factory = factory_address = ""
        if family == "management" and rng.random() < 0.2:
            sites = f"总部|{address}|管理; 一厂|{address[:-2]}8号|生产"
        if family in ("ccc", "product"):
            manufacturer, factory, factory_address = name, f"{name}一厂", address
            if family == "ccc" or rng.random() < 0.5:
                product = rng.choice(PRODUCT_NAMES)
                products = f"{product}: M-{rng.randint(100, 999)}, M-{rng.randint(100, 999)}"
        reason = rng.choice(self.reasons[status]) if status in self.reasons else ""

        def day(value: dt.date | None) -> str:
            return value.isoformat() if value else ""

        return [number, code, uscc, name, region, address, day(issued), day(expires), day(first),
                STATUS_LABEL[status], day(status_date), reason, day(until), day(last_surveillance),
                self.standards[code], scope, ";".join(codes), sites, products, manufacturer, factory,
                factory_address, rng.choice(self.signers)]


def write_csv(path: Path, maker: RowMaker, rows: int) -> dict:
    """N template rows for existing holders, 1–3 schemes each, in the order of the
    organizations (ids); returns a summary (rows by scheme and by status)."""
    from certinel.registry.models import Organization

    started = time.perf_counter()
    by_scheme: dict[str, int] = {}
    by_status: dict[str, int] = {}
    written = 0
    holders = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(maker.header())
        orgs = Organization.objects.order_by("id").values_list("uscc", "name", "region_code", "address")
        for uscc, name, region, address in orgs.iterator(chunk_size=5000):
            holders += 1
            for code in maker.schemes_for_holder():
                row = maker.row(code, uscc, name, region, address)
                out.writerow(row)
                by_scheme[code] = by_scheme.get(code, 0) + 1
                by_status[row[9]] = by_status.get(row[9], 0) + 1
                written += 1
                if written >= rows:
                    break
            if written >= rows:
                break
    if written < rows:
        raise RuntimeError(f"only {written:,} rows could be made from the organizations; build more")
    return {"rows": written, "holders": holders, "bytes": path.stat().st_size,
            "seconds": round(time.perf_counter() - started, 1), "by_scheme": by_scheme, "by_status": by_status}


def raw_load(path: Path) -> float:
    """The reference: the same file read and loaded raw into a plain table with the same
    columns (all text), in one transaction; returns the seconds."""
    from django.db import connection, transaction

    columns = RowMaker.HEADER
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        cursor.execute(f"CREATE TABLE {RAW_TABLE} ({', '.join(f'{c} TEXT' for c in columns)})")
    started = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as f, transaction.atomic():
        reader = csv.reader(f)
        next(reader)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {RAW_TABLE} ({', '.join(columns)}) FROM STDIN") as copy:
                    for record in reader:
                        copy.write_row(record)
            else:
                marks = ", ".join("?" for _ in columns)
                connection.connection.executemany(f"INSERT INTO {RAW_TABLE} VALUES ({marks})", reader)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {RAW_TABLE}")
        count = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {RAW_TABLE}")
    return seconds if count else float("nan")


# The tables a real import writes, and which of their rows it wrote (the scratch register's
# certificates and certificate history, whose leaves carry the events, are all the import's own).
FLOOR_TABLES = (
    ("certificates_certificate", "true"),
    ("core_changerecord", "action LIKE 'certificate_%'"),  # with their log leaves (one row each)
    ("certificates_reportedrow", "true"),  # the rows' fingerprints, for the resend path
)


def _table_copy_sql(cursor, table: str, copy: str) -> list[str]:
    """SQLite: the statements that make `copy` a table like `table`, with the same indexes."""
    cursor.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
                   "AND type IN ('table', 'index') ORDER BY type = 'index'", [table])
    statements = []
    for kind, name, sql in cursor.fetchall():
        sql = sql.replace(f'"{table}"', f'"{copy}"', 1) if kind == "table" else (
            sql.replace(f'"{name}"', f'"{copy}_{name}"', 1).replace(f'ON "{table}"', f'ON "{copy}"', 1))
        statements.append(sql)
    return statements


def store_floor() -> dict:
    """A second reference: the database alone storing what the real import stored. The
    import's rows of each table it writes (certificates, their history records, which are the
    log's entries and hold the events, and the rows' fingerprints; not the log's few tiles, nor
    the credit facts some records make) are read back (untimed) and loaded into new tables made
    like the real ones, with the same indexes and constraints, the way the raw load loads
    (PostgreSQL: COPY … FROM STDIN of the rows' own text; SQLite: executemany), in one
    transaction. No application work at all: what is left is what the register's schema costs."""
    from django.db import connection, transaction

    tables: dict[str, dict] = {}
    total = 0.0
    for table, where in FLOOR_TABLES:
        copy = f"bench_floor_{table}"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {copy}")
            if connection.vendor == "postgresql":
                cursor.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
                buffer = bytearray()
                with cursor.cursor.copy(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT") as out:
                    for block in out:
                        buffer += block
                rows = buffer.count(b"\n")
            else:
                for statement in _table_copy_sql(cursor, table, copy):
                    cursor.execute(statement)
                cursor.execute(f"SELECT * FROM {table} WHERE {where}")
                data = cursor.fetchall()
                rows = len(data)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {copy} FROM STDIN") as into:
                    into.write(bytes(buffer))
            elif data:
                marks = ", ".join("?" for _ in data[0])
                connection.connection.executemany(f"INSERT INTO {copy} VALUES ({marks})", data)
        seconds = time.perf_counter() - started
        total += seconds
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {copy}")
        tables[table] = {"rows": rows, "seconds": round(seconds, 3)}
    return {"seconds": round(total, 3), "tables": tables}


def rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def one_import(path: Path, body, *, dry_run: bool, label: str) -> dict:
    from certinel.certificates.io import import_file
    from certinel.core.actor import Actor
    from certinel.core.models import Via

    actor = Actor.system(f"import:{body.approval_no}", via=Via.IMPORT)
    say(f"  {label}… (load {load()})")
    load_before = load()
    started = time.perf_counter()
    result = import_file(path, actor=actor, body=body, dry_run=dry_run, progress=Progress(label))
    seconds = time.perf_counter() - started
    counts = result.counts()
    out = {"seconds": round(seconds, 2), "rows": result.total, "rows_per_s": round(result.total / seconds, 1),
           "counts": counts, "ok": result.ok, "written": result.written, "errors": len(result.errors),
           "first_errors": [e.as_dict() for e in result.errors[:10]], "max_rss_mb": rss_mb(),
           "load_before": load_before, "load_after": load()}
    if not result.ok:
        say(f"  {label}: {len(result.errors):,} errors, e.g. {out['first_errors'][:3]}")
    return out


def analyze() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


def stored_counts() -> dict[str, int]:
    from certinel.certificates.models import Certificate, ReportedRow
    from certinel.core.models import ChangeRecord, PrivateDetail
    from certinel.transparency.selectors import log_size

    return {"certificates": Certificate.objects.count(),
            "history_records": ChangeRecord.objects.filter(action__startswith="certificate_").count(),
            "private_details": PrivateDetail.objects.count(), "fingerprints": ReportedRow.objects.count(),
            "log_entries": log_size()}


def connection_settings() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ("synchronous_commit", "shared_buffers", "work_mem", "maintenance_work_mem")
            return {n: cursor.execute(f"SHOW {n}").fetchone()[0] for n in names}
        names = ("journal_mode", "synchronous", "cache_size", "foreign_keys", "temp_store")
        return {n: str(cursor.execute(f"PRAGMA {n}").fetchone()[0]) for n in names}


def part_import(args: argparse.Namespace, folder: str) -> tuple[dict, object]:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from certinel.demo.national import build_national

    rng = random.Random(SEED)
    result: dict = {"rows": args.rows}
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    result["migrate_seconds"] = round(time.perf_counter() - started, 1)
    organizations = args.rows // 2 + args.rows // 10 + 100
    say(f"[{args.db}] holders: {organizations:,} organizations (national builder)… (load {load()})")
    summary = build_national(seed=SEED, organizations=organizations)
    result["holders_build"] = {"organizations": summary.organizations, "seconds": round(summary.seconds, 1),
                               "steps": summary.steps}
    # The builder tunes its connection for loading (SQLite: synchronous OFF and a 1 GB page
    # cache; PostgreSQL: synchronous_commit off) and leaves it so: measure on a new connection,
    # with the settings the application runs with.
    connection.close()
    result["connection_settings"] = connection_settings()
    with transaction.atomic():
        body, grants = make_body(rng)
    result["body"] = {"approval_no": body.approval_no, "name": body.name,
                      "schemes": {code: len(codes) for code, codes in grants.items()}}
    path = Path(folder) / f"certificates-{args.rows}.csv"
    say(f"[{args.db}] writing {args.rows:,} template rows to {path}… (load {load()})")
    result["file"] = write_csv(path, RowMaker(rng, grants, timezone.localdate()), args.rows)
    say(f"[{args.db}] reference: the file loaded raw into a plain table… (load {load()})")
    raw_seconds = raw_load(path)
    result["raw"] = {"seconds": round(raw_seconds, 2), "rows_per_s": round(args.rows / raw_seconds, 1),
                     "how": "COPY FROM STDIN" if args.db == "postgres" else "executemany in one transaction"}
    say(f"  raw load: {args.rows / raw_seconds:,.0f} rows/s")
    steps = args.import_steps
    if "dry" in steps:
        result["dry_run"] = one_import(path, body, dry_run=True, label="dry run")
        if not result["dry_run"]["ok"]:
            raise RuntimeError("the dry run found errors in the generated file (see above)")
    result["import"] = one_import(path, body, dry_run=False, label="import (real run)")
    if not result["import"]["ok"]:
        raise RuntimeError("the real run found errors (see above)")
    result["stored"] = stored_counts()
    if "floor" in steps:
        say(f"[{args.db}] second reference: the database alone storing the rows the import stored… "
            f"(load {load()})")
        result["floor"] = store_floor()
        result["floor"]["rows_per_s"] = round(args.rows / result["floor"]["seconds"], 1)
        result["floor"]["ratio_to_raw"] = round(result["floor"]["rows_per_s"] / result["raw"]["rows_per_s"], 4)
        say(f"  the database alone: {result['floor']['rows_per_s']:,.0f} certificates/s")
    if "resend" in steps:
        result["resend"] = one_import(path, body, dry_run=False, label="resend (same file again)")
        result["stored_after_resend"] = stored_counts()
    result["analyze_seconds"] = round(analyze(), 1)
    raw_rate = result["raw"]["rows_per_s"]
    for key in ("dry_run", "import", "resend"):
        if key in result:
            result[key]["ratio_to_raw"] = round(result[key]["rows_per_s"] / raw_rate, 4)
    if "floor" in result:
        result["import"]["ratio_to_floor"] = round(result["import"]["rows_per_s"] / result["floor"]["rows_per_s"], 4)
    if not args.keep:
        path.unlink(missing_ok=True)
    return result, body


def search_mix(rng: random.Random, body) -> list[tuple[str, dict]]:
    """(kind, filters) drawn from the imported certificates."""
    from certinel.certificates.models import Certificate

    top = Certificate.objects.order_by("-id").values_list("id", flat=True).first() or 0
    low = Certificate.objects.order_by("id").values_list("id", flat=True).first() or 0
    ids = rng.sample(range(low, top + 1), min(top - low + 1, 200))
    sample = list(Certificate.objects.filter(id__in=ids).values_list("number", "holder_uscc", "holder_name",
                                                                        "region_code")[:60])
    rng.shuffle(sample)
    numbers = [s[0] for s in sample]
    mix: list[tuple[str, dict]] = [("number", {"number": n}) for n in numbers[:20]]
    mix += [("number, not found", {"number": f"071{n:02d}Q9{n:06d}R9M"}) for n in range(5)]
    mix += [("holder code (USCC)", {"q": s[1]}) for s in sample[20:30]]
    names = [s[2] for s in sample[30:60]]

    def piece(name: str, length: int) -> str:
        start = rng.randrange(0, max(1, len(name) - length))
        return name[start:start + length]

    mix += [("holder name, 2 characters", {"q": piece(n, 2)}) for n in names[:10]]
    mix += [("holder name, 3-4 characters", {"q": piece(n, rng.choice((3, 4)))}) for n in names[10:20]]
    mix += [("holder name, whole", {"q": n}) for n in names[20:25]]
    mix += [("holder name, common word", {"q": w}) for w in COMMON_WORDS]
    mix += [("body", {"body": body.approval_no}), ("body", {"body": body.approval_no, "page": 50})]
    mix += [("scheme", {"scheme": code}) for code in ("QMS", "EMS", "CCC", "ORGANIC", "SVC-LOGISTICS")]
    mix += [("region 32", {"region": "32"}), ("region 3201", {"region": "3201"}),
            ("region 32", {"region": "32", "page": 20}), ("region 3201", {"region": "3201", "page": 5})]
    mix += [("status", {"status": s}) for s in ("valid", "suspended", "revoked", "cancelled", "expired")]
    soon = dt.date.today() + dt.timedelta(days=30)
    mix += [("combination", f) for f in (
        {"region": "32", "scheme": "QMS"}, {"region": "3201", "status": "valid"},
        {"region": "32", "scheme": "QMS", "status": "valid"}, {"body": body.approval_no, "status": "suspended"},
        {"scheme": "CCC", "status": "valid", "region": "32"}, {"q": piece(names[0], 2), "region": "32"},
        {"q": piece(names[1], 3), "status": "valid"}, {"region": "32", "expires_to": soon.isoformat(),
                                                         "status": "valid"},
        {"number": numbers[0], "body": body.approval_no})]
    mix += [("no filter", {})]
    return mix


def part_search(args: argparse.Namespace, body) -> dict:
    from django.db import connection
    from django.utils import timezone

    from certinel.certificates.filters import CertificateFilters
    from certinel.certificates.models import Certificate
    from certinel.certificates.selectors import certificate_search

    today = timezone.localdate()
    lagging = {  # what the scheduled job would still have to record (status filters merge these in)
        "expired_recorded_live": Certificate.objects.filter(status__in=("valid", "suspended"),
                                                            expires_on__lt=today).count(),
        "surveillance_overdue_recorded_valid": Certificate.objects.filter(
            status="valid", next_surveillance_due__lt=today, expires_on__gte=today).count()}
    mix = search_mix(random.Random(SEED + 1), body)
    numbers = [f["number"] for kind, f in mix if kind == "number"]
    say(f"[{args.db}] search: {len(mix)} queries × {args.repeat} (after a warm-up)… (load {load()})")
    load_before = load()

    def run(filters: CertificateFilters) -> tuple[float, int, int]:
        started = time.perf_counter()
        page = certificate_search(filters=filters)
        items = list(page.items)
        return time.perf_counter() - started, len(items), page.total

    def reference(number: str) -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, number, status FROM certificates_certificate WHERE number = %s", [number])
            cursor.fetchall()
        return time.perf_counter() - started

    prepared = [(kind, raw, CertificateFilters(**raw)) for kind, raw in mix]
    for _kind, _raw, filters in prepared:  # warm-up
        run(filters)
    for number in numbers:
        reference(number)
    rows = []
    for kind, raw, filters in prepared:
        timings, found, total = [], 0, 0
        for _ in range(args.repeat):
            seconds, found, total = run(filters)
            timings.append(seconds * 1000)
        rows.append({"kind": kind, "filters": raw, "ms": [round(t, 3) for t in timings], "page_items": found,
                     "total": total})
    ref_ms = [reference(n) * 1000 for _ in range(args.repeat) for n in numbers]
    ref_median = statistics.median(ref_ms)
    kinds: dict[str, list[float]] = {}
    for row in rows:
        kinds.setdefault(row["kind"], []).extend(row["ms"])
    kinds["all"] = [t for row in rows for t in row["ms"]]
    summary = {kind: {"median_ms": round(statistics.median(v), 3), "p95_ms": round(percentile(v, 0.95), 3),
                      "max_ms": round(max(v), 3), "samples": len(v),
                      "ratio_to_reference": round(statistics.median(v) / ref_median, 1)}
               for kind, v in kinds.items()}
    slowest = sorted(rows, key=lambda r: -statistics.median(r["ms"]))[:5]
    return {"queries": rows, "summary": summary, "load_before": load_before, "load_after": load(), "lagging": lagging,
            "reference": {"sql": "SELECT id, number, status FROM certificates_certificate WHERE number = %s",
                          "median_ms": round(ref_median, 4), "p95_ms": round(percentile(ref_ms, 0.95), 4),
                          "samples": len(ref_ms)},
            "slowest": [{"kind": r["kind"], "filters": r["filters"], "median_ms": statistics.median(r["ms"])}
                        for r in slowest]}


def worker(args: argparse.Namespace) -> None:
    folder, cleanup = setup_django(args.db, args.keep)
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
            version = cursor.fetchone()[0]
        result: dict = {"db": args.db, "version": version, "load_start": load()}
        imported, body = part_import(args, folder)
        result["import"] = imported
        if "search" in args.parts:
            result["search"] = part_search(args, body)
        result["load_end"] = load()
        result["max_rss_mb"] = rss_mb()
        Path(args.result).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    finally:
        cleanup()


# --- part 2: verification under load (the driver runs it) ----------------------------------------

WRK_DONE = """
done = function(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, '
    .. '"p99_us": %d, "mean_us": %.1f, "max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, '
    .. '"timeout": %d}\\n', summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.mean, latency.max, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
"""


def wrk_script(folder: Path, name: str, paths: list[str]) -> Path:
    """A wrk Lua script asking for `paths` in turn (each thread from its own starting point)."""
    quoted = ",\n".join(json.dumps(p) for p in paths)
    text = ("local paths = {\n" + quoted + "\n}\nlocal i = 0\nlocal threads = 0\n"
            "setup = function(thread) threads = threads + 1; thread:set('start', threads * 397) end\n"
            "init = function(args) i = (start or 0) % #paths end\n"
            "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n" + WRK_DONE)
    path = folder / f"{name}.lua"
    path.write_text(text)
    return path


def run_wrk(url: str, script: Path, seconds: float, threads: int, connections: int) -> dict:
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
               "-s", str(script), url]
    load_before = load()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("WRKJSON "))
    data["rps"] = round(data["requests"] / (data["duration_us"] / 1e6), 1)
    data["errors"] = data["connect"] + data["read"] + data["write"] + data["timeout"]
    data["non_2xx_3xx"] = data["status"]
    data["load_before"], data["load_after"] = load_before, load()
    return data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 (a loopback address we chose)
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_serving(base: str, server: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    """Until `certinel serve` answers its ping (or ends, or `seconds` pass: then an error with
    the end of its log)."""
    deadline = time.time() + seconds
    while True:
        try:
            if fetch(base + "/api/v1/ping")[0] == 200:
                return
        except OSError:
            pass
        if server.poll() is not None or time.time() > deadline:
            raise RuntimeError(f"certinel serve did not start: {log.read_text()[-2000:]}")
        time.sleep(0.5)


def national_holders(db: str, organizations: int) -> dict:
    """The scratch database migrated, then the national builder's holders (with their log
    entries); returns how many and how long."""
    from django.core.management import call_command
    from django.db import connection

    from certinel.demo.national import build_national

    call_command("migrate", interactive=False, verbosity=0)
    say(f"[{db}] holders: {organizations:,} organizations (national builder)… (load {load()})")
    summary = build_national(seed=SEED, organizations=organizations)
    connection.close()  # the builder's loading settings end with its connection
    return {"organizations": summary.organizations, "seconds": round(summary.seconds, 1)}


def bench_bodies(db: str, count: int) -> list[tuple[object, RowMaker]]:
    """`count` bodies approved like the import benchmark's, each with its row maker (seeded by
    its place, the same in every benchmark)."""
    from django.db import transaction
    from django.utils import timezone

    say(f"[{db}] {count} bodies… (load {load()})")
    today = timezone.localdate()
    bodies = []
    for i in range(count):
        with transaction.atomic():
            body, grants = make_body(random.Random(SEED + 100 + i))
        bodies.append((body, RowMaker(random.Random(SEED + 200 + i), grants, today)))
    return bodies


def use_redis(url: str) -> str | None:
    """The Redis URL the server is given (its scratch database emptied first), or None when
    told not to use one or none answers."""
    if url == "none":
        return None
    try:
        import redis

        server = redis.Redis.from_url(url, socket_connect_timeout=2)
        server.flushdb()
    except Exception as exc:  # any failure means: serve without it, and say so
        say(f"[verify] no Redis at {url} ({exc}): serving without REDIS_URL (caches per worker)")
        return None
    return url


def part_verify(args: argparse.Namespace) -> dict:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed: part 2 (verification under load) needs it. On Debian: "
                           "apt-get install -y wrk (as root); or run with --parts import,search.")
    folder = Path(tempfile.mkdtemp(prefix="certinel-bench-verify-"))
    database = folder / "demo.sqlite3"
    result: dict = {"load_start": load()}
    server = None
    try:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "CERTINEL_DATA_DIR": str(folder),
               "DJANGO_SETTINGS_MODULE": "certinel.settings.dev"}
        if args.demo_db:
            say(f"[verify] copying the demo database {args.demo_db}")
            shutil.copyfile(args.demo_db, database)
            result["demo_seconds"] = None
        else:
            command = [str(BIN / "certinel"), "demo", "--no-serve"]
            if args.demo_organizations:
                command += ["--organizations", str(args.demo_organizations)]
            say(f"[verify] building the demo: {' '.join(command[1:])}… (load {load()})")
            started = time.perf_counter()
            with (folder / "demo.log").open("w") as log:
                code = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
            if code != 0:
                raise RuntimeError(f"certinel demo failed ({code}): {(folder / 'demo.log').read_text()[-2000:]}")
            result["demo_seconds"] = round(time.perf_counter() - started, 1)
        with sqlite3.connect(database) as conn:
            numbers = [n for (n,) in conn.execute("SELECT number FROM certificates_certificate ORDER BY id")]
            result["demo_certificates"] = len(numbers)
        rng = random.Random(SEED)
        chosen = rng.sample(numbers, min(1000, len(numbers)))
        missing = "071269NOTFOUND0M"
        assert missing not in numbers
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_env = {**env, "DJANGO_SETTINGS_MODULE": "certinel.settings.prod",
                      "CERTINEL_SECRET_KEY": secrets.token_urlsafe(48),
                      "CERTINEL_PERSONAL_DATA_SALT": secrets.token_urlsafe(32),
                      "CERTINEL_KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                      "CERTINEL_ALLOWED_HOSTS": "127.0.0.1,localhost",
                      # The documented setting, raised so that no request is refused with 429
                      # (one client address sends everything here).
                      "CERTINEL_RATE_LIMIT_PER_MINUTE": "1000000000"}
        result["redis"] = use_redis(args.redis)
        if result["redis"]:
            server_env["REDIS_URL"] = result["redis"]
        serve = [str(BIN / "certinel"), "serve", "--bind", f"127.0.0.1:{port}", "--no-scheduler"]
        if args.workers:
            serve += ["--workers", str(args.workers)]
        if args.threads:
            serve += ["--threads", str(args.threads)]
        say(f"[verify] {' '.join(serve[1:])} (production settings)…")
        server_log = (folder / "serve.log").open("w")
        server = subprocess.Popen(serve, env=server_env, stdout=server_log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        wait_serving(base, server, folder / "serve.log")
        banner = next((ln for ln in (folder / "serve.log").read_text().splitlines() if "listening" in ln), "")
        result["server"] = {"command": " ".join(serve[1:]), "banner": banner,
                            "rate_limit_setting": "CERTINEL_RATE_LIMIT_PER_MINUTE=1000000000"}
        targets = {
            "ping (reference)": ["/api/v1/ping"],
            "API verify": [f"/api/v1/verify?number={urllib.parse.quote(n, safe='')}" for n in chosen],
            "HTML /verify/<number>": [f"/verify/{urllib.parse.quote(n, safe='')}" for n in chosen],
            "API verify, not found": [f"/api/v1/verify?number={missing}"],
        }
        checks = {}
        for name, paths in targets.items():
            status, body = fetch(base + paths[0])
            outcome = ""
            if body[:1] == b"{":
                outcome = str(json.loads(body).get("outcome", ""))
            checks[name] = {"path": paths[0], "status": status, "bytes": len(body), "outcome": outcome}
        result["checks"] = checks
        say(f"[verify] first answers: {checks}")
        # First asks: each number once, in turn, before any answer is kept.
        say(f"[verify] first asks: {len(chosen)} numbers, one at a time… (load {load()})")
        cold = []
        for path in targets["API verify"]:
            started = time.perf_counter()
            assert fetch(base + path)[0] == 200
            cold.append((time.perf_counter() - started) * 1000)
        result["first_asks"] = {"requests": len(cold), "p50_ms": round(percentile(cold, 0.5), 2),
                                "p99_ms": round(percentile(cold, 0.99), 2), "rps_one_client": round(
                                    len(cold) / (sum(cold) / 1000), 1)}
        warm = wrk_script(folder, "warm", targets["API verify"] + targets["HTML /verify/<number>"])
        run_wrk(base + "/", warm, max(2.0, args.duration / 6), args.wrk_threads, args.connections)
        runs = {}
        for i, (name, paths) in enumerate(targets.items()):
            script = wrk_script(folder, f"target{i}", paths)
            say(f"[verify] wrk {args.duration:g} s, {args.wrk_threads} threads, {args.connections} connections: "
                f"{name}… (load {load()})")
            runs[name] = run_wrk(base + "/", script, args.duration, args.wrk_threads, args.connections)
            runs[name]["paths"] = len(paths)
        ping = runs["ping (reference)"]
        for data in runs.values():
            data["rps_ratio_to_ping"] = round(data["rps"] / ping["rps"], 3)
            data["p50_ratio_to_ping"] = round(data["p50_us"] / max(ping["p50_us"], 1), 2)
            data["p99_ratio_to_ping"] = round(data["p99_us"] / max(ping["p99_us"], 1), 2)
        result["runs"] = runs
        result["wrk"] = {"threads": args.wrk_threads, "connections": args.connections, "seconds": args.duration}
        # Latency against concurrency: a closed-loop generator's latency is mostly queueing once
        # the connections outnumber the cores, so the ping and the API are also asked with fewer.
        sweep: dict[str, dict[str, dict]] = {}
        seconds = max(2.0, args.duration / 3)
        for connections in args.sweep:
            threads = min(args.wrk_threads, connections)
            for name in ("ping (reference)", "API verify"):
                script = wrk_script(folder, f"sweep{connections}{len(sweep)}", targets[name])
                say(f"[verify] wrk {seconds:g} s, {threads} threads, {connections} connections: {name}… "
                    f"(load {load()})")
                data = run_wrk(base + "/", script, seconds, threads, connections)
                sweep.setdefault(str(connections), {})[name] = {
                    k: data[k] for k in ("rps", "p50_us", "p99_us", "errors", "non_2xx_3xx", "load_before",
                                         "load_after")}
            row = sweep[str(connections)]
            row["API verify"]["rps_ratio_to_ping"] = round(row["API verify"]["rps"] / row["ping (reference)"]["rps"], 3)
        result["sweep"] = {"seconds": seconds, "by_connections": sweep}
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        result["load_end"] = load()
        if args.keep:
            say(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return result


# --- the driver -----------------------------------------------------------------------------------

def print_import(db: str, result: dict) -> None:
    imp = result["import"]
    print(f"\n{db} ({result['version'].split(' on ')[0]}): import of {imp['rows']:,} rows "
          f"(holders {imp['holders_build']['organizations']:,}, built in {imp['holders_build']['seconds']:.0f} s; "
          f"file {imp['file']['bytes'] / 1e6:.1f} MB)")
    print(f"  connection: {imp.get('connection_settings')}")
    print(f"{'':<28}{'seconds':>10}{'rows/s':>12}{'ratio to raw':>14}   load before → after")
    raw = imp["raw"]
    print(f"{'raw load (reference)':<28}{raw['seconds']:>10.1f}{raw['rows_per_s']:>12,.0f}{1:>14.4f}")
    for key, label in (("dry_run", "import_file, dry run"), ("import", "import_file, real run"),
                       ("resend", "import_file, resend")):
        if key not in imp:
            continue
        r = imp[key]
        print(f"{label:<28}{r['seconds']:>10.1f}{r['rows_per_s']:>12,.0f}{r['ratio_to_raw']:>14.4f}"
              f"   {r['load_before']} → {r['load_after']}")
    floor = imp.get("floor")
    if floor:
        print(f"{'the database alone (floor)':<28}{floor['seconds']:>10.1f}{floor['rows_per_s']:>12,.0f}"
              f"{floor['ratio_to_raw']:>14.4f}   real run ÷ floor: {imp['import']['ratio_to_floor']:.3f}")
        print("  floor by table: " + "; ".join(f"{t} {v['rows']:,} rows {v['seconds']:.2f} s"
                                               for t, v in floor["tables"].items()))
    print("  outcomes: " + ", ".join(f"{label} {imp[key]['counts']}" for key, label in (
        ("dry_run", "dry run"), ("import", "real"), ("resend", "resend")) if key in imp)
          + f"; stored {imp['stored']}" + (f"; after the resend {imp['stored_after_resend']}"
                                           if "stored_after_resend" in imp else ""))


def print_search(db: str, search: dict) -> None:
    ref = search["reference"]
    print(f"\n{db}: certificate_search (ms; reference: indexed number lookup, median {ref['median_ms']:.3f} ms, "
          f"p95 {ref['p95_ms']:.3f} ms)")
    print(f"  statuses the scheduled job has not recorded yet: {search['lagging']}")
    print(f"{'kind':<30}{'median':>10}{'p95':>10}{'max':>10}{'ratio':>9}{'n':>5}")
    for kind, s in search["summary"].items():
        print(f"{kind:<30}{s['median_ms']:>10.2f}{s['p95_ms']:>10.2f}{s['max_ms']:>10.2f}"
              f"{s['ratio_to_reference']:>9.0f}{s['samples']:>5}")
    print("  slowest: " + "; ".join(f"{r['filters']} {r['median_ms']:.0f} ms" for r in search["slowest"]))


def print_verify(result: dict) -> None:
    built = f"built in {result['demo_seconds']:.0f} s" if result["demo_seconds"] is not None else "copied"
    print(f"\nverification under load: demo of {result['demo_certificates']:,} certificates "
          f"({built}); {result['server']['banner']}; REDIS_URL {result['redis'] or 'not set'}")
    cold = result["first_asks"]
    print(f"first asks (each number once, one client): p50 {cold['p50_ms']} ms, p99 {cold['p99_ms']} ms")
    print(f"{'endpoint':<26}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'req/s ÷ ping':>14}{'p50 × ping':>12}"
          f"{'p99 × ping':>12}{'non-2xx':>9}{'errors':>8}  load")
    for name, r in result["runs"].items():
        print(f"{name:<26}{r['rps']:>9,.0f}{r['p50_us'] / 1000:>9.1f}{r['p99_us'] / 1000:>9.1f}"
              f"{r['rps_ratio_to_ping']:>14.3f}{r['p50_ratio_to_ping']:>12.2f}{r['p99_ratio_to_ping']:>12.2f}"
              f"{r['non_2xx_3xx']:>9}{r['errors']:>8}  {r['load_before']} → {r['load_after']}")
    sweep = result.get("sweep", {}).get("by_connections", {})
    if sweep:
        print(f"by connections ({result['sweep']['seconds']:g} s each): ping req/s, p99 ms | API verify req/s, "
              "p99 ms, req/s ÷ ping")
        for connections, row in sweep.items():
            ping, api = row["ping (reference)"], row["API verify"]
            print(f"{connections:>5}  {ping['rps']:>8,.0f} {ping['p99_us'] / 1000:>7.1f} | {api['rps']:>8,.0f} "
                  f"{api['p99_us'] / 1000:>7.1f} {api['rps_ratio_to_ping']:>7.3f}   load {api['load_after']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_ROWS:,} rows, a small demo, short wrk runs, 3 repetitions")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both",
                        help="databases for parts 1 and 3 (part 2 runs on SQLite)")
    parser.add_argument("--rows", type=int, default=None, help=f"rows to import (default {FULL_ROWS:,})")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated: import, verify, search "
                                                                  "(search runs after, and with, the import)")
    parser.add_argument("--repeat", type=int, default=None, help="timings of each search query (default 5)")
    parser.add_argument("--duration", type=float, default=None, help="seconds of each wrk run (default 30)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--sweep", default="1,2,4,8,32",
                        help="verification: also ask the ping and the API with each of these numbers of "
                             "connections (a third of --duration each; default 1,2,4,8,32; '' for none)")
    parser.add_argument("--workers", type=int, default=None, help="certinel serve workers (default: its own)")
    parser.add_argument("--threads", type=int, default=None, help="certinel serve threads (default: its own)")
    parser.add_argument("--demo-organizations", type=int, default=None,
                        help="organizations of the demo for part 2 (default: the demo's own; quick 1,000)")
    parser.add_argument("--demo-db", help="verification: copy this demo SQLite database instead of building one")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14",
                        help="verification: the server's REDIS_URL, as deployed (default %(default)s, a scratch "
                             "database emptied first); 'none' to serve without")
    parser.add_argument("--import-steps", default="dry,floor,resend",
                        help="besides the real run, which of: dry (a dry run before it), floor (the database alone "
                             "storing its rows; it reads them all into memory), resend (the same file again) "
                             "(default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases and files")
    parser.add_argument("--json", help="write the report here (default bench/out/certificates-<date>.json)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    args.import_steps = [p.strip() for p in args.import_steps.split(",") if p.strip()]
    if set(args.import_steps) - {"dry", "floor", "resend"}:
        parser.error("--import-steps: dry, floor, resend")
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))} (have: {', '.join(PARTS)})")
    args.rows = args.rows or (QUICK_ROWS if args.quick else FULL_ROWS)
    if args.rows < 500:
        parser.error("--rows: at least 500")
    args.repeat = args.repeat or (3 if args.quick else 5)
    args.duration = args.duration or (3.0 if args.quick else 30.0)
    args.sweep = [int(n) for n in args.sweep.split(",") if n.strip()]
    if args.demo_organizations is None and args.quick:
        args.demo_organizations = 1000
    if args.worker:
        worker(args)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    report: dict = {"benchmark": "certificate register", "date": dt.date.today().isoformat(), "machine": machine(),
                    "versions": versions(), "rows": args.rows, "seed": SEED, "parts": args.parts,
                    "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]), "databases": {}}
    failed = False
    started = time.perf_counter()
    if {"import", "search"} & set(args.parts):
        for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
            result_file = OUT / f".certificates-{db}-{stamp}.json"
            command = [sys.executable, __file__, "--worker", "--db", db, "--rows", str(args.rows),
                       "--parts", ",".join(args.parts), "--repeat", str(args.repeat), "--result", str(result_file),
                       "--import-steps", ",".join(args.import_steps),
                       *(["--keep"] if args.keep else [])]
            say(f"\n=== {db}: {args.rows:,} rows (load {load()})")
            if subprocess.run(command, check=False).returncode != 0 or not result_file.exists():
                say(f"{db}: the benchmark failed")
                failed = True
                continue
            result = json.loads(result_file.read_text())
            result_file.unlink()
            report["databases"][db] = result
            print_import(db, result)
            if "search" in result:
                print_search(db, result["search"])
    if "verify" in args.parts:
        say(f"\n=== verification under load (load {load()})")
        try:
            report["verify"] = part_verify(args)
            print_verify(report["verify"])
        except Exception as exc:  # report it, go on to write what was measured
            say(f"verification under load failed: {exc}")
            report["verify"] = {"error": str(exc)}
            failed = True
    report["machine"]["load_average_after"] = load()
    report["seconds"] = round(time.perf_counter() - started, 1)
    target = Path(args.json) if args.json else OUT / f"certificates-{stamp}.json"
    target.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    print(f"\nload average {report['machine']['load_average']} at start, {report['machine']['load_average_after']} "
          f"at end; {report['seconds']:.0f} s in all")
    print(f"written: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
