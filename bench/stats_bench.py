"""Benchmark of the statistics (`stats/`): dashboard figures against a plain COUNT over the rows,
"valid certificates by scheme and city on a past date", and the refresh after an import.

    .venv/bin/python bench/stats_bench.py [--db sqlite|postgres] [--scale N] [--import-rows K]
                                          [--repeat R] [--quick] [--json FILE] [--keep]
                                          [--bulk [--check]] [--bodies B] [--profile]

Works in a scratch SQLite file (default) or PostgreSQL database, removed at the end.

1. N organizations and N certificates (default 200,000) with their events over three years
   (about 1 in 100 suspended, 1 in 200 revoked, some moved to another body), written straight
   into their tables as `warnings_bench.py` writes them; then the statistics are built from the
   whole history (`stats_rebuild`), timed.
   With --bulk, N certificates over every county, 15 schemes and B bodies are written straight
   into the tables with their statistics instead (`bulk_history`: the same timeline, flow and
   roll-up functions as the refresh, without going through it), which builds 1,000,000 in
   minutes; the full rebuild and the check after the import are then skipped unless --check.
2. Each dashboard figure (median of R runs) against the plain SQL COUNT over the certificate
   rows that gives today's figure, in the same run, through the same connection: totals per
   class, counts by city, the trend of 24 month-ends, new certificates per month (national),
   and the province overview's (totals, by city, trend, targets) and a body's view (by scheme,
   new per month by scheme).
3. "Valid certificates by scheme and city on a past date" (400 days ago) from the statistics,
   against the same figure computed from the rows and their events by SQL (certificates issued
   by then, not expired by then, with no event before then that left them not valid); the two
   answers must be equal (exit 1 if not).
4. K rows (default 10,000) reported through the real report service, then the incremental
   refresh (`stats_refresh`), timed, against a full rebuild; then `stats_check` must find no
   difference.

Everything, with the machine and its load, goes to bench/out/stats-<db>-<date>-<time>.json.
`--quick`: `--scale 5000 --import-rows 1000 --repeat 1`. `--profile`: where the incremental
refresh spends its time. The national size (5,000,000 certificates) is not what the defaults run;
docs/benchmarks.md ("Statistics") has the runs at 100,000 and 1,000,000.
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


def _row_maker(model, names: tuple[str, ...], fixed_values: dict | None = None):
    """The model's concrete columns, and a function making a full row from the values named
    (in that order), every other column at its default (or as `fixed_values` gives it)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    fixed = {}
    for f in fields:
        if f.has_default():
            fixed[f.attname] = f.get_default()
        elif f.null:
            fixed[f.attname] = None
        else:
            fixed[f.attname] = ""
    fixed.update(fixed_values or {})
    columns = (model._meta.pk.attname, *names, *[f.attname for f in fields if f.attname not in names])
    rest = tuple(fixed[c] for c in columns[1 + len(names):])

    def make(pk: int, *values) -> tuple:
        return (pk, *values, *rest)

    return columns, make


# The schemes' shares of a synthetic national register (the common management systems first).
SHARES = {"QMS": 40, "EMS": 15, "OHSMS": 10, "CCC": 12, "SERVICE-AFTER-SALES": 3, "EnMS": 2, "ORGANIC": 1,
          "GREEN-PRODUCT": 2, "ENERGY-SAVING": 1, "FOOD-HACCP": 2, "FOOD-FSMS": 2, "ISMS": 2, "ITSMS": 1,
          "QMS-GRADED": 0.05, "JIANGSU-BOUTIQUE": 0.05}


