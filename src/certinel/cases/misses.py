"""Verification misses: aggregate counts of "not found" verifications, and the rule that finds
their spikes (forged certificate numbers in circulation).

`miss_record` is called by `certificates.verify_cache.remembered` when the register holds no
certificate with the number asked (an empty fingerprint: known at no extra query). It writes one
upsert into `VerificationMiss` (hour x number pattern, a count): nothing about who asked, and not
the number as typed, only its pattern (`number_pattern`).

Distinct networks. Each row also holds a 256-bit sketch (linear counting) of the networks that
asked: the requester's /24 (IPv4) or /48 (IPv6) network, hashed with HMAC-SHA256 under a key
drawn at random for each UTC day (kept in the cache for two days, never in the database), sets
one bit; the number of bits still clear estimates how many distinct networks there were
(`networks_estimate`). A bit stands for one 256th of all networks under a key nobody keeps, so
a row cannot be linked back to a network, nor one day's rows to another's. The address comes
from `MissSourceMiddleware` (a context variable for the request's duration); a miss counted
outside a request sets no bit.

The rule `verification_misses` (thresholds in `data/rules.csv`) compares each pattern's misses
per hour in the last `window_hours` with its own baseline (its mean per hour over the
`baseline_days` before): an hour with at least `min_misses` and at least `factor` times the
baseline is a spike. Each finding carries the counts per hour of the window and the baseline.

Routing: a CCC number embeds the code of the designated body that issued it (digits 5-6,
`reference.identifiers.validate_ccc_number`); the register does not list the codes, so the body is
the one whose CCC certificates carry the code most often, and the finding goes to its region.
Any other pattern names no body: the finding goes to the platform's own province (the rule's
`platform_region` threshold, a region code), seen by the province's regulators and those of its
cities only if their jurisdiction is the province."""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import math
import re
import secrets
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from .models import VerificationMiss

CCC_NUMBER = re.compile(r"^(?:19|20)\d\d(?!00)\d\d\d{10}$")
PREFIX = re.compile(r"^[A-Z]{1,6}(?=[-/]?\d)[-/]?")  # a scheme's or body's prefix: letters before the digits
MAX_PATTERN = 40


def number_pattern(number: str) -> str:
    """What a number looks like, with nothing of the number itself: CCC numbers by the body code
    they embed (`CCC:BB`); others with a short letter prefix kept and every other digit masked as
    9, letter as A, anything else as *."""
    tight = "".join(number.split()).upper()
    if CCC_NUMBER.match(tight):
        return f"CCC:{tight[4:6]}"
    head = PREFIX.match(tight)
    kept = head.group() if head else ""
    rest = tight[len(kept):]
    masked = "".join("9" if ch.isascii() and ch.isdigit() else "A" if "A" <= ch <= "Z" else
                     ch if ch in "-/." else "*" for ch in rest)
    return (kept + masked)[:MAX_PATTERN]


def _hour(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()).astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


SKETCH_BITS = 256
WORDS = ("net0", "net1", "net2", "net3")
_requester: contextvars.ContextVar[str] = contextvars.ContextVar("certinel_miss_requester", default="")


class MissSourceMiddleware:
    """Lets `miss_record` see the address of the request it is counted for (and nothing else)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _requester.set(request.META.get("REMOTE_ADDR", "") or "")
        try:
            return self.get_response(request)
        finally:
            _requester.reset(token)


def _day_key(day: dt.date) -> bytes:
    """The day's random key: drawn once per UTC day and shared through the cache; never stored."""
    name = f"cases:miss-network-key:{day.isoformat()}"
    cache.add(name, secrets.token_bytes(32), timeout=2 * 86400)
    key = cache.get(name)
    return key if isinstance(key, bytes) else secrets.token_bytes(32)


