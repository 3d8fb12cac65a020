"""Benchmark of the statistics (`stats/`): dashboard figures against a plain COUNT over the rows,
"valid certificates by scheme and city on a past date", and the refresh after an import.

    .venv/bin/python bench/stats_bench.py [--db sqlite|postgres] [--scale N] [--import-rows K]
                                          [--repeat R] [--quick] [--json FILE] [--keep]

Works in a scratch SQLite file (default) or PostgreSQL database, removed at the end.

1. N organizations and N certificates (default 200,000) with their events over three years
   (about 1 in 100 suspended, 1 in 200 revoked, some moved to another body), written straight
   into their tables as `warnings_bench.py` writes them; then the statistics are built from the
   whole history (`stats_rebuild`), timed.
2. Each dashboard figure (median of R runs) against the plain SQL COUNT over the certificate
   rows that gives today's figure, in the same run, through the same connection: totals per
   class, counts by city, the trend of 24 month-ends, new certificates per month.
3. "Valid certificates by scheme and city on a past date" (400 days ago) from the statistics,
   against the same figure computed from the rows and their events by SQL (certificates issued
   by then, not expired by then, with no event before then that left them not valid); the two
   answers must be equal (exit 1 if not).
4. K rows (default 10,000) reported through the real report service, then the incremental
   refresh (`stats_refresh`), timed, against a full rebuild; then `stats_check` must find no
   difference.

Everything, with the machine and its load, goes to bench/out/stats-<db>-<date>-<time>.json.
`--quick`: `--scale 5000 --import-rows 1000 --repeat 1`. The national size (5,000,000
certificates) is not what the defaults run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from transparency_bench import OUT, database_version, load_average, machine, setup_database  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def fetch_all(sql: str, params: list) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def past_by_rows(day: dt.date) -> dict[tuple[str, str], int]:
    """Valid certificates by scheme and city on `day`, from the rows and events by SQL."""
    rows = fetch_all(
        "SELECT s.code, substr(c.region_code, 1, 4), COUNT(*) FROM certificates_certificate c "
        "JOIN reference_scheme s ON s.id = c.scheme_id "
        "WHERE c.first_issued_on <= %s AND c.expires_on >= %s AND NOT EXISTS ("
        "  SELECT 1 FROM certificates_certificateevent e WHERE e.certificate_id = c.id AND e.occurred_on <= %s "
        "  AND e.status_after NOT IN ('valid', 'transfer_pending')) "
        "GROUP BY s.code, substr(c.region_code, 1, 4)", [day, day, day])
    return {(code, city + "00"): n for code, city, n in rows if n}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--scale", type=int, default=200_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", help="Where to write the report.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()
    if args.quick:
        args.scale, args.import_rows, args.repeat = min(args.scale, 5000), min(args.import_rows, 1000), 1
    os.environ.setdefault("CERTINEL_LOG_SIGNING_KEY", "")
    cleanup = setup_database(args.db)
    from django.core.management import call_command
    from django.utils.timezone import localdate

    report: dict = {"db": args.db, "scale": args.scale, "machine": machine(), "load_start": load_average()}
    ok = True
    try:
        call_command("migrate", verbosity=0)
        report["database"] = database_version()
        from warnings_bench import _analyze, bulk_register, import_through_reporting, make_bodies

        from certinel.core.testing.builders import ensure_reference
        from certinel.stats import selectors as sel
        from certinel.stats.refresh import stats_check, stats_rebuild, stats_refresh

        ensure_reference()
        today = localdate()
        bodies = make_bodies(20)
        started = time.perf_counter()
        bulk_register(args.scale, 0, bodies, today, seed=17)
        _analyze()
        report["register_s"] = time.perf_counter() - started
        started = time.perf_counter()
        built = stats_rebuild()
        report["rebuild_s"] = time.perf_counter() - started
        report["flow_rows"] = built.rows
        _analyze()
        print(f"{args.scale:,} organizations, their certificates and events in {report['register_s']:.1f} s; "
              f"statistics built in {report['rebuild_s']:.1f} s ({built.rows:,} flow rows)")
        start24 = dt.date(today.year - 2, today.month, 1)
        figures = {
            "totals": (lambda: sel.counts(on=today),
                       ("SELECT status, COUNT(*) FROM certificates_certificate GROUP BY status", [])),
            "by city": (lambda: sel.counts_by(on=today, by=("city",)),
                        ("SELECT substr(region_code, 1, 4), status, COUNT(*) FROM certificates_certificate "
                         "GROUP BY substr(region_code, 1, 4), status", [])),
            "trend 24 months": (lambda: sel.valid_trend(start=start24, end=today),
                                ("SELECT status, COUNT(*) FROM certificates_certificate GROUP BY status", [])),
            "new per month": (lambda: sel.flows(start=dt.date(today.year - 1, 1, 1), end=today),
                              ("SELECT substr(CAST(first_issued_on AS TEXT), 1, 7), COUNT(*) FROM "
                               "certificates_certificate WHERE first_issued_on >= %s GROUP BY 1",
                               [dt.date(today.year - 1, 1, 1)])),
        }
        report["figures"] = {}
        print(f"{'figure':<40} {'statistics ms':>14} {'plain COUNT ms':>15} {'ratio':>7}")
        for name, (fn, (sql, params)) in figures.items():
            ours, _result = timed(fn, args.repeat)
            plain, _rows = timed(lambda sql=sql, params=params: fetch_all(sql, params), args.repeat)
            report["figures"][name] = {"stats_ms": ours * 1000, "count_ms": plain * 1000, "ratio": ours / plain}
            print(f"{name:<40} {ours * 1000:>14.1f} {plain * 1000:>15.1f} {ours / plain:>7.2f}")
        past = today - dt.timedelta(days=400)
        ours, found = timed(lambda: sel.counts_by(on=past, by=("scheme", "city")), args.repeat)
        plain, expected = timed(lambda: past_by_rows(past), args.repeat)
        answer = {(r["scheme"], r["city"]): r["valid"] for r in found if r["valid"]}  # type: ignore[union-attr]
        equal = answer == expected
        ok = ok and equal
        report["past_date"] = {"on": past.isoformat(), "stats_ms": ours * 1000, "rows_sql_ms": plain * 1000,
                               "ratio": ours / plain, "equal": equal, "groups": len(expected),
                               "valid": sum(expected.values())}
        print(f"{'valid by scheme and city, ' + past.isoformat():<40} {ours * 1000:>14.1f} {plain * 1000:>15.1f} "
              f"{ours / plain:>7.2f}  (rows and events by SQL; equal: {equal})")
        started = time.perf_counter()
        import_through_reporting(args.import_rows, bodies, today, seed=23)
        report["import_s"] = time.perf_counter() - started
        started = time.perf_counter()
        refreshed = stats_refresh()
        report["refresh_s"] = time.perf_counter() - started
        report["refresh_certificates"] = refreshed.certificates
        started = time.perf_counter()
        stats_rebuild()
        report["rebuild_after_s"] = time.perf_counter() - started
        print(f"{args.import_rows:,} rows reported in {report['import_s']:.1f} s; incremental refresh "
              f"{report['refresh_s']:.2f} s ({refreshed.certificates:,} certificates) against a full rebuild "
              f"{report['rebuild_after_s']:.2f} s")
        started = time.perf_counter()
        # The generator dates some moves after today (the services would refuse them): the check
        # compares the rows with the statistics on a day after all of them.
        check = stats_check(on=today + dt.timedelta(days=240))
        report["check_s"] = time.perf_counter() - started
        report["check_ok"] = check.ok
        report["check_differences"] = (check.flow_differences + check.stock_differences)[:10]
        ok = ok and check.ok
        print(f"check: {'no difference' if check.ok else 'DIFFERENCES'} in {report['check_s']:.1f} s")
    finally:
        report["load_end"] = load_average()
        if not args.keep:
            cleanup()
    OUT.mkdir(parents=True, exist_ok=True)
    path = Path(args.json) if args.json else OUT / f"stats-{args.db}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(f"report: {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
