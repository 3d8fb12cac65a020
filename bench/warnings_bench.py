"""Benchmark of the risk-warning rules (`cases/rules.py`): precision on planted cases, then scale.

    .venv/bin/python bench/warnings_bench.py [--db sqlite|postgres] [--scale N] [--import-rows K]
                                             [--repeat R] [--quick] [--json FILE] [--keep]

Works in a scratch SQLite file (default) or PostgreSQL database (on DATABASE_URL's server, or
127.0.0.1:5432), removed at the end.

1. Precision. Through the real services the tests use (`core/testing/builders.py`,
   `certificate_issue`, `certificate_suspend`/`revoke`, `body_suspend`, `body_scope_withdraw`)
   it plants known cases for each rule and innocent look-alikes beside them, runs every rule and
   prints a confusion table per rule (planted found / planted missed / innocent flagged /
   innocent clean). The process exits 1 if a planted case is missed or an innocent one flagged.
2. Scale (`--scale N`, default 100,000; 0 skips it). N organizations and N certificates (with
   their issue events, over 50 bodies and three years, about 1 in 100 suspended and 1 in 200
   revoked, some reported late, some moved to another body) are written straight into their
   tables, as `credit_bench.py` does (the services would take far longer and are not what is
   measured). Each rule is timed (median of R runs) against the plain SQL query that finds the
   same rows, through the same connection, every row fetched. Then, after a full run (which sets
   the incremental runs' mark), K rows (default 10,000) are reported through the real report
   service (`certificates.reporting.report_certificates`, batches of 1,000 from 5 bodies, each
   to a new organization: checks, holders, events and history records as an upload writes
   them), and the incremental run the scheduler makes after it (`warnings_run_incremental`:
   the rules limited to what the history records touched) is timed, then a full run for
   comparison.

Everything, with the machine and its load, goes to bench/out/warnings-<db>-<date>-<time>.json.
`--quick`: `--scale 5000 --import-rows 1000 --repeat 1`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from transparency_bench import OUT, database_version, load_average, machine, setup_database  # noqa: E402

NATIONAL_CERTIFICATES = 5_000_000
NATIONAL_ORGANIZATIONS = 1_500_000


# --- 1. precision ----------------------------------------------------------------------------------


class Plants:
    """What was planted: rule -> {"planted": {subject: what}, "innocent": {subject: what}}."""

    def __init__(self) -> None:
        self.cases: dict[str, dict[str, dict[str, str]]] = {}

    def add(self, rule: str, kind: str, subject: str, what: str) -> None:
        self.cases.setdefault(rule, {"planted": {}, "innocent": {}})[kind][subject] = what


def plant(today: dt.date) -> Plants:
    """Planted cases and innocent look-alikes, each on bodies of its own so that one rule's plant
    is not another's accident."""
    from certinel.certificates.services import certificate_issue, certificate_revoke, certificate_suspend
    from certinel.core.actor import Actor
    from certinel.core.testing.builders import build_org, certificate_data, ensure_reference
    from certinel.registry import services as registry

    ensure_reference()
    system = Actor.system("bench")

    def body_with_scopes(region_code: str = "320102", schemes: tuple[str, ...] = ("QMS", "EMS"),
                         granted_on: dt.date = dt.date(2016, 1, 1)):
        return approved_body(region_code=region_code, schemes=schemes, granted_on=granted_on)
    plants = Plants()
    serial = iter(range(1, 1_000_000))

    def issue(body, holder, *, days_ago: int = 0, scheme: str = "QMS", **kw):
        return certificate_issue(actor=system, body=body, data=certificate_data(
            holder=holder, number=f"WB{next(serial):06d}{scheme[0]}", scheme=scheme,
            issued_on=today - dt.timedelta(days=days_ago), **kw))

    def suspend(cert, days_ago: int):
        return certificate_suspend(actor=system, certificate=cert, until=today + dt.timedelta(days=90 - days_ago),
                                   reason="监督审核不通过", signed_by="王签发",
                                   occurred_on=today - dt.timedelta(days=days_ago))

    def revoke(cert, days_ago: int):
        return certificate_revoke(actor=system, certificate=cert, reason="严重不符合", signed_by="王签发",
                                  occurred_on=today - dt.timedelta(days=days_ago))

    # mills: Suzhou's threshold is the province's 30 a day, Nanjing's 20 (rules.csv).
    mill = body_with_scopes(region_code="320506")
    for _ in range(35):
        issue(mill, build_org(region_code="320506"), days_ago=2)
    plants.add("mills", "planted", mill.uscc, "35 certificates to 35 organizations on one day (Suzhou, threshold 30)")
    mill_nj = body_with_scopes(region_code="320102")
    for _ in range(22):
        issue(mill_nj, build_org(region_code="320102"), days_ago=1)
    plants.add("mills", "planted", mill_nj.uscc, "22 to 22 organizations on one day (Nanjing, threshold 20)")
    busy = body_with_scopes(region_code="320506")
    for _ in range(25):
        issue(busy, build_org(region_code="320506"), days_ago=3)
    plants.add("mills", "innocent", busy.uscc, "25 to 25 organizations on one day in Suzhou (under its 30)")
    multi = body_with_scopes(region_code="320102")
    group = build_org(region_code="320102")
    for n in range(35):
        issue(multi, group, days_ago=2, scheme=("QMS", "EMS")[n % 2])
    plants.add("mills", "innocent", multi.uscc, "35 certificates on one day to one organization "
               "(its sites and schemes)")
    spread = body_with_scopes(region_code="320102")
    for n in range(40):
        issue(spread, build_org(region_code="320102"), days_ago=n % 4)
    plants.add("mills", "innocent", spread.uscc, "40 organizations over four days (10 a day)")

    for share in (17, 18):  # a busy day in Nanjing shared by two bodies, each under the city's 20
        sharing = body_with_scopes(region_code="320102")
        for _ in range(share):
            issue(sharing, build_org(region_code="320102"), days_ago=5)
        plants.add("mills", "innocent", sharing.uscc, f"{share} organizations on one day in Nanjing, one of two "
                   "bodies sharing 35 that day (the threshold is per body)")

    leaving, taking = body_with_scopes(region_code="320506"), body_with_scopes(region_code="320506")
    for n in range(35):
        holder = build_org(region_code="320506")
        source = issue(leaving, holder, days_ago=n % 5)
        issue(taking, holder, days_ago=0, transferred_from_body=leaving.approval_no,
              transferred_from_number=source.number, first_issued_on=source.issued_on)
    plants.add("mills", "innocent", taking.uscc, "35 valid certificates taken over by transfer on one day (IAF MD 2 "
               "transfer review, not an audit)")

    # reporting_lag: the deadline is 5 days, min_events 3 in a 90-day window.
    late = body_with_scopes()
    for n in range(4):
        issue(late, build_org(), days_ago=20 + n)
    plants.add("reporting_lag", "planted", late.uscc, "4 certificates reported 20-23 days after issue")
    on_time = body_with_scopes()
    for _ in range(6):
        issue(on_time, build_org(), days_ago=5)
    plants.add("reporting_lag", "innocent", on_time.uscc, "6 reported on the 5th day (just within the deadline)")
    few = body_with_scopes()
    for _ in range(2):
        issue(few, build_org(), days_ago=30)
    plants.add("reporting_lag", "innocent", few.uscc, "2 late reports (under the rule's 3)")

    # hopping: 90 days.
    for label, act, decided, new_on in (("suspended", suspend, 20, 5), ("revoked", revoke, 70, 10)):
        old, new = body_with_scopes(), body_with_scopes()
        hopper = build_org()
        act(issue(old, hopper, days_ago=decided + 100), decided)
        issue(new, hopper, days_ago=new_on, scheme="EMS")
        plants.add("hopping", "planted", hopper.uscc, f"a certificate at another body {decided - new_on} days "
                   f"after one was {label}")
    old, new = body_with_scopes(), body_with_scopes()
    slow = build_org()
    cert = issue(old, slow, days_ago=300)
    suspend(cert, 250)
    issue(new, slow, days_ago=100, scheme="EMS")
    plants.add("hopping", "innocent", slow.uscc, "a certificate at another body 150 days after a suspension")
    edge, edge_old, edge_new = build_org(), body_with_scopes(), body_with_scopes()  # bodies of its own: its
    cert = issue(edge_old, edge, days_ago=200)  # late reports stay under the reporting-lag rule's 3
    suspend(cert, 120)
    issue(edge_new, edge, days_ago=29, scheme="EMS")
    plants.add("hopping", "innocent", edge.uscc, "a certificate at another body 91 days after a suspension (the "
               "rule's 90 days and one)")
    same = build_org()
    cert = issue(old, same, days_ago=4)
    suspend(cert, 4)
    issue(old, same, scheme="EMS", days_ago=2)
    plants.add("hopping", "innocent", same.uscc, "a new certificate at the same body after a suspension")
    before = build_org()
    issue(new, before, scheme="EMS", days_ago=4)
    cert = issue(old, before, days_ago=4)
    suspend(cert, 1)
    plants.add("hopping", "innocent", before.uscc, "a certificate at another body issued before the suspension")

    # out_of_scope
    body = body_with_scopes(schemes=("QMS", "EMS"))
    outside = issue(body, build_org())
    registry.body_scope_withdraw(actor=system, scope=body.scopes.get(scheme__code="QMS"), reason="撤回", on=today)
    plants.add("out_of_scope", "planted", outside.number, "a valid QMS certificate after the body's QMS scope was "
               "withdrawn")
    other = issue(body, build_org(), scheme="EMS")
    plants.add("out_of_scope", "innocent", other.number, "a valid EMS certificate of the same body (EMS kept)")
    gone = body_with_scopes(schemes=("QMS",))
    ended = issue(gone, build_org())
    revoke(ended, 0)
    registry.body_scope_withdraw(actor=system, scope=gone.scopes.get(), reason="撤回", on=today)
    plants.add("out_of_scope", "innocent", ended.number, "a certificate revoked before its scope was withdrawn")

    early = body_with_scopes(granted_on=today - dt.timedelta(days=10))
    premature = issue(early, build_org(), days_ago=14)
    plants.add("out_of_scope", "planted", premature.number, "issued 4 days before the body was approved for QMS")
    on_the_day = issue(early, build_org(), scheme="EMS", days_ago=10)
    plants.add("out_of_scope", "innocent", on_the_day.number, "issued on the day the body was approved for EMS")
    # body_withdrawn
    for decide in (registry.body_suspend, registry.body_revoke):
        withdrawn = body_with_scopes()
        issue(withdrawn, build_org())
        decide(actor=system, body=withdrawn, reason="暂停或撤销批准")
        plants.add("body_withdrawn", "planted", withdrawn.uscc, f"a valid certificate of a body after "
                   f"{decide.__name__.removeprefix('body_')}")
    back = body_with_scopes()
    issue(back, build_org())
    registry.body_suspend(actor=system, body=back, reason="暂停")
    registry.body_reinstate(actor=system, body=back, reason="整改完成")
    plants.add("body_withdrawn", "innocent", back.uscc, "a body suspended and reinstated, its certificate valid")
    clean = body_with_scopes()
    revoke(issue(clean, build_org()), 0)
    registry.body_revoke(actor=system, body=clean, reason="撤销批准")
    plants.add("body_withdrawn", "innocent", clean.uscc, "a revoked body whose certificates were all revoked")
    plant_misses(plants, today)
    return plants


