"""The national load, end to end: from the bodies' files to a verified log, then search and
verification on the loaded register.

    python bench/national_load_bench.py                       # 5,000,000 certificates, 1,500,000 holders
    python bench/national_load_bench.py --certificates 1000000 --organizations 300000
    python bench/national_load_bench.py --quick               # 20,000 rows on SQLite, to check that it runs

One run, on one scratch database (PostgreSQL unless --db sqlite):
1. holders: the national builder (`certinel demo --scale national`'s loader) writes the
   organizations, with their history records and log leaves (untimed for the load, reported);
2. B bodies through the registry services, each approved like the import benchmark's body;
3. the files: one CSV of the import template per body, holders taken in turn (again from the
   first when all had theirs), each holder's certificates from one body drawn at random for it
   (the import benchmark's row maker), and a manifest (file,body);
4. reference: every file's rows loaded raw into a plain table (PostgreSQL COPY, SQLite
   executemany), in the same run;
5. **the load**: `certinel load --initial --manifest MANIFEST`, the command a region runs, timed
   to its end (the checkpoint signed);
6. **`certinel log verify`**, timed: the monitor over the whole log (holders' leaves included),
   the register held against it in a second process; the load's end-to-end time is 5 + 6
   (with --compare-verify, the same check in one process is timed as well);
7. a second reference, "COPY of the stored rows" (certificates_bench's floor: the rows the load
   stored, loaded again with COPY into tables made like the real ones), unless --no-floor;
8. search: the import benchmark's query mix (`certificate_search`, 89 queries × R), against an
   indexed look-up by number on the same connection;
9. verification: `certinel serve` (production settings, `REDIS_URL` set as a deployment sets it)
   on the loaded database; one client asks 1,000 numbers once each (`/api/v1/verify?number=…`,
   the whole verdict built), then each again (the answer kept), against `/api/v1/ping` asked
   between them.

The report goes to bench/out/ (not kept in the repository).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import certificates_bench as cb  # the import benchmark's helpers, beside this file

FULL = {"certificates": 5_000_000, "organizations": 1_500_000, "bodies": 20}
QUICK = {"certificates": 20_000, "organizations": 6_000, "bodies": 4}


def write_files(folder: Path, bodies: list, count: int, rng: random.Random) -> dict:
    """One template CSV per body and the manifest; returns a summary."""
    from certinel.registry.models import Organization

    started = time.perf_counter()
    outs, handles = [], []
    for i in range(len(bodies)):
        path = folder / f"body-{i + 1:02d}.csv"
        handle = path.open("w", encoding="utf-8-sig", newline="")
        handles.append(handle)
        writer = csv.writer(handle)
        writer.writerow(bodies[0][1].header())
        outs.append((path, writer, [0]))
    orgs = list(Organization.objects.order_by("id").values_list("uscc", "name", "region_code", "address"))
    # Each holder reports through one body: a holder whose certificate one body suspended or
    # withdrew may not be certified for that scheme by another (the hopping check refuses it).
    body_of = [rng.randrange(len(bodies)) for _ in orgs]
    made, turn = 0, 0
    try:
        while made < count:
            uscc, name, region, address = orgs[turn % len(orgs)]
            k = body_of[turn % len(orgs)]
            turn += 1
            maker = bodies[k][1]
            path, writer, written = outs[k]
            for code in maker.schemes_for_holder():
                writer.writerow(maker.row(code, uscc, name, region, address))
                written[0] += 1
                made += 1
                if made == count:
                    break
    finally:
        for handle in handles:
            handle.close()
    manifest = folder / "manifest.csv"
    with manifest.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["file", "body"])
        for (body, _maker), (path, _writer, _written) in zip(bodies, outs, strict=True):
            out.writerow([path.name, body.approval_no])
    return {"manifest": manifest, "files": [p for p, _w, _n in outs], "rows": made,
            "holders_taken": min(turn, len(orgs)), "rows_per_file": [n[0] for _p, _w, n in outs],
            "bytes": sum(p.stat().st_size for p, _w, _n in outs), "seconds": round(time.perf_counter() - started, 1)}


def serve_env() -> dict[str, str]:
    """The server's environment: this run's (its database and data folder, set up by
    certificates_bench.setup_django), production settings and this run's secrets."""
    from django.conf import settings

    return {**os.environ, "DJANGO_SETTINGS_MODULE": "certinel.settings.prod",
            "CERTINEL_SECRET_KEY": settings.SECRET_KEY,
            "CERTINEL_PERSONAL_DATA_SALT": settings.CERTINEL_PERSONAL_DATA_SALT,
            "CERTINEL_KEY_ENCRYPTION_KEY": settings.CERTINEL_KEY_ENCRYPTION_KEY,
            "CERTINEL_ALLOWED_HOSTS": "127.0.0.1,localhost", "CERTINEL_RATE_LIMIT_PER_MINUTE": "1000000000"}


