"""The figures of a region's report for a period, computed once from the stats app and the
supervision app into a plain JSON document (the report's content).

* statistics: valid (and suspended, withdrawn, expired) certificates at the period's end by
  scheme family, and the new, suspended, withdrawn and expired certificates in the period
  (`stats.selectors.counts_by`, `flows`);
* targets: each target of the region with its actual figure, progress, forecast and responsible
  units (`stats.targets.progress`, as on the period's last day), and the units' own progress
  reports dated up to that day;
* supervision: random inspections whose results were published in the period (by outcome) and
  the supervision sampling pass rates of the period's tasks against their targets
  (`supervision.selectors.pass_rates`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from certinel.core.regions import within_region

FORMAT = "certinel-assessment-report/1"
_PERIOD = re.compile(r"^(\d{4})(?:Q([1-4]))?$")
_REGION = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Period:
    code: str  # 2026Q3 or 2026
    start: dt.date
    end: dt.date

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.code

    def sampling_periods(self, found: set[str]) -> list[str]:
        """The sampling tasks' periods (2026Q3, 2026) that fall in this period."""
        year = self.code[:4]
        if self.is_quarter:
            return sorted(p for p in found if p == self.code)
        return sorted(p for p in found if p == year or (p.startswith(year + "Q") and len(p) == 6))


def parse_period(text: str) -> Period | None:
    m = _PERIOD.match((text or "").strip().upper())
    if not m:
        return None
    year = int(m.group(1))
    if year < 1990 or year > 2999:
        return None
    if m.group(2):
        q = int(m.group(2))
        start = dt.date(year, 3 * q - 2, 1)
        nxt = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
        return Period(f"{year}Q{q}", start, nxt - dt.timedelta(days=1))
    return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))


def previous_quarter(day: dt.date) -> Period:
    q = (day.month - 1) // 3 + 1
    year, q = (day.year - 1, 4) if q == 1 else (day.year, q - 1)
    found = parse_period(f"{year}Q{q}")
    assert found is not None
    return found


def valid_region(code: str) -> bool:
    return bool(_REGION.match(code or "")) and code != "000000"


def canonical(value: Any) -> bytes:
    """Canonical JSON: keys sorted, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_plain).encode("utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def region_name(code: str) -> dict[str, str]:
    from certinel.reference.models import Region

    found = Region.objects.current().filter(code=code).values_list("name", "name_en").first()
    return {"name": found[0], "name_en": found[1] or ""} if found else {"name": "", "name_en": ""}


def statistics(region: str, period: Period) -> dict[str, Any]:
    from certinel.stats import selectors as sel

    filters = sel.Filters(region=region)
    grain = "quarter" if period.is_quarter else "year"
    totals = sel.counts(on=period.end, filters=filters)
    flow_rows = sel.flows(start=period.start, end=period.end, period=grain, filters=filters)
    flow_totals = {k: sum(r[k] for r in flow_rows) for k in sel.FLOWS}
    by_family_flows = {r["family"]: r for r in sel.flows(start=period.start, end=period.end, period=grain,
                                                          by=("family",), filters=filters)}
    by_family = []
    stocks = {r["family"]: r for r in sel.counts_by(on=period.end, by=("family",), filters=filters)}
    for family in sorted(set(stocks) | set(by_family_flows)):
        stock, flow = stocks.get(family, {}), by_family_flows.get(family, {})
        by_family.append({"family": family, **{k: stock.get(k, 0) for k in ("valid", "suspended", "withdrawn",
                                                                              "expired")},
                          **{f"{k}_in_period": flow.get(k, 0) for k in sel.FLOWS}})
    return {"on": period.end.isoformat(), "at_end": totals, "in_period": flow_totals, "by_family": by_family}


def targets(region: str, period: Period, today: dt.date) -> list[dict[str, Any]]:
    from certinel.stats.models import ProgressReport
    from certinel.stats.targets import progress, targets_in_force

    on = min(period.end, today)
    out = []
    for target in sorted(targets_in_force(on=on, region=region), key=lambda t: t.id):
        row = progress(target, today=on)
        reports = (ProgressReport.objects.filter(target_id=target.id, as_of__lte=on).order_by("as_of", "id")
                   .values("unit", "as_of", "figure", "narrative", "attachment"))
        row["unit_reports"] = [{"unit": r["unit"], "as_of": r["as_of"], "figure": r["figure"],
                                "narrative": r["narrative"],
                                "attachment_sha256": (r["attachment"] or {}).get("sha256", "")} for r in reports]
        out.append(row)
    return out


def supervision(region: str, period: Period) -> dict[str, Any]:
    from certinel.stats.selectors import region_prefix
    from certinel.supervision import policy
    from certinel.supervision.choices import InspectionStatus
    from certinel.supervision.models import Inspection
    from certinel.supervision.selectors import pass_rates

    prefix = region_prefix(region)
    published = Inspection.objects.filter(
        within_region(prefix, "plan__region_code"), status=InspectionStatus.PUBLISHED,
        published_on__gte=period.start, published_on__lte=period.end)
    outcomes: dict[str, int] = {}
    for outcome in published.values_list("outcome", flat=True):
        outcomes[outcome or ""] = outcomes.get(outcome or "", 0) + 1
    late = published.exclude(late_reason="").count()
    rates = pass_rates(by=("level", "period"), region=prefix)
    wanted = set(period.sampling_periods({r.period for r in rates}))
    sampling = []
    for level in ("national", "provincial"):
        mine = [r for r in rates if r.level == level and r.period in wanted]
        batches, passed = sum(r.batches for r in mine), sum(r.passed for r in mine)
        rule = policy.target(level=level, region_code=region)
        target = rule.min_pass_percent if rule else None
        rate = (Decimal(passed) * 100 / batches).quantize(Decimal("0.1")) if batches else None
        sampling.append({"level": level, "periods": sorted({r.period for r in mine}), "batches": batches,
                         "passed": passed, "rate": rate, "target": target,
                         "target_source": rule.source if rule else "",
                         "meets_target": None if rate is None or target is None else rate >= target})
    return {"inspections": {"published": sum(outcomes.values()), "by_outcome": dict(sorted(outcomes.items())),
                            "published_late": late},
            "sampling": sampling}


def figures(region: str, period: Period, *, today: dt.date | None = None) -> dict[str, Any]:
    """The report's figures (without when it was generated): what decides whether a new
    version is needed."""
    today = today or timezone.localdate()
    return json.loads(canonical({
        "format": FORMAT,
        "region": {"code": region, **region_name(region)},
        "period": {"code": period.code, "start": period.start, "end": period.end},
        "as_of": min(period.end, today),
        "statistics": statistics(region, period),
        "targets": targets(region, period, today),
        "supervision": supervision(region, period),
    }))
