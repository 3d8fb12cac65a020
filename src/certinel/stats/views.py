"""The dashboards, mounted at /stats/: the province's overview (public), a body's own view
(its operators; regulators of its region), and the sampling pass rates against the targets.
Every chart is drawn (static/stats/charts.js) from the table beside it, which holds the same
numbers in HTML, with its CSV and Excel downloads from the open API."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation

from certinel.accounts.models import Role
from certinel.accounts.permissions import can
from certinel.reference.models import Region
from certinel.registry.models import CertificationBody

from . import selectors as sel
from .api import refreshed_at
from .targets import targets_progress

DEFAULT_REGION = "320000"


def region_names(codes: list[str]) -> dict[str, str]:
    english = translation.get_language() == "en"
    out = {}
    for code, name, name_en in Region.objects.current().filter(code__in=codes).values_list("code", "name", "name_en"):
        out[code] = (name_en or name) if english else name
    return out


def downloads(dataset: str, **params: Any) -> dict[str, str]:
    base = reverse("api-v1:stats_download", kwargs={"dataset": dataset})
    query = {k: v for k, v in params.items() if v not in ("", None)}
    return {fmt: f"{base}?{urlencode({**query, 'format': fmt})}" for fmt in ("csv", "xlsx")}


def _months_back(today: dt.date, months: int) -> dt.date:
    year, month = today.year, today.month - months + 1
    while month <= 0:
        month += 12
        year -= 1
    return dt.date(year, month, 1)


def overview(request: HttpRequest) -> HttpResponse:
    region = request.GET.get("region", "") or DEFAULT_REGION
    if len(region) != 6 or not region.isdigit():
        raise Http404
    today = timezone.localdate()
    filters = sel.Filters(region=region)
    targets = targets_progress(region=region, today=today)
    for t in targets:
        t["bar"] = min(100.0, t["percent"] or 0.0)
    start = _months_back(today, 24)
    trend = sel.valid_trend(start=start, end=today, filters=filters)
    # The region's breakdown: a province by city, a city (or a county) by county; each row
    # leads one level down. Sorted by valid certificates, largest first.
    level = "city" if len(sel.region_prefix(region)) == 2 else "county"
    regions = sel.counts_by(on=today, by=(level,), filters=filters)
    regions.sort(key=lambda r: (-r["valid"], r[level]))
    up = [code for code in (sel.province_of(region), sel.city_of(region)) if code != region]
    names = region_names([r[level] for r in regions] + [region, *up])
    for r in regions:
        r["code"], r["name"] = r[level], names.get(r[level], r[level])
        r["drill"] = r["code"] != region
    totals = sel.counts(on=today, filters=filters)
    return render(request, "stats/overview.html", {
        "region": region, "region_name": names.get(region, region), "today": today, "totals": totals,
        "targets": targets, "trend": trend, "regions": regions, "level": level, "refreshed_at": refreshed_at(),
        "up": [{"code": code, "name": names.get(code, code)} for code in up],
        "downloads": {"targets": downloads("targets", region=region),
                      "trend": downloads("trend", region=region, start=start.isoformat(), end=today.isoformat()),
                      "regions": downloads("counts", region=region, by=level, on=today.isoformat())},
    })


def _body_for(request: HttpRequest) -> CertificationBody:
    user = request.user
    code = request.GET.get("body", "")
    if not code and getattr(user, "role", "") == Role.CB_OPERATOR and user.body_id:  # type: ignore[union-attr]
        return CertificationBody.objects.get(pk=user.body_id)  # type: ignore[union-attr]
    body = CertificationBody.objects.filter(approval_no=code).first() if code else None
    if body is None:
        raise Http404
    mine = getattr(user, "role", "") == Role.CB_OPERATOR and user.body_id == body.pk  # type: ignore[union-attr]
    if not mine and not can(user, "view", "warning", region_code=body.region_code):  # type: ignore[arg-type]
        raise PermissionDenied
    return body


@login_required
def body_view(request: HttpRequest) -> HttpResponse:
    from certinel.cases.models import RiskWarning
    from certinel.certificates.choices import TRANSFER_EVENTS
    from certinel.certificates.trail import PREFIX, body_event_records, reported_event
    from certinel.core.models import Via

    body = _body_for(request)
    today = timezone.localdate()
    start = _months_back(today, 12)
    filters = sel.Filters(body_id=body.pk)
    by_scheme = sel.counts_by(on=today, by=("scheme",), filters=filters)
    flows = sel.flows(start=start, end=today, period="month", by=("scheme",), filters=filters)
    schemes = sorted({r["scheme"] for r in flows})
    months = [sel.period_of(d, "month") for d in sel.month_ends(start=start, end=today)]
    new = {(r["period"], r["scheme"]): r["new"] for r in flows}
    monthly = [{"month": m, "counts": [new.get((m, s), 0) for s in schemes],
                "total": sum(new.get((m, s), 0) for s in schemes)} for m in months]
    # Reporting lag, as the reporting_lag warning rule counts it: events the body reported
    # (not the register's own, not transfers) more than the deadline after they happened.
    deadline = settings.CERTINEL_REPORTING_DEADLINE_DAYS
    # An event is reported on or after the day it happened: its record is no older than that.
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    records = (body_event_records(body.pk).filter(time__gte=since)
               .exclude(via=Via.TASK).exclude(action__in=[PREFIX + kind for kind in TRANSFER_EVENTS]).order_by())
    lags: dict[str, dict[str, Any]] = {m: {"month": m, "events": 0, "late": 0, "mean": None} for m in months}
    delays: dict[str, list[int]] = {}
    for record in records.only("id", "leaf", "legacy_event").iterator(chunk_size=2000):
        event = reported_event(record)
        if event is None or event["occurred_on"] < start.isoformat():
            continue
        delays.setdefault(event["occurred_on"][:7], []).append(event["delay_days"])
    for m, found in delays.items():
        if m in lags:
            lags[m].update(events=len(found), late=sum(1 for d in found if d > deadline),
                           mean=round(sum(found) / len(found), 1))
    warnings = RiskWarning.objects.filter(body_id=body.pk, status="open").count()
    return render(request, "stats/body.html", {
        "body": body, "today": today, "by_scheme": by_scheme, "schemes": schemes, "monthly": monthly,
        "lags": list(lags.values()), "deadline": deadline, "warnings": warnings, "refreshed_at": refreshed_at(),
        "downloads": {"by_scheme": downloads("counts", body=body.approval_no, by="scheme", on=today.isoformat()),
                      "monthly": downloads("flows", body=body.approval_no, by="scheme", start=start.isoformat(),
                                           end=today.isoformat())},
    })


def sampling(request: HttpRequest) -> HttpResponse:
    from certinel.supervision.selectors import pass_rates

    rates = pass_rates(by=("level", "period"))
    rows = [{"period": r.period, "level": r.level, "batches": r.batches, "passed": r.passed,
             "rate": r.rate, "target": r.target, "meets": r.meets_target} for r in rates]
    periods = sorted({r["period"] for r in rows})
    by = {(r["period"], r["level"]): r for r in rows}
    table = [{"period": p, "national": by.get((p, "national")), "provincial": by.get((p, "provincial"))}
             for p in periods]
    targets = [t for t in targets_progress(region=DEFAULT_REGION) if t["measure"] == "pass_rate"]
    level_target = {t["indicator"]["level"]: t["target"] for t in targets}
    return render(request, "stats/sampling.html", {
        "table": table, "targets": targets, "csv": reverse("supervision:pass_rates"),
        "national_target": level_target.get("national", ""), "provincial_target": level_target.get("provincial", ""),
        "downloads": downloads("pass_rates"),
    })
