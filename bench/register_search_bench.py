"""Certificate search at national size: 5 million certificates, 1.5 million holders.

    .venv/bin/python bench/register_search_bench.py [--quick] [--db sqlite|postgres|both]
                                                    [--certificates N] [--organizations M] [--bodies B]
                                                    [--repeat R] [--keep] [--reuse DATABASE_URL] [--json FILE]

Loading 5 million certificates through the import path takes hours here (see
certificates_bench.py and docs/benchmarks.md), so this benchmark builds the register the way a
migration from an existing register would: for each database, a scratch database is migrated,
the national builder (`certinel demo --scale national`'s loader) writes the holders, B bodies
are created through the registry services (each approved like the import benchmark's body),
and N certificate rows — made by the import benchmark's row maker (numbers, schemes, statuses,
dates, scopes, products and sites as a body reports them), each turned into the row the
importer stores — are written straight into the certificate table with its indexes taken off,
which are then built again, followed by ANALYZE. Certificates of the same holder come from
random bodies.

Then the import benchmark's search part runs on it (`certificate_search`, the page's and the
API's search, over a mix of 89 queries: numbers, holder codes and names, body, scheme, region,
status and combinations), each query timed R times after a warm-up, against an indexed
`SELECT … WHERE number = %s` on the same connection in the same run. Medians and 95th
percentiles per kind of query; the aim is a 95th percentile under 50 ms on both databases.

--keep keeps each scratch database (its address is printed at the end); --reuse ADDRESS with
--db sqlite|postgres searches such a kept register again instead of building one (after
bringing it up to the current migrations and running ANALYZE), e.g. after a change of the
search or its indexes.

Each database runs in its own process (Django is configured once per process). The report is
written to bench/out/ (not kept in the repository).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import certificates_bench as cb  # the import benchmark's helpers, beside this file

OUT = cb.ROOT / "bench" / "out"
FULL = {"certificates": 5_000_000, "organizations": 1_500_000, "bodies": 20}
QUICK = {"certificates": 20_000, "organizations": 8_000, "bodies": 3}
CHUNK = 20_000
LABEL_STATUS = {label: status for status, label in cb.STATUS_LABEL.items()}


def certificate_rows(orgs: list[tuple], bodies: list[tuple], count: int, rng: random.Random):
    """`count` rows of the certificate table, in chunks: the import benchmark's template rows for
    holders taken in turn (again from the first when all had theirs), each from a random body,
    turned into stored values as the importer stores them."""
    from django.utils import timezone

    from certinel.certificates.io.cells import read_codes, read_products, read_sites
    from certinel.certificates.lifecycle import next_surveillance

    now = timezone.now()
    made, chunk, turn = 0, [], 0
    while made < count:
        org_id, uscc, name, region, address = orgs[turn % len(orgs)]
        turn += 1
        body_id, body_maker = rng.choice(bodies)
        for code in body_maker.schemes_for_holder():
            row = body_maker.row(code, uscc, name, region, address)
            scheme = body_maker.schemes[code]
            issued, expires = dt.date.fromisoformat(row[6]), dt.date.fromisoformat(row[7])
            status = LABEL_STATUS[row[9]]

            def day(text: str) -> dt.date | None:
                return dt.date.fromisoformat(text) if text else None

            last_audit = day(row[13])
            chunk.append((
                row[0], scheme.pk, body_id, org_id, name, uscc, region, row[14], row[15],
                read_codes(row[16]), read_products(row[18]), read_sites(row[17]), row[19],
                row[20], row[21], day(row[8]) or issued, issued, expires, status, row[11],
                day(row[10]) or issued, day(row[12]), last_audit,
                next_surveillance(scheme, last_audit or issued, expires), row[22], 1, now, now, now))
            made += 1
            if len(chunk) == CHUNK or made == count:
                yield chunk
                chunk = []
            if made == count:
                return


COLUMNS = ("number", "scheme_id", "body_id", "holder_id", "holder_name", "holder_uscc", "region_code", "standards",
           "scope_text", "scope_codes", "products", "sites", "manufacturer", "factory", "factory_address",
           "first_issued_on", "issued_on", "expires_on", "status", "status_reason", "status_changed_on",
           "suspended_until", "last_surveillance_on", "next_surveillance_due", "signed_by", "version", "reported_at",
           "created_at", "updated_at")


def build(args: argparse.Namespace) -> tuple[dict, object]:
    from django.db import connection, transaction
    from django.db.models import Count

    from certinel.certificates.models import Certificate
    from certinel.core.bulk import insert_rows
    from certinel.demo.national import _Indexes
    from certinel.registry.models import Organization

    rng = random.Random(cb.SEED)
    result: dict = {"certificates": args.certificates, "organizations": args.organizations, "bodies": args.bodies}
    started = time.perf_counter()
    result["holders"] = cb.national_holders(args.db, args.organizations)
    made = cb.bench_bodies(args.db, args.bodies)
    first_body = made[0][0]
    bodies = [(body.pk, maker) for body, maker in made]
    orgs = list(Organization.objects.order_by("id").values_list("id", "uscc", "name", "region_code", "address"))
    cb.say(f"[{args.db}] {args.certificates:,} certificates straight into the table… (load {cb.load()})")
    loading = time.perf_counter()
    indexes = _Indexes()
    indexes.take_off(Certificate)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '1GB'")
        else:
            for pragma in ("synchronous = OFF", "cache_size = -1000000", "temp_store = MEMORY"):
                cursor.execute(f"PRAGMA {pragma}")
    written, every = 0, time.perf_counter()
    for chunk in certificate_rows(orgs, bodies, args.certificates, rng):
        with transaction.atomic():
            insert_rows(Certificate, COLUMNS, chunk)
        written += len(chunk)
        if time.perf_counter() - every > 30:
            cb.say(f"  {written:,} written ({written / (time.perf_counter() - loading):,.0f}/s)")
            every = time.perf_counter()
    result["load_seconds"] = round(time.perf_counter() - loading, 1)
    cb.say(f"[{args.db}] indexes back… (load {cb.load()})")
    step = time.perf_counter()
    indexes.put_back()
    result["index_seconds"] = round(time.perf_counter() - step, 1)
    connection.close()
    result["analyze_seconds"] = round(cb.analyze(), 1)
    result["stored"] = {"certificates": Certificate.objects.count(),
                        "by_status": dict(Certificate.objects.order_by().values_list("status").annotate(n=Count("pk")))}
    result["build_seconds"] = round(time.perf_counter() - started, 1)
    return result, first_body


def reuse(args: argparse.Namespace) -> tuple[dict, object]:
    """A register kept by an earlier run (--keep): brought up to the current migrations (which
    may change its indexes), analysed again, and searched with the same query mix."""
    from django.core.management import call_command
    from django.db.models import Count

    from certinel.certificates.models import Certificate
    from certinel.registry.models import CertificationBody

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    result: dict = {"reused": args.reuse, "migrate_seconds": round(time.perf_counter() - started, 1),
                    "analyze_seconds": round(cb.analyze(), 1)}
    result["stored"] = {"certificates": Certificate.objects.count(),
                        "by_status": dict(Certificate.objects.order_by().values_list("status").annotate(n=Count("pk")))}
    return result, CertificationBody.objects.order_by("pk").first()


def worker(args: argparse.Namespace) -> None:
    _folder, cleanup = cb.setup_django(args.db, args.keep, url=args.reuse)
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
            version = cursor.fetchone()[0]
        result: dict = {"db": args.db, "version": version, "load_start": cb.load()}
        result["build"], body = reuse(args) if args.reuse else build(args)
        result["search"] = cb.part_search(args, body)
        result["load_end"] = cb.load()
        result["max_rss_mb"] = cb.rss_mb()
        Path(args.result).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    finally:
        cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"small: {QUICK}")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--certificates", type=int, help=f"certificates (default {FULL['certificates']:,})")
    parser.add_argument("--organizations", type=int, help=f"holders (default {FULL['organizations']:,})")
    parser.add_argument("--bodies", type=int, help=f"certification bodies (default {FULL['bodies']})")
    parser.add_argument("--repeat", type=int, default=5, help="timings of each search query (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--json", help="write the report here (default bench/out/register-search-<date>.json)")
    parser.add_argument("--reuse", metavar="DATABASE_URL",
                        help="search a register kept by an earlier run (--keep) instead of building one; "
                             "needs --db sqlite or --db postgres to say which it is")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    for key, value in sizes.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.worker:
        worker(args)
        return
    if args.reuse and args.db == "both":
        parser.error("--reuse needs --db sqlite or --db postgres")
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    report: dict = {"benchmark": "certificate search at national size", "date": dt.date.today().isoformat(),
                    "machine": cb.machine(), "versions": cb.versions(), "seed": cb.SEED,
                    "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]), "databases": {}}
    failed = False
    for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        result_file = OUT / f".register-search-{db}-{stamp}.json"
        command = [sys.executable, __file__, "--worker", "--db", db, "--certificates", str(args.certificates),
                   "--organizations", str(args.organizations), "--bodies", str(args.bodies),
                   "--repeat", str(args.repeat), "--result", str(result_file), *(["--keep"] if args.keep else []),
                   *(["--reuse", args.reuse] if args.reuse else [])]
        cb.say(f"\n=== {db}: {args.certificates:,} certificates of {args.organizations:,} holders (load {cb.load()})")
        if subprocess.run(command, check=False).returncode != 0 or not result_file.exists():
            cb.say(f"{db}: the benchmark failed")
            failed = True
            continue
        result = json.loads(result_file.read_text())
        result_file.unlink()
        report["databases"][db] = result
        b = result["build"]
        how = (f"reused {b['reused']}" if "reused" in b else
               f"holders built in {b['holders']['seconds']:.0f} s, certificates written in {b['load_seconds']:.0f} s, "
               f"indexes in {b['index_seconds']:.0f} s")
        print(f"\n{db} ({result['version'].split(' on ')[0]}): {b['stored']['certificates']:,} certificates "
              f"{b['stored']['by_status']}; {how}, ANALYZE {b['analyze_seconds']:.0f} s")
        cb.print_search(db, result["search"])
    path = Path(args.json) if args.json else OUT / f"register-search-{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    print(f"\nwritten: {path}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
