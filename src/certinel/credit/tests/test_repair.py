"""Published penalties and awards, and credit repair: every step allowed and refused, who may
take it, the display periods the policy gives, the scheduled end at the maximum, and every
change written once to the history and the log (the publication public, the request private).
Given / when / then."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from certinel.accounts.models import Role
from certinel.accounts.permissions import can, scope
from certinel.core.actor import Actor
from certinel.core.dates import add_months
from certinel.core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from certinel.core.history import history_for
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import build_body, build_lab, build_org, build_person, build_user
from certinel.credit import evidence as evidence_files
from certinel.credit.choices import PublicationStatus, RepairStatus
from certinel.credit.models import FactPublication, RepairRequest
from certinel.credit.policy import display_policy
from certinel.credit.services import entry_annul
from certinel.credit.services_facts import fact_annul, fact_record
from certinel.credit.services_repair import (
    fact_publish,
    publications_expire,
    repair_approve,
    repair_refuse,
    repair_request,
)
from certinel.transparency.leaf import parse_leaf
from certinel.transparency.register import check_register

from .factories import listed, regulator

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
PDF = evidence_files.EvidenceFile("罚款缴纳凭证.pdf", b"%PDF-1.4\n% receipt\n%%EOF\n")
PNG = evidence_files.EvidenceFile("整改照片.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32)


def _leaf(record) -> dict:
    return parse_leaf(bytes(ChangeRecord.objects.get(pk=record.pk).leaf))


def fact(
    actor: Actor,
    subject: str,
    *,
    severity: str = "general",
    kind: str = "administrative_penalty",
    days_ago: int = 400,
    decision_no: str = "苏市监罚〔2025〕88号",
):
    return fact_record(
        actor=actor,
        subject=subject,
        kind=kind,
        severity=severity,
        occurred_on=TODAY - dt.timedelta(days=days_ago),
        decision_no=decision_no,
        authority="南京市市场监督管理局",
        description="未按规定使用认证标志",
    )


def published(actor: Actor, subject: str, *, severity: str = "general", days_ago: int = 200, **kw) -> FactPublication:
    made = fact(actor, subject, severity=severity, days_ago=max(days_ago, 400), **kw)
    return fact_publish(
        actor=actor, fact=made, summary="未按规定使用认证标志，罚款一万元", on=TODAY - dt.timedelta(days=days_ago)
    )


def own(subject) -> Actor:
    field = {"Organization": "organization", "CertificationBody": "body", "Lab": "lab"}[type(subject).__name__]
    role = {"organization": Role.ORG_USER, "body": Role.CB_OPERATOR, "lab": Role.LAB_OPERATOR}[field]
    return Actor.for_user(build_user(role, **{field: subject}))


def ask(actor: Actor, publication: FactPublication, **kw) -> RepairRequest:
    values = {
        "statement": "已缴清罚款并停止使用认证标志",
        "pledge": "本单位承诺今后严格遵守认证认可法规",
        "evidence": [PDF],
    }
    values.update(kw)
    return repair_request(actor=actor, publication=publication, **values)


# --- publication ------------------------------------------------------------------------------------


def test_a_general_penalty_is_published_with_the_policys_periods_and_a_public_leaf():
    org = build_org(region_code="320102")
    reg = regulator("3201")
    made = fact(reg, org.uscc)
    day = TODAY - dt.timedelta(days=10)
    pub = fact_publish(actor=reg, fact=made, summary="未按规定使用认证标志，罚款一万元", on=day)
    policy = display_policy(severity="general", on=day, region_code="320102")
    assert (policy.min_months, policy.max_months) == (3, 12)
    assert (pub.uscc, pub.subject_name, pub.organization, pub.status) == (org.uscc, org.name, org, "displayed")
    assert pub.repair_from == add_months(day, 3) and pub.display_until == add_months(day, 12)
    assert pub.policy == policy.label and pub.decided_on == made.occurred_on
    [record] = history_for(pub)
    leaf = _leaf(record)
    assert leaf["type"] == "credit_fact_published" and leaf["object"]["type"] == "credit.factpublication"
    assert leaf["after"]["summary"] == "未按规定使用认证标志，罚款一万元"
    assert check_register()[1] == []


def test_a_serious_penalty_is_displayed_one_to_three_years_and_a_minor_one_not_at_all():
    reg = regulator()
    org = build_org()
    pub = published(reg, org.uscc, severity="serious", days_ago=0)
    assert pub.repair_from == add_months(TODAY, 12) and pub.display_until == add_months(TODAY, 36)
    minor = fact(reg, org.uscc, severity="minor", decision_no="苏市监罚〔2025〕90号")
    with pytest.raises(ValidationFailed) as caught:
        fact_publish(actor=reg, fact=minor, summary="轻微")
    assert caught.value.errors[0].code == "not_displayed"
    assert not FactPublication.objects.filter(fact=minor).exists()


def test_an_award_is_published_without_a_period_and_bodies_and_labs_too():
    reg = regulator()
    for subject in (build_org(), build_body(), build_lab()):
        award = fact(reg, subject.uscc, kind="award", decision_no=f"苏政奖〔2025〕{subject.pk}号")
        pub = fact_publish(actor=reg, fact=award, summary="江苏省质量奖")
        assert (pub.subject, pub.kind, pub.repair_from, pub.display_until) == (subject, "award", None, None)


def test_what_may_not_be_published():
    reg = regulator()
    org = build_org()
    inspection = fact(reg, org.uscc, kind="inspection_failed")
    with pytest.raises(ValidationFailed) as caught:
        fact_publish(actor=reg, fact=inspection, summary="x")
    assert caught.value.errors[0].code == "not_publishable"
    penalty = fact(reg, org.uscc, decision_no="苏市监罚〔2025〕91号")
    with pytest.raises(ValidationFailed) as caught:
        fact_publish(actor=reg, fact=penalty, summary="  ")
    assert caught.value.errors[0].code == "required"
    with pytest.raises(ValidationFailed) as caught:
        fact_publish(actor=reg, fact=penalty, summary="x", on=TODAY + dt.timedelta(days=1))
    assert caught.value.errors[0].code == "invalid_date"
    fact_publish(actor=reg, fact=penalty, summary="x")
    with pytest.raises(ValidationFailed) as caught:
        fact_publish(actor=reg, fact=penalty, summary="x")
    assert caught.value.errors[0].code == "already_published"
    annulled = fact(reg, org.uscc, decision_no="苏市监罚〔2025〕92号")
    fact_annul(actor=reg, fact=annulled, reason="决定被撤销")
    with pytest.raises(ValidationFailed) as caught:
        fact_publish(actor=reg, fact=annulled, summary="x")
    assert caught.value.errors[0].code == "annulled"


def test_a_practitioners_penalty_is_never_published():
    from certinel.core.testing.builders import SYSTEM
    from certinel.registry import services as registry

    reg = regulator("32")
    body = build_body(region_code="320102")
    auditor = build_person(name="钱审核")
    registry.person_role_add(
        actor=SYSTEM,
        person=auditor,
        kind="auditor",
        body=body,
        scheme_code="QMS",
        grade="auditor",
        registration_no="2026-N1QMS-7700009",
    )
    made = fact(reg, "2026-N1QMS-7700009")
    with pytest.raises(ValidationFailed) as caught:
        fact_publish(actor=reg, fact=made, summary="x")
    assert caught.value.errors[0].code == "personal"


def test_only_regulators_of_the_subjects_region_publish():
    org = build_org(region_code="320102")
    made = fact(regulator("32"), org.uscc)
    for actor in (regulator("33"), own(org), Actor.for_user(build_user(Role.CB_OPERATOR, body=build_body()))):
        with pytest.raises(NotPermitted):
            fact_publish(actor=actor, fact=made, summary="x")
    assert not FactPublication.objects.exists()


def test_annulling_the_fact_withdraws_its_publication_publicly():
    reg = regulator()
    pub = published(reg, build_org().uscc)
    fact_annul(actor=reg, fact=pub.fact, reason="行政处罚决定被复议撤销")
    pub.refresh_from_db()
    assert (pub.status, pub.ended_on) == (PublicationStatus.WITHDRAWN, TODAY)
    record = history_for(pub).last()
    assert record.action == "credit_publication_withdrawn" and _leaf(record)["after"]["status"] == "withdrawn"


# --- repair -----------------------------------------------------------------------------------------


def test_the_subject_requests_repair_after_the_minimum_and_the_request_is_private():
    org = build_org()
    pub = published(regulator(), org.uscc, days_ago=100)  # general: 3 months passed
    request = ask(own(org), pub, evidence=[PDF, PNG])
    assert (request.status, request.publication, request.organization, request.requested_on) == (
        RepairStatus.PENDING,
        pub,
        org,
        TODAY,
    )
    assert [e["content_type"] for e in request.evidence] == ["application/pdf", "image/png"]
    assert [e["name"] for e in request.evidence] == ["罚款缴纳凭证.pdf", "整改照片.png"]
    assert evidence_files.read(request.evidence[0]["sha256"]) == PDF.data
    [record] = history_for(request)
    assert record.action == "credit_repair_requested"
    assert _leaf(record)["type"] == "private"  # the statement, pledge and evidence stay out of the log
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.DISPLAYED  # the display does not change until the decision


def test_repair_before_the_minimum_display_period_is_refused():
    org = build_org()
    pub = published(regulator(), org.uscc, days_ago=30)
    with pytest.raises(ValidationFailed) as caught:
        ask(own(org), pub)
    assert caught.value.errors[0].code == "too_early" and str(pub.repair_from) in caught.value.errors[0].message
    assert not RepairRequest.objects.exists()
    # the day the minimum runs out, it is allowed
    assert ask(own(org), pub, on=pub.repair_from).status == RepairStatus.PENDING


def test_repair_while_listed_for_the_same_penalty_is_refused_until_the_entry_ends():
    org = build_org()
    reg = regulator()
    pub = published(reg, org.uscc, severity="serious", days_ago=400, decision_no="苏市监罚〔2025〕95号")
    entry = listed(reg, org.uscc, listed_on=TODAY - dt.timedelta(days=300), penalty_decision_no="苏市监罚〔2025〕95号")
    with pytest.raises(ValidationFailed) as caught:
        ask(own(org), pub)
    assert caught.value.errors[0].code == "listed" and entry.decision_no in caught.value.errors[0].message
    # an entry on another penalty does not stand in the way
    other = published(reg, org.uscc, severity="serious", days_ago=400, decision_no="苏市监罚〔2025〕96号")
    assert ask(own(org), other).status == RepairStatus.PENDING
    entry_annul(actor=reg, entry=entry, reason="行政处罚决定被撤销")
    assert ask(own(org), pub).status == RepairStatus.PENDING


def test_a_request_needs_its_statement_pledge_and_good_evidence():
    org = build_org()
    pub = published(regulator(), org.uscc)
    cases = [
        ({"statement": " ", "pledge": ""}, {"statement", "pledge"}, {"required"}),
        ({"evidence": []}, {"evidence"}, {"required"}),
        ({"evidence": [PDF] * 6}, {"evidence"}, {"too_many"}),
        ({"evidence": [evidence_files.EvidenceFile("x.pdf", b"MZ\x90\x00 not a pdf")]}, {"evidence"}, {"file_type"}),
        ({"evidence": [evidence_files.EvidenceFile("x.pdf", b"")]}, {"evidence"}, {"empty"}),
    ]
    for values, fields, codes in cases:
        with pytest.raises(ValidationFailed) as caught:
            ask(own(org), pub, **values)
        assert {e.field for e in caught.value.errors} == fields and {e.code for e in caught.value.errors} == codes
    assert not RepairRequest.objects.exists()


def test_an_evidence_file_over_the_limit_is_refused(settings):
    settings.CERTINEL_CREDIT_EVIDENCE_MAX_BYTES = 100
    org = build_org()
    pub = published(regulator(), org.uscc)
    with pytest.raises(ValidationFailed) as caught:
        ask(own(org), pub, evidence=[evidence_files.EvidenceFile("big.pdf", b"%PDF-" + b"0" * 100)])
    assert caught.value.errors[0].code == "too_large"


def test_only_the_subjects_own_users_request_and_only_once_at_a_time():
    org = build_org()
    pub = published(regulator(), org.uscc)
    for actor in (own(build_org()), regulator(), Actor.for_user(build_user(Role.CB_OPERATOR, body=build_body()))):
        with pytest.raises(NotPermitted):
            ask(actor, pub)
    ask(own(org), pub)
    with pytest.raises(ValidationFailed) as caught:
        ask(own(org), pub)
    assert caught.value.errors[0].code == "pending"


def test_an_award_is_not_repaired():
    org = build_org()
    reg = regulator()
    award = fact_publish(actor=reg, fact=fact(reg, org.uscc, kind="award"), summary="质量奖")
    with pytest.raises(ValidationFailed) as caught:
        ask(own(org), award)
    assert caught.value.errors[0].code == "not_penalty"


def test_approval_ends_the_display_today_and_publishes_the_pledge_not_the_reasons():
    org = build_org()
    reg = regulator()
    pub = published(reg, org.uscc)
    request = repair_approve(actor=reg, request=ask(own(org), pub), reason="已履行处罚义务，材料齐全")
    pub.refresh_from_db()
    assert (request.status, request.decided_on, request.reason) == ("approved", TODAY, "已履行处罚义务，材料齐全")
    assert (pub.status, pub.ended_on, pub.pledge) == ("repaired", TODAY, "本单位承诺今后严格遵守认证认可法规")
    decided = history_for(request).last()
    assert decided.action == "credit_repair_approved" and _leaf(decided)["type"] == "private"
    ended = history_for(pub).last()
    leaf = _leaf(ended)
    assert ended.action == "credit_publication_repaired" and leaf["reason"] == ""
    assert leaf["after"] == {"status": "repaired", "ended_on": TODAY.isoformat(), "pledge": pub.pledge}
    assert "材料齐全" not in bytes(ChangeRecord.objects.get(pk=ended.pk).leaf).decode()
    assert check_register()[1] == []
    # once decided, no second decision
    with pytest.raises(TransitionNotAllowed):
        repair_refuse(actor=reg, request=request, reason="x")


def test_refusal_needs_reasons_and_keeps_the_display_then_a_new_request_may_follow():
    org = build_org()
    reg = regulator()
    pub = published(reg, org.uscc)
    request = ask(own(org), pub)
    for decide in (repair_approve, repair_refuse):
        with pytest.raises(ValidationFailed) as caught:
            decide(actor=reg, request=request, reason=" ")
        assert caught.value.errors[0].field == "reason"
    request.refresh_from_db()
    assert request.status == RepairStatus.PENDING and len(history_for(request)) == 1
    repair_refuse(actor=reg, request=request, reason="罚款尚未缴清")
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.DISPLAYED and history_for(pub).count() == 1
    assert ask(own(org), pub).status == RepairStatus.PENDING


def test_only_regulators_of_the_region_decide():
    org = build_org(region_code="320102")
    pub = published(regulator("32"), org.uscc)
    request = ask(own(org), pub)
    for actor in (own(org), regulator("33"), Actor.for_user(build_user(Role.CB_OPERATOR, body=build_body()))):
        for decide in (repair_approve, repair_refuse):
            with pytest.raises(NotPermitted):
                decide(actor=actor, request=request, reason="r")
    assert repair_approve(actor=regulator("3201"), request=request, reason="r").status == "approved"


def test_approval_is_refused_when_the_subject_was_listed_for_the_penalty_meanwhile():
    org = build_org()
    reg = regulator()
    pub = published(reg, org.uscc, severity="serious", days_ago=400, decision_no="苏市监罚〔2025〕97号")
    request = ask(own(org), pub)
    listed(reg, org.uscc, listed_on=TODAY, penalty_decision_no="苏市监罚〔2025〕97号")
    with pytest.raises(ValidationFailed) as caught:
        repair_approve(actor=reg, request=request, reason="r")
    assert caught.value.errors[0].code == "listed"
    request.refresh_from_db()
    assert request.status == RepairStatus.PENDING  # nothing written


# --- the end at the maximum ---------------------------------------------------------------------------


def test_the_job_ends_displays_at_their_maximum_once():
    reg = regulator()
    org = build_org()
    due = published(reg, org.uscc, days_ago=370)  # general: 12 months passed
    fresh = published(reg, org.uscc, days_ago=30, decision_no="苏市监罚〔2025〕98号")
    award = fact_publish(actor=reg, fact=fact(reg, org.uscc, kind="award", decision_no="苏政奖1"), summary="奖")
    assert publications_expire() == 1
    due.refresh_from_db()
    assert (due.status, due.ended_on) == (PublicationStatus.EXPIRED, due.display_until)
    record = history_for(due).last()
    assert (record.action, record.reason, record.actor_label) == (
        "credit_publication_expired",
        "公示期届满",
        "credit:display-expiry",
    )
    assert _leaf(record)["after"]["status"] == "expired"
    assert publications_expire() == 0 and history_for(due).count() == 2
    for other in (fresh, award):
        other.refresh_from_db()
        assert other.status == PublicationStatus.DISPLAYED
    # a later day ends the fresh one too; the award has no maximum
    assert publications_expire(on=fresh.display_until) == 1
    # a request for an ended display is refused
    with pytest.raises(TransitionNotAllowed):
        ask(own(org), due)


def test_the_command_and_the_scheduler_end_displays():
    from certinel.core import scheduler

    reg = regulator()
    org = build_org()
    due = published(reg, org.uscc, days_ago=370)
    out = io.StringIO()
    call_command("credit", "penalties", "expire", "--on", TODAY.isoformat(), stdout=out)
    assert "1 display" in out.getvalue()
    due.refresh_from_db()
    assert due.status == PublicationStatus.EXPIRED
    job = next(j for j in scheduler.JOBS if j.run is scheduler.credit_displays)
    assert job.every == 3600.0 and job.run() == ""


# --- the permission matrix for the new records ---------------------------------------------------------


def test_the_matrix_for_publications_and_requests():
    org = build_org(region_code="320102")
    pub = published(regulator("32"), org.uscc)
    request = ask(own(org), pub)
    users = {
        "own": build_user(Role.ORG_USER, organization=org),
        "other_org": build_user(Role.ORG_USER, organization=build_org()),
        "cb": build_user(Role.CB_OPERATOR, body=build_body()),
        "reg_city": build_user(Role.REGULATOR, jurisdiction_code="3201"),
        "reg_other": build_user(Role.REGULATOR, jurisdiction_code="3202"),
        "admin": build_user(Role.ADMIN),
    }
    for obj in (pub, request):
        assert {n for n, u in users.items() if can(u, "view", "credit", obj)} == {"own", "reg_city", "admin"}
        assert {n for n, u in users.items() if can(u, "decide", "credit", obj)} == {"reg_city", "admin"}
        assert {n for n, u in users.items() if can(u, "answer", "credit", obj)} == {"own", "admin"}
    assert {n for n, u in users.items() if scope(u, "view", "credit", RepairRequest.objects.all()).exists()} == {
        "own",
        "reg_city",
        "admin",
    }