def plant_misses(plants: Plants, today: dt.date) -> None:
    """verification_misses: a spike of one pattern beside a steady busy pattern (40 an hour by
    day, 5 by night, every day) and a quiet one, counted through `miss_record` as a verification
    counts them (the busy baseline written straight into the table)."""
    from django.utils import timezone

    from certinel.cases.misses import miss_record
    from certinel.cases.models import VerificationMiss

    now = timezone.make_aware(dt.datetime.combine(today, dt.time(12, 30)))
    if today == timezone.localdate():
        # Not in the future: a run just after local midnight plants its spike in the hours
        # before, which the rule's window (the last 24 hours up to the current one) sees.
        now = min(now, timezone.localtime().replace(minute=30, second=0, microsecond=0))
    hour = now.replace(minute=0)
    VerificationMiss.objects.bulk_create([
        VerificationMiss(hour=hour - dt.timedelta(hours=h), pattern="FKC-9999",
                         misses=40 if 8 <= (hour - dt.timedelta(hours=h)).hour < 20 else 5) for h in range(15 * 24)])
    plants.add("verification_misses", "innocent", "FKC-9999", "40 misses an hour by day, 5 by night, for 15 days")
    for h in range(30, 14 * 24, 12):
        miss_record("FKA-1234", now=now - dt.timedelta(hours=h))
    for _ in range(30):
        miss_record("FKA-5678", now=now - dt.timedelta(hours=2))
    plants.add("verification_misses", "planted", "FKA-9999", "30 misses in one hour, 2 a day before")
    for _ in range(15):
        miss_record("FKB-5678", now=now - dt.timedelta(hours=1))
    plants.add("verification_misses", "innocent", "FKB-9999", "15 misses in one hour (under the rule's 20)")