def network_bit(address: str, day: dt.date) -> int | None:
    """The sketch's bit of `address`'s network (/24 or /48) under `day`'s key; None for no address."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    network = ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False)
    digest = hmac.new(_day_key(day), network.network_address.packed, hashlib.sha256).digest()
    return digest[0] % SKETCH_BITS


def _words(bit: int | None) -> list[int]:
    """The four signed 64-bit words of a sketch with only `bit` set."""
    words = [0, 0, 0, 0]
    if bit is not None:
        value = 1 << (bit % 64)
        words[bit // 64] = value - (1 << 64) if value >= 1 << 63 else value
    return words


def networks_estimate(words: tuple[int, ...] | list[int]) -> int | None:
    """Distinct networks by linear counting: -m ln(clear/m); None when no bit is set (counted
    without an address, or before networks were sketched); with every bit set, the sketch's
    ceiling (m ln m, about 1,420), a lower bound."""
    set_bits = sum(bin(w & ((1 << 64) - 1)).count("1") for w in words)
    if set_bits == 0:
        return None
    clear = SKETCH_BITS - set_bits
    return round(SKETCH_BITS * math.log(SKETCH_BITS / clear)) if clear else round(SKETCH_BITS * math.log(SKETCH_BITS))


@functools.cache
def _upsert_sql(vendor: str) -> str:
    table = connection.ops.quote_name(VerificationMiss._meta.db_table)
    mark = "?" if vendor == "sqlite" else "%s"
    merged = ", ".join(f"{w} = {table}.{w} | excluded.{w}" for w in WORDS)
    return (f"INSERT INTO {table} (hour, pattern, misses, {', '.join(WORDS)}) VALUES "  # noqa: S608
            f"({mark}, {mark}, 1, {mark}, {mark}, {mark}, {mark})"
            f" ON CONFLICT (hour, pattern) DO UPDATE SET misses = {table}.misses + 1, {merged}")


def miss_record(number: str, *, now: dt.datetime | None = None, address: str | None = None) -> None:
    """Count one "not found" verification of `number` (asked from `address`, by default the
    current request's): one upsert, nothing else kept. Straight to the driver, as the
    verification fingerprint is (Django's cursor wrapper would cost more than the statement)."""
    if not number.strip():
        return
    hour_utc = _hour(now)
    bit = network_bit(_requester.get() if address is None else address, hour_utc.date())
    hour = connection.ops.adapt_datetimefield_value(hour_utc)
    connection.ensure_connection()
    with connection.wrap_database_errors:
        connection.connection.execute(_upsert_sql(connection.vendor), [hour, number_pattern(number), *_words(bit)])


def _ccc_bodies(codes: set[str]) -> dict[str, int]:
    """The body whose CCC certificates carry each body code most often."""
    from certinel.certificates.models import Certificate

    out: dict[str, int] = {}
    for code in sorted(codes):
        top = (Certificate.objects.filter(scheme__code="CCC").annotate(bb=Substr("number", 5, 2)).filter(bb=code)
               .order_by().values("body_id").annotate(n=Count("id")).order_by("-n", "body_id").first())
        if top:
            out[code] = top["body_id"]
    return out


def verification_misses(params: dict[str, int], on: dt.date, *, now: dt.datetime | None = None) -> Iterator[Any]:
    """The rule's query: each pattern's spike hours in the window against its own baseline."""
    from .rules import Finding, _bodies, _day_start

    # The window is the last `window_hours` up to the end of the day asked for, or up to the end
    # of the current hour when that day is today (a run just after midnight still looks back a
    # whole window, not at the few minutes of the new day).
    end = _day_start(on + dt.timedelta(days=1))
    hour_end = (now or timezone.now()).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    end = min(end, hour_end) if hour_end > _day_start(on) else end
    start = end - dt.timedelta(hours=params["window_hours"])
    base_start = start - dt.timedelta(days=params["baseline_days"])
    patterns = sorted(set(VerificationMiss.objects.filter(hour__gte=start, hour__lt=end,
                                                          misses__gte=params["min_misses"])
                          .values_list("pattern", flat=True)))
    recent_by: dict[str, dict[dt.datetime, int]] = defaultdict(dict)
    networks_by: dict[str, dict[dt.datetime, int | None]] = defaultdict(dict)
    baseline_by: dict[str, int] = {}
    for first in range(0, len(patterns), 900):
        chunk = patterns[first:first + 900]
        for r in VerificationMiss.objects.filter(pattern__in=chunk, hour__gte=start, hour__lt=end).order_by(
                "pattern", "hour").values_list("pattern", "hour", "misses", *WORDS):
            recent_by[r[0]][r[1]] = r[2]
            networks_by[r[0]][r[1]] = networks_estimate(r[3:])
        baseline_by.update(VerificationMiss.objects.filter(pattern__in=chunk, hour__gte=base_start, hour__lt=start)
                           .order_by().values("pattern").annotate(total=Sum("misses")).values_list("pattern", "total"))
    hours_in_baseline = params["baseline_days"] * 24
    candidates = []
    for pattern in patterns:
        baseline = baseline_by.get(pattern, 0) / hours_in_baseline
        recent = recent_by[pattern]
        peak_hour, peak = max(recent.items(), key=lambda item: (item[1], item[0]))
        if peak >= params["min_misses"] and peak >= params["factor"] * baseline:
            candidates.append((pattern, baseline, recent, peak_hour, peak))
    bodies_by_code = _ccc_bodies({p[4:] for p, *_ in candidates if p.startswith("CCC:")})
    bodies = _bodies(set(bodies_by_code.values()))
    for pattern, baseline, recent, peak_hour, peak in candidates:
        body = bodies.get(bodies_by_code.get(pattern[4:], 0)) if pattern.startswith("CCC:") else None
        region = body.region_code if body is not None else str(params["platform_region"])
        yield Finding("verification_misses", "certificate", pattern, body.name if body is not None else "",
                      region, f"{peak_hour:%Y-%m-%d}", {
                          "pattern": pattern, "body": body.uscc if body is not None else None,
                          "routed_to": "body" if body is not None else "platform",
                          "misses_per_hour": {f"{h:%Y-%m-%dT%H}:00Z": n for h, n in recent.items()},
                          "peak_hour": f"{peak_hour:%Y-%m-%dT%H}:00Z", "peak_misses": peak,
                          "window_misses": sum(recent.values()), "baseline_days": params["baseline_days"],
                          "baseline_per_hour": round(baseline, 3),
                          **_sources(networks_by[pattern], peak_hour, params["many_networks"])},
                      ids={"body_id": body.pk if body is not None else None})


def _sources(networks: dict[dt.datetime, int | None], peak_hour: dt.datetime, many: int) -> dict[str, Any]:
    """What the sketches say of where the misses came from: distinct networks per hour (an
    estimate; none for hours counted without addresses) and a reading of the peak hour: one
    network, a few, or many (`many_networks` or more)."""
    peak = networks.get(peak_hour)
    reading = "unknown" if peak is None else "one_network" if peak <= 1 else (
        "many_networks" if peak >= many else "few_networks")
    return {"networks_per_hour": {f"{h:%Y-%m-%dT%H}:00Z": n for h, n in networks.items() if n is not None},
            "peak_networks": peak, "sources": reading}


def keep(finding: Any, rule: Any) -> bool:
    """A candidate held against its own region's row."""
    peak = finding.evidence["peak_misses"]
    return peak >= rule.param("min_misses") and peak >= rule.param("factor") * finding.evidence["baseline_per_hour"]
