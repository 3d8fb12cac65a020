"""Benchmark of credit risk classification: reclassifying N organizations from their facts.

    .venv/bin/python bench/credit_bench.py [--organizations N] [--facts-per K] [--db sqlite|postgres]
                                           [--step S] [--json FILE] [--keep]

Builds, in a new SQLite file or PostgreSQL database (on DATABASE_URL's server, or
127.0.0.1:5432), N organizations (default 100,000) and about K facts each (default 2: random
kinds, severities and days over the last four years), written straight into their tables (the
services would take far longer and are not what is measured). Then it times, in the same run:

1. `classes_recompute()` from no classes: every organization with facts gets its first class,
   with its history record and its log leaf (the first run after an import);
2. `classes_recompute()` again, nothing having changed (the daily job in the steady state);
3. the reference: a plain SQL aggregation of the same facts through the same connection
   (GROUP BY organization, kind, severity with one filtered COUNT per scorecard window), every
   row fetched, with nothing computed or written.

It prints the times and the ratio of (2) to (3), and extrapolates (1) and (2) linearly to
1.5 million organizations (issue 13 asks for that under 5 minutes on PostgreSQL). The figures,
the machine and its load are written to bench/out/credit-<db>-<date>-<time>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from transparency_bench import OUT, database_version, load_average, machine, setup_database  # noqa: E402

TARGET = 1_500_000


def build(n: int, per: int, seed: int = 13) -> int:
    """N organizations in Jiangsu's districts and about `per` facts each; returns the facts."""
    from django.db import transaction

    from certinel.core.bulk import create_objects
    from certinel.credit.choices import FactKind, Severity
    from certinel.credit.models import CreditFact
    from certinel.reference.models import Region
    from certinel.reference.testing import ensure_reference_data
    from certinel.registry.models import Organization

    ensure_reference_data()
    regions = list(Region.objects.filter(code__startswith="32", level=3)[:50]) or list(Region.objects.all()[:50])
    rng = random.Random(seed)
    kinds = [k for k in FactKind.values if k not in ("late_reporting",)]
    today = dt.date.today()
    facts = 0
    for start in range(0, n, 20_000):
        with transaction.atomic():
            orgs = []
            for i in range(start, min(n, start + 20_000)):
                region = regions[i % len(regions)]
                orgs.append(Organization(uscc=f"91{region.code}{i:010d}", name=f"基准测试企业{i}有限公司",
                                         region=region, region_code=region.code, address="基准路1号"))
            create_objects(orgs)
            rows = []
            for org in orgs:
                for _ in range(rng.randint(0, 2 * per)):
                    rows.append(CreditFact(
                        subject_kind="organization", organization_id=org.pk, region_code=org.region_code,
                        kind=rng.choice(kinds), severity=rng.choice(Severity.values),
                        occurred_on=today - dt.timedelta(days=rng.randint(0, 4 * 365)), source="regulator",
                        decision_no=f"罚{org.pk}-{len(rows)}", authority="基准测试局", recorded_by="bench"))
            create_objects(rows)
            facts += len(rows)
    return facts


def reference_aggregate() -> tuple[float, int]:
    """The plain SQL aggregation of the same facts: seconds and rows fetched."""
    from django.db import connection

    from certinel.core.dates import add_months
    from certinel.credit.scorecard import editions_for

    today = dt.date.today()
    windows = sorted({w for card in editions_for("organization", on=today) for w in card.windows})
    counts = ", ".join(
        "SUM(CASE WHEN occurred_on > %s THEN 1 ELSE 0 END)" for _w in windows)
    sql = (f"SELECT organization_id, kind, severity, {counts} FROM credit_creditfact "
           "WHERE subject_kind = 'organization' AND status = 'recorded' AND occurred_on <= %s AND occurred_on > %s "
           "GROUP BY organization_id, kind, severity")
    params = [add_months(today, -w) for w in windows] + [today, add_months(today, -windows[-1])]
    started = time.perf_counter()
    rows = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(10_000):
            rows += len(batch)
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--organizations", type=int, default=100_000)
    parser.add_argument("--facts-per", type=int, default=2)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--step", type=int, default=None, help="Subject ids per step (default: the service's).")
    parser.add_argument("--json", help="Where to write the report.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    parser.add_argument("--profile", metavar="FILE", help="Write a cProfile of the first classification to FILE.")
    args = parser.parse_args()
    os.environ.setdefault("CERTINEL_LOG_SIGNING_KEY", "")
    cleanup = setup_database(args.db)
    from django.core.management import call_command

    report: dict = {"db": args.db, "organizations": args.organizations, "machine": machine(),
                    "load_start": load_average()}
    try:
        call_command("migrate", verbosity=0)
        report["database"] = database_version()
        started = time.perf_counter()
        report["facts"] = build(args.organizations, args.facts_per)
        report["build_s"] = time.perf_counter() - started
        print(f"built {args.organizations:,} organizations and {report['facts']:,} facts "
              f"in {report['build_s']:.1f} s ({args.db})")
        from certinel.credit.services_classes import STEP, classes_recompute

        step = args.step or STEP
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        first = classes_recompute(step=step)
        report["first_s"] = time.perf_counter() - started
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        report["first"] = {"assigned": first.assigned, "grades": first.grades}
        print(f"first classification: {first.assigned:,} classes in {report['first_s']:.1f} s {first.grades}")
        reference_aggregate()  # warm the cache as the runs before it did
        started = time.perf_counter()
        again = classes_recompute(step=step)
        report["steady_s"] = time.perf_counter() - started
        report["reference_s"], report["reference_rows"] = reference_aggregate()
        assert again.changed == again.assigned == 0, again
        ratio = report["steady_s"] / report["reference_s"]
        report["ratio"] = ratio
        scale = TARGET / args.organizations
        report["extrapolated_first_s"] = report["first_s"] * scale
        report["extrapolated_steady_s"] = report["steady_s"] * scale
        print(f"steady-state recomputation: {again.unchanged:,} unchanged in {report['steady_s']:.2f} s; plain SQL "
              f"aggregation of the same facts ({report['reference_rows']:,} rows): {report['reference_s']:.2f} s; "
              f"ratio {ratio:.1f}")
        print(f"at {TARGET:,} organizations (linear): first {report['extrapolated_first_s'] / 60:.1f} min, "
              f"steady {report['extrapolated_steady_s'] / 60:.1f} min")
    finally:
        report["load_end"] = load_average()
        if not args.keep:
            cleanup()
    OUT.mkdir(parents=True, exist_ok=True)
    path = Path(args.json) if args.json else OUT / f"credit-{args.db}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(f"report: {path}")


if __name__ == "__main__":
    main()
