"""Supervision sampling through the services: tasks, batches judged by their ISO 2859-1 plan,
a failed batch suspending the producer's CCC certificates (and telling its watchers), pass
rates against the targets. Every step allowed and refused. Given / when / then."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core import mail

from certinel.accounts.models import Role
from certinel.certificates import services as certificates
from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from certinel.core.history import history_for
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_lab, build_org, build_user, certificate_data
from certinel.reference.generators import make_ccc_number
from certinel.registry import services as registry
from certinel.supervision.choices import SampleResult
from certinel.supervision.selectors import pass_rates
from certinel.supervision.services_sampling import batch_record, sampling_task_create, sampling_task_publish
from certinel.watch import services as watch

from .factories import TODAY, regulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    reg = regulator("32")
    lab = build_lab(region_code="320102")
    producer = build_org(region_code="320102", name="测试小家电制造有限公司")
    body = body_with_scopes(schemes=(), ccc_products=("0701",))
    # Committed as a request's would be (its watchers' batch is sent, and the next change's is new).
    with django_capture_on_commit_callbacks(execute=True):
        ccc = certificates.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(
            holder=producer, scheme="CCC", number=make_ccc_number(random.Random(3), product_code="0701"),
            scope_codes=["0701"], expires_on=TODAY + dt.timedelta(days=1500)))
    task = sampling_task_create(actor=reg, number="苏监抽〔2026〕1号", title="小家电省级监督抽查", level="provincial",
                                region_code="32", authority="江苏省市场监督管理局", product="小家电",
                                period="2026Q4", product_codes=["0701"])
    return {"reg": reg, "lab": lab, "producer": producer, "ccc": ccc, "task": task}


def batch(world, n: int, *, nonconforming: int, producer=None, lab=None, **kw):
    producer = producer or world["producer"]
    data = {"uscc": producer.uscc, "product_name": "电热水壶", "batch_no": f"B{n:03d}", "lot_size": 1000,
            "inspection_level": "II", "aql": "2.5", "sampled_on": TODAY - dt.timedelta(days=10),
            "tested_on": TODAY - dt.timedelta(days=3), "lab": (lab or world["lab"]).uscc,
            "report_no": f"R{n:04d}", "nonconforming": nonconforming, "signed_by": "周处长"} | kw
    return batch_record(actor=world["reg"], task=world["task"], data=data)


def test_a_batch_is_judged_by_its_sampling_plan(world):
    passed = batch(world, 1, nonconforming=5, producer=build_org(region_code="320104"))
    assert (passed.code_letter, passed.sample_size, passed.accept, passed.reject) == ("J", 80, 5, 6)
    assert passed.result == SampleResult.PASS and passed.suspended == []
    assert [r.action for r in history_for(passed)] == ["sampling_batch_recorded"]


def test_a_failed_batch_suspends_the_ccc_certificates_and_tells_the_watchers(world, settings,
                                                                            django_capture_on_commit_callbacks):
    settings.CERTINEL_WATCH_SEND_INLINE = True  # the e-mail goes out in the request, not from the courier
    buyer = Actor.for_user(build_user(Role.ORG_USER, organization=build_org()))
    watchlist, _secret = watch.watchlist_create(actor=buyer, name="供应商", email="buyer@example.com")
    watch.watch_item_add(actor=buyer, watchlist=watchlist, uscc=world["producer"].uscc)
    with django_capture_on_commit_callbacks(execute=True):
        failed = batch(world, 2, nonconforming=6, failed_items="输入功率和电流")
    assert failed.result == SampleResult.FAIL and failed.suspended == [world["ccc"].number]
    world["ccc"].refresh_from_db()
    assert world["ccc"].status == "suspended"
    assert "苏监抽〔2026〕1号" in world["ccc"].status_reason
    assert any(world["ccc"].number in m.body for m in mail.outbox)


def test_bad_batches_are_refused_with_every_reason(world):
    with pytest.raises(ValidationFailed) as exc:
        batch(world, 3, nonconforming=-1, lot_size=0, lab=build_lab(region_code="320102"), uscc="91320000000000000X",
              tested_on=TODAY + dt.timedelta(days=1))
    fields = {e.field for e in exc.value.errors}
    assert {"nonconforming", "lot_size", "uscc", "tested_on"} <= fields
    suspended = registry.lab_suspend(actor=SYSTEM, lab=build_lab(region_code="320102"), reason="资质暂停")
    with pytest.raises(ValidationFailed) as exc:
        batch(world, 4, nonconforming=0, lab=suspended)
    assert {e.code for e in exc.value.errors} == {"lab_not_valid"}
    batch(world, 4, nonconforming=0)
    with pytest.raises(ValidationFailed) as exc:
        batch(world, 4, nonconforming=0)
    assert {e.code for e in exc.value.errors} == {"duplicate"}


def test_only_regulators_of_the_region_and_only_open_tasks(world):
    beijing = regulator("11")
    with pytest.raises(NotPermitted):
        batch_record(actor=beijing, task=world["task"], data={
            "uscc": world["producer"].uscc, "product_name": "x", "batch_no": "X1", "lot_size": 100, "aql": "1.0",
            "sampled_on": TODAY, "tested_on": TODAY, "lab": world["lab"].uscc, "report_no": "R", "nonconforming": 0})
    with pytest.raises(ValidationFailed):
        sampling_task_publish(actor=world["reg"], task=world["task"])  # nothing sampled yet
    batch(world, 5, nonconforming=0)
    sampling_task_publish(actor=world["reg"], task=world["task"])
    with pytest.raises(TransitionNotAllowed):
        batch(world, 6, nonconforming=0)
    with pytest.raises(ValidationFailed):
        sampling_task_create(actor=world["reg"], number="T-2", title="x", level="provincial", region_code="",
                             authority="x", product="x", period="2026Q4")


def test_pass_rates_count_published_tasks_against_their_target(world):
    for n in range(19):
        batch(world, 10 + n, nonconforming=0, producer=build_org(region_code="320102"))
    batch(world, 40, nonconforming=9)
    assert pass_rates() == []  # not published yet
    sampling_task_publish(actor=world["reg"], task=world["task"])
    (rate,) = pass_rates()
    assert (rate.level, rate.region, rate.batches, rate.passed) == ("provincial", "32", 20, 19)
    assert rate.rate == 95 and rate.target == 95 and rate.meets_target is True
    assert "95%" in rate.target_source