def bulk_history(n: int, bodies: list, today: dt.date, seed: int, progress: bool = True) -> int:
    """N certificates over three years straight into the tables, with their events, and their
    statistics written as the refresh would write them (each certificate's timeline from the
    same `timeline_of`, flows from the same `flows_of`, roll-ups from the same `derive`), without
    going through the import or the refresh: it builds a national-size history in minutes.

    Holders are a pool (one organization per 50 certificates) spread over every county of the
    reference data (weighted towards the eastern provinces); schemes by SHARES; bodies at
    random; 1 in 100 suspended, 1 in 200 revoked, 1 in 200 cancelled. Returns the flow rows."""
    import random
    from collections import defaultdict

    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone
    from trail_rows import insert_events

    from certinel.certificates.models import Certificate
    from certinel.core.bulk import allocate_ids, create_objects, insert_rows
    from certinel.core.models import ChangeRecord
    from certinel.reference.models import Region, Scheme
    from certinel.registry.models import Organization
    from certinel.stats import rollups
    from certinel.stats.history import Track, encode, timeline_of
    from certinel.stats.models import CertificateTrack, DailyFlow, GroupDay, GroupMonth, Watermark
    from certinel.stats.refresh import KEY, MARK, TRACK_COLUMNS, _add, stocks_through

    rng = random.Random(seed)
    now = timezone.now()
    counties = list(Region.objects.current().filter(level=3).values_list("pk", "code"))
    east = [c for c in counties if c[1][:2] in ("11", "12", "31", "32", "33", "35", "37", "44")]
    schemes = dict(Scheme.objects.filter(code__in=SHARES).values_list("code", "pk"))
    codes = [c for c in SHARES if c in schemes]
    weights = [SHARES[c] for c in codes]
    sizes = ("large", "medium", "small", "small", "micro", "micro", "")
    pool = []
    for first in range(0, max(1, n // 50), 20_000):
        with transaction.atomic():
            orgs = []
            for i in range(first, min(max(1, n // 50), first + 20_000)):
                region_id, county = rng.choice(east) if rng.random() < 0.6 else rng.choice(counties)
                orgs.append(Organization(uscc=f"92{county}{i:010d}", name=f"统计基准企业{i}有限公司",
                                         region_id=region_id, region_code=county, address="基准路3号",
                                         size_class=rng.choice(sizes)))
            create_objects(orgs)
            pool.extend((o.pk, o.name, o.uscc, o.region_code, o.size_class) for o in orgs)
    names = ("number", "scheme_id", "body_id", "holder_id", "holder_name", "holder_uscc", "region_code", "scope_text",
             "first_issued_on", "issued_on", "expires_on", "status", "status_changed_on", "signed_by", "reported_at",
             "created_at", "updated_at")
    columns, make = _row_maker(Certificate, names)
    encoded = [f.attname for f in Certificate._meta.concrete_fields if f.get_internal_type() == "JSONField"]
    json_text = {c: json.dumps(v) for c, v in zip(columns[1 + len(names):], make(0, *names)[1 + len(names):],
                                                   strict=True) if c in encoded}
    columns, make = _row_maker(Certificate, names, json_text)
    picks = [code for code, weight in zip(codes, weights, strict=True) for _ in range(max(1, round(weight * 20)))]
    flows: dict = defaultdict(lambda: [0, 0])
    body_ids = [b.pk for b in bodies]
    started = time.perf_counter()
    for first in range(0, n, 50_000):
        count = min(n, first + 50_000) - first
        certs, events, tracks = [], [], []
        with transaction.atomic():
            ids = allocate_ids(Certificate, count)
            for pk in ids:
                holder, name, uscc, county, size = pool[rng.randrange(len(pool))]
                scheme = schemes[picks[rng.randrange(len(picks))]]
                body = body_ids[rng.randrange(len(body_ids))]
                issued = today - dt.timedelta(days=rng.randint(0, 3 * 365))
                expires = issued + dt.timedelta(days=3 * 365 - 1)
                roll = rng.random()
                status = ("suspended" if roll < 0.01 else "revoked" if roll < 0.015 else "cancelled" if roll < 0.02
                          else "valid")
                changed = min(today, issued + dt.timedelta(days=rng.randint(1, 400))) if status != "valid" else None
                certs.append(make(pk, f"SB{pk:010d}", scheme, body, holder, name, uscc, county, "基准范围", issued,
                                  issued, expires, status, changed, "王签发", now, now, now))
                history = [(issued, "valid")]
                events.append((pk, "issued", issued, now, 0, "", "valid", body))
                if changed is not None:
                    history.append((changed, status))
                    events.append((pk, status, changed, now, 0, "valid", status, body))
                timeline = tuple(timeline_of(history, expires_on=expires, status=status))
                tracks.append(Track(pk, scheme, county, body, "", size, timeline))
            insert_rows(Certificate, columns, certs, encoded=encoded)
            insert_events(events)
            insert_rows(CertificateTrack, TRACK_COLUMNS, ((t.certificate_id, *t.key, encode(t.timeline))
                                                          for t in tracks))
        for track in tracks:
            _add(flows, track, 1)
        if progress and (first // 50_000) % 10 == 9:
            print(f"  {first + count:,} certificates in {time.perf_counter() - started:.0f} s", flush=True)
    through = stocks_through()
    days, months = rollups.derive(flows.items(), through)
    with transaction.atomic():
        rows = [(*k, v[0], v[1]) for k, v in flows.items() if v[0] or v[1]]
        insert_rows(DailyFlow, (*KEY, "entered", "exited"), rows)
        insert_rows(GroupDay, rollups.GROUP_DAY_COLUMNS, ((*k, *v) for k, v in days.items()))
        insert_rows(GroupMonth, rollups.GROUP_MONTH_COLUMNS, ((*k, *v) for k, v in months.items()))
        Watermark.objects.update_or_create(name=MARK, defaults={
            "record_id": ChangeRecord.objects.aggregate(m=Max("pk"))["m"] or 0,
            "refreshed_at": timezone.now(), "stocks_through": through})
    connection.close()
    return len(rows)


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
    from django.db import connection
    from trail_rows import events_sql

    rows = fetch_all(
        "SELECT s.code, substr(c.region_code, 1, 4), COUNT(*) FROM certificates_certificate c "
        "JOIN reference_scheme s ON s.id = c.scheme_id "
        "WHERE c.first_issued_on <= %s AND c.expires_on >= %s AND NOT EXISTS ("
        f"  SELECT 1 FROM {events_sql(connection.vendor == 'postgresql')} e "
        "  WHERE e.certificate_id = c.id AND e.occurred_on <= %s "
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
    parser.add_argument("--bulk", action="store_true",
                        help="Build the history straight into the tables, with its statistics (bulk_history), "
                             "instead of registering and rebuilding; skips the full rebuild and the check after "
                             "the import unless --check.")
    parser.add_argument("--bodies", type=int, default=20)
    parser.add_argument("--check", action="store_true", help="With --bulk: rebuild and check after the import.")
    parser.add_argument("--profile", action="store_true", help="Print where the incremental refresh spends its time.")
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
        from certinel.stats.targets import targets_progress

        ensure_reference()
        today = localdate()
        bodies = make_bodies(args.bodies)
        started = time.perf_counter()
        if args.bulk:
            rows = bulk_history(args.scale, bodies, today, seed=17)
            _analyze()
            report["register_s"] = time.perf_counter() - started
            report["flow_rows"] = rows
            print(f"{args.scale:,} certificates, their events and statistics written in {report['register_s']:.1f} s "
                  f"({rows:,} flow rows)", flush=True)
        else:
            bulk_register(args.scale, 0, bodies, today, seed=17)
            _analyze()
            report["register_s"] = time.perf_counter() - started
            started = time.perf_counter()
            built = stats_rebuild()
            report["rebuild_s"] = time.perf_counter() - started
            report["flow_rows"] = built.rows
            _analyze()
            print(f"{args.scale:,} organizations, their certificates and events in {report['register_s']:.1f} s; "
                  f"statistics built in {report['rebuild_s']:.1f} s ({built.rows:,} flow rows)", flush=True)
        report["table_rows"] = table_rows()
        print("rows: " + ", ".join(f"{k} {v:,}" for k, v in report["table_rows"].items()), flush=True)
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
        province = sel.Filters(region="320000")
        body = sel.Filters(body_id=bodies[0].pk)
        start12 = dt.date(today.year - 1, today.month, 1)
        by_status = "SELECT status, COUNT(*) FROM certificates_certificate WHERE {} GROUP BY status"
        in_province = "region_code >= '320000' AND region_code <= '329999'"
        figures.update({
            "province: totals": (lambda: sel.counts(on=today, filters=province),
                                 (by_status.format(in_province), [])),
            "province: by city": (lambda: sel.counts_by(on=today, by=("city",), filters=province),
                                  ("SELECT substr(region_code, 1, 4), status, COUNT(*) FROM certificates_certificate "
                                   f"WHERE {in_province} GROUP BY substr(region_code, 1, 4), status", [])),
            "province: trend 24 months": (lambda: sel.valid_trend(start=start24, end=today, filters=province),
                                          (by_status.format(in_province), [])),
            "province: targets": (lambda: targets_progress(region="320000", today=today),
                                  (by_status.format(in_province), [])),
            "body: by scheme": (lambda: sel.counts_by(on=today, by=("scheme",), filters=body),
                                ("SELECT scheme_id, status, COUNT(*) FROM certificates_certificate WHERE body_id = %s "
                                 "GROUP BY scheme_id, status", [bodies[0].pk])),
            "body: new per month by scheme": (
                lambda: sel.flows(start=start12, end=today, by=("scheme",), filters=body),
                ("SELECT substr(CAST(first_issued_on AS TEXT), 1, 7), scheme_id, COUNT(*) FROM "
                 "certificates_certificate WHERE body_id = %s AND first_issued_on >= %s GROUP BY 1, 2",
                 [bodies[0].pk, start12])),
        })
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
        if args.profile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            refreshed = profile.runcall(stats_refresh)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        else:
            refreshed = stats_refresh()
        report["refresh_s"] = time.perf_counter() - started
        report["refresh_certificates"] = refreshed.certificates
        print(f"{args.import_rows:,} rows reported in {report['import_s']:.1f} s; incremental refresh "
              f"{report['refresh_s']:.2f} s ({refreshed.certificates:,} certificates)", flush=True)
        report["table_rows_after"] = table_rows()
        if args.bulk and not args.check:
            return finish(report, args, cleanup, ok)
        started = time.perf_counter()
        stats_rebuild()
        report["rebuild_after_s"] = time.perf_counter() - started
        print(f"full rebuild after them {report['rebuild_after_s']:.2f} s", flush=True)
        started = time.perf_counter()
        # The generator dates some moves after today (the services would refuse them): the check
        # compares the rows with the statistics on a day after all of them.
        check = stats_check(on=today + dt.timedelta(days=240))
        report["check_s"] = time.perf_counter() - started
        report["check_ok"] = check.ok
        report["check_differences"] = (check.flow_differences + check.stock_differences)[:10]
        ok = ok and check.ok
        print(f"check: {'no difference' if check.ok else 'DIFFERENCES'} in {report['check_s']:.1f} s")
    except BaseException:
        finish(report, args, cleanup, False)
        raise
    return finish(report, args, cleanup, ok)


def finish(report: dict, args: argparse.Namespace, cleanup, ok: bool) -> int:
    report["load_end"] = load_average()
    if not args.keep:
        cleanup()
    OUT.mkdir(parents=True, exist_ok=True)
    path = Path(args.json) if args.json else OUT / f"stats-{args.db}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(f"report: {path}")
    return 0 if ok else 1


def table_rows() -> dict[str, int]:
    from certinel.certificates.models import Certificate
    from certinel.stats.models import CertificateTrack, DailyFlow, GroupDay, GroupMonth

    return {m.__name__: m.objects.count() for m in (Certificate, CertificateTrack, DailyFlow, GroupDay, GroupMonth)}


if __name__ == "__main__":
    sys.exit(main())