def part_verification(folder: str, numbers: list[str], redis: str) -> dict:
    """One client asks each number once, in turn (the first ask builds the whole verdict),
    then each again (the kept answer); and the ping as many times, in between."""
    port = cb.free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(folder) / "serve.log"
    env = serve_env()
    redis_url = cb.use_redis(redis)
    if redis_url:  # kept answers shared by the server's workers, as a deployment keeps them
        env["REDIS_URL"] = redis_url
    command = [str(cb.BIN / "certinel"), "serve", "--bind", f"127.0.0.1:{port}", "--no-scheduler"]
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        cb.wait_serving(base, server, log)
        banner = next((ln for ln in log.read_text().splitlines() if "listening" in ln), "")
        status, body = cb.fetch(base + "/api/v1/verify?number=071269NOTFOUND0M")
        first = {"status": status, "outcome": json.loads(body).get("outcome") if body[:1] == b"{" else None}
        timings: dict[str, list[float]] = {"ping (reference)": [], "API verify, first ask": [],
                                           "API verify, kept answer": []}
        outcomes: dict[str, int] = {}
        for name in ("API verify, first ask", "API verify, kept answer"):
            for number in numbers:
                for label, path in (("ping (reference)", "/api/v1/ping"),
                                    (name, f"/api/v1/verify?number={urllib.parse.quote(number, safe='')}")):
                    started = time.perf_counter()
                    code, body = cb.fetch(base + path)
                    timings[label].append((time.perf_counter() - started) * 1000)
                    if code != 200:
                        raise RuntimeError(f"{path}: HTTP {code}")
                    if label == "API verify, first ask":
                        outcome = json.loads(body)["outcome"]
                        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        result: dict = {"server": " ".join(command[1:]), "banner": banner, "redis": bool(redis_url),
                        "not_found_answer": first, "outcomes": outcomes, "requests_each": len(numbers)}
        ping = cb.percentile(timings["ping (reference)"], 0.99)
        for name, values in timings.items():
            result[name] = {"p50_ms": round(cb.percentile(values, 0.5), 2),
                            "p99_ms": round(cb.percentile(values, 0.99), 2),
                            "p99_ratio_to_ping": round(cb.percentile(values, 0.99) / ping, 2)}
        return result
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def run(args: argparse.Namespace, folder: str) -> dict:
    from django.core.management import CommandError, call_command

    from certinel.certificates.models import Certificate
    from certinel.core.models import ChangeRecord

    report: dict = {"db": args.db, "certificates": args.certificates, "organizations": args.organizations,
                    "bodies": args.bodies, "machine": cb.machine(), "versions": cb.versions(),
                    "load_start": cb.load()}
    # The log operator's key, as a deployment sets it: the load signs its checkpoint, and the
    # verification checks it.
    from certinel.transparency.note import Ed25519Signer
    from certinel.transparency.signers import log_origin

    signer = Ed25519Signer.generate(log_origin())
    os.environ["CERTINEL_LOG_SIGNING_KEY"], os.environ["CERTINEL_LOG_VERIFIER_KEYS"] = signer.signer_key, signer.vkey
    report["holders"] = cb.national_holders(args.db, args.organizations)
    bodies = cb.bench_bodies(args.db, args.bodies)
    for i, (_body, maker) in enumerate(bodies):
        maker.share_numbers(i, args.bodies)  # so that a number names one certificate
    files = Path(tempfile.mkdtemp(prefix="certinel-bench-national-"))
    cb.say(f"[{args.db}] {args.certificates:,} rows in {args.bodies} files… (load {cb.load()})")
    made = write_files(files, bodies, args.certificates, random.Random(cb.SEED))
    report["files"] = {k: v for k, v in made.items() if k not in ("manifest", "files")}
    cb.say(f"[{args.db}] reference: the files' rows with COPY… (load {cb.load()})")
    report["raw_seconds"] = round(sum(cb.raw_load(path) for path in made["files"]), 2)
    leaves_before = ChangeRecord.objects.count()
    cb.say(f"[{args.db}] certinel load --initial --manifest {made['manifest'].name}… (load {cb.load()})")
    started = time.perf_counter()
    call_command("load", "--initial", "--manifest", str(made["manifest"]), "--report-dir", str(files),
                 "--no-progress")
    report["load_seconds"] = round(time.perf_counter() - started, 1)
    report["load_end"] = cb.load()
    report["stored"] = {"certificates": Certificate.objects.count(),
                        "log_entries": ChangeRecord.objects.count(),
                        "log_entries_of_the_load": ChangeRecord.objects.count() - leaves_before}
    cb.say(f"[{args.db}] loaded in {report['load_seconds']:,} s; certinel log verify… (load {cb.load()})")
    started = time.perf_counter()
    try:
        call_command("log", "verify")
        verified = True
    except CommandError as exc:
        cb.say(f"[{args.db}] certinel log verify: {exc}")
        verified = False
    report["verify"] = {"ok": verified, "seconds": round(time.perf_counter() - started, 1)}
    report["end_to_end_seconds"] = round(report["load_seconds"] + report["verify"]["seconds"], 1)
    if args.compare_verify:
        from certinel.transparency.monitor import verify_log
        from certinel.transparency.signers import log_verifiers

        cb.say(f"[{args.db}] the same check in one process (for comparison)… (load {cb.load()})")
        started = time.perf_counter()
        alone = verify_log(origin=log_origin(), verifiers=log_verifiers())
        report["verify"]["one_process"] = {"ok": alone.ok, "seconds": round(time.perf_counter() - started, 1)}
    if not args.no_floor:
        cb.say(f"[{args.db}] the stored rows again with COPY (the database alone)… (load {cb.load()})")
        report["stored_rows_copy"] = cb.store_floor()
    rows = made["rows"]
    raw_rate = rows / report["raw_seconds"]
    load_rate = rows / report["load_seconds"]
    report["rows_per_s"] = {"raw": round(raw_rate), "load": round(load_rate),
                            "end_to_end": round(rows / report["end_to_end_seconds"])}
    report["ratio_to_raw"] = round(load_rate / raw_rate, 4)
    if "stored_rows_copy" in report:
        floor_rate = rows / report["stored_rows_copy"]["seconds"]
        report["rows_per_s"]["stored_rows_copy"] = round(floor_rate)
        report["ratio_to_stored_rows_copy"] = round(load_rate / floor_rate, 4)
    cb.analyze()
    report["search"] = cb.part_search(args, bodies[0][0])
    numbers = list(Certificate.objects.order_by("?").values_list("number", flat=True)[:1000])
    cb.say(f"[{args.db}] verification: {len(numbers)} numbers, one client… (load {cb.load()})")
    report["verification"] = part_verification(folder, numbers, args.redis)
    report["load_end_of_run"] = cb.load()
    for path in made["files"]:
        path.unlink(missing_ok=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--certificates", type=int, default=FULL["certificates"])
    parser.add_argument("--organizations", type=int, default=FULL["organizations"])
    parser.add_argument("--bodies", type=int, default=FULL["bodies"])
    parser.add_argument("--repeat", type=int, default=5, help="timings of each search query (default 5)")
    parser.add_argument("--no-floor", action="store_true", help="skip the COPY of the stored rows")
    parser.add_argument("--compare-verify", action="store_true",
                        help="also time the log check in one process (the command uses two)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14",
                        help="Redis for the server's kept answers (its database is emptied first; 'none': without)")
    parser.add_argument("--quick", action="store_true", help=f"small, on SQLite: {QUICK}")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--json", help="write the report here (default bench/out/national-load-<db>-<rows>.json)")
    args = parser.parse_args()
    if args.quick:
        args.db = "sqlite"
        args.certificates, args.organizations, args.bodies = QUICK.values()
    folder, cleanup = cb.setup_django(args.db, args.keep)
    try:
        report = run(args, folder)
    finally:
        cleanup()
    out = Path(args.json) if args.json else cb.OUT / f"national-load-{args.db}-{args.certificates}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    brief = {k: v for k, v in report.items() if k not in ("machine", "versions", "search")}
    brief["search"] = report["search"]["summary"]["all"]
    cb.say(json.dumps(brief, indent=2, ensure_ascii=False, default=str))
    cb.say(f"report: {out}")


if __name__ == "__main__":
    main()
