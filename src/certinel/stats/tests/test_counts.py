"""Counts from the register's history: hand-built lives of certificates (issue, suspend,
restore, withdraw, expire), counted on dates before and after each change; the refresh only
reads what changed; the check finds a planted difference. Given / when / then."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from certinel.certificates import services
from certinel.certificates.models import Certificate
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, certificate_data
from certinel.stats.models import CertificateTrack, DailyFlow, GroupMonth, Rollup, StatusClass, Watermark
from certinel.stats.refresh import stats_check, stats_rebuild, stats_refresh
from certinel.stats.rollups import previous_month_end
from certinel.stats.selectors import Filters, counts, counts_by, flows, rollup_for, valid_trend

TODAY = dt.date.today()
D = dt.timedelta
ALL = Filters()


def ago(days: int) -> dt.date:
    return TODAY - D(days=days)


@pytest.fixture
def register(db):
    """Nanjing (320102): a QMS certificate issued 400 days ago, suspended 300 days ago,
    restored 250 days ago, revoked 100 days ago; an EMS one issued 200 days ago and still
    valid. Suzhou (320505): a QMS certificate issued 120 days ago, cancelled 10 days ago."""
    body = body_with_scopes()
    nanjing, suzhou = build_org(region_code="320102"), build_org(region_code="320505")
    a = services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=nanjing, issued_on=ago(400)))
    services.certificate_suspend(actor=SYSTEM, certificate=a, until=ago(210), reason="严重不符合",
                                 signed_by="李", occurred_on=ago(300))
    services.certificate_reinstate(actor=SYSTEM, certificate=a, reason="整改完成", signed_by="李",
                                   occurred_on=ago(250))
    services.certificate_revoke(actor=SYSTEM, certificate=a, reason="冒用标志", signed_by="李", occurred_on=ago(100))
    b = services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(
        holder=nanjing, scheme="EMS", issued_on=ago(200)))
    c = services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=suzhou, issued_on=ago(120)))
    services.certificate_cancel(actor=SYSTEM, certificate=c, reason="企业申请", signed_by="王", occurred_on=ago(10))
    stats_refresh()
    return {"body": body, "a": a, "b": b, "c": c, "nanjing": nanjing, "suzhou": suzhou}


def n(valid=0, suspended=0, withdrawn=0, expired=0):
    return {"valid": valid, "suspended": suspended, "withdrawn": withdrawn, "expired": expired}


PAST = [(401, n()), (400, n(valid=1)), (280, n(suspended=1)), (200, n(valid=2)), (110, n(valid=3)),
        (50, n(valid=2, withdrawn=1)), (0, n(valid=1, withdrawn=2))]


def test_counts_on_past_dates_follow_the_history(register):
    assert [counts(on=ago(days)) for days, _expected in PAST] == [expected for _days, expected in PAST]


def _count(*args):
    out = StringIO()
    call_command("stats", "count", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_counts_by_dimension_flows_and_the_command(register):
    qms = Filters(schemes=("QMS",))
    assert counts(on=ago(280), filters=qms) == n(suspended=1)
    assert counts(on=ago(110), filters=Filters(schemes=("QMS",), region="320500")) == n(valid=1)
    assert counts(on=ago(110), filters=Filters(region="320000")) == n(valid=3)
    assert counts(on=ago(110), filters=Filters(region="310000")) == n()
    assert counts(on=ago(110), filters=Filters(family="management")) == n(valid=3)
    rows = counts_by(on=ago(110), by=("scheme", "city"))
    assert [(r["scheme"], r["city"], r["valid"]) for r in rows] == [("EMS", "320100", 1), ("QMS", "320100", 1),
                                                                 ("QMS", "320500", 1)]
    assert counts(on=ago(110), filters=Filters(body_id=register["body"].pk))["valid"] == 3
    # Flows per period.
    found = flows(start=ago(400), end=TODAY, period="year")
    assert sum(r["new"] for r in found) == 3
    assert sum(r["suspended"] for r in found) == 1
    assert sum(r["withdrawn"] for r in found) == 2
    months = flows(start=ago(10), end=ago(10), period="month")
    assert months == [{"period": f"{ago(10):%Y-%m}", "new": 0, "suspended": 0, "withdrawn": 1, "expired": 0}]
    assert valid_trend(start=ago(10), end=TODAY)[-1]["valid"] == 1


def test_expiry_counts_from_the_day_after_even_before_the_job_runs(register):
    b = register["b"]
    after = b.expires_on + D(days=1)
    assert counts(on=b.expires_on)["valid"] == 1
    assert counts(on=after) == n(withdrawn=2, expired=1)
    # The job records the expiry with the same day: the refresh changes no figure.
    services.certificates_tick(on=after + D(days=3))
    result = stats_refresh()
    assert result.certificates == 1
    assert counts(on=after) == n(withdrawn=2, expired=1)
    assert stats_check(on=after).ok


def test_refresh_reads_only_what_changed(register):
    assert stats_refresh().certificates == 0
    services.certificate_suspend(actor=SYSTEM, certificate=register["b"], until=TODAY + D(days=30),
                                 reason="监督审核不符合", signed_by="李", occurred_on=ago(5))
    result = stats_refresh()
    assert result.certificates == 1
    assert counts(on=ago(6), filters=Filters(schemes=("EMS",))) == n(valid=1)
    assert counts(on=ago(5), filters=Filters(schemes=("EMS",))) == n(suspended=1)
    assert stats_check().ok


def test_a_holder_moving_region_moves_its_certificates(register):
    Certificate.objects.filter(pk=register["c"].pk).update(region_code="320582")
    assert not stats_check().ok  # changed around the services: the check sees it
    stats_rebuild()
    assert counts(on=ago(110), filters=Filters(region="320582")) == n(valid=1)
    assert stats_check().ok


def test_check_finds_a_planted_difference(register):
    assert stats_check().ok
    row = DailyFlow.objects.filter(status=StatusClass.VALID, entered__gt=0).order_by("day").first()
    DailyFlow.objects.filter(pk=row.pk).update(entered=row.entered + 1)
    result = stats_check()
    assert not result.ok
    assert result.flow_differences[0]["stored"] == [row.entered + 1, row.exited]
    assert result.flow_differences[0]["history"] == [row.entered, row.exited]
    assert result.stock_differences
    with pytest.raises(CommandError):
        call_command("stats", "check", "--no-refresh", stdout=StringIO())
    stats_rebuild()
    assert stats_check().ok and CertificateTrack.objects.count() == 3


def _count(*args):
    out = StringIO()
    call_command("stats", "count", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_count_command(register):
    assert _count("--on", ago(280).isoformat()) == n(suspended=1)
    assert _count("--scheme", "QMS", "--region", "320100", "--on", ago(50).isoformat()) == n(withdrawn=1)
    assert _count("--scheme", "EMS") == n(valid=1)
    assert list(_count()) == ["valid", "suspended", "withdrawn", "expired"]


@pytest.mark.parametrize("args", [("--on", "2025-13-01"), ("--scheme", "NOPE"), ("--region", "32")])
def test_count_command_refuses_bad_input(db, args):
    with pytest.raises(CommandError) as err:
        call_command("stats", "count", *args, "--json", stdout=StringIO())
    assert err.value.returncode == 2


def _from_flows(on, filters=ALL, columns=()):
    """The same figure from the fine daily flows (what the roll-ups are derived from)."""
    from certinel.stats.selectors import _stocks

    out = {}
    for r in _stocks(on, filters, list(columns), None):
        key = (*(r[c] for c in columns), r["status"])
        out[key] = out.get(key, 0) + (r["n"] or 0)
    return {k: v for k, v in out.items() if v}


def _from_rollup(on, kind, filters=ALL, columns=()):
    from certinel.stats.selectors import _stocks, stocks_through

    out = {}
    for r in _stocks(on, filters, list(columns), kind, stocks_through()):
        key = (*(r[c] for c in columns), r["status"])
        out[key] = out.get(key, 0) + (r["n"] or 0)
    return {k: v for k, v in out.items() if v}


def test_the_roll_ups_answer_as_the_daily_flows_on_every_day(register):
    body = Filters(body_id=register["body"].pk)
    for days in range(0, 420, 7):
        on = ago(days)
        assert _from_rollup(on, Rollup.COUNTY, columns=("scheme_id", "region_code")) == _from_flows(
            on, columns=("scheme_id", "region_code"))
        assert _from_rollup(on, Rollup.CITY, Filters(region="320000"), ("scheme_id",)) == _from_flows(
            on, Filters(region="320000"), ("scheme_id",))
        assert _from_rollup(on, Rollup.BODY, body, ("scheme_id",)) == _from_flows(on, body, ("scheme_id",))
    # A question with industry or size is read from the daily flows.
    assert rollup_for(Filters(size_class="small")) is None
    assert rollup_for(Filters(region="320000"), ("body",)) is None
    assert rollup_for(Filters(body_id=1), ("scheme",)) == Rollup.BODY
    assert rollup_for(Filters(region="320000")) == Rollup.PROVINCE
    assert rollup_for(Filters(region="320000"), ("city",)) == Rollup.CITY
    assert rollup_for(Filters(region="320102"), ("scheme",)) == Rollup.COUNTY
    assert rollup_for(Filters(), ("county",)) == Rollup.COUNTY
    # Flows per month over whole and partial months.
    assert sum(r["new"] for r in flows(start=ago(405), end=ago(3), period="month")) == 3
    assert sum(r["new"] for r in flows(start=ago(405), end=ago(3), period="month", filters=body)) == 3


def test_month_end_stocks_are_carried_on_to_the_month_before_today(register):
    through = Watermark.objects.get().stocks_through
    assert through == previous_month_end(timezone.localdate())
    before = [counts(on=ago(days)) for days, _expected in PAST]
    earlier = previous_month_end(previous_month_end(previous_month_end(through)))
    GroupMonth.objects.filter(month__gt=earlier).update(stock=0)
    Watermark.objects.update(stocks_through=earlier)
    assert stats_check().ok  # as held: stocks up to `earlier`
    assert stats_refresh().certificates == 0
    assert Watermark.objects.get().stocks_through == through
    assert [counts(on=ago(days)) for days, _expected in PAST] == before
    assert stats_check().ok


def test_check_finds_a_planted_difference_in_the_roll_ups(register):
    row = GroupMonth.objects.filter(stock__gt=0).order_by("month").first()
    GroupMonth.objects.filter(pk=row.pk).update(stock=row.stock + 1)
    result = stats_check()
    assert not result.ok and not result.flow_differences
    assert result.rollup_differences[0]["table"] == "month"
    assert result.rollup_differences[0]["stored"][2] == row.stock + 1
    stats_rebuild()
    assert stats_check().ok


def test_the_embedded_scheduler_refreshes_the_statistics(register, monkeypatch, settings):
    """Without Celery beat (`certinel serve`, SQLite), the server's scheduler runs the refresh
    every minute; with it, beat runs the same refresh as a task."""
    from contextlib import nullcontext

    from certinel.core import scheduler

    monkeypatch.setattr(scheduler, "guard", nullcontext)  # the guard closes connections: not in a test
    job = next(j for j in scheduler.JOBS if j.name == "statistics refresh")
    assert job.every == 60.0 and job.guarded
    assert "certinel.stats.tasks.refresh" in {j["task"] for j in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduler.run_job(job) == ""  # nothing changed: nothing to say
    services.certificate_suspend(actor=SYSTEM, certificate=register["b"], until=TODAY + D(days=30),
                                 reason="监督审核不符合", signed_by="李", occurred_on=ago(5))
    assert counts(on=TODAY, filters=Filters(schemes=("EMS",))) == n(valid=1)  # not yet refreshed
    assert scheduler.run_job(job).startswith("1 certificates")
    assert counts(on=TODAY, filters=Filters(schemes=("EMS",))) == n(suspended=1)
    assert stats_check().ok


def test_an_expiry_recorded_late_counts_from_the_day_after_the_expiry_date():
    """A body reporting a certificate as expired months after it ended (or a demo built today):
    the certificate was valid until its expiry date, not until the day the expiry was recorded."""
    from certinel.stats.history import timeline_of

    events = [(dt.date(2025, 3, 1), "valid"), (dt.date(2026, 12, 7), "expired")]
    assert timeline_of(events, expires_on=dt.date(2026, 2, 28), status="expired") == [
        (dt.date(2025, 3, 1), StatusClass.VALID), (dt.date(2026, 3, 1), StatusClass.EXPIRED)]
    # Recorded on time, or by the job the day after: the same day.
    on_time = [(dt.date(2025, 3, 1), "valid"), (dt.date(2026, 3, 1), "expired")]
    assert timeline_of(on_time, expires_on=dt.date(2026, 2, 28), status="expired")[-1] == (
        dt.date(2026, 3, 1), StatusClass.EXPIRED)
    # Renewed after an expiry: the expiry stays where it was recorded (the new expiry date is later),
    # and the renewed certificate expires the day after its new expiry date.
    renewed = [(dt.date(2023, 3, 1), "valid"), (dt.date(2026, 3, 1), "expired"), (dt.date(2026, 4, 1), "valid")]
    assert timeline_of(renewed, expires_on=dt.date(2029, 3, 31), status="valid") == [
        (dt.date(2023, 3, 1), StatusClass.VALID), (dt.date(2026, 3, 1), StatusClass.EXPIRED),
        (dt.date(2026, 4, 1), StatusClass.VALID), (dt.date(2029, 4, 1), StatusClass.EXPIRED)]
