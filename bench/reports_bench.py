"""Benchmark of test reports (issue 16, point 4): ingestion through the real import, and
verification with the scope check through a real server.

    .venv/bin/python bench/reports_bench.py [--db sqlite|postgres] [--rows N] [--reports M]
                                            [--requests S] [--quick] [--json FILE] [--keep]

Works in a scratch SQLite file (default) or PostgreSQL database (on DATABASE_URL's server, or
127.0.0.1:5432), removed at the end.

1. Ingestion. N rows (default 50,000) of one lab, three parameters each, each with its sample
   number and results hash (so that the partial (lab, sample) index is written too), are reported
   - through `certinel reports import FILE --lab CMA` (the CSV import: parse, check, write, one
     transparency-log record per report), one file, all or nothing;
   - through the reporting service `report_test_reports` in batches of 5,000 (the API's largest
     batch, without HTTP), for a second lab;
   and, as the reference in the same run, the same rows (as the import stored them) are written
   into a copy of the table with its indexes (`CREATE TABLE … (LIKE … INCLUDING ALL)`) by
   `COPY … FROM STDIN` on PostgreSQL, or by one `executemany` in one transaction on SQLite.
   Reports per second and the ratio to the reference. Issue 16 asks ≥ 2,000 reports/s on
   PostgreSQL.
2. Verification. M reports (default 1,000,000) over 100 labs with scope lines and signatories
   (built through the services) are written straight into the table (COPY / executemany: the
   services are measured in part 1). `certinel serve` (gunicorn, 2 workers × 4 threads, no
   scheduler) serves the database on a loopback port. On one kept-alive connection, in the same
   run: S requests of `GET /api/v1/ping` (the reference), S of
   `GET /api/v1/reports/verify?lab=…&number=…` for reports drawn at random (one in twenty
   unknown: 404), and S/4 by `?sha256=…`. Measured first at M/10 reports, then again after the
   table is filled to M, to show the growth. Issue 16 asks p99 < 25 ms at low concurrency with
   100 M reports stored.

Everything, with the machine and its load, goes to bench/out/reports-<db>-<date>-<time>.json.
`--quick`: `--rows 2000 --reports 20000 --requests 200`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from credit_check_bench import _free_port, _percentile  # noqa: E402
from transparency_bench import OUT, database_version, load_average, machine, setup_database  # noqa: E402

TABLE = "qualification_testreport"
COPY_TABLE = "bench_testreport_copy"
SIGNATORY = "李签字"
SCOPE = (("铅含量", "GB 5009.12-2017"), ("镉含量", "GB 5009.15-2014"), ("水分", ""))
PARAMETERS = [{"parameter": "铅含量", "standard": "GB 5009.12-2017"},
              {"parameter": "镉含量", "standard": "GB 5009.15-2014"},
              {"parameter": "水分", "standard": "GB 5009.3-2016"}]
CLIENTS = [f"示例客户{n}有限公司" for n in range(50)]
OBJECTS = ("大米", "小麦粉", "食用油", "茶叶")


def _ms(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values) * 1000, "p99": _percentile(values, 0.99) * 1000}


def build_labs(n: int, today: dt.date) -> list:
    """n labs, each with three scope lines and its signatory, through the services."""
    from certinel.core.testing.builders import SYSTEM, build_lab, build_person, ensure_reference
    from certinel.reference.models import LabField
    from certinel.registry import services

    ensure_reference()
    field = LabField.objects.order_by("code").first()
    labs = []
    for _ in range(n):
        lab = build_lab()
        for item, standard in SCOPE:
            services.lab_scope_item_add(actor=SYSTEM, lab=lab, kind="industry", field_code=field.code, item=item,
                                        standard=standard, granted_on=dt.date(2022, 1, 10))
        services.person_role_add(actor=SYSTEM, person=build_person(name=SIGNATORY), kind="signatory", lab=lab,
                                 valid_from=dt.date(2022, 1, 10))
        labs.append(lab)
    return labs


def _row(n: int, today: dt.date, rng: random.Random) -> dict:
    issued = today - dt.timedelta(days=1 + n % 300)
    return {"number": f"JC{issued:%Y}-{n:08d}", "issued_on": issued,
            "sample_received_on": issued - dt.timedelta(days=rng.randint(0, 10)),
            "client_name": rng.choice(CLIENTS), "object_name": rng.choice(OBJECTS),
            "parameters": PARAMETERS, "signatory_name": SIGNATORY,
            "pdf_sha256": hashlib.sha256(f"bench-{n}".encode()).hexdigest(), "sample_no": f"YP{issued:%Y}-{n:08d}",
            "results_sha256": hashlib.sha256(f"results-{n}".encode()).hexdigest()}


# --- 1. ingestion ---------------------------------------------------------------------------------


def _columns() -> list[str]:
    from certinel.qualification.models import TestReport

    return [f.column for f in TestReport._meta.concrete_fields if f.column != "id"]


def _copy_table(db: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
        if db == "postgres":
            cur.execute(f"CREATE TABLE {COPY_TABLE} (LIKE {TABLE} INCLUDING ALL)")
            return
        cur.execute("SELECT sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL", [TABLE])
        for (sql,) in cur.fetchall():
            sql = sql.replace(f'"{TABLE}"', f'"{COPY_TABLE}"')
            sql = re.sub(r'INDEX "(\w+)"', r'INDEX "copy_\1"', sql)
            cur.execute(sql)


def _bulk_write(db: str, table: str, rows: list[tuple]) -> float:
    """Write rows (in `_columns()` order) into `table` by COPY or executemany; seconds."""
    from django.db import connection, transaction

    cols = _columns()
    started = time.perf_counter()
    with transaction.atomic():
        if db == "postgres":
            raw = connection.connection
            with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            with connection.cursor() as cur:
                cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
                                rows)
    return time.perf_counter() - started


def _stored_rows(lab_id: int, db: str) -> list[tuple]:
    """The rows the import stored for a lab, as written (for the reference)."""
    from django.db import connection

    cols = _columns()
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(cols)} FROM {TABLE} WHERE lab_id = %s", [lab_id])
        rows = cur.fetchall()
    if db == "postgres":  # jsonb comes back decoded
        at = cols.index("parameters")
        rows = [(*r[:at], json.dumps(r[at], ensure_ascii=False), *r[at + 1:]) for r in rows]
    return rows


def ingestion(db: str, n: int, today: dt.date, report: dict) -> None:
    from django.core.management import call_command

    from certinel.core.testing.builders import SYSTEM
    from certinel.qualification.data import ReportData
    from certinel.qualification.models import TestReport
    from certinel.qualification.reporting import report_test_reports

    lab_import, lab_service = build_labs(2, today)
    rng = random.Random(16)
    rows = [_row(i, today, rng) for i in range(n)]
    folder = Path(tempfile.mkdtemp(prefix="certinel-bench-reports-"))
    path = folder / "reports.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["number", "issued_on", "sample_received_on", "client_name", "object", "parameters",
                      "signatory", "pdf_sha256", "sample_no", "results_sha256"])
        for r in rows:
            out.writerow([r["number"], r["issued_on"].isoformat(), r["sample_received_on"].isoformat(),
                          r["client_name"], r["object_name"],
                          ";".join(f"{p['parameter']}|{p['standard']}" for p in r["parameters"]),
                          r["signatory_name"], r["pdf_sha256"], r["sample_no"], r["results_sha256"]])
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("reports", "import", str(path), "--lab", lab_import.cma_no, verbosity=0, stdout=quiet)
    import_s = time.perf_counter() - started
    path.unlink()
    folder.rmdir()
    assert TestReport.objects.filter(lab=lab_import).count() == n

    started = time.perf_counter()
    for start in range(0, n, 5000):
        items = [ReportData(**r) for r in rows[start:start + 5000]]
        result = report_test_reports(actor=SYSTEM, lab=lab_service, items=items)
        assert result.ok, result.errors[:3]
    service_s = time.perf_counter() - started

    _copy_table(db)
    reference = _stored_rows(lab_import.pk, db)
    copy_s = _bulk_write(db, COPY_TABLE, reference)
    reference_name = "COPY" if db == "postgres" else "executemany"
    result = {"rows": n, "import_s": import_s, "import_per_s": n / import_s, "service_s": service_s,
              "service_per_s": n / service_s, "reference": reference_name, "reference_s": copy_s,
              "reference_per_s": n / copy_s, "import_over_reference": copy_s / import_s,
              "service_over_reference": copy_s / service_s}
    report["ingestion"] = result
    print(f"ingestion, {n:,} reports ({db}): import {result['import_per_s']:,.0f}/s, service in batches of 5,000 "
          f"{result['service_per_s']:,.0f}/s, {reference_name} {result['reference_per_s']:,.0f}/s "
          f"(import at {result['import_over_reference']:.3f} of the reference)")


# --- 2. verification ------------------------------------------------------------------------------


def fill(db: str, labs: list, start: int, stop: int, today: dt.date) -> float:
    """Reports start … stop-1, spread over the labs, straight into the table; seconds."""
    from django.utils import timezone

    rng = random.Random(start)
    now = timezone.now()
    roles = {}
    from certinel.registry.models import PersonRole

    for role in PersonRole.objects.filter(lab__in=labs, kind="signatory"):
        roles[role.lab_id] = role.pk
    cols = _columns()
    seconds = 0.0
    for chunk in range(start, stop, 100_000):
        rows = []
        for i in range(chunk, min(stop, chunk + 100_000)):
            r = _row(i, today, rng)
            lab = labs[i % len(labs)]
            values = {**r, "lab_id": lab.pk, "signatory_id": roles[lab.pk], "status": "valid", "status_reason": "",
                      "withdrawn_on": None, "version": 1, "created_at": now, "updated_at": now,
                      "parameters": json.dumps(r["parameters"], ensure_ascii=False)}
            rows.append(tuple(values[c] for c in cols))
        seconds += _bulk_write(db, TABLE, rows)
    if db == "postgres":
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {TABLE}")
    return seconds


def _timed(conn: http.client.HTTPConnection, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return time.perf_counter() - started, response.status


def measure(conn: http.client.HTTPConnection, labs: list, stored: int, requests: int, today: dt.date) -> dict:
    rng = random.Random(stored)
    for _ in range(50):
        _timed(conn, "/api/v1/ping")
    ping = [_timed(conn, "/api/v1/ping")[0] for _ in range(requests)]
    by_number, statuses = [], {200: 0, 404: 0}
    for _ in range(requests):
        unknown = rng.random() < 0.05
        i = rng.randrange(stored)
        lab = labs[i % len(labs)]
        issued = today - dt.timedelta(days=1 + i % 300)
        number = f"NO-{i}" if unknown else f"JC{issued:%Y}-{i:08d}"
        seconds, status = _timed(conn, f"/api/v1/reports/verify?lab={lab.cma_no}&number={number}")
        assert status == (404 if unknown else 200), status
        statuses[status] += 1
        by_number.append(seconds)
    by_hash = []
    for _ in range(max(1, requests // 4)):
        i = rng.randrange(stored)
        digest = hashlib.sha256(f"bench-{i}".encode()).hexdigest()
        seconds, status = _timed(conn, f"/api/v1/reports/verify?sha256={digest}")
        assert status == 200, status
        by_hash.append(seconds)
    out = {"reports": stored, "ping_ms": _ms(ping), "verify_ms": _ms(by_number), "verify_by_hash_ms": _ms(by_hash),
           "answers": statuses, "load": load_average()}
    out["verify_over_ping_median"] = out["verify_ms"]["median"] / out["ping_ms"]["median"]
    print(f"verification at {stored:,} reports: ping p99 {out['ping_ms']['p99']:.1f} ms, verify by number median "
          f"{out['verify_ms']['median']:.1f} ms p99 {out['verify_ms']['p99']:.1f} ms, by hash p99 "
          f"{out['verify_by_hash_ms']['p99']:.1f} ms")
    return out


def verification(db: str, total: int, requests: int, today: dt.date, report: dict) -> None:
    labs = build_labs(100, today)
    first = max(len(labs), total // 10)
    fill_s = fill(db, labs, 0, first, today)
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="certinel-bench-reports-serve-"))
    env = {**os.environ, "CERTINEL_DATA_DIR": str(folder), "DJANGO_SETTINGS_MODULE": "certinel.settings.dev",
           "CERTINEL_RATE_LIMIT_PER_MINUTE": "100000000", "CERTINEL_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen([str(BIN / "certinel"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                               "--threads", "4", "--no-scheduler"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        steps = [measure(conn, labs, first, requests, today)]
        if total > first:
            conn.close()
            fill_s += fill(db, labs, first, total, today)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            steps.append(measure(conn, labs, total, requests, today))
        conn.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    report["verification"] = {"labs": len(labs), "fill_s": fill_s, "steps": steps}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rows", type=int, default=50_000, help="Reports ingested (0 skips ingestion).")
    parser.add_argument("--reports", type=int, default=1_000_000, help="Reports stored for verification (0 skips).")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", help="Where to write the report.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.reports, args.requests = min(args.rows, 2000), min(args.reports, 20_000), 200
    os.environ.setdefault("CERTINEL_LOG_SIGNING_KEY", "")
    cleanup = setup_database(args.db)
    from django.core.management import call_command
    from django.utils.timezone import localdate

    report: dict = {"db": args.db, "machine": machine(), "load_start": load_average(),
                    "date": dt.datetime.now().isoformat(timespec="seconds")}
    try:
        call_command("migrate", verbosity=0)
        report["database"] = database_version()
        today = localdate()
        if args.rows:
            ingestion(args.db, args.rows, today, report)
        if args.reports:
            verification(args.db, args.reports, args.requests, today, report)
    finally:
        report["load_end"] = load_average()
        if not args.keep:
            cleanup()
    OUT.mkdir(parents=True, exist_ok=True)
    path = Path(args.json) if args.json else OUT / f"reports-{args.db}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