def approved_body(*, region_code: str, schemes: tuple[str, ...], granted_on: dt.date):
    """A body approved for whole schemes since `granted_on` (the builders' `body_with_scopes`
    approves from today, which makes every back-dated certificate out of scope at issue)."""
    from certinel.core.actor import Actor
    from certinel.core.testing.builders import build_body
    from certinel.registry import services as registry

    body = build_body(region_code=region_code)
    for code in schemes:
        registry.body_scope_grant(actor=Actor.system("bench"), body=body, scheme_code=code, granted_on=granted_on)
    return body


def confusion(plants: Plants, today: dt.date) -> tuple[list[dict], bool]:
    from certinel.cases import rules

    table, ok = [], True
    for code in rules.RULES:
        found = {f.subject_code for f in rules.run(code, on=today)}
        case = plants.cases.get(code, {"planted": {}, "innocent": {}})
        planted, innocent = case["planted"], case["innocent"]
        row = {"rule": code, "planted": len(planted), "found": len(found & set(planted)),
               "missed": sorted(set(planted) - found), "innocent": len(innocent),
               "flagged": sorted(found & set(innocent)), "other_findings": len(found - set(planted) - set(innocent))}
        row["clean"] = row["innocent"] - len(row["flagged"])
        ok = ok and not row["missed"] and not row["flagged"]
        table.append(row)
    return table, ok


