"""The one place that reads a certificate's status history for the statistics.

The history is the certificate's public trail (`certificates.trail`: its history records,
whose leaves carry the events), in sequence, each event dated by the day the body reported it
happened (`occurred_on`), not the day it was recorded. A certificate still in force after its
last event ends by itself the day after its expiry date (what the scheduled job records, and
what `lifecycle.effective_status` applies on read between runs)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from certinel.certificates.choices import CertificateStatus
from certinel.certificates.lifecycle import ENDS_BY_EXPIRY
from certinel.certificates.models import Certificate
from certinel.certificates.trail import trails_of

from .models import StatusClass

# A register status -> the class counted. A certificate pending transfer is still in force.
CLASS_OF = {
    CertificateStatus.VALID: StatusClass.VALID,
    CertificateStatus.TRANSFER_PENDING: StatusClass.VALID,
    CertificateStatus.SUSPENDED: StatusClass.SUSPENDED,
    CertificateStatus.REVOKED: StatusClass.WITHDRAWN,
    CertificateStatus.CANCELLED: StatusClass.WITHDRAWN,
    CertificateStatus.EXPIRED: StatusClass.EXPIRED,
}
STOCKS = (StatusClass.VALID, StatusClass.SUSPENDED, StatusClass.WITHDRAWN, StatusClass.EXPIRED)


@dataclass(frozen=True)
class Track:
    """A certificate's group and its status timeline: (day, class) changes, the first being its
    issue; days never go backwards."""

    certificate_id: int
    scheme_id: int
    region_code: str
    body_id: int
    industry: str
    size_class: str
    timeline: tuple[tuple[dt.date, str], ...]

    @property
    def key(self) -> tuple[int, str, int, str, str]:
        return (self.scheme_id, self.region_code, self.body_id, self.industry, self.size_class)


def status_tracks(certificate_ids: Iterable[int] | None = None, *, chunk: int = 2000) -> Iterator[Track]:
    """The tracks of the given certificates (all of them when None), read in chunks."""
    rows = Certificate.objects.order_by("pk").values_list(
        "pk", "scheme_id", "region_code", "body_id", "holder__industry__code", "holder__size_class", "expires_on",
        "status")
    if certificate_ids is None:
        last = 0
        while batch := list(rows.filter(pk__gt=last)[:chunk]):
            yield from _tracks(batch)
            last = batch[-1][0]
        return
    ids = sorted(set(certificate_ids))
    for i in range(0, len(ids), chunk):
        yield from _tracks(list(rows.filter(pk__in=ids[i:i + chunk])))


def _tracks(certs: list[tuple]) -> Iterator[Track]:
    if not certs:
        return
    events = {cert_id: [(e.occurred_on, e.status_after) for e in trail]
              for cert_id, trail in trails_of(c[0] for c in certs).items()}
    for pk, scheme_id, region, body_id, industry, size, expires_on, status in certs:
        timeline = timeline_of(events.get(pk, []), expires_on=expires_on, status=status)
        if timeline:
            yield Track(pk, scheme_id, region, body_id, industry or "", size or "", tuple(timeline))


def timeline_of(events: list[tuple[dt.date, str]], *, expires_on: dt.date, status: str
                ) -> list[tuple[dt.date, str]]:
    """The class changes of one certificate from its events in sequence: a day earlier than the
    previous event's counts as that day; on a day with several changes the last one counts."""
    out: list[tuple[dt.date, str]] = []
    last_day: dt.date | None = None
    for day, after in events:
        cls = CLASS_OF.get(after)
        if cls is None:
            continue
        if cls == StatusClass.EXPIRED:
            # A certificate expires the day after its expiry date, whenever its expiry was
            # recorded (a body reporting a certificate as expired months later, say).
            day = min(day, expires_on + dt.timedelta(days=1))
        day = day if last_day is None or day > last_day else last_day
        last_day = day
        if out and out[-1][0] == day:
            out.pop()
        if not out or out[-1][1] != cls:
            out.append((day, cls))
    if out and status in ENDS_BY_EXPIRY and out[-1][1] in (StatusClass.VALID, StatusClass.SUSPENDED):
        ends = max(expires_on + dt.timedelta(days=1), out[-1][0])
        if ends == out[-1][0]:
            out.pop()
        if not out or out[-1][1] != StatusClass.EXPIRED:
            out.append((ends, StatusClass.EXPIRED))
    return out


def flows_of(track: Track, sign: int = 1) -> Iterator[tuple[dt.date, str, int, int]]:
    """(day, class, entered, exited) of one track; sign -1 takes the contribution back."""
    previous: str | None = None
    for i, (day, cls) in enumerate(track.timeline):
        if i == 0:
            yield day, StatusClass.NEW, sign, 0
        else:
            yield day, previous or "", 0, sign
        yield day, cls, sign, 0
        previous = cls


def encode(timeline: tuple[tuple[dt.date, str], ...]) -> str:
    return ";".join(f"{d.isoformat()}:{c}" for d, c in timeline)


def decode(text: str) -> tuple[tuple[dt.date, str], ...]:
    out = []
    for part in filter(None, text.split(";")):
        day, cls = part.split(":")
        out.append((dt.date.fromisoformat(day), cls))
    return tuple(out)
