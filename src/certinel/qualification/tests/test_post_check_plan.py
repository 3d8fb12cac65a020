"""The post-check of a commitment carried out through a supervision plan (issue 16, point 3):
a lab whose post-check is due is added to a drawn plan of labs as a targeted subject, checked
on the commitment item `LAB-PC`; the published result closes the post-check (conforming: true;
non-conforming: the approval revoked; could not inspect: back to be planned). Refusals name
their field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from certinel.core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from certinel.core.history import history_for
from certinel.core.testing.builders import build_lab
from certinel.credit.models import CreditFact
from certinel.qualification import services_applications as apps
from certinel.qualification import services_post_check as post_checks
from certinel.qualification.models import CmaCertificate, PostCheck
from certinel.supervision import policy
from certinel.supervision import services as plans
from certinel.supervision.services_inspections import (
    ItemFinding,
    inspection_add_targeted,
    inspection_publish,
    inspection_record,
)
from certinel.supervision.tests.factories import drawn_plan, inspectors, orgs, plan_data, regulator

from .applications import people, submitted

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _fields(exc) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


@pytest.fixture
def world():
    """A drawn plan of Jiangsu's labs (one other lab drawn), then a lab approved under
    notification and commitment whose post-check is due."""
    boss = regulator("32")
    team = [i.code for i in inspectors(boss, 4)]
    build_lab(region_code="320102")
    plan = drawn_plan(boss, subject_kind="lab", items=["LAB-01"], region_code="32",
                      ratios={"A": "5", "B": "20", "C": "60", "D": "100", "-": "20"})
    lab, operator, _regulator = people()
    app = submitted(lab, operator, kind="extension", procedure="commitment")
    apps.application_accept(actor=boss, application=app)
    apps.application_approve(actor=boss, application=app)
    return {"boss": boss, "team": team, "plan": plan, "lab": lab, "app": app, "check": PostCheck.objects.get(
        application=app)}


def _record(w, outcome, findings=""):
    w["check"].refresh_from_db()
    inspection = w["check"].inspection
    return inspection_record(actor=w["boss"], inspection=inspection, inspected_on=TODAY - dt.timedelta(days=1),
                             findings=[ItemFinding("LAB-PC", outcome, findings)], summary="核查承诺内容")


def test_a_due_post_check_joins_a_drawn_plan_and_a_conforming_result_closes_it(world):
    w = world
    assert [c.pk for c in post_checks.selectable(w["plan"])] == [w["check"].pk]
    inspection = post_checks.post_check_plan(actor=w["boss"], check=w["check"], plan=w["plan"],
                                             inspectors=w["team"][:2])
    w["check"].refresh_from_db()
    assert w["check"].inspection == inspection and post_checks.selectable(w["plan"]) == []
    assert inspection.targeted == "LAB-PC" and inspection.uscc == w["lab"].uscc and inspection.stratum == ""
    assert inspection.items_to_record == ["LAB-PC"] and inspection.inspectors == w["team"][:2]
    assert [r.action for r in history_for(w["check"])][-1] == "qualification_post_check_planned"
    # The plan's own items are not this inspection's.
    with pytest.raises(ValidationFailed) as exc:
        inspection_record(actor=w["boss"], inspection=inspection, inspected_on=TODAY, summary="x",
                          findings=[ItemFinding("LAB-01", "conforming")])
    assert ("findings", "unknown_item") in _fields(exc) and ("findings.LAB-PC", "required") in _fields(exc)
    _record(w, "conforming")
    w["check"].refresh_from_db()
    assert w["check"].status == "open"  # a recorded result may still be corrected: it closes when published
    inspection_publish(actor=w["boss"], inspection=inspection)
    w["check"].refresh_from_db()
    assert w["check"].status == "true" and w["check"].checked_on == TODAY - dt.timedelta(days=1)
    assert [r.action for r in history_for(w["check"])][-1] == "qualification_post_check_passed"
    w["app"].refresh_from_db()
    assert w["app"].status == "approved"


def test_a_non_conforming_commitment_item_revokes_the_approval_when_published(world):
    w = world
    inspection = post_checks.post_check_plan(actor=w["boss"], check=w["check"], plan=w["plan"],
                                             inspectors=w["team"][:2])
    _record(w, "nonconforming", "承诺的授权签字人不在岗")
    with pytest.raises(ValidationFailed) as exc:
        inspection_publish(actor=w["boss"], inspection=inspection)
    assert _fields(exc) == [("decision_no", "required")]
    inspection.refresh_from_db()
    assert inspection.status == "recorded"  # nothing was published
    inspection_publish(actor=w["boss"], inspection=inspection, decision_no="苏市监检〔2026〕7号")
    w["check"].refresh_from_db()
    w["app"].refresh_from_db()
    assert w["check"].status == "false" and w["check"].note == "承诺的授权签字人不在岗"
    assert w["app"].status == "revoked"
    assert CmaCertificate.objects.get(application=w["app"]).status == "revoked"
    fact = CreditFact.objects.get(lab=w["lab"])
    assert fact.kind == "commitment_broken" and fact.decision_no == "苏市监检〔2026〕7号"
    assert fact.authority == w["plan"].authority


def test_could_not_inspect_leaves_the_post_check_open_to_plan_again(world):
    w = world
    inspection = post_checks.post_check_plan(actor=w["boss"], check=w["check"], plan=w["plan"],
                                             inspectors=w["team"][:2])
    _record(w, "not_inspected", "机构停业")
    inspection_publish(actor=w["boss"], inspection=inspection)
    w["check"].refresh_from_db()
    assert w["check"].status == "open" and w["check"].inspection is None
    assert [r.action for r in history_for(w["check"])][-1] == "qualification_post_check_unplanned"


def test_a_commitment_found_untrue_meanwhile_is_not_closed_again(world):
    w = world
    inspection = post_checks.post_check_plan(actor=w["boss"], check=w["check"], plan=w["plan"],
                                             inspectors=w["team"][:2])
    apps.post_check_false(actor=w["boss"], check=w["check"], note="投诉查实", decision_no="苏市监〔2026〕2号",
                          authority="江苏省市场监督管理局")
    _record(w, "conforming")
    inspection_publish(actor=w["boss"], inspection=inspection)
    w["check"].refresh_from_db()
    assert w["check"].status == "false" and CreditFact.objects.filter(lab=w["lab"]).count() == 1


def test_refusals_name_the_field(world):
    w = world
    other = build_lab(region_code="320102")
    with pytest.raises(ValidationFailed) as exc:
        post_checks.post_check_for_lab(actor=w["boss"], lab=other, plan=w["plan"], inspectors=w["team"][:2])
    assert _fields(exc) == [("lab", "no_post_check")]
    with pytest.raises(ValidationFailed) as exc:
        post_checks.post_check_plan(actor=w["boss"], check=w["check"], plan=w["plan"], inspectors=w["team"][:1])
    assert _fields(exc) == [("inspectors", "too_few_inspectors")]
    with pytest.raises(ValidationFailed) as exc:
        post_checks.post_check_plan(actor=w["boss"], check=w["check"], plan=w["plan"],
                                    inspectors=[w["team"][0], "JS-NOPE"])
    assert _fields(exc) == [("inspectors", "conflict")]
    orgs(1)
    orgs_plan = drawn_plan(w["boss"])
    with pytest.raises(ValidationFailed) as exc:
        post_checks.post_check_plan(actor=w["boss"], check=w["check"], plan=orgs_plan, inspectors=w["team"][:2])
    assert _fields(exc) == [("plan", "wrong_kind")]
    later = drawn_plan(w["boss"], subject_kind="lab", items=["LAB-01"], starts_on=TODAY + dt.timedelta(days=120),
                       ends_on=TODAY + dt.timedelta(days=150))
    with pytest.raises(ValidationFailed) as exc:
        post_checks.post_check_plan(actor=w["boss"], check=w["check"], plan=later, inspectors=w["team"][:2])
    assert _fields(exc) == [("plan", "too_late")]
    draft = plans.plan_create(actor=w["boss"], data=plan_data(subject_kind="lab", items=["LAB-01"]))
    with pytest.raises(TransitionNotAllowed):
        post_checks.post_check_plan(actor=w["boss"], check=w["check"], plan=draft, inspectors=w["team"][:2])
    elsewhere = regulator("33")
    with pytest.raises(NotPermitted):
        post_checks.post_check_plan(actor=elsewhere, check=w["check"], plan=w["plan"], inspectors=w["team"][:2])
    post_checks.post_check_plan(actor=w["boss"], check=w["check"], plan=w["plan"], inspectors=w["team"][:2])
    with pytest.raises(ValidationFailed) as exc:
        post_checks.post_check_plan(actor=w["boss"], check=w["check"], plan=w["plan"], inspectors=w["team"][2:])
    assert _fields(exc) == [("post_check", "already_planned")]


def test_the_commitment_item_is_for_targeted_checks_only(world):
    w = world
    assert policy.item("LAB-PC").item_class == "targeted" and "资质认定管理办法" in policy.item("LAB-PC").basis
    assert "LAB-PC" not in [i.code for i in policy.items(subject_kind="lab")]
    with pytest.raises(ValidationFailed) as exc:
        plans.plan_create(actor=w["boss"], data=plan_data(subject_kind="lab", items=["LAB-PC"]))
    assert ("items", "unknown_item") in _fields(exc)
    with pytest.raises(ValidationFailed) as exc:
        inspection_add_targeted(actor=w["boss"], plan=w["plan"], subject=w["lab"], item_code="LAB-01",
                                inspectors=w["team"][:2], reason="x")
    assert _fields(exc) == [("item", "unknown_item")]
    drawn = w["plan"].inspections.exclude(uscc=w["lab"].uscc).first()
    lab_drawn = drawn.lab
    with pytest.raises(ValidationFailed) as exc:
        inspection_add_targeted(actor=w["boss"], plan=w["plan"], subject=lab_drawn, item_code="LAB-PC",
                                inspectors=w["team"][:2], reason="x")
    assert _fields(exc) == [("plan", "already_in_plan")]
    far = build_lab(region_code="330102")
    with pytest.raises(ValidationFailed) as exc:
        inspection_add_targeted(actor=w["boss"], plan=w["plan"], subject=far, item_code="LAB-PC",
                                inspectors=w["team"][:2], reason="x")
    assert _fields(exc) == [("plan", "outside_plan")]


def test_the_plan_page_offers_the_due_post_checks_and_adds_one(world, client: Client):
    w = world
    client.force_login(w["boss"].user)
    url = f"/supervision/manage/plans/{w['plan'].number}/"
    page = client.get(url)
    assert page.status_code == 200 and w["app"].number in page.content.decode()
    refused = client.post(url, {"action": "post_check", "pc-check": w["check"].pk, "pc-inspectors": w["team"][0]})
    assert refused.status_code == 200 and "pc-inspectors" in refused.content.decode()
    done = client.post(url, {"action": "post_check", "pc-check": w["check"].pk,
                             "pc-inspectors": " ".join(w["team"][:2])})
    assert done.status_code == 302
    w["check"].refresh_from_db()
    assert w["check"].inspection is not None and w["check"].inspection.targeted == "LAB-PC"
    app_page = client.get(f"/qualification/a/{w['app'].number}/")
    assert w["plan"].number in app_page.content.decode()


def test_the_inspection_page_publishes_a_post_check_with_the_revocation_decision(world, client: Client):
    w = world
    inspection = post_checks.post_check_plan(actor=w["boss"], check=w["check"], plan=w["plan"],
                                             inspectors=w["team"][:2])
    _record(w, "nonconforming", "承诺的授权签字人不在岗")
    client.force_login(w["boss"].user)
    url = f"/supervision/manage/inspections/{inspection.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="decision_no"' in page.content.decode()
    refused = client.post(url, {"action": "publish"})
    assert refused.status_code == 200 and "decision_no" in refused.content.decode()
    inspection.refresh_from_db()
    assert inspection.status == "recorded"
    done = client.post(url, {"action": "publish", "decision_no": "苏市监检〔2026〕8号"})
    assert done.status_code == 302
    w["app"].refresh_from_db()
    assert w["app"].status == "revoked"