def print_confusion(table: list[dict]) -> None:
    print(f"{'rule':<16}{'planted found':>15}{'planted missed':>16}{'innocent flagged':>18}{'innocent clean':>16}"
          f"{'other':>7}")
    for r in table:
        print(f"{r['rule']:<16}{r['found']:>9} / {r['planted']:<3}{len(r['missed']):>16}{len(r['flagged']):>18}"
              f"{r['clean']:>10} / {r['innocent']:<3}{r['other_findings']:>7}")


# --- 2. scale --------------------------------------------------------------------------------------


def bulk_register(n: int, start: int, bodies: list, today: dt.date, seed: int) -> None:
    """N organizations and a certificate each (with its issue event, and a suspension or
    revocation event for some), straight into the tables; a few holders get a second certificate
    at another body (moves, some shortly after a suspension)."""
    from django.db import transaction
    from trail_rows import insert_events

    from certinel.certificates.models import Certificate
    from certinel.core.bulk import create_objects
    from certinel.reference.models import Region, Scheme
    from certinel.registry.models import Organization

    regions = list(Region.objects.filter(code__startswith="32", level=3)[:50])
    schemes = {s.code: s.pk for s in Scheme.objects.filter(code__in=("QMS", "EMS"))}
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    for chunk in range(start, start + n, 20_000):
        with transaction.atomic():
            orgs = []
            for i in range(chunk, min(start + n, chunk + 20_000)):
                region = regions[i % len(regions)]
                orgs.append(Organization(uscc=f"91{region.code}{i:010d}", name=f"预警基准企业{i}有限公司",
                                         region=region, region_code=region.code, address="基准路1号"))
            create_objects(orgs)
            certs, moved = [], []
            for org in orgs:
                body = bodies[rng.randrange(len(bodies))]
                issued = today - dt.timedelta(days=rng.randint(0, 3 * 365))
                roll = rng.random()
                status = "suspended" if roll < 0.01 else "revoked" if roll < 0.015 else "valid"
                certs.append(Certificate(
                    number=f"WS{org.pk:09d}Q", scheme_id=schemes["QMS"], body_id=body.pk, holder_id=org.pk,
                    holder_name=org.name, holder_uscc=org.uscc, region_code=org.region_code, scope_text="机械零部件",
                    first_issued_on=issued, issued_on=issued, expires_on=issued + dt.timedelta(days=3 * 365 - 1),
                    status=status, status_changed_on=issued + dt.timedelta(days=30) if status != "valid" else None,
                    signed_by="王签发", reported_at=now, created_at=now))
                if status != "valid" and rng.random() < 0.3:
                    other = bodies[(bodies.index(body) + 1) % len(bodies)]
                    later = issued + dt.timedelta(days=30 + rng.randint(0, 200))
                    moved.append(Certificate(
                        number=f"WS{org.pk:09d}E", scheme_id=schemes["EMS"], body_id=other.pk, holder_id=org.pk,
                        holder_name=org.name, holder_uscc=org.uscc, region_code=org.region_code, scope_text="环境",
                        first_issued_on=later, issued_on=later, expires_on=later + dt.timedelta(days=3 * 365 - 1),
                        signed_by="王签发", reported_at=now, created_at=now))
            create_objects(certs + moved)
            events = []
            for c in certs + moved:
                delay = rng.choice((0, 1, 2, 3, 5, 8, 20)) if rng.random() < 0.1 else rng.randint(0, 4)
                events.append((c.pk, "issued", c.issued_on, now, delay, "", "valid", c.body_id))
                if c.status != "valid":
                    events.append((c.pk, c.status, c.status_changed_on, now, rng.randint(0, 10), "valid", c.status,
                                   c.body_id))
            insert_events(events)


