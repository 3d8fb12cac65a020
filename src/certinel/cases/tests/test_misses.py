"""Verification misses: "not found" verifications counted per hour and number pattern (and
nothing about who asked), and the rule that finds a spike for one pattern against its own
baseline. Given / when / then; all names fictional."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from certinel.cases import rules
from certinel.cases.misses import miss_record, network_bit, networks_estimate, number_pattern
from certinel.cases.models import VerificationMiss
from certinel.cases.services_warnings import warnings_run
from certinel.certificates.services import certificate_issue
from certinel.core.actor import Actor
from certinel.core.testing.builders import body_with_scopes, build_org, certificate_data
from certinel.reference.generators import make_ccc_number

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
NOW = timezone.now().replace(minute=30, second=0, microsecond=0)


def _plant(pattern_number: str, *, hours_ago: int, count: int) -> None:
    for _ in range(count):
        miss_record(pattern_number, now=NOW - dt.timedelta(hours=hours_ago))


def test_the_pattern_keeps_nothing_of_the_number_but_its_shape_or_the_ccc_body_code():
    assert number_pattern("CQC-2024 00123") == "CQC-999999999"
    assert number_pattern("00124Q12345r0m") == "99999A99999A9A"
    assert number_pattern("2024120701000123") == "CCC:12"
    assert number_pattern("2024000701000123") == "9999999999999999"  # body code 00 does not exist
    assert number_pattern("张三的证书123") == "*****999"
    assert len(number_pattern("X" * 200)) == 40


def _fix_keys(key: bytes = b"k" * 32) -> None:
    """The day's network key fixed (it is random per UTC day), so that bit collisions are known."""
    from django.core.cache import cache

    today = timezone.now().astimezone(dt.UTC).date()
    for days in (-1, 0, 1):
        cache.set(f"cases:miss-network-key:{today + dt.timedelta(days=days)}", key)


def test_a_not_found_verification_is_counted_once_per_request_and_stores_nothing_personal(client):
    _fix_keys()
    for _ in range(3):
        assert client.get("/verify/", {"number": "FAKE-2026-0001", "holder": "某某有限公司"}).status_code == 200
    assert client.get("/api/v1/verify", {"number": "FAKE-2026-0002"}, REMOTE_ADDR="10.1.2.3").status_code == 200
    [row] = VerificationMiss.objects.all()
    assert (row.pattern, row.misses) == ("FAKE-9999-9999", 4)
    assert row.hour.minute == 0 and row.hour.second == 0
    stored = " ".join(str(v) for v in VerificationMiss.objects.values_list().get())
    assert "0001" not in stored and "某某" not in stored and "10.1" not in stored and "127.0" not in stored
    assert {f.name for f in VerificationMiss._meta.get_fields()} == {"id", "hour", "pattern", "misses",
                                                                     "net0", "net1", "net2", "net3"}
    # Two networks asked (the test client's 127.0.0.1 and 10.1.2.3): the sketch holds two bits.
    assert networks_estimate([row.net0, row.net1, row.net2, row.net3]) == 2


def test_a_found_verification_is_not_counted(client):
    body, holder = body_with_scopes(), build_org()
    certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=holder, number="REAL-1"))
    client.get("/verify/", {"number": "REAL-1"})
    client.get("/api/v1/verify", {"number": "real-1"})
    assert not VerificationMiss.objects.exists()


def test_a_spike_against_its_own_baseline_fires_and_steady_traffic_does_not():
    hour = NOW.replace(minute=0)
    rows = []
    for hours_ago in range(0, 15 * 24):
        at = hour - dt.timedelta(hours=hours_ago)
        # A busy pattern, steady with the working day (40 an hour by day, 5 by night) ...
        rows.append(VerificationMiss(hour=at, pattern="BUSY-9999-9999", misses=40 if 8 <= at.hour < 20 else 5))
        if hours_ago >= 30 and hours_ago % 6 == 0:  # ... and a quiet one, a few now and then
            rows.append(VerificationMiss(hour=at, pattern="FAKE-9999-9999", misses=3))
    VerificationMiss.objects.bulk_create(rows)
    _plant("FAKE-2026-0002", hours_ago=2, count=25)  # the spike
    _plant("FAKE-2026-0003", hours_ago=1, count=4)
    [found] = rules.run("verification_misses")
    assert (found.subject_code, found.region_code, found.severity) == ("FAKE-9999-9999", "320000", "medium")
    assert found.evidence["peak_misses"] == 25 and found.evidence["routed_to"] == "platform"
    assert sum(found.evidence["misses_per_hour"].values()) == found.evidence["window_misses"] == 29
    assert 0 < found.evidence["baseline_per_hour"] < 1
    assert warnings_run(rule="verification_misses") == {"verification_misses": 1}
    assert warnings_run(rule="verification_misses") == {"verification_misses": 0}


