"""The public supervision pages through real requests, with data built through the services:
published plans and their filters, a plan's page with its downloads (which replay to the
published result), a subject's published results, results past their time limit and the pass
rates of supervision sampling; nothing private (an inspector's name, an item's findings, a
follow-up measure) ever shows, and unknown plans and subjects are 404s."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from certinel.core.actor import Actor
from certinel.core.testing.builders import build_lab, build_org
from certinel.core.workdays import working_days_between
from certinel.registry.models import Organization
from certinel.supervision import draw
from certinel.supervision.models import Inspection, Plan, SampleBatch, SamplingTask
from certinel.supervision.services import plan_create, plan_publish
from certinel.supervision.services_inspections import (
    ItemFinding,
    follow_up_order,
    inspection_publish,
    inspection_record,
)
from certinel.supervision.services_sampling import batch_record, sampling_task_create, sampling_task_publish

from .factories import TODAY, drawn_plan, inspectors, orgs, plan_data, regulator

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
FINDING = "宣传册中超范围使用认证标志（不公开的检查发现）"
MEASURE = "责令三十日内整改宣传材料（不公开的措施）"
SUMMARY = "发现认证标志使用不规范，已责令整改"


@dataclass
class World:
    actor: Actor
    plan: Plan
    published: Inspection
    late_plan: Plan
    waiting: Plan
    draft: Plan
    task: SamplingTask
    open_task: SamplingTask
    names: list[str]
    clean: Organization


def sampling_task(
    actor: Actor, number: str, title: str, lab, batches: list[tuple[Organization, int]], first: int = 1
) -> SamplingTask:
    """A provincial sampling task of kettles with a batch of each producer (and the
    nonconforming units found in it)."""
    task = sampling_task_create(
        actor=actor,
        number=number,
        title=title,
        level="provincial",
        region_code="32",
        authority="江苏省市场监督管理局",
        product="电热水壶",
        period="2026Q3",
        product_codes=["0705"],
    )
    for n, (maker, bad) in enumerate(batches, start=first):
        _batch(actor, task, maker, lab, n, bad)
    return task


def _batch(actor: Actor, task: SamplingTask, org: Organization, lab, n: int, nonconforming: int) -> SampleBatch:
    return batch_record(
        actor=actor,
        task=task,
        data={
            "uscc": org.uscc,
            "product_name": "电热水壶",
            "model": f"K-{n}",
            "batch_no": f"B{n:04d}",
            "lot_size": 1000,
            "inspection_level": "II",
            "aql": "2.5",
            "severity": "normal",
            "sampled_on": TODAY - dt.timedelta(days=20),
            "lab": lab.uscc,
            "report_no": f"JC2026-{n:04d}",
            "tested_on": TODAY - dt.timedelta(days=10),
            "nonconforming": nonconforming,
            "failed_items": "耐热性" if nonconforming else "",
        },
    )


def build_world() -> World:
    reg = regulator("32")
    orgs(6)
    team = inspectors(reg, 4)
    plan = drawn_plan(
        reg, ratios={"A": "5", "B": "20", "C": "60", "D": "100", "-": "50"}, title="2026年获证组织双随机抽查"
    )
    first = plan.inspections.order_by("drawn_order").first()
    assert first is not None
    first = inspection_record(
        actor=reg,
        inspection=first,
        inspected_on=plan.starts_on,
        summary=SUMMARY,
        findings=[ItemFinding("ORG-01", "conforming"), ItemFinding("ORG-02", "nonconforming", FINDING)],
    )
    follow_up_order(
        actor=reg, inspection=first, kind="rectification", details=MEASURE, due_on=TODAY + dt.timedelta(days=30)
    )
    first = inspection_publish(actor=reg, inspection=first)
    # A plan whose results are past their time limit: one published late with its reason.
    late_plan = drawn_plan(
        reg,
        ratios={"-": "20"},
        starts_on=TODAY - dt.timedelta(days=120),
        ends_on=TODAY - dt.timedelta(days=90),
        region_code="3201",
        authority="南京市市场监督管理局",
        title="南京市获证组织双随机抽查",
    )
    late = late_plan.inspections.first()
    assert late is not None
    late = inspection_record(
        actor=reg,
        inspection=late,
        inspected_on=late_plan.starts_on,
        summary="未发现问题",
        findings=[ItemFinding("ORG-01", "conforming"), ItemFinding("ORG-02", "conforming")],
    )
    inspection_publish(actor=reg, inspection=late, late_reason="系统升级，延迟公示")
    waiting = plan_publish(actor=reg, plan=plan_create(actor=reg, data=plan_data(title="待抽取的抽查计划")))
    draft = plan_create(actor=reg, data=plan_data(title="尚未公布的草稿计划"))
    # Supervision sampling: a published task (one batch failed) and an open one.
    lab = build_lab(region_code="320105")
    makers = [build_org(region_code="320106") for _ in range(3)]
    task = sampling_task(
        reg, "JS-CC-2026-01", "2026年电热水壶省级监督抽查", lab, list(zip(makers, (0, 0, 9), strict=True))
    )
    sampling_task_publish(actor=reg, task=task)
    open_task = sampling_task(reg, "JS-CC-2026-02", "尚未公布的抽查任务", lab, [(makers[0], 0)], first=9)
    drawn = {i.uscc for i in Inspection.objects.all()}
    clean = next(o for o in Organization.objects.order_by("id") if o.uscc not in drawn)
    return World(reg, plan, first, late_plan, waiting, draft, task, open_task, [i.name for i in team], clean)


@pytest.fixture
def world() -> World:
    return build_world()


def get(path: str, lang: str = "zh-hans", **params):
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client.get(path, params)


def page(path: str, lang: str = "zh-hans", **params) -> str:
    response = get(path, lang, **params)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


PUBLIC = ("/supervision/", "/supervision/overdue/", "/supervision/pass-rates/")


def public_pages(world: World) -> list[str]:
    return [
        *PUBLIC,
        f"/supervision/plans/{world.plan.number}/",
        f"/supervision/plans/{world.late_plan.number}/",
        f"/supervision/plans/{world.waiting.number}/",
        f"/supervision/subject/{world.published.uscc}/",
        f"/supervision/plans/{world.plan.number}/inputs.json",
        f"/supervision/plans/{world.plan.number}/result.json",
    ]


# --- Published plans -----------------------------------------------------------------------------


def test_the_list_shows_published_plans_with_counts_and_never_drafts(world):
    html = page("/supervision/")
    for plan in (world.plan, world.late_plan, world.waiting):
        assert f'href="/supervision/plans/{plan.number}/"' in html
    assert world.draft.number not in html and "尚未公布的草稿计划" not in html
    assert "江苏省市场监督管理局" in html and "获证组织" in html
    assert 'href="/supervision/pass-rates/"' in html and 'href="/supervision/overdue/"' in html


def test_the_list_filters_by_region_and_year(world):
    html = page("/supervision/", region="3201")
    assert world.late_plan.number in html and world.plan.number not in html
    html = page("/supervision/", year=str(world.plan.starts_on.year + 1))
    assert world.plan.number not in html and "没有符合条件的已公布抽查计划" in html
    bad = page("/supervision/", region="3x")
    assert "区划代码应为两位" in bad and world.plan.number not in bad


def test_the_list_has_a_box_of_results_overdue(world):
    overdue = Inspection.objects.filter(plan=world.late_plan).exclude(status="published")
    html = page("/supervision/")
    assert overdue.exists() and "逾期未公示" in html
    assert overdue.first().subject_name in html


def test_a_plans_page_shows_what_was_published_and_the_drawn_subjects(world):
    plan = world.plan
    html = page(f"/supervision/plans/{plan.number}/")
    assert plan.title in html and plan.directory_hash in html and plan.result_hash in html
    assert "drand quicknet round 12345678" in html and "a1b2c3d4e5f6" in html
    assert "《认证认可条例》第二十九条" in html and "ORG-02" in html and "重点检查事项" in html
    assert plan.rules in html
    for inspection in plan.inspections.all():
        assert inspection.subject_name in html and inspection.uscc in html
        # Neither its inspectors nor its stratum (a credit class) are public.
        for code in inspection.inspectors:
            assert code not in html
    assert SUMMARY in html and TODAY.isoformat() in html
    assert "certinel draw replay --published inputs.json --expect result.json" in html
    assert 'id="rerun"' in html and "supervision/replay.js" in html
    assert f'href="/supervision/subject/{world.published.uscc}/"' in html


def test_a_plan_waiting_for_its_random_value_has_inputs_and_no_result(world):
    plan = world.waiting
    html = page(f"/supervision/plans/{plan.number}/")
    assert "尚未产生" in html and "随机值产生后录入" in html and 'id="rerun"' not in html
    assert get(f"/supervision/plans/{plan.number}/inputs.json").status_code == 200
    assert get(f"/supervision/plans/{plan.number}/result.json").status_code == 404


def test_a_plans_page_names_late_publications_with_their_reason(world):
    html = page(f"/supervision/plans/{world.late_plan.number}/")
    assert "系统升级，延迟公示" in html and "逾期公示" in html


def test_the_downloads_replay_to_the_published_result(world):
    plan = world.plan
    inputs = get(f"/supervision/plans/{plan.number}/inputs.json")
    result = get(f"/supervision/plans/{plan.number}/result.json")
    for response, what in ((inputs, "inputs"), (result, "result")):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response["Content-Disposition"] == f'attachment; filename="{plan.number}-{what}.json"'
    published = json.loads(inputs.content)
    assert published["sources"] == ["a1b2c3d4e5f6"] and published["plan"] == plan.number
    assert draw.dumps(draw.replay(published)).encode() == result.content
    assert hashlib.sha256(result.content).hexdigest() == plan.result_hash
    # Nothing personal in the inputs: inspectors by code only.
    assert not any(name in inputs.content.decode() for name in world.names)


def test_unknown_and_unpublished_plans_are_not_found(world):
    for path in (
        "/supervision/plans/NO-SUCH-PLAN/",
        "/supervision/plans/NO-SUCH-PLAN/inputs.json",
        f"/supervision/plans/{world.draft.number}/",
        f"/supervision/plans/{world.draft.number}/inputs.json",
        f"/supervision/plans/{world.draft.number}/result.json",
    ):
        assert get(path).status_code == 404, path


# --- Subjects, overdue results, pass rates ---------------------------------------------------


def test_a_subjects_page_shows_its_published_results(world):
    inspection = world.published
    html = page(f"/supervision/subject/{inspection.uscc}/")
    assert inspection.subject_name in html and SUMMARY in html and world.plan.number in html
    assert "发现问题" in html and "ORG-02" in html


def test_a_registered_subject_without_results_says_so_and_unknown_codes_are_not_found(world):
    html = page(f"/supervision/subject/{world.clean.uscc}/")
    assert world.clean.name in html and "没有公示的抽查结果" in html
    assert get("/supervision/subject/NOT-A-CODE/").status_code == 404
    unknown = world.clean.uscc[:-1] + ("0" if world.clean.uscc[-1] != "0" else "1")
    assert get(f"/supervision/subject/{unknown}/").status_code == 404
    assert get("/supervision/subject/91320000MA00000000/").status_code == 404


def test_the_overdue_page_counts_working_days_late(world):
    html = page("/supervision/overdue/")
    rows = Inspection.objects.filter(plan=world.late_plan).exclude(status="published")
    assert rows.exists()
    for inspection in rows:
        assert inspection.subject_name in html
        days = working_days_between(inspection.publish_due, TODAY)
        assert f'<td class="sv-num" data-label="逾期工作日">{days}</td>' in html


def test_pass_rates_by_level_and_by_period_with_their_target(world):
    html = page("/supervision/pass-rates/")
    assert "66.7 %" in html and "≥ 95 %" in html and "未达到目标" in html and "苏政发〔2012〕91号" in html
    assert "2026年电热水壶省级监督抽查" in html and "JC2026-0003" in html and "耐热性" in html
    assert "尚未公布的抽查任务" not in html and "JC2026-0009" not in html
    by_period = page("/supervision/pass-rates/", by="period")
    assert (
        "2026Q3" in by_period
        and "按抽查级别分组时显示目标" in by_period
        and "省级监督抽查" not in by_period.split('id="rates"')[1].split("</table>")[0]
    )
    bad = get("/supervision/pass-rates/", by="colour")
    assert bad.status_code == 200 and "筛选条件有误" in bad.content.decode()


# --- Nothing private, both languages, navigation ------------------------------------------


def test_no_public_page_shows_names_findings_or_measures(world):
    for path in public_pages(world):
        text = get(path).content.decode()
        for private in (FINDING, MEASURE, *world.names):
            assert private not in text, (path, private)


def test_the_pages_in_english_have_no_chinese_words_of_their_own(world):
    from django.apps import apps

    from certinel.portal.tests.test_english import Data, _strings, texts_of
    from certinel.supervision import policy

    # What the register holds is data (names, titles, summaries, the reference lists' names
    # without an English one) and so are the rules' legal sources.
    values = [i.basis for i in policy.items()] + [t.source for t in policy._targets()]
    for model in apps.get_models():
        if model._meta.app_label in {"supervision", "registry", "reference"}:
            values += _strings(model, translated_names=False)
    data = Data(values)
    problems = []
    for path in [p for p in public_pages(world) if not p.endswith(".json")] + [
        f"/supervision/subject/{world.clean.uscc}/",
        "/supervision/pass-rates/?by=period",
    ]:
        html = page(path, "en")
        assert ">Random inspections</a>" in html, path
        for text in texts_of(html):
            left = data.uncovered(text) if CJK.search(text) else ""
            if left and text != "中文" and "简体中文" not in text:
                problems.append(f"{path}: {text[:120]!r} ({left})")
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_the_pages_in_english(world):
    assert "Random inspections" in page("/supervision/", "en")
    html = page(f"/supervision/plans/{world.plan.number}/", "en")
    assert "Re-run the draw in your browser" in html and "Drawn subjects" in html
    assert "Certified products match their certificates" in html or "Whether certified products match" in html
    assert "Pass rates of supervision sampling" in page("/supervision/pass-rates/", "en")
    assert "Results overdue for publication" in page("/supervision/overdue/", "en")


def test_the_navigation_links_the_random_inspections(world):
    html = page("/")
    assert '<a href="/supervision/">双随机抽查</a>' in html
    assert '<a href="/supervision/" aria-current="page">双随机抽查</a>' in page("/supervision/pass-rates/")


def test_the_directory_download_and_the_rules_page(world):
    plan = world.plan
    got = get(f"/supervision/plans/{plan.number}/directory.json")
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment;")
    directory = json.loads(got.content)
    inputs = json.loads(get(f"/supervision/plans/{plan.number}/inputs.json").content)
    # The pools hold exactly the directory, and say nothing about which subject is in which.
    assert directory["size"] == sum(len(s["pool"]) for s in inputs["strata"]) > 0
    assert {s["uscc"] for s in directory["subjects"]} == set(plan.directory.members.values())
    assert "stratum" not in got.content.decode()
    html = get("/supervision/rules/").content.decode()
    assert "ORG-02" in html and "国发〔2019〕5号" in html and "苏政发〔2012〕91号" in html
    assert get("/supervision/plans/NOPE/directory.json").status_code == 404
