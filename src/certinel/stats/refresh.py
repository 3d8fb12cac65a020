"""Keeping the precomputed statistics in step with the register, and checking them.

`stats_refresh` reads what changed since its watermark (the history records of certificates,
whose actions are their events, and of their holders, by id) and replaces the contribution of each
certificate touched: the old one (its stored track) is taken back, the new one added, in one
transaction. `stats_rebuild` starts from nothing. `stats_check` recomputes everything from the
rows and reports each difference; it writes nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from certinel.certificates.models import Certificate
from certinel.core.bulk import insert_rows
from certinel.core.models import ChangeRecord
from certinel.core.services import lock
from certinel.registry.models import Organization

from . import rollups
from .history import CLASS_OF, STOCKS, Track, decode, encode, flows_of, status_tracks
from .models import CertificateTrack, DailyFlow, GroupDay, GroupMonth, Rollup, Watermark

MARK = "certificates"
KEY = ("day", "scheme_id", "region_code", "body_id", "industry", "size_class", "status")
TRACK_COLUMNS = ("certificate_id", "scheme_id", "region_code", "body_id", "industry", "size_class", "timeline")
FlowKey = tuple[dt.date, int, str, int, str, str, str]


@dataclass
class RefreshResult:
    certificates: int = 0
    rows: int = 0
    record_mark: int = 0


def _add(flows: dict[FlowKey, list[int]], track: Track, sign: int) -> None:
    for day, cls, entered, exited in flows_of(track, sign):
        cell = flows[(day, *track.key, cls)]
        cell[0] += entered
        cell[1] += exited


def _stored(ids: list[int]) -> list[Track]:
    out = []
    for i in range(0, len(ids), 2000):
        for row in CertificateTrack.objects.filter(certificate_id__in=ids[i:i + 2000]).values_list(*TRACK_COLUMNS):
            out.append(Track(row[0], row[1], row[2], row[3], row[4], row[5], decode(row[6])))
    return out


def _upsert(flows: dict[FlowKey, list[int]]) -> int:
    """Add the flows to the stored rows (a row is made where there is none)."""
    rows = [(*k, v[0], v[1]) for k, v in flows.items() if v[0] or v[1]]
    return rollups.upsert_add("stats_dailyflow", KEY, ("entered", "exited"), rows)


def _touched(mark: Watermark) -> tuple[set[int], int]:
    """The certificates changed since the mark (their actions, which are their events, and
    their holders' changes), and the new mark."""
    ids: set[int] = set()
    record_mark = ChangeRecord.objects.aggregate(m=Max("pk"))["m"] or 0
    # Read by id range only (the primary key), in id order, made distinct and filtered here:
    # asked for DISTINCT (which brings in the models' orderings) or by content type, the
    # databases may read every record of a kind through an index rather than the few new rows.
    if record_mark > mark.record_id:
        cert_ct = ContentType.objects.get_for_model(Certificate)
        org_ct = ContentType.objects.get_for_model(Organization)
        kinds = {cert_ct.pk, org_ct.pk}
        found = {row for row in ChangeRecord.objects.filter(pk__gt=mark.record_id, pk__lte=record_mark).order_by("pk")
                 .values_list("content_type_id", "object_id").iterator(chunk_size=5000) if row[0] in kinds}
        orgs = []
        for ct_id, object_id in found:
            if ct_id == cert_ct.pk:
                ids.add(int(object_id))
            else:
                orgs.append(int(object_id))
        for i in range(0, len(orgs), 2000):
            ids.update(Certificate.objects.filter(holder_id__in=orgs[i:i + 2000]).order_by()
                       .values_list("pk", flat=True))
    return ids, record_mark


def stats_refresh(*, full: bool = False) -> RefreshResult:
    """Bring the statistics up to date with the register (incremental unless `full`)."""
    if full:
        return stats_rebuild()
    with transaction.atomic():
        mark, _created = Watermark.objects.get_or_create(name=MARK)
        mark = lock(Watermark, mark.pk)
        if not mark.refreshed_at:
            return _rebuild_locked(mark)
        ids, record_mark = _touched(mark)
        result = RefreshResult(len(ids), 0, record_mark)
        through = _extend(mark)
        if ids:
            ordered = sorted(ids)
            flows: dict[FlowKey, list[int]] = defaultdict(lambda: [0, 0])
            for old in _stored(ordered):
                _add(flows, old, -1)
            new = list(status_tracks(ordered))
            for track in new:
                _add(flows, track, 1)
            for i in range(0, len(ordered), 2000):
                CertificateTrack.objects.filter(certificate_id__in=ordered[i:i + 2000]).delete()
            insert_rows(CertificateTrack, TRACK_COLUMNS, ((t.certificate_id, *t.key, encode(t.timeline))
                                                          for t in new))
            result.rows = _upsert(flows)
            result.rows += rollups.add(*rollups.derive(flows.items(), through))
        mark.record_id, mark.refreshed_at = record_mark, timezone.now()
        mark.save()
    return result


def scheduled_refresh() -> str:
    """The refresh as the schedule runs it (`certinel serve`'s scheduler when embedded, Celery
    beat's `certinel.stats.tasks.refresh` otherwise): what it did, "" when nothing changed."""
    done = stats_refresh()
    return f"{done.certificates} certificates, {done.rows} rows" if done.certificates else ""


def stocks_through() -> dt.date:
    """The last month end whose stocks the roll-ups hold: the one before today's month."""
    return rollups.previous_month_end(timezone.localdate())


def _extend(mark: Watermark) -> dt.date:
    """Carry the month-end stocks on to the month before today's (once a month)."""
    through = stocks_through()
    if mark.stocks_through is None:
        return _rebuild_rollups(mark)
    if through > mark.stocks_through:
        rollups.extend(mark.stocks_through, through)
        mark.stocks_through = through
    return mark.stocks_through


def _rebuild_rollups(mark: Watermark) -> dt.date:
    through = stocks_through()
    GroupDay.objects.all().delete()
    GroupMonth.objects.all().delete()
    flows = ((tuple(r[:7]), (r[7], r[8])) for r in DailyFlow.objects.values_list(*KEY, "entered", "exited")
             .iterator(chunk_size=10000))
    days, months = rollups.derive(flows, through)
    insert_rows(GroupDay, rollups.GROUP_DAY_COLUMNS, ((*k, *v) for k, v in days.items()))
    insert_rows(GroupMonth, rollups.GROUP_MONTH_COLUMNS, ((*k, *v) for k, v in months.items()))
    mark.stocks_through = through
    return through


def stats_rebuild() -> RefreshResult:
    """Compute the statistics again from the whole history."""
    with transaction.atomic():
        mark, _created = Watermark.objects.get_or_create(name=MARK)
        return _rebuild_locked(lock(Watermark, mark.pk))


def _rebuild_locked(mark: Watermark) -> RefreshResult:
    record_mark = ChangeRecord.objects.aggregate(m=Max("pk"))["m"] or 0
    DailyFlow.objects.all().delete()
    CertificateTrack.objects.all().delete()
    GroupDay.objects.all().delete()
    GroupMonth.objects.all().delete()
    flows, count = _recompute(write_tracks=True)
    rows = [(*k, v[0], v[1]) for k, v in flows.items() if v[0] or v[1]]
    insert_rows(DailyFlow, (*KEY, "entered", "exited"), rows)
    through = stocks_through()
    days, months = rollups.derive(flows.items(), through)
    insert_rows(GroupDay, rollups.GROUP_DAY_COLUMNS, ((*k, *v) for k, v in days.items()))
    insert_rows(GroupMonth, rollups.GROUP_MONTH_COLUMNS, ((*k, *v) for k, v in months.items()))
    mark.stocks_through = through
    mark.record_id, mark.refreshed_at = record_mark, timezone.now()
    mark.save()
    return RefreshResult(count, len(rows), record_mark)


def _recompute(*, write_tracks: bool = False) -> tuple[dict[FlowKey, list[int]], int]:
    flows: dict[FlowKey, list[int]] = defaultdict(lambda: [0, 0])
    batch: list[Track] = []
    count = 0
    for track in status_tracks():
        _add(flows, track, 1)
        count += 1
        if write_tracks:
            batch.append(track)
            if len(batch) >= 5000:
                _write_tracks(batch)
                batch = []
    if write_tracks:
        _write_tracks(batch)
    return flows, count


def _write_tracks(tracks: list[Track]) -> None:
    insert_rows(CertificateTrack, TRACK_COLUMNS, ((t.certificate_id, *t.key, encode(t.timeline)) for t in tracks))


@dataclass
class CheckResult:
    """What differs: flow rows (stored vs recomputed from the history), and today's stock per
    scheme, region and class (the statistics vs the certificate rows)."""

    on: dt.date
    flow_differences: list[dict] = field(default_factory=list)
    stock_differences: list[dict] = field(default_factory=list)
    rollup_differences: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.flow_differences and not self.stock_differences and not self.rollup_differences


def stats_check(*, on: dt.date | None = None, limit: int = 100) -> CheckResult:
    """Recompute from the rows and compare; writes nothing."""
    on = on or timezone.localdate()
    result = CheckResult(on)
    expected, _count = _recompute()
    stored = {tuple(r[:7]): (r[7], r[8]) for r in DailyFlow.objects.values_list(*KEY, "entered", "exited")
              .iterator(chunk_size=10000)}
    for key in sorted(set(expected) | set(stored), key=str):
        want = tuple(expected.get(key, (0, 0)))  # type: ignore[arg-type]
        have = stored.get(key, (0, 0))
        if want != tuple(have):
            result.flow_differences.append({"key": dict(zip(KEY, (str(k) for k in key), strict=True)),
                                            "stored": list(have), "history": list(want)})
            if len(result.flow_differences) >= limit:
                break
    # The dashboards' roll-ups, derived again from the history's flows.
    through = Watermark.objects.filter(name=MARK).values_list("stocks_through", flat=True).first()
    want_days, want_months = rollups.derive(expected.items(), through)
    have_days, have_months = rollups.stored()
    for table, want, have in (("day", want_days, have_days), ("month", want_months, have_months)):
        names = rollups.GROUP_DAY_COLUMNS if table == "day" else rollups.GROUP_MONTH_COLUMNS
        for key in sorted(set(want) | set(have), key=str):
            w, h = list(want.get(key, ())), list(have.get(key, ()))
            if w != h:
                result.rollup_differences.append({"table": table, "key": dict(zip(names, (str(k) for k in key),
                                                                                      strict=False)),
                                                  "stored": h, "history": w})
                if len(result.rollup_differences) >= limit:
                    break
    # Today's stock from the rows: the stored status, expiry applied as on read.
    rows: Counter[tuple[int, str, str]] = Counter()
    found = Certificate.objects.order_by().values_list("scheme_id", "region_code", "status", "expires_on")
    for scheme_id, region, status, expires_on in found.iterator(chunk_size=10000):
        cls = CLASS_OF[status]
        if cls in ("valid", "suspended") and expires_on < on:
            cls = "expired"
        rows[(scheme_id, region, cls)] += 1
    counted: Counter[tuple[int, str, str]] = Counter()
    sums = (DailyFlow.objects.filter(day__lte=on, status__in=STOCKS).values("scheme_id", "region_code", "status")
            .annotate(n=Sum("entered") - Sum("exited")))
    for r in sums:
        if r["n"]:
            counted[(r["scheme_id"], r["region_code"], r["status"])] = r["n"]
    # …and as the dashboards read it: the month-end stock of the roll-up plus the days since.
    from .selectors import Filters, _stocks

    dashboards: Counter[tuple[int, str, str]] = Counter()
    for r in _stocks(on, Filters(), ["scheme_id", "region_code"], Rollup.COUNTY, through):
        dashboards[(r["scheme_id"], r["region_code"], r["status"])] += r["n"] or 0
    for key in sorted(set(rows) | set(counted) | {k for k, v in dashboards.items() if v}, key=str):
        if not rows.get(key, 0) == counted.get(key, 0) == dashboards.get(key, 0):
            result.stock_differences.append({"scheme_id": key[0], "region_code": key[1], "status": key[2],
                                             "rows": rows.get(key, 0), "statistics": counted.get(key, 0),
                                             "dashboards": dashboards.get(key, 0)})
            if len(result.stock_differences) >= limit:
                break
    return result