def test_a_ccc_spike_goes_to_the_region_of_the_body_its_numbers_name():
    body = body_with_scopes(schemes=(), ccc_products=("0701",), region_code="320506")
    number = make_ccc_number(random.Random(4), product_code="0701", body_code="17")
    certificate_issue(actor=SYSTEM, body=body, data=certificate_data(
        holder=build_org(), scheme="CCC", number=number, scope_codes=["0701"],
        expires_on=dt.date.today() + dt.timedelta(days=1000)))
    forged = number[:10] + "999999"
    _plant(forged, hours_ago=3, count=20)
    [found] = rules.run("verification_misses")
    assert (found.subject_code, found.region_code, found.ids["body_id"]) == ("CCC:17", "320506", body.pk)
    assert found.evidence["body"] == body.uscc and found.evidence["routed_to"] == "body"


def test_a_run_just_after_local_midnight_still_looks_back_a_whole_window():
    from django.utils.timezone import localtime, make_aware

    from certinel.cases.misses import verification_misses

    just_after = make_aware(dt.datetime(2026, 3, 10, 0, 20))  # 00:20 local time
    for _ in range(25):
        miss_record("FAKE-2026-0009", now=just_after - dt.timedelta(hours=3))  # yesterday evening
    params = {"window_hours": 24, "baseline_days": 14, "min_misses": 20, "factor": 5, "platform_region": 320000,
              "many_networks": 10}
    [found] = verification_misses(params, localtime(just_after).date(), now=just_after)
    assert found.evidence["peak_misses"] == 25
    # A day in the past is looked at as a whole day, whatever the time now.
    assert list(verification_misses(params, dt.date(2026, 3, 8), now=just_after)) == []


def test_a_spike_from_one_network_reads_differently_from_one_from_many():
    _fix_keys()
    for host in range(25):  # one /24, 25 hosts
        miss_record("ONE-2026-0001", now=NOW - dt.timedelta(hours=2), address=f"203.0.113.{host + 1}")
    for net in range(40):  # 40 networks, a host each
        miss_record("MANY-2026-0001", now=NOW - dt.timedelta(hours=2), address=f"198.{net}.7.9")
    found = {f.subject_code: f.evidence for f in rules.run("verification_misses")}
    one, many = found["ONE-9999-9999"], found["MANY-9999-9999"]
    assert (one["peak_networks"], one["sources"]) == (1, "one_network")
    assert 30 <= many["peak_networks"] <= 50 and many["sources"] == "many_networks"
    assert list(one["networks_per_hour"].values()) == [1]


def test_networks_are_hashed_by_prefix_under_a_key_that_changes_every_day():
    _fix_keys(b"a" * 32)
    day = timezone.now().astimezone(dt.UTC).date()
    assert network_bit("192.0.2.1", day) == network_bit("192.0.2.200", day)  # the same /24
    assert network_bit("2001:db8:1:5::1", day) == network_bit("2001:db8:1:ffff::9", day)  # the same /48
    assert network_bit("unknown", day) is None and network_bit("", day) is None
    bits = {network_bit(f"10.{n}.0.1", day) for n in range(64)}
    _fix_keys(b"b" * 32)  # another day's key: the same networks fall elsewhere
    assert bits != {network_bit(f"10.{n}.0.1", day) for n in range(64)}
    miss_record("NOADDR-1", now=NOW)  # outside a request: counted, no network
    row = VerificationMiss.objects.get(pattern="NOADDR-9")
    assert row.misses == 1 and networks_estimate([row.net0, row.net1, row.net2, row.net3]) is None
    assert networks_estimate([-1, -1, -1, -1]) == 1420  # saturated: the sketch's ceiling
