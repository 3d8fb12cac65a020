"""The regulators' supervision pages through real POSTs: a plan created, published, given its
random value, drawn, its inspection recorded with evidence, followed up and published, the plan
closed; inspectors reassigned (a conflict refused), the inspector directory kept, sampling tasks
and batches. Others are refused: another jurisdiction sees nothing, the anonymous are sent to
sign in, a subject's own users read their inspection and may do nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from certinel.accounts.models import Role
from certinel.core.testing.builders import build_lab, build_org, build_user
from certinel.supervision.choices import InspectionStatus, PlanStatus
from certinel.supervision.models import FollowUp, Inspection, Inspector, Plan, SampleBatch, SamplingTask
from certinel.supervision.services import plan_create, plan_enter_source
from certinel.supervision.services_inspections import ItemFinding, inspection_record

from .factories import TODAY, drawn_plan, inspectors, orgs, plan_data, regulator

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reg_client(jurisdiction: str = "32") -> Client:
    return signed_in(build_user(Role.REGULATOR, jurisdiction_code=jurisdiction))


def plan_form(**kw) -> dict:
    values = {
        "number": "JS-WEB-001",
        "title": "网页创建的抽查计划",
        "region_code": "32",
        "authority": "江苏省市场监督管理局",
        "subject_kind": "organization",
        "items": ["ORG-01", "ORG-02"],
        "ratio_A": "5",
        "ratio_B": "20",
        "ratio_C": "60",
        "ratio_D": "100",
        "ratio_none": "100",
        "starts_on": (TODAY - dt.timedelta(days=20)).isoformat(),
        "ends_on": TODAY.isoformat(),
        "source_description": "drand quicknet 第 99999999 轮",
        "source_available_after": timezone.localtime(timezone.now() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "profile": "sha256",
    }
    values.update(kw)
    return values


def record_form(**kw) -> dict:
    values = {
        "action": "record",
        "inspected_on": (TODAY - dt.timedelta(days=3)).isoformat(),
        "summary": "认证标志使用不规范，已责令整改",
        "outcome_ORG-01": "conforming",
        "findings_ORG-01": "",
        "outcome_ORG-02": "nonconforming",
        "findings_ORG-02": "宣传册超范围使用认证标志",
    }
    values.update(kw)
    return values


def text(response) -> str:
    return response.content.decode()


def has_error(response, field_id: str) -> bool:
    """Whether the page shows an error beside this field."""
    return bool(
        re.search(rf'<div class="field[^"]*has-error[^"]*">\s*<label for="{re.escape(field_id)}"', text(response))
    )


# --- The whole flow ----------------------------------------------------------------------------


def test_a_plan_from_creation_to_closing_on_the_pages():
    (org,) = orgs(1)
    inspectors(regulator("32"), 3)
    client = reg_client("32")
    page = text(client.get("/supervision/manage/"))
    assert 'id="new-plan"' in page and "ORG-02" in page and "1–100 %" in page and "1–5 %" in page
    created = client.post("/supervision/manage/", plan_form())
    assert created.status_code == 302 and created["Location"] == "/supervision/manage/plans/JS-WEB-001/"
    plan = Plan.objects.get(number="JS-WEB-001")
    assert plan.status == PlanStatus.DRAFT and plan.ratios["-"] == "100"
    edited = client.post(created["Location"], {**plan_form(title="改过的名称"), "action": "update"})
    assert edited.status_code == 302
    assert client.post(created["Location"], {"action": "publish"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and plan.title == "改过的名称" and plan.directory_hash
    # Before its time the value cannot be entered: the button is disabled and the service says why.
    page = text(client.get(created["Location"]))
    assert "之后才产生，届时才能录入" in page and 'value="enter_source" class="btn btn-primary" disabled' in page
    early = client.post(created["Location"], {"action": "enter_source", "values": "123456"})
    assert early.status_code == 200 and "drand quicknet 第 99999999 轮" in text(early).split('id="source"')[1]
    assert "field-error" in text(early).split('id="source"')[1]
    plan.refresh_from_db()
    assert plan.source_values == []
    refused_draw = client.post(created["Location"], {"action": "draw"})
    assert refused_draw.status_code == 200 and "message-error" in text(refused_draw)
    plan_enter_source(
        actor=regulator("32"), plan=plan, values=["123456"], now=plan.source_available_after + dt.timedelta(seconds=1)
    )
    assert client.post(created["Location"], {"action": "draw"}).status_code == 302
    plan.refresh_from_db()
    inspection = Inspection.objects.get(plan=plan)
    assert plan.status == PlanStatus.DRAWN and inspection.uscc == org.uscc
    page = text(client.get(created["Location"]))
    assert f'href="/supervision/manage/inspections/{inspection.pk}/"' in page
    url = f"/supervision/manage/inspections/{inspection.pk}/"
    evidence = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    recorded = client.post(url, {**record_form(), "evidence_ORG-02": evidence})
    assert recorded.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.RECORDED and inspection.outcome == "nonconforming"
    assert len(inspection.results.get(item_code="ORG-02").evidence_sha256) == 64
    # The evidence downloads as an attachment for those who may see the inspection, and nobody else.
    download = f"{url}evidence/ORG-02/"
    assert f'href="{download}"' in text(client.get(url))
    got = client.get(download)
    assert got.status_code == 200 and got["Content-Type"] == "image/png" and got.content == PNG
    assert got["Content-Disposition"].startswith("attachment;")
    assert Client().get(download).status_code == 302  # to the sign-in page
    assert reg_client("11").get(download).status_code == 404
    ordered = client.post(
        url,
        {
            "action": "follow_up",
            "follow-kind": "rectification",
            "follow-details": "三十日内整改",
            "follow-due_on": (TODAY + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert ordered.status_code == 302
    measure = FollowUp.objects.get(inspection=inspection)
    assert (
        client.post(
            url, {"action": "close_follow_up", "close-follow_up": measure.pk, "close-details": "整改完成"}
        ).status_code
        == 302
    )
    measure.refresh_from_db()
    assert measure.status == "done"
    assert client.post(created["Location"], {"action": "close"}).status_code == 200  # a result is not published
    assert client.post(url, {"action": "publish", "late_reason": ""}).status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.PUBLISHED and inspection.published_on == TODAY
    assert client.post(created["Location"], {"action": "close"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    public = text(Client().get("/supervision/plans/JS-WEB-001/"))
    assert "认证标志使用不规范，已责令整改" in public and "宣传册超范围使用认证标志" not in public


def test_a_plans_errors_are_shown_beside_their_fields():
    client = reg_client("32")
    answer = client.post("/supervision/manage/", plan_form(ratio_A="50", items=[]))
    page = text(answer)
    assert answer.status_code == 200 and Plan.objects.count() == 0
    assert "请修改下面标出的内容" in page
    assert (
        "ORG-01" in page.split('id="plan-items"')[1].split("</div>")[0]
        and "field-error" in page.split('id="plan-items"')[1].split("<h3>")[0]
    )
    answer = client.post("/supervision/manage/", plan_form(ratio_A="50", items=["ORG-01"]))
    assert has_error(answer, "id_ratio_A") and not has_error(answer, "id_ratio_B")
    assert Plan.objects.count() == 0
    past = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post("/supervision/manage/", plan_form(source_available_after=past))
    assert answer.status_code == 200 and Plan.objects.count() == 0 and has_error(answer, "id_source_available_after")


def test_cancelling_needs_a_reason():
    reg = regulator("32")
    plan = plan_create(actor=reg, data=plan_data())
    client = reg_client("32")
    url = f"/supervision/manage/plans/{plan.number}/"
    assert "field-error" in text(client.post(url, {"action": "cancel", "cancel-reason": ""}))
    assert client.post(url, {"action": "cancel", "cancel-reason": "计划调整"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED


# --- Inspections -------------------------------------------------------------------------------


def test_a_conflicting_inspector_is_refused_and_a_free_one_assigned():
    reg = regulator("32")
    (subject,) = orgs(1)
    team = inspectors(reg, 4, conflicts={3: [subject.uscc]})
    plan = drawn_plan(reg, ratios={"-": "100"})
    inspection = plan.inspections.get()
    client = reg_client("32")
    url = f"/supervision/manage/inspections/{inspection.pk}/"
    page = text(client.get(url))
    assert team[0].name in page or team[1].name in page  # regulators see names beside codes
    replaced = inspection.inspectors[0]
    refused = client.post(
        url,
        {"action": "reassign", "reassign-replace": replaced, "reassign-by": team[3].code, "reassign-reason": "请假"},
    )
    assert refused.status_code == 200 and has_error(refused, "id_reassign-by")
    inspection.refresh_from_db()
    assert team[3].code not in inspection.inspectors
    free = next(i.code for i in team[:3] if i.code not in inspection.inspectors)
    done = client.post(
        url,
        {"action": "reassign", "reassign-replace": replaced, "reassign-by": free, "reassign-reason": "原检查人员请假"},
    )
    assert done.status_code == 302
    inspection.refresh_from_db()
    assert free in inspection.inspectors and replaced not in inspection.inspectors


def test_recording_checks_each_item_and_the_evidence_file():
    reg = regulator("32")
    orgs(1)
    inspectors(reg, 2)
    inspection = drawn_plan(reg, ratios={"-": "100"}).inspections.get()
    client = reg_client("32")
    url = f"/supervision/manage/inspections/{inspection.pk}/"
    missing = client.post(url, record_form(**{"findings_ORG-02": ""}))
    assert missing.status_code == 200 and has_error(missing, "id_findings_ORG-02")
    assert not has_error(missing, "id_findings_ORG-01")
    fake = SimpleUploadedFile("photo.png", b"MZ not an image", content_type="image/png")
    refused = client.post(url, {**record_form(), "evidence_ORG-02": fake})
    assert refused.status_code == 200 and "只接受 PDF、PNG 或 JPEG 文件" in text(refused)
    assert has_error(refused, "id_evidence_ORG-02")
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.ASSIGNED


def test_a_late_publication_asks_for_its_reason():
    reg = regulator("32")
    orgs(1)
    inspectors(reg, 2)
    plan = drawn_plan(
        reg, ratios={"-": "100"}, starts_on=TODAY - dt.timedelta(days=100), ends_on=TODAY - dt.timedelta(days=80)
    )
    inspection = inspection_record(
        actor=reg,
        inspection=plan.inspections.get(),
        inspected_on=plan.starts_on,
        summary="未发现问题",
        findings=[ItemFinding("ORG-01", "conforming"), ItemFinding("ORG-02", "conforming")],
    )
    client = reg_client("32")
    url = f"/supervision/manage/inspections/{inspection.pk}/"
    # The regulator's dashboard lists it as overdue; another province's does not.
    dashboard = text(client.get("/supervision/manage/"))
    assert 'id="overdue"' in dashboard and f'href="{url}"' in dashboard
    assert 'id="overdue"' not in text(reg_client("11").get("/supervision/manage/"))
    assert 'name="late_reason"' in text(client.get(url))
    refused = client.post(url, {"action": "publish", "late_reason": ""})
    assert refused.status_code == 200 and has_error(refused, "id_late_reason")
    assert client.post(url, {"action": "publish", "late_reason": "系统故障"}).status_code == 302
    inspection.refresh_from_db()
    assert inspection.late_reason == "系统故障"


# --- Who may see and do what -----------------------------------------------------------------


def test_another_jurisdiction_sees_nothing_and_may_create_nothing_here():
    reg = regulator("32")
    orgs(1)
    inspectors(reg, 2)
    plan = drawn_plan(reg, ratios={"-": "100"})
    inspection = plan.inspections.get()
    outsider = reg_client("33")
    assert outsider.get(f"/supervision/manage/plans/{plan.number}/").status_code == 404
    assert outsider.post(f"/supervision/manage/plans/{plan.number}/", {"action": "close"}).status_code == 404
    assert outsider.get(f"/supervision/manage/inspections/{inspection.pk}/").status_code == 404
    assert outsider.post(f"/supervision/manage/inspections/{inspection.pk}/", record_form()).status_code == 404
    assert plan.number not in text(outsider.get("/supervision/manage/"))
    answer = outsider.post("/supervision/manage/", plan_form())
    assert answer.status_code == 200 and Plan.objects.filter(number="JS-WEB-001").count() == 0
    assert "message-error" in text(answer)
    assert Inspector.objects.first().code not in text(outsider.get("/supervision/manage/inspectors/"))


def test_the_anonymous_are_sent_to_sign_in():
    for path in (
        "/supervision/manage/",
        "/supervision/manage/plans/X/",
        "/supervision/manage/inspections/1/",
        "/supervision/manage/inspectors/",
        "/supervision/manage/sampling/",
    ):
        answer = Client().get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/?next="), path
    assert Client().post("/supervision/manage/", plan_form()).status_code == 302
    assert Plan.objects.count() == 0


def test_a_subject_reads_its_own_inspection_and_may_do_nothing():
    reg = regulator("32")
    subject, other = orgs(2)
    inspectors(reg, 3)
    plan = drawn_plan(reg, ratios={"-": "100"})
    mine = plan.inspections.get(uscc=subject.uscc)
    theirs = plan.inspections.get(uscc=other.uscc)
    inspection_record(
        actor=reg,
        inspection=mine,
        inspected_on=plan.starts_on,
        summary="发现问题",
        findings=[ItemFinding("ORG-01", "conforming"), ItemFinding("ORG-02", "nonconforming", "标志使用超出认证范围")],
    )
    own = signed_in(build_user(Role.ORG_USER, organization=subject))
    page = text(own.get(f"/supervision/manage/inspections/{mine.pk}/"))
    assert "标志使用超出认证范围" in page and 'value="record"' not in page and 'value="publish"' not in page
    assert not any(i.name in page for i in Inspector.objects.all())
    assert own.post(f"/supervision/manage/inspections/{mine.pk}/", record_form()).status_code == 403
    assert own.post(f"/supervision/manage/inspections/{mine.pk}/", {"action": "publish"}).status_code == 403
    assert own.get(f"/supervision/manage/inspections/{theirs.pk}/").status_code == 404
    listing = text(own.get("/supervision/manage/"))
    assert f"/supervision/manage/inspections/{mine.pk}/" in listing and f"/inspections/{theirs.pk}/" not in listing
    assert own.get(f"/supervision/manage/plans/{plan.number}/").status_code == 404
    assert own.get("/supervision/manage/inspectors/").status_code == 403
    assert own.get("/supervision/manage/sampling/").status_code == 403
    stranger = signed_in(build_user(Role.ORG_USER, organization=build_org()))
    assert stranger.get(f"/supervision/manage/inspections/{mine.pk}/").status_code == 404


# --- The inspector directory and sampling tasks ----------------------------------------------


def test_the_inspector_directory_is_kept_on_its_page():
    client = reg_client("3201")
    add = {
        "action": "add",
        "add-code": "NJ-00001",
        "add-name": "王检查",
        "add-region_code": "320102",
        "add-fields_text": "认证, 检验检测",
        "add-conflicts_text": "",
    }
    assert client.post("/supervision/manage/inspectors/", add).status_code == 302
    inspector = Inspector.objects.get(code="NJ-00001")
    assert inspector.fields == ["检验检测", "认证"]
    duplicate = client.post("/supervision/manage/inspectors/", add)
    assert duplicate.status_code == 200 and has_error(duplicate, "id_add-code") and Inspector.objects.count() == 1
    elsewhere = client.post("/supervision/manage/inspectors/", {**add, "add-code": "SZ-1", "add-region_code": "320505"})
    assert elsewhere.status_code == 200 and not Inspector.objects.filter(code="SZ-1").exists()
    (org,) = orgs(1)
    bad = client.post(
        "/supervision/manage/inspectors/",
        {"action": "change", "code": "NJ-00001", "change-fields_text": "认证", "change-conflicts_text": "NOT-A-CODE"},
    )
    assert bad.status_code == 200 and has_error(bad, "id_change-conflicts_text")
    changed = client.post(
        "/supervision/manage/inspectors/",
        {"action": "change", "code": "NJ-00001", "change-fields_text": "认证", "change-conflicts_text": org.uscc},
    )
    assert changed.status_code == 302
    inspector.refresh_from_db()
    assert inspector.conflicts == [org.uscc] and inspector.active is False
    assert "王检查" in text(client.get("/supervision/manage/inspectors/?edit=NJ-00001"))
    assert reg_client("3202").get("/supervision/manage/inspectors/?edit=NJ-00001").status_code == 404


def test_sampling_tasks_and_batches_on_their_page():
    client = reg_client("32")
    lab = build_lab(region_code="320105")
    maker = build_org(region_code="320106")
    task = {
        "action": "create",
        "task-number": "JS-CC-WEB-1",
        "task-title": "电热水壶省级监督抽查",
        "task-level": "provincial",
        "task-region_code": "32",
        "task-authority": "江苏省市场监督管理局",
        "task-product": "电热水壶",
        "task-product_codes": "0705",
        "task-period": "2026Q4",
    }
    assert client.post("/supervision/manage/sampling/", task).status_code == 302
    assert SamplingTask.objects.get().product_codes == ["0705"]
    empty = client.post("/supervision/manage/sampling/", {"action": "publish", "task": "JS-CC-WEB-1"})
    assert empty.status_code == 200 and "message-error" in text(empty)
    batch = {
        "action": "batch",
        "batch-task": "JS-CC-WEB-1",
        "batch-uscc": maker.uscc,
        "batch-product_name": "电热水壶",
        "batch-model": "K-1",
        "batch-batch_no": "B0001",
        "batch-lot_size": "1000",
        "batch-inspection_level": "II",
        "batch-aql": "2.5",
        "batch-severity": "normal",
        "batch-sampled_on": (TODAY - dt.timedelta(days=5)).isoformat(),
        "batch-lab": lab.uscc,
        "batch-report_no": "JC-1",
        "batch-tested_on": (TODAY - dt.timedelta(days=1)).isoformat(),
        "batch-nonconforming": "9",
        "batch-failed_items": "耐热性",
        "batch-signed_by": "",
    }
    unknown = client.post("/supervision/manage/sampling/", {**batch, "batch-uscc": lab.uscc})
    assert unknown.status_code == 200 and SampleBatch.objects.count() == 0 and has_error(unknown, "id_batch-uscc")
    assert client.post("/supervision/manage/sampling/", batch).status_code == 302
    recorded = SampleBatch.objects.get()
    assert (recorded.code_letter, recorded.sample_size, recorded.accept, recorded.reject) == ("J", 80, 5, 6)
    assert recorded.result == "fail"
    page = text(client.get("/supervision/manage/sampling/"))
    assert "n=80" in page and "Ac 5 / Re 6" in page
    assert client.post("/supervision/manage/sampling/", {"action": "publish", "task": "JS-CC-WEB-1"}).status_code == 302
    assert SamplingTask.objects.get().status == "published"
    assert (
        reg_client("33").post("/supervision/manage/sampling/", {"action": "publish", "task": "JS-CC-WEB-1"}).status_code
        == 404
    )
    outsider = reg_client("33").post("/supervision/manage/sampling/", {**task, "task-number": "ZJ-1"})
    assert outsider.status_code == 200 and not SamplingTask.objects.filter(number="ZJ-1").exists()


def test_publishing_a_plan_with_an_empty_directory_is_refused_with_a_message():
    reg = regulator("32")
    plan = plan_create(actor=reg, data=plan_data(region_code="3205"))
    client = reg_client("32")
    answer = client.post(f"/supervision/manage/plans/{plan.number}/", {"action": "publish"})
    assert answer.status_code == 200 and "message-error" in text(answer)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
