"""Random inspection plans, draws and inspections through the services: every step allowed and
refused, with its history record and log leaf. Given / when / then."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from certinel.certificates.services import certificate_issue
from certinel.core.actor import Actor
from certinel.core.errors import NotFound, NotPermitted, TransitionNotAllowed, ValidationFailed
from certinel.core.history import history_for
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import body_with_scopes, certificate_data
from certinel.core.workdays import add_working_days
from certinel.supervision import draw
from certinel.supervision.choices import InspectionStatus, Outcome, PlanStatus
from certinel.supervision.models import Inspection, Plan
from certinel.supervision.services import (
    commitment,
    plan_cancel,
    plan_close,
    plan_create,
    plan_draw,
    plan_enter_source,
    plan_publish,
    plan_update,
    published_inputs,
)
from certinel.supervision.services_inspections import (
    ItemFinding,
    follow_up_close,
    follow_up_order,
    inspection_for,
    inspection_publish,
    inspection_reassign,
    inspection_record,
)

from .factories import TODAY, drawn_plan, inspectors, orgs, plan_data, regulator

pytestmark = pytest.mark.django_db


def _codes(exc: ValidationFailed) -> set[str]:
    return {e.code for e in exc.errors}


def test_a_published_plan_freezes_its_directory_and_cannot_change():
    reg = regulator()
    subjects = orgs(6)
    inspectors(reg, 4)
    plan = plan_create(actor=reg, data=plan_data())
    plan = plan_publish(actor=reg, plan=plan)
    assert plan.status == PlanStatus.PUBLISHED
    assert len(plan.directory_hash) == 64
    inputs = json.loads(plan.directory.inputs)
    pool = [u for s in inputs["strata"] for u in s["pool"]]
    members = plan.directory.members
    # The pools hold commitments, not credit codes: a subject's stratum (its credit class) is not public.
    assert sorted(members) == sorted(pool) and sorted(members.values()) == sorted(o.uscc for o in subjects)
    assert not any(o.uscc in plan.directory.inputs for o in subjects)
    assert all(members[commitment(plan.directory.key, u)] == u for u in members.values())
    assert {s["label"] for s in plan.strata} == {"A", "B", "C", "D", "-"}
    # Nothing personal in the published inputs: inspectors by code only.
    assert "检查员" not in plan.directory.inputs
    with pytest.raises(ValidationFailed) as exc:
        plan_update(actor=reg, plan=plan, data={"title": "changed"})
    assert _codes(exc.value) == {"published"}
    actions = [r.action for r in history_for(plan)]
    assert actions == ["supervision_plan_created", "supervision_plan_published"]


def test_ratios_outside_the_rules_and_unknown_items_are_refused():
    reg = regulator()
    with pytest.raises(ValidationFailed) as exc:
        plan_create(actor=reg, data=plan_data(ratios={"A": "50"}, items=["ORG-01", "LAB-02"]))
    fields = {e.field for e in exc.value.errors}
    assert "ratios.A" in fields and "items" in fields


def test_a_source_already_known_is_refused():
    reg = regulator()
    with pytest.raises(ValidationFailed) as exc:
        plan_create(actor=reg, data=plan_data(source_available_after=timezone.now() - dt.timedelta(minutes=1)))
    assert _codes(exc.value) == {"not_future"}


def test_no_draw_before_the_random_value_is_known():
    reg = regulator()
    orgs(3)
    inspectors(reg, 3)
    plan = plan_publish(actor=reg, plan=plan_create(actor=reg, data=plan_data()))
    with pytest.raises(ValidationFailed) as exc:
        plan_draw(actor=reg, plan=plan)
    assert _codes(exc.value) == {"no_random_value"}
    with pytest.raises(ValidationFailed) as exc:
        plan_enter_source(actor=reg, plan=plan, values=["123"])
    assert _codes(exc.value) == {"too_early"}
    plan = plan_enter_source(actor=reg, plan=plan, values=["123"], now=plan.source_available_after)
    with pytest.raises(ValidationFailed) as exc:
        plan_enter_source(actor=reg, plan=plan, values=["456"], now=plan.source_available_after)
    assert _codes(exc.value) == {"entered"}


def test_the_draw_is_the_replay_of_the_published_inputs():
    reg = regulator()
    orgs(12)
    inspectors(reg, 5)
    plan = drawn_plan(reg)
    assert plan.status == PlanStatus.DRAWN
    result = draw.replay(published_inputs(plan))
    assert draw.dumps(result) == plan.directory.result
    drawn = list(plan.inspections.order_by("drawn_order"))
    members = plan.directory.members
    assert sorted(i.uscc for i in drawn) == [i.uscc for i in drawn]  # listed by credit code, not by stratum
    assert {i.uscc: i.inspectors for i in drawn} == {members[row["subject"]]: row["inspectors"]
                                                      for row in result["inspectors"]}
    assert {i.uscc: i.stratum for i in drawn} == {members[row["subject"]]: row["stratum"]
                                                   for row in result["inspectors"]}
    assert all(len(i.inspectors) == 2 and len(set(i.inspectors)) == 2 for i in drawn)
    assert drawn[0].publish_due == add_working_days(plan.ends_on, 20)
    # Every drawn subject is a public leaf of the log.
    assert ChangeRecord.objects.filter(action="supervision_inspection_assigned",
                                       log_index__isnull=False).count() == len(drawn)
    with pytest.raises(TransitionNotAllowed):
        plan_draw(actor=reg, plan=plan)


def test_declared_conflicts_and_the_last_inspector_are_excluded():
    reg = regulator()
    (subject,) = orgs(1)
    team = inspectors(reg, 5, conflicts={0: [subject.uscc]})
    first = drawn_plan(reg, ratios={"-": "100"})
    inspection = first.inspections.get()
    assert team[0].code not in inspection.inspectors
    second = drawn_plan(reg, ratios={"-": "100"})
    again = second.inspections.get()
    # Five inspectors, one conflicted and two who inspected it last time: the other two.
    assert set(again.inspectors) == {i.code for i in team[1:]} - set(inspection.inspectors)
    entry = commitment(second.directory.key, subject.uscc)
    excluded = published_inputs(second)["inspectors"]["subjects"][entry]["excluded"]
    assert set(excluded) == {team[0].code, *inspection.inspectors}


def test_too_few_inspectors_refuses_the_draw_naming_the_subject():
    reg = regulator()
    (subject,) = orgs(1)
    inspectors(reg, 2, conflicts={0: [subject.uscc]})
    plan = plan_publish(actor=reg, plan=plan_create(actor=reg, data=plan_data(ratios={"-": "100"})))
    plan = plan_enter_source(actor=reg, plan=plan, values=["7 8 9"], now=plan.source_available_after)
    with pytest.raises(ValidationFailed) as exc:
        plan_draw(actor=reg, plan=plan)
    assert subject.uscc in exc.value.errors[0].message
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.PUBLISHED


def test_an_inspector_who_conflicts_cannot_be_assigned():
    reg = regulator()
    (subject,) = orgs(1)
    team = inspectors(reg, 4, conflicts={3: [subject.uscc]})
    plan = drawn_plan(reg, ratios={"-": "100"})
    inspection = plan.inspections.get()
    conflicted = team[3].code
    with pytest.raises(ValidationFailed) as exc:
        inspection_reassign(actor=reg, inspection=inspection, replace=inspection.inspectors[0], by=conflicted,
                            reason="请假")
    assert _codes(exc.value) == {"conflict"}
    free = next(i.code for i in team[:3] if i.code not in inspection.inspectors)
    inspection = inspection_reassign(actor=reg, inspection=inspection, replace=inspection.inspectors[0], by=free,
                                     reason="原检查人员请假")
    assert free in inspection.inspectors


def test_results_only_for_drawn_subjects_and_every_item():
    reg = regulator()
    orgs(3)
    inspectors(reg, 3)
    plan = drawn_plan(reg, ratios={"-": "100"})
    with pytest.raises(NotFound):
        inspection_for(plan, "91320000000000000X")
    inspection = plan.inspections.first()
    with pytest.raises(ValidationFailed) as exc:
        inspection_record(actor=reg, inspection=inspection, inspected_on=TODAY - dt.timedelta(days=20),
                          findings=[ItemFinding("ORG-01", Outcome.NONCONFORMING)], summary="发现问题")
    assert {e.field for e in exc.value.errors} == {"findings.ORG-01", "findings.ORG-02"}


def test_record_follow_up_and_publish_on_time():
    reg = regulator()
    (org,) = orgs(1)
    body = body_with_scopes(schemes=("QMS",))
    cert = certificate_issue(actor=Actor.system(), body=body,
                             data=certificate_data(holder=org))
    inspectors(reg, 3)
    plan = drawn_plan(reg, ratios={"-": "100"}, ends_on=TODAY)
    inspection = plan.inspections.get()
    with pytest.raises(ValidationFailed) as exc:
        inspection_record(actor=reg, inspection=inspection, inspected_on=TODAY - dt.timedelta(days=5), summary="x",
                          findings=[ItemFinding("ORG-01", Outcome.CONFORMING),
                                    ItemFinding("ORG-02", Outcome.NONCONFORMING, "x",
                                                SimpleUploadedFile("page.html", b"<html><script>x</script>"))])
    assert _codes(exc.value) == {"bad_file"}
    evidence = SimpleUploadedFile("../../photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    inspection = inspection_record(
        actor=reg, inspection=inspection, inspected_on=TODAY - dt.timedelta(days=5), summary="证书使用不规范，责令整改",
        findings=[ItemFinding("ORG-01", Outcome.CONFORMING),
                  ItemFinding("ORG-02", Outcome.NONCONFORMING, "宣传材料超范围使用认证标志", evidence)])
    assert inspection.status == InspectionStatus.RECORDED and inspection.outcome == Outcome.NONCONFORMING
    result = inspection.results.get(item_code="ORG-02")
    assert len(result.evidence_sha256) == 64
    # Stored by its digest, outside the media folder, under no name the sender chose.
    assert result.evidence.name == f"{result.evidence_sha256[:2]}/{result.evidence_sha256}"
    assert "supervision-evidence" in result.evidence.path and "photo" not in result.evidence.path
    with pytest.raises(ValidationFailed) as exc:
        follow_up_order(actor=reg, inspection=inspection, kind="suspension", details="暂停", certificates=[cert.number],
                        due_on=TODAY + dt.timedelta(days=30))
    assert _codes(exc.value) == {"required"}  # who signed
    measure = follow_up_order(actor=reg, inspection=inspection, kind="suspension", details="暂停证书至整改完成",
                              certificates=[cert.number], due_on=TODAY + dt.timedelta(days=30), signed_by="李处长")
    cert.refresh_from_db()
    assert cert.status == "suspended" and measure.certificates == [cert.number]
    follow_up_close(actor=reg, follow_up=measure, details="整改完成")
    inspection = inspection_publish(actor=reg, inspection=inspection)
    assert inspection.status == InspectionStatus.PUBLISHED and inspection.published_on == TODAY
    with pytest.raises(TransitionNotAllowed):
        inspection_record(actor=reg, inspection=inspection, inspected_on=TODAY, summary="x",
                          findings=[ItemFinding("ORG-01", "conforming"), ItemFinding("ORG-02", "conforming")])
    plan = plan_close(actor=reg, plan=plan)
    assert plan.status == PlanStatus.CLOSED


def test_late_publication_needs_its_reason():
    reg = regulator()
    orgs(1)
    inspectors(reg, 2)
    plan = drawn_plan(reg, ratios={"-": "100"})
    inspection = plan.inspections.get()
    inspection = inspection_record(actor=reg, inspection=inspection, inspected_on=plan.starts_on, summary="未发现问题",
                                   findings=[ItemFinding("ORG-01", "conforming"), ItemFinding("ORG-02", "conforming")])
    late = inspection.publish_due + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        inspection_publish(actor=reg, inspection=inspection, on=late)
    assert _codes(exc.value) == {"late"}
    inspection = inspection_publish(actor=reg, inspection=inspection, on=late, late_reason="系统故障，延迟公示")
    assert inspection.late_reason == "系统故障，延迟公示"


def test_only_regulators_of_the_region_decide():
    reg = regulator()
    orgs(1)
    inspectors(reg, 2)
    other = regulator("11")
    with pytest.raises(NotPermitted):
        plan_create(actor=other, data=plan_data())
    plan = plan_create(actor=reg, data=plan_data())
    with pytest.raises(NotPermitted):
        plan_publish(actor=other, plan=plan)
    plan_cancel(actor=reg, plan=plan, reason="计划调整")
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.CANCELLED
    assert Inspection.objects.count() == 0
