"""Benchmark of the joint punishment check through a real server.

    .venv/bin/python bench/credit_check_bench.py [--db sqlite|postgres] [--organizations N] [--listed L]
                                                 [--singles S] [--batches B] [--json FILE] [--keep]

Builds the demo province with N organizations (`certinel demo --no-serve --organizations N`,
default 20,000) in a scratch SQLite file or PostgreSQL database, lists L of them (default 500)
through the services (a notice, then the listing decision), and serves it with `certinel serve`
(gunicorn, 2 workers × 4 threads, no scheduler) on a loopback port. Then, on one kept-alive
connection each, in the same run:

1. the reference: S requests of `GET /api/v1/ping`, the server's minimal endpoint;
2. S single checks `GET /api/v1/credit/eligibility?uscc=…&purpose=procurement`, codes drawn from
   the register with the listed ones among them (about one in twenty);
3. B checks of 10,000 codes at once (`POST /api/v1/credit/eligibility`), unsigned and signed.

It prints medians and 99th percentiles, the ratios to the ping, and writes them with the machine
and its load to bench/out/credit-check-<db>-<date>-<time>.json. Issue 13 asks: 10,000 codes in
under 2 s, single checks under 25 ms at the 99th percentile.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
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

from transparency_bench import OUT, load_average, machine  # noqa: E402

BATCH = 10_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database(kind: str, folder: Path) -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.sqlite3'}", lambda: None
    import psycopg

    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"certinel_bench_credit_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return server.rsplit("/", 1)[0] + "/" + name, drop


def _list_some(env: dict[str, str], listed: int) -> list[str]:
    """List `listed` organizations through the services; return a sample of codes to check."""
    script = f"""
import datetime as dt, json, random
from django.utils import timezone
from certinel.core.actor import Actor
from certinel.credit.services import notice_serve, entry_decide
from certinel.registry.models import Organization
codes = list(Organization.objects.order_by("id").values_list("uscc", flat=True))
rng = random.Random(13)
chosen = rng.sample(codes, min({listed}, len(codes)))
actor = Actor.system("bench")
today = timezone.localdate()
for n, uscc in enumerate(chosen):
    notice = notice_serve(actor=actor, uscc=uscc, violation="bench", basis="bench", penalty="bench",
                          penalty_decision_no=f"B{{n}}", authority="bench", served_on=today - dt.timedelta(days=40))
    entry_decide(actor=actor, notice=notice, decision_no=f"L{{n}}", listed_on=today - dt.timedelta(days=10))
print(json.dumps({{"codes": codes, "listed": chosen}}))
"""
    done = subprocess.run([str(BIN / "certinel"), "shell", "-c", script], env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timed(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None) -> tuple[float, int]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    start = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return time.perf_counter() - start, response.status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--organizations", type=int, default=20_000)
    parser.add_argument("--listed", type=int, default=500)
    parser.add_argument("--singles", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch folder (and database).")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="certinel-bench-credit-"))
    url, drop = _database(args.db, folder)
    env = {**os.environ, "DATABASE_URL": url, "CERTINEL_DATA_DIR": str(folder), "DJANGO_SETTINGS_MODULE":
           "certinel.settings.dev", "CERTINEL_RATE_LIMIT_PER_MINUTE": "100000000"}
    server = None
    try:
        started = time.perf_counter()
        subprocess.run([str(BIN / "certinel"), "demo", "--no-serve", "--organizations", str(args.organizations)],
                       env=env, check=True, capture_output=True)
        drawn = _list_some(env, args.listed)
        build = time.perf_counter() - started
        print(f"built: {args.organizations:,} organizations, {len(drawn['listed']):,} listed, {build:.0f} s")
        port = _free_port()
        server = subprocess.Popen([str(BIN / "certinel"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                   "--threads", "4", "--no-scheduler"], env={**env, "CERTINEL_PUBLIC_URL":
                                   f"http://127.0.0.1:{port}"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        rng = random.Random(7)
        codes, listed = drawn["codes"], drawn["listed"]
        for _ in range(50):  # warm both workers
            _timed(conn, "GET", "/api/v1/ping")
        ping = [_timed(conn, "GET", "/api/v1/ping")[0] for _ in range(args.singles)]
        singles = []
        for _ in range(args.singles):
            code = rng.choice(listed) if rng.random() < 0.05 else rng.choice(codes)
            seconds, status = _timed(conn, "GET", f"/api/v1/credit/eligibility?uscc={code}&purpose=procurement")
            assert status == 200, status
            singles.append(seconds)
        batch_codes = [rng.choice(codes) for _ in range(BATCH - len(listed[:100]))] + listed[:100]
        batches = {}
        for signed in (False, True):
            body = json.dumps({"purpose": "procurement", "codes": batch_codes, "signed": signed}).encode()
            times = []
            for _ in range(args.batches):
                seconds, status = _timed(conn, "POST", "/api/v1/credit/eligibility", body)
                assert status == 200, status
                times.append(seconds)
            batches["signed" if signed else "unsigned"] = times
        result = {
            "db": args.db, "organizations": args.organizations, "listed": len(listed), "build_seconds": build,
            "ping_ms": {"median": statistics.median(ping) * 1000, "p99": _percentile(ping, 0.99) * 1000},
            "single_ms": {"median": statistics.median(singles) * 1000, "p99": _percentile(singles, 0.99) * 1000},
            "batch_10000_s": {k: {"median": statistics.median(v), "max": max(v)} for k, v in batches.items()},
            "machine": machine(), "load": load_average(), "date": dt.datetime.now().isoformat(timespec="seconds"),
        }
        result["single_over_ping_median"] = result["single_ms"]["median"] / result["ping_ms"]["median"]
        print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))
        out = args.json or OUT / f"credit-check-{args.db}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(f"written: {out}")
    finally:
        if server is not None:
            import signal

            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if not args.keep:
            drop()
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
