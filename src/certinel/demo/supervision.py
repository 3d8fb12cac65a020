"""The demo's random inspections and supervision sampling, each step through the services a
regulator uses:

* a directory of inspectors across the province (one with a declared conflict);
* a provincial plan on certification bodies, drawn months ago, every result published;
* a city plan on certified organizations, drawn and partly done: some results published, some
  recorded, and some overdue for publication (they show on the public overdue list);
* a provincial plan on labs, drawn, its inspections not yet begun (a lab's due commitment
  post-check can be added to it);
* a plan published and waiting for its random value (a drand round still in the future), so
  that its page shows that the draw cannot run yet;
* a provincial and a national sampling task with tested batches, one of which failed and
  suspended the producer's CCC certificates.

The random values of the past draws are fictional (marked 演示) and the draws are real: anyone
can replay them from the published inputs. Dates are counted back from the day the demo is
built, so that the time limits read the same whenever it is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from certinel.certificates.models import Certificate
from certinel.registry.models import CertificationBody, Lab, Organization
from certinel.supervision.choices import Outcome
from certinel.supervision.models import Plan
from certinel.supervision.services import plan_create, plan_draw, plan_enter_source, plan_publish
from certinel.supervision.services_inspections import (
    ItemFinding,
    follow_up_order,
    inspection_publish,
    inspection_record,
)
from certinel.supervision.services_inspectors import inspector_add
from certinel.supervision.services_sampling import batch_record, sampling_task_create, sampling_task_publish

from .context import Context

PROVINCE_AUTHORITY = "江苏省市场监督管理局"
CITY_AUTHORITY = "南京市市场监督管理局"
# drand's quicknet chain: a round every 3 seconds from its genesis (2023-08-23 15:09:27 UTC).
DRAND_GENESIS = dt.datetime(2023, 8, 23, 15, 9, 27, tzinfo=dt.UTC)
DRAND_PERIOD = 3
INSPECTOR_REGIONS = ("320102", "320104", "320105", "320106", "320111", "320200", "320300", "320400", "320500",
                     "320600", "320700", "320800", "320900", "321000")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


@dataclass
class SupervisionSummary:
    inspectors: int = 0
    plans: int = 0
    inspections: int = 0
    published: int = 0
    overdue: int = 0
    batches: int = 0


def _round_at(moment: dt.datetime) -> int:
    return int((moment - DRAND_GENESIS).total_seconds()) // DRAND_PERIOD + 1


def _round_time(number: int) -> dt.datetime:
    return DRAND_GENESIS + dt.timedelta(seconds=(number - 1) * DRAND_PERIOD)


def _source(moment: dt.datetime) -> tuple[str, dt.datetime]:
    number = _round_at(moment) + 1
    return f"drand quicknet 第 {number} 轮随机数 (drand quicknet round {number})", _round_time(number)


def _inspectors(ctx: Context, conflicted: str) -> int:
    n = 0
    for i in range(24):
        region = INSPECTOR_REGIONS[i % len(INSPECTOR_REGIONS)]
        name = SURNAMES[i % len(SURNAMES)] + ("明", "华", "强", "静", "磊", "敏")[i % 6] + "（演示）"
        inspector_add(actor=ctx.actor, code=f"JS-{i + 1:04d}", name=name, region_code=region,
                      fields=["certification" if i % 2 else "testing", "products"],
                      conflicts=[conflicted] if i == 3 else [])
        n += 1
    return n


def _drawn(ctx: Context, data: dict, *, drawn_days_ago: int, value: str) -> Plan:
    created = timezone.now() - dt.timedelta(days=drawn_days_ago + 7)
    description, after = _source(created + dt.timedelta(days=6))
    description += "（演示：随机值为虚构 / demo: a fictional value）"
    plan = plan_create(actor=ctx.actor, now=created, data=data | {"source_description": description,
                                                                  "source_available_after": after})
    plan = plan_publish(actor=ctx.actor, plan=plan, now=created + dt.timedelta(hours=1))
    plan = plan_enter_source(actor=ctx.actor, plan=plan, values=[value], now=after + dt.timedelta(minutes=5))
    return plan_draw(actor=ctx.actor, plan=plan, now=after + dt.timedelta(minutes=10))


def _record(ctx: Context, inspection, items: list[str], *, bad: bool, day: dt.date) -> None:
    findings = [ItemFinding(code, Outcome.CONFORMING) for code in items]
    summary = "未发现问题（演示数据）"
    if bad:
        findings[-1] = ItemFinding(items[-1], Outcome.NONCONFORMING, "部分认证证书使用超出认证范围（演示数据）")
        summary = "发现问题：证书使用超出认证范围，已责令限期整改（演示数据）"
    inspection_record(actor=ctx.actor, inspection=inspection, inspected_on=day, findings=findings, summary=summary)


def _body_plan(ctx: Context, today: dt.date, summary: SupervisionSummary) -> None:
    data = {"number": f"苏市监认抽〔{today.year}〕1号", "title": "认证机构“双随机、一公开”监督检查（演示数据）",
            "region_code": "32", "authority": PROVINCE_AUTHORITY, "subject_kind": "body",
            "items": ["CB-01", "CB-02", "CB-04"], "ratios": {"A": "5", "B": "20", "C": "60", "D": "100", "-": "20"},
            "starts_on": today - dt.timedelta(days=150), "ends_on": today - dt.timedelta(days=100)}
    plan = _drawn(ctx, data, drawn_days_ago=155, value="9f3c2a7d41e0b85c")
    summary.plans += 1
    for n, inspection in enumerate(plan.inspections.order_by("drawn_order")):
        day = plan.starts_on + dt.timedelta(days=5 + 4 * n)
        _record(ctx, inspection, plan.items, bad=n % 3 == 1, day=day)
        inspection_publish(actor=ctx.actor, inspection=inspection, on=min(inspection.publish_due, day + dt.timedelta(
            days=10)))
        summary.inspections += 1
        summary.published += 1


def _organization_plan(ctx: Context, today: dt.date, summary: SupervisionSummary) -> None:
    data = {"number": f"宁市监认抽〔{today.year}〕3号", "title": "获证组织认证证书使用情况抽查（演示数据）",
            "region_code": "3201", "authority": CITY_AUTHORITY, "subject_kind": "organization",
            "items": ["ORG-01", "ORG-03"], "ratios": {"A": "1", "B": "5", "C": "20", "D": "60", "-": "5"},
            "starts_on": today - dt.timedelta(days=70), "ends_on": today - dt.timedelta(days=35)}
    plan = _drawn(ctx, data, drawn_days_ago=75, value="41 07 19 33 52 08")
    summary.plans += 1
    inspections = list(plan.inspections.order_by("drawn_order"))
    for n, inspection in enumerate(inspections):
        summary.inspections += 1
        day = plan.starts_on + dt.timedelta(days=3 + n % 20)
        if n % 10 == 9:
            continue  # not inspected yet: overdue once its time limit passes
        bad = n % 5 == 2
        _record(ctx, inspection, plan.items, bad=bad, day=day)
        if bad:
            inspection.refresh_from_db()
            follow_up_order(actor=ctx.actor, inspection=inspection, kind="rectification",
                            details="责令30日内整改证书使用问题并提交整改报告（演示数据）",
                            due_on=today + dt.timedelta(days=30))
        if n % 10 == 8:
            continue  # recorded, not yet published
        if n % 10 == 7 and inspection.publish_due < today:
            inspection_publish(actor=ctx.actor, inspection=inspection, on=today,
                               late_reason="检查结果复核延期（演示数据）")
        else:
            inspection_publish(actor=ctx.actor, inspection=inspection, on=min(inspection.publish_due, today))
        summary.published += 1
    summary.overdue = sum(1 for i in plan.inspections.all() if i.status != "published" and i.publish_due < today)


def _lab_plan(ctx: Context, today: dt.date, summary: SupervisionSummary) -> None:
    """A provincial plan on labs, drawn a fortnight ago, its inspections not yet begun: the plan a
    regulator adds a lab's due commitment post-check to (qualification's post-check)."""
    data = {"number": f"苏市监检抽〔{today.year}〕1号", "title": "检验检测机构资质认定事中事后监督检查（演示数据）",
            "region_code": "32", "authority": PROVINCE_AUTHORITY, "subject_kind": "lab",
            "items": ["LAB-01", "LAB-02"], "ratios": {"A": "1", "B": "5", "C": "20", "D": "60", "-": "5"},
            "starts_on": today + dt.timedelta(days=3), "ends_on": today + dt.timedelta(days=45)}
    plan = _drawn(ctx, data, drawn_days_ago=14, value="6b1e09d2c47f3a58")
    summary.plans += 1
    summary.inspections += plan.inspections.count()


def _waiting_plan(ctx: Context, today: dt.date, summary: SupervisionSummary) -> None:
    now = timezone.now()
    description, after = _source(now + dt.timedelta(days=3))
    plan = plan_create(actor=ctx.actor, data={
        "number": f"苏市监检抽〔{today.year}〕2号", "title": "检验检测机构“双随机、一公开”监督检查（演示数据）",
        "region_code": "32", "authority": PROVINCE_AUTHORITY, "subject_kind": "lab",
        "items": ["LAB-01", "LAB-02"], "ratios": {"A": "1", "B": "5", "C": "20", "D": "60", "-": "5"},
        "starts_on": today + dt.timedelta(days=7), "ends_on": today + dt.timedelta(days=60),
        "source_description": description, "source_available_after": after}, now=now)
    plan_publish(actor=ctx.actor, plan=plan, now=now)
    summary.plans += 1


def _sampling(ctx: Context, today: dt.date, summary: SupervisionSummary) -> None:
    labs = list(Lab.objects.filter(status="valid").order_by("id")[:3])
    if not labs:
        return
    ccc_holders = list(Organization.objects.filter(
        id__in=Certificate.objects.filter(scheme__code="CCC", status="valid").values("holder_id"))
        .order_by("id")[:12])
    others = list(Organization.objects.filter(region_code__startswith="32").exclude(
        id__in=[o.pk for o in ccc_holders]).order_by("id")[:8])
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    tasks = [
        (sampling_task_create(actor=ctx.actor, number=f"苏监抽〔{today.year}〕12号",
                              title="电器产品省级监督抽查（演示数据）", level="provincial", region_code="32",
                              authority=PROVINCE_AUTHORITY, product="小家电产品", period=quarter), ccc_holders),
        (sampling_task_create(actor=ctx.actor, number=f"国监抽〔{today.year}〕5号",
                              title="纺织服装国家监督抽查（演示数据）", level="national", region_code="",
                              authority="国家市场监督管理总局", product="纺织服装", period=quarter), others),
    ]
    for t, (task, producers) in enumerate(tasks):
        if not producers:
            continue
        for n, producer in enumerate(producers):
            fail = (t == 0 and n == 2) or (t == 1 and n in (1, 5))
            batch_record(actor=ctx.actor, task=task, data={
                "uscc": producer.uscc, "product_name": task.product, "model": f"M-{n + 10}", "batch_no":
                f"{today:%Y%m}-{n + 1:03d}", "lot_size": 800 + 150 * n, "inspection_level": "II", "aql": "2.5",
                "severity": "normal", "sampled_on": today - dt.timedelta(days=30 - n),
                "tested_on": today - dt.timedelta(days=20 - n), "lab": labs[n % len(labs)].uscc,
                "report_no": f"JC{today:%Y}{t + 1}{n + 1:04d}", "nonconforming": 9 if fail else n % 3,
                "failed_items": "输入功率和电流、标志和说明（演示数据）" if fail else "",
                "signed_by": "周处长（演示）"})
            summary.batches += 1
        sampling_task_publish(actor=ctx.actor, task=task)


def make_supervision(ctx: Context) -> SupervisionSummary:
    summary = SupervisionSummary()
    if not CertificationBody.objects.exists():
        return summary
    today = timezone.localdate()
    conflicted = CertificationBody.objects.order_by("id").values_list("uscc", flat=True).first() or ""
    summary.inspectors = _inspectors(ctx, conflicted)
    _body_plan(ctx, today, summary)
    _organization_plan(ctx, today, summary)
    _lab_plan(ctx, today, summary)
    _waiting_plan(ctx, today, summary)
    _sampling(ctx, today, summary)
    return summary