def bulk_misses(patterns: int, today: dt.date, seed: int) -> None:
    """`patterns` number patterns with "not found" counts for every hour of 15 days (a steady
    diurnal rate, one in 50 patterns with a spike in the last day), straight into the table."""
    from django.utils import timezone

    from certinel.cases.models import VerificationMiss

    rng = random.Random(seed)
    end = timezone.make_aware(dt.datetime.combine(today, dt.time(12)))
    for first in range(0, patterns, 100):
        rows = []
        for p in range(first, min(patterns, first + 100)):
            rate = rng.randint(1, 30)
            for h in range(15 * 24):
                at = end - dt.timedelta(hours=h)
                misses = rate if 8 <= at.hour < 20 else max(1, rate // 4)
                if p % 50 == 0 and h == 3:
                    misses = rate * 20 + 20
                rows.append(VerificationMiss(hour=at, pattern=f"BENCH{p:05d}-9999", misses=misses))
        VerificationMiss.objects.bulk_create(rows, batch_size=5000)


def make_bodies(count: int) -> list:
    from certinel.core.actor import Actor
    from certinel.registry import services as registry

    bodies = [approved_body(region_code=("320102", "320506", "320211")[i % 3], schemes=("QMS", "EMS"),
                            granted_on=dt.date(2016, 1, 1)) for i in range(count)]
    system = Actor.system("bench")
    registry.body_suspend(actor=system, body=bodies[-1], reason="暂停")  # its certificates: body_withdrawn
    registry.body_scope_withdraw(actor=system, scope=bodies[-2].scopes.get(scheme__code="EMS"), reason="撤回")
    return bodies


def reference_queries(today: dt.date) -> dict[str, tuple[str, list]]:
    """The plain SQL that finds the same rows as each rule (with the everywhere-row's loosest
    thresholds), for this connection's database."""
    from django.conf import settings
    from django.db import connection
    from trail_rows import events_sql

    from certinel.cases import rules

    pg = connection.vendor == "postgresql"
    lag = rules._loosest("reporting_lag", today)
    miss = rules._loosest("verification_misses", today)
    miss_end = rules._day_start(today + dt.timedelta(days=1))
    miss_start = miss_end - dt.timedelta(hours=miss["window_hours"])
    mills = rules._loosest("mills", today)
    hop = rules._loosest("hopping", today)
    window = lag["window_days"]
    start, before, end = (rules._day_start(today - dt.timedelta(days=d - 1)) for d in (window, 2 * window, 0))
    gap = "c.issued_on - e.occurred_on" if pg else "CAST(julianday(c.issued_on) - julianday(e.occurred_on) AS INTEGER)"
    events = events_sql(pg)
    return {
        "reporting_lag": (
            "SELECT e.body_id, SUM(CASE WHEN e.reported_at >= %s THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN e.reported_at < %s THEN 1 ELSE 0 END), MAX(e.delay_days) "
            f"FROM {events} e WHERE e.delay_days > %s "
            "AND e.reported_at >= %s AND e.reported_at < %s AND e.via <> 'task' "
            "AND e.kind NOT IN ('transfer_requested', 'transferred', 'transfer_refused', 'transfer_withdrawn') "
            "GROUP BY e.body_id HAVING SUM(CASE WHEN e.reported_at >= %s THEN 1 ELSE 0 END) >= %s",
            [start, start, settings.CERTINEL_REPORTING_DEADLINE_DAYS, before, end, start, lag["min_events"]]),
        "out_of_scope": (
            "SELECT c.id, c.number, c.holder_name, c.region_code FROM certificates_certificate c "
            "WHERE c.status = 'valid' AND (NOT EXISTS (SELECT 1 FROM registry_bodyscope s WHERE s.body_id = c.body_id "
            "AND s.scheme_id = c.scheme_id AND s.granted_on <= c.issued_on AND (s.withdrawn_on IS NULL OR "
            "s.withdrawn_on > c.issued_on)) OR NOT EXISTS (SELECT 1 FROM registry_bodyscope s WHERE "
            "s.body_id = c.body_id AND s.scheme_id = c.scheme_id AND s.withdrawn_on IS NULL))", []),
        "hopping": (
            f"SELECT DISTINCT c.id, c.holder_uscc FROM {events} e "
            "JOIN certificates_certificate o ON o.id = e.certificate_id "
            "JOIN certificates_certificate c ON c.holder_id = o.holder_id AND c.body_id <> e.body_id "
            f"WHERE e.status_after IN ('suspended', 'revoked') AND e.occurred_on >= %s AND {gap} BETWEEN 0 AND %s",
            [today - dt.timedelta(days=hop["days"] + 3 * 365), hop["days"]]),
        "body_withdrawn": (
            "SELECT c.body_id, COUNT(*), MIN(c.number), MAX(c.issued_on) FROM certificates_certificate c "
            "JOIN registry_certificationbody b ON b.id = c.body_id "
            "WHERE c.status = 'valid' AND b.status IN ('suspended', 'revoked') GROUP BY c.body_id", []),
        "mills": (
            "SELECT body_id, issued_on, COUNT(DISTINCT holder_id), COUNT(*) FROM certificates_certificate "
            "WHERE issued_on > %s AND issued_on <= %s AND transferred_from_id IS NULL GROUP BY body_id, issued_on "
            "HAVING COUNT(DISTINCT holder_id) >= %s",
            [today - dt.timedelta(days=mills["window_days"]), today, mills["per_day"]]),
        "verification_misses": (
            "SELECT w.pattern, MAX(w.misses), (SELECT SUM(b.misses) FROM cases_verificationmiss b "
            "WHERE b.pattern = w.pattern AND b.hour >= %s AND b.hour < %s) FROM cases_verificationmiss w "
            "WHERE w.hour >= %s AND w.hour < %s AND w.misses >= %s GROUP BY w.pattern",
            [miss_start - dt.timedelta(days=miss["baseline_days"]), miss_start, miss_start, miss_end,
             miss["min_misses"]]),
    }


def fetch_all(sql: str, params: list) -> int:
    from django.db import connection

    rows = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(10_000):
            rows += len(batch)
    return rows


def scale(n: int, import_rows: int, repeat: int, today: dt.date, report: dict) -> None:
    from certinel.cases import rules
    from certinel.cases.services_warnings import warnings_run

    started = time.perf_counter()
    bodies = make_bodies(50)
    bulk_register(n, 10_000_000, bodies, today, seed=15)
    bulk_misses(max(n // 100, 10), today, seed=15)
    _analyze()
    report["scale_build_s"] = time.perf_counter() - started
    print(f"\nscale: built {n:,} organizations and their certificates in {report['scale_build_s']:.1f} s")
    refs = reference_queries(today)
    figures = {}
    print(f"{'rule':<16}{'findings':>9}{'rule s':>9}{'SQL rows':>10}{'SQL s':>9}{'speed vs SQL':>14}")
    for code in rules.RULES:
        if code not in refs:  # a rule of another app (test reports), with no register-wide reference query
            continue
        sql, params = refs[code]
        fetch_all(sql, params)  # warm, as the rule's own first run below warms it
        rule_times, sql_times, found, rows = [], [], 0, 0
        for _ in range(repeat):
            t = time.perf_counter()
            found = len(rules.run(code, on=today))
            rule_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            rows = fetch_all(sql, params)
            sql_times.append(time.perf_counter() - t)
        rule_s, sql_s = statistics.median(rule_times), statistics.median(sql_times)
        figures[code] = {"findings": found, "rule_s": rule_s, "sql_rows": rows, "sql_s": sql_s,
                         "speed_ratio": sql_s / rule_s if rule_s else None}
        print(f"{code:<16}{found:>9,}{rule_s:>9.3f}{rows:>10,}{sql_s:>9.3f}{figures[code]['speed_ratio']:>14.2f}")
    report["scale"] = {"organizations": n, "certificates": _count_certificates(), "repeat": repeat, "rules": figures,
                       "all_rules_s": sum(f["rule_s"] for f in figures.values())}
    factor = NATIONAL_CERTIFICATES / report["scale"]["certificates"]
    report["scale"]["extrapolated_national_all_rules_s"] = report["scale"]["all_rules_s"] * factor
    print(f"all rules: {report['scale']['all_rules_s']:.2f} s over {report['scale']['certificates']:,} certificates; "
          f"linear to {NATIONAL_CERTIFICATES:,}: {report['scale']['extrapolated_national_all_rules_s'] / 60:.1f} min")
    warnings_run(on=today)  # the queue as it stands before the import (and the incremental runs' mark)
    _analyze()
    started = time.perf_counter()
    import_through_reporting(import_rows, bodies[:-2], today, seed=16)
    imported = time.perf_counter() - started
    per_rule = incremental_parts(today)
    from certinel.cases.services_warnings import warnings_run_incremental

    started = time.perf_counter()
    new = warnings_run_incremental(on=today)
    incremental = time.perf_counter() - started
    started = time.perf_counter()
    again = warnings_run(on=today)
    full = time.perf_counter() - started
    report["import"] = {"rows": import_rows, "path": "certificates.reporting.report_certificates, batches of "
                        f"{IMPORT_BATCH:,} rows from {IMPORT_BODIES} bodies", "import_s": imported,
                        "incremental_run_s": incremental, "incremental_parts_s": per_rule,
                        "new_warnings_incremental": new,
                        "full_run_s": full, "new_warnings_full_after": again}
    print(f"after an import of {import_rows:,} rows through the report service ({imported:.1f} s): incremental "
          f"run {incremental:.2f} s, new {_nonzero(new)}; a full run then {full:.2f} s, new {_nonzero(again)}")


def incremental_parts(today: dt.date) -> dict[str, float]:
    """The incremental run's parts, timed apart (reading what the history records touched, then
    each rule on it; nothing recorded): its own run follows and reads the same records."""
    from django.core.cache import cache

    from certinel.cases import rules
    from certinel.cases.services_warnings import MARK_KEY, _last_record_id, touched_since

    started = time.perf_counter()
    touched = touched_since(cache.get(MARK_KEY), _last_record_id())
    parts = {"touched": time.perf_counter() - started}
    assert touched is not None
    for code in rules.RULES:
        started = time.perf_counter()
        rules.run(code, on=today, touched=touched)
        parts[code] = time.perf_counter() - started
    print("incremental run's parts: " + ", ".join(f"{k} {v:.3f} s" for k, v in parts.items()))
    print(f"touched: {len(touched.certificates):,} certificates, {len(touched.bodies)} bodies, "
          f"{len(touched.holders):,} holders, {len(touched.days)} days")
    return parts


IMPORT_BATCH = 1000
IMPORT_BODIES = 5


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def import_through_reporting(rows: int, bodies: list, today: dt.date, seed: int) -> None:
    """`rows` certificates reported through the real report service (`report_certificates`, as
    the API and the file import call it: checks, holders registered, events, history records),
    in batches of IMPORT_BATCH from IMPORT_BODIES bodies, each to a new organization."""
    from certinel.certificates.data import CertificateData
    from certinel.certificates.reporting import report_certificates
    from certinel.core.actor import Actor
    from certinel.reference.generators import make_uscc

    rng = random.Random(seed)
    system = Actor.system("bench")
    for first in range(0, rows, IMPORT_BATCH):
        body = bodies[(first // IMPORT_BATCH) % IMPORT_BODIES]
        items = []
        for i in range(first, min(rows, first + IMPORT_BATCH)):
            issued = today - dt.timedelta(days=rng.randint(0, 365))
            items.append(CertificateData(
                number=f"WI{i:08d}Q", scheme="QMS", holder_uscc=make_uscc("320102", rng),
                holder_name=f"导入基准企业{i}有限公司", issued_on=issued,
                expires_on=issued + dt.timedelta(days=3 * 365 - 1), scope_text="机械零部件的设计和生产",
                signed_by="王签发", scope_codes=["18"], holder_region="320102", holder_address="基准路2号"))
        result = report_certificates(actor=system, body=body, items=items, today=today)
        if not result.ok:
            raise SystemExit(f"the import refused rows: {result.errors[:3]}")


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _count_certificates() -> int:
    from certinel.certificates.models import Certificate

    return Certificate.objects.count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--scale", type=int, default=100_000,
                        help="Organizations (and certificates); 0: precision only.")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
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

    report: dict = {"db": args.db, "machine": machine(), "load_start": load_average()}
    ok = True
    try:
        call_command("migrate", verbosity=0)
        report["database"] = database_version()
        today = localdate()
        started = time.perf_counter()
        plants = plant(today)
        report["plant_s"] = time.perf_counter() - started
        report["plants"] = plants.cases
        table, ok = confusion(plants, today)
        report["confusion"] = table
        print(f"planted cases and innocent look-alikes ({args.db}, {report['plant_s']:.1f} s):")
        print_confusion(table)
        for r in table:
            for subject in r["missed"]:
                print(f"  MISSED {r['rule']}: {subject} ({plants.cases[r['rule']]['planted'][subject]})")
            for subject in r["flagged"]:
                print(f"  FLAGGED {r['rule']}: {subject} ({plants.cases[r['rule']]['innocent'][subject]})")
        if args.scale:
            scale(args.scale, args.import_rows, args.repeat, today, report)
    finally:
        report["load_end"] = load_average()
        if not args.keep:
            cleanup()
    OUT.mkdir(parents=True, exist_ok=True)
    path = Path(args.json) if args.json else OUT / f"warnings-{args.db}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(f"report: {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
