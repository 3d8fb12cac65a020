"""Qualification applications (issue 16, points 1-3): the form and its refusals, acceptance,
the reviewers' draw, findings, the decision with its certificate and dated scope, the
post-check of a commitment, the permission matrix, and no personal data in the log."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.utils.timezone import localdate

from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from certinel.core.history import history_for
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import SYSTEM, build_lab, build_user
from certinel.core.workdays import add_working_days
from certinel.credit.models import CreditFact
from certinel.qualification import services_applications as apps
from certinel.qualification import services_review as review
from certinel.qualification.models import Application, CmaCertificate, PostCheck
from certinel.qualification.selectors import scope_in_force
from certinel.qualification.transitions import APPLICATION
from certinel.registry import services as registry
from certinel.supervision import draw
from certinel.transparency.leaf import change_record_leaf

from .applications import SOURCES, STAFF, form, people, reviewed, reviewers, submitted

pytestmark = pytest.mark.django_db


def _fields(exc) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


def test_the_general_procedure_from_form_to_certificate_and_dated_scope():
    lab, operator, regulator = people()
    team = reviewers(3)
    app = submitted(lab, operator)
    assert app.status == "submitted" and app.accept_due == add_working_days(app.submitted_on, 5)
    apps.application_accept(actor=regulator, application=app)
    app.refresh_from_db()
    assert app.review_told_days == 30 and app.decide_due == add_working_days(app.accepted_on, 40)
    review.reviewers_draw(actor=regulator, application=app, sources=SOURCES)
    app.refresh_from_db()
    drawn = [a.reviewer_id for a in app.assignments.all()]
    assert app.status == "reviewing" and len(drawn) == 2 and set(drawn) <= {r.pk for r in team}
    finding = review.finding_record(actor=regulator, application=app, stage="onsite", description="记录不全",
                                    clause="4.5.11")
    with pytest.raises(ValidationFailed) as exc:
        review.review_close(actor=regulator, application=app)
    assert _fields(exc) == [("findings", "finding_open")]
    with pytest.raises(ValidationFailed) as exc:
        apps.application_approve(actor=regulator, application=app)
    assert _fields(exc) == [("review", "review_open")]
    review.finding_close(actor=regulator, finding=finding, corrective_action="补充记录并培训")
    review.review_close(actor=regulator, application=app)
    app.refresh_from_db()
    assert app.status == "reviewed" and app.decide_due == add_working_days(app.review_closed_on, 10)
    assert all(a.on_time for a in app.assignments.all())
    apps.application_approve(actor=regulator, application=app)
    app.refresh_from_db()
    lab.refresh_from_db()
    today = localdate()
    assert app.status == "approved" and lab.cma_issued_on == today
    assert lab.cma_valid_until == dt.date(today.year + 6, today.month, today.day) - dt.timedelta(days=1) or (
        today.month == 2 and today.day == 29)
    cert = CmaCertificate.objects.get(application=app)
    assert cert.number == lab.cma_no
    assert cert.document["credentialSubject"]["approvedScope"][0]["standard"] == "GB 14881-2013"
    assert "王质量" not in json.dumps(cert.document, ensure_ascii=False)
    assert [s.item for s in scope_in_force(lab, today)] == ["卫生规范符合性"]
    assert scope_in_force(lab, today - dt.timedelta(days=1)) == []
    assert [r.action for r in history_for(app)][-1] == "qualification_application_approved"
    assert not PostCheck.objects.filter(application=app).exists()


def test_every_application_transition_allowed_and_refused():
    for action, (sources, _target) in APPLICATION.table.items():
        for state in APPLICATION.states():
            if state in sources:
                APPLICATION.target(action, state)
            else:
                with pytest.raises(TransitionNotAllowed):
                    APPLICATION.target(action, state)


def test_refusals_name_the_field():
    lab, operator, _regulator = people()
    app = apps.application_create(actor=operator, lab=lab, kind="first")
    with pytest.raises(ValidationFailed) as exc:
        apps.application_submit(actor=operator, application=app)
    assert ("items", "required") in _fields(exc) and ("evidence", "required") in _fields(exc)
    with pytest.raises(ValidationFailed) as exc:
        apps.application_update(actor=operator, application=app, items=[
            {"field": "00", "object": "大米", "parameter": "铅", "standard": "GB 0000-1999"}])
    assert _fields(exc) == [("items[0].standard", "unknown_standard")]
    with pytest.raises(ValidationFailed) as exc:
        apps.application_update(actor=operator, application=app, staff=[{"name": "甲"}])
    assert ("staff[0].id_number", "required") in _fields(exc)
    with pytest.raises(ValidationFailed) as exc:
        apps.application_create(actor=operator, lab=lab, kind="first", qualifications=["CMA", "NOPE"])
    assert _fields(exc) == [("qualifications", "unknown")]
    # Notification and commitment: not for an excluded field, and only once signed.
    app = apps.application_create(actor=operator, lab=lab, kind="first", procedure="commitment")
    apps.application_update(actor=operator, application=app, **form(items=[
        {"field": "07", "object": "物证", "parameter": "指纹", "standard": "GB 14881-2013"}]))
    with pytest.raises(ValidationFailed) as exc:
        apps.application_submit(actor=operator, application=app)
    assert ("procedure", "commitment_not_allowed") in _fields(exc)
    assert ("commitment_signed_by", "required") in _fields(exc)
    # A renewal later than 3 months before the end of the certificate (2028-01-09).
    renewal = apps.application_create(actor=operator, lab=lab, kind="renewal")
    apps.application_update(actor=operator, application=renewal, **form())
    apps.application_attach(actor=operator, application=renewal, files=[apps.evidence_files.EvidenceFile("a.pdf",
                                                                                                       b"%PDF-1")])
    with pytest.raises(ValidationFailed) as exc:
        apps.application_submit(actor=operator, application=renewal, on=dt.date(2027, 11, 1))
    assert _fields(exc) == [("kind", "renewal_too_late")]
    assert apps.application_submit(actor=operator, application=renewal, on=dt.date(2027, 9, 1)).status == "submitted"


def test_forbidden_steps_are_refused():
    lab, operator, regulator = people()
    reviewers(2)
    app = submitted(lab, operator)
    with pytest.raises(TransitionNotAllowed):
        apps.application_submit(actor=operator, application=app)
    with pytest.raises(TransitionNotAllowed):
        apps.application_update(actor=operator, application=app, site={"address": "新址"})
    with pytest.raises(ValidationFailed) as exc:  # general procedure: no decision without a review
        apps.application_accept(actor=regulator, application=app)
        apps.application_approve(actor=regulator, application=app)
    assert _fields(exc) == [("review", "review_missing")]
    with pytest.raises(ValidationFailed):
        apps.application_reject(actor=regulator, application=app, reason="")
    apps.application_refuse(actor=regulator, application=app, reason="能力不足")
    with pytest.raises(TransitionNotAllowed):
        apps.application_withdraw(actor=operator, application=app)


def test_permission_matrix():
    lab, operator, regulator = people()
    other_lab = build_lab(region_code="320102")
    other_operator = Actor.for_user(build_user("lab_operator", lab=other_lab))
    other_region = Actor.for_user(build_user("regulator", jurisdiction_code="31"))
    anonymous = Actor(user=AnonymousUser(), label="anonymous")
    app = submitted(lab, operator)
    with pytest.raises(NotPermitted):
        apps.application_create(actor=other_operator, lab=lab, kind="first")
    with pytest.raises(NotPermitted):
        apps.application_withdraw(actor=other_operator, application=app)
    with pytest.raises(NotPermitted):
        apps.application_accept(actor=operator, application=app)
    with pytest.raises(NotPermitted):
        apps.application_accept(actor=other_region, application=app)
    with pytest.raises(NotPermitted):
        apps.application_create(actor=regulator, lab=lab, kind="first")  # the lab applies, not its regulator
    with pytest.raises(NotPermitted):
        apps.application_create(actor=anonymous, lab=lab, kind="first")
    assert apps.application_accept(actor=regulator, application=app).status == "accepted"


def test_reviewers_with_a_conflict_are_excluded_and_refused_and_the_draw_replays(tmp_path, capsys):
    lab, operator, regulator = people()
    team = reviewers(3)
    other_province = reviewers(2, authority="31")
    # The first reviewer also works for the lab: a conflict.
    registry.person_role_add(actor=SYSTEM, person=team[0].person, kind="signatory", lab=lab,
                             valid_from=dt.date(2021, 1, 1))
    app = submitted(lab, operator)
    apps.application_accept(actor=regulator, application=app)
    review.reviewers_draw(actor=regulator, application=app, sources=SOURCES)
    app.refresh_from_db()
    drawn = sorted(a.reviewer_id for a in app.assignments.all())
    assert drawn == sorted(r.pk for r in team[1:])  # same province, no conflict
    assert f"R{team[0].pk}" in app.draw_published["inspectors"]["subjects"][app.number]["excluded"]
    assert {d["id"] for d in app.draw_published["inspectors"]["directory"]} >= {f"R{r.pk}" for r in other_province}
    assert draw.replay(app.draw_published) == app.draw_result
    assert "评审员" not in json.dumps(app.draw_published, ensure_ascii=False)  # codes, not names
    plan, result = tmp_path / "plan.json", tmp_path / "result.json"
    plan.write_text(json.dumps(app.draw_published, ensure_ascii=False), encoding="utf-8")
    result.write_text(draw.dumps(app.draw_result), encoding="utf-8")
    call_command("draw", "replay", "--published", str(plan), "--expect", str(result))
    assignment = app.assignments.first()
    with pytest.raises(ValidationFailed) as exc:
        review.reviewer_replace(actor=regulator, assignment=assignment, reviewer=team[0], reason="回避")
    assert _fields(exc) == [("reviewer", "conflict")]
    with pytest.raises(ValidationFailed) as exc:
        review.reviewer_replace(actor=regulator, assignment=assignment, reviewer=build_person_role_other_field(),
                                reason="回避")
    assert _fields(exc) == [("reviewer", "not_eligible")]
    # Too few reviewers without a conflict: the draw is refused, naming what is missing.
    second = submitted(lab, operator)
    apps.application_accept(actor=regulator, application=second)
    with pytest.raises(ValidationFailed) as exc:
        review.reviewers_draw(actor=regulator, application=second, sources=SOURCES)
    assert _fields(exc) == [("reviewers", "too_few")]


def build_person_role_other_field():
    return reviewers(1, field="01")[0]


def test_a_commitment_approval_gets_its_post_check_and_an_untrue_one_is_revoked_with_a_credit_fact():
    lab, operator, regulator = people()
    before = localdate() - dt.timedelta(days=1)
    registry.lab_scope_item_add(actor=SYSTEM, lab=lab, kind="basic", field_code="00", item="水分",
                                granted_on=dt.date(2024, 1, 1))
    app = submitted(lab, operator, kind="extension", procedure="commitment")
    apps.application_accept(actor=regulator, application=app)
    app.refresh_from_db()
    assert app.review_told_days is None and app.decide_due == add_working_days(app.accepted_on, 10)
    apps.application_approve(actor=regulator, application=app)
    check = PostCheck.objects.get(application=app)
    today = localdate()
    assert check.due_on == apps.add_months(today, 3) and check.status == "open"
    lab.refresh_from_db()
    assert lab.cma_valid_until == dt.date(2028, 1, 9)  # an extension keeps the certificate's end
    assert sorted(s.item for s in scope_in_force(lab, today)) == ["卫生规范符合性", "水分"]
    apps.post_check_false(actor=regulator, check=check, note="人员不在岗", decision_no="苏市监检〔2026〕1号",
                          authority="江苏省市场监督管理局")
    app.refresh_from_db()
    assert app.status == "revoked"
    assert CmaCertificate.objects.get(application=app).status == "revoked"
    assert [s.item for s in scope_in_force(lab, today)] == ["水分"]
    assert sorted(s.item for s in scope_in_force(lab, before)) == ["水分"]
    fact = CreditFact.objects.get(lab=lab)
    assert fact.kind == "commitment_broken"


def test_a_reviewer_complaint_upheld_is_a_credit_fact_of_the_practitioner():
    lab, operator, regulator = people()
    reviewers(2)
    app = reviewed(lab, operator, regulator)
    assignment = app.assignments.first()
    fact = review.reviewer_complaint_upheld(actor=regulator, assignment=assignment, decision_no="苏市监〔2026〕9号",
                                            authority="江苏省市场监督管理局", description="评审中收受礼品")
    assert fact.kind == "complaint_upheld" and fact.person_id == assignment.reviewer.person_id


def test_staff_personal_data_never_enters_the_log():
    lab, operator, _regulator = people()
    app = submitted(lab, operator, kind="first", procedure="commitment")
    records = ChangeRecord.objects.filter(object_id=str(app.pk), action__startswith="qualification_application")
    text = json.dumps([[r.before, r.after] for r in records], ensure_ascii=False)
    for value in (STAFF[0]["id_number"], STAFF[0]["phone"], STAFF[0]["name"], "钱签署"):
        assert value not in text
    assert Application.objects.get(pk=app.pk).staff[0]["id_number"] == STAFF[0]["id_number"]
    leaves = b"".join(change_record_leaf(r) for r in ChangeRecord.objects.all())  # the log's leaves
    for value in (STAFF[0]["id_number"], STAFF[0]["phone"], STAFF[0]["name"], "钱签署"):
        assert value.encode() not in leaves
