"""Complaints, reports and cases through their services: every step allowed and refused, the
time limits they set, what a decision writes, and one history record per change."""

from __future__ import annotations

import datetime as dt

import pytest

from certinel.accounts.models import Role
from certinel.cases import services, services_cases
from certinel.cases.models import BodyRequest, Case, Complaint, SupervisionItem
from certinel.cases.transitions import BODY_REQUEST, CASE, COMPLAINT, WARNING
from certinel.certificates.services import certificate_issue
from certinel.core.actor import Actor
from certinel.core.errors import Conflict, NotPermitted, TransitionNotAllowed, ValidationFailed
from certinel.core.history import history_for
from certinel.core.testing.builders import body_with_scopes, build_org, build_user, certificate_data
from certinel.credit.models import CreditFact

from .factories import HTML, PDF, PUBLIC, accepted, complaint, open_case, regulator

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


def _codes(exc) -> set[str]:
    return {e.code for e in exc.value.errors}


def test_a_complaint_is_received_with_its_acceptance_limit_and_a_hashed_contact():
    found, code = complaint(received_on=D("2026-09-30"))
    assert found.status == "received" and found.accept_due == D("2026-10-15") and len(code) == 8
    assert found.code_hash != code and services.code_matches(found, code) and not services.code_matches(found, "X")
    [record] = history_for(found)
    assert record.action == "cases_complaint_received"
    assert record.after["contact_phone"].startswith("hmac-sha256:") and "13800000000" not in str(record.after)
    assert "follow_token" not in record.after and "code_hash" not in record.after


def test_bad_complaints_are_refused_with_every_reason_and_nothing_written():
    with pytest.raises(ValidationFailed) as exc:
        services.complaint_submit(actor=PUBLIC, kind="complaint", subject="", facts=" ", evidence=[HTML],
                                  anonymous=True)
    assert {"required", "not_anonymous", "file_type"} <= _codes(exc)
    with pytest.raises(ValidationFailed) as exc:
        services.complaint_submit(actor=PUBLIC, kind="report", subject="NOSUCHCERT", facts="x", evidence=[])
    assert _codes(exc) == {"unknown_subject", "required"}  # and a name is needed unless anonymous
    assert Complaint.objects.count() == 0


def test_a_report_may_be_anonymous_and_then_carries_no_contact():
    found, _code = complaint(kind="report", anonymous=True)
    assert found.anonymous and not found.contact_name and not found.contact_phone
    with pytest.raises(ValidationFailed) as exc:
        complaint(kind="report", anonymous=True, contact_name="张三")
    assert _codes(exc) == {"contact_given"}


def test_a_certificate_number_names_its_holder_and_region():
    body = body_with_scopes(region_code="320102")
    holder = build_org(region_code="320506")
    cert = certificate_issue(actor=Actor.system("test"), body=body,
                             data=certificate_data(holder=holder, number="CASE-0001Q"))
    found, _code = complaint(subject="CASE-0001Q")
    assert (found.subject_kind, found.certificate_id, found.organization_id, found.body_id, found.region_code) == (
        "certificate", cert.pk, holder.pk, body.pk, "320506")


def test_accept_sets_the_mediation_or_check_limit():
    reg = regulator()
    mediated = accepted(reg, received_on=D("2026-09-18"))
    assert mediated.accepted_on == D("2026-09-18") and mediated.handle_due == D("2026-11-26")
    checked = accepted(reg, kind="report", received_on=D("2026-09-18"))
    assert checked.handle_due == D("2026-10-15")


def test_only_a_regulator_of_the_region_decides():
    found, _code = complaint()
    with pytest.raises(NotPermitted):
        services.complaint_accept(actor=regulator("11"), complaint=found)
    with pytest.raises(NotPermitted):
        services.complaint_accept(actor=Actor.for_user(build_user(Role.ORG_USER, organization=found.organization)),
                                  complaint=found)


def test_reject_needs_feedback_and_ends_it():
    reg = regulator()
    found, _code = complaint()
    with pytest.raises(ValidationFailed):
        services.complaint_reject(actor=reg, complaint=found, feedback=" ")
    done = services.complaint_reject(actor=reg, complaint=found, feedback="不属于本部门管辖。")
    assert (done.status, done.outcome) == ("rejected", "rejected")
    with pytest.raises(TransitionNotAllowed):
        services.complaint_accept(actor=reg, complaint=done)


def test_a_report_check_extends_once_before_it_ends_and_a_complaint_never():
    reg = regulator()
    report = accepted(reg, kind="report", received_on=D("2026-09-18"))
    done = services.complaint_extend(actor=reg, complaint=report, reason="需要调取外省材料", approved_by="张局长",
                                     on=D("2026-10-10"))
    assert done.handle_due == D("2026-11-05") and done.extended
    with pytest.raises(ValidationFailed) as exc:
        services.complaint_extend(actor=reg, complaint=done, reason="再延", approved_by="张局长", on=D("2026-10-12"))
    assert _codes(exc) == {"extended"}
    late = accepted(reg, kind="report", received_on=D("2026-09-18"))
    with pytest.raises(ValidationFailed) as exc:
        services.complaint_extend(actor=reg, complaint=late, reason="x", approved_by="y", on=D("2026-10-16"))
    assert _codes(exc) == {"too_late"}
    mediated = accepted(reg)
    with pytest.raises(ValidationFailed) as exc:
        services.complaint_extend(actor=reg, complaint=mediated, reason="x", approved_by="y")
    assert _codes(exc) == {"not_report"}


def test_close_takes_the_outcomes_of_its_kind():
    reg = regulator()
    mediated = accepted(reg)
    with pytest.raises(ValidationFailed):
        services.complaint_close(actor=reg, complaint=mediated, outcome="no_clue", feedback="x")
    done = services.complaint_close(actor=reg, complaint=mediated, outcome="mediated", feedback="双方达成协议。")
    assert done.status == "closed" and done.closed_on
    with pytest.raises(TransitionNotAllowed):
        services.complaint_close(actor=reg, complaint=done, outcome="mediated", feedback="x")
    report = accepted(reg, kind="report")
    done = services.complaint_close(actor=reg, complaint=report, outcome="no_clue", feedback="未发现")
    assert done.status == "closed"


def test_the_transition_tables_allow_only_their_steps():
    assert COMPLAINT.allowed("received") == ["accept", "reject"]
    assert COMPLAINT.allowed("accepted") == ["extend", "close", "open_case"]
    assert COMPLAINT.allowed("in_case") == ["conclude"]
    assert COMPLAINT.allowed("closed") == [] and COMPLAINT.allowed("rejected") == []
    assert CASE.allowed("open") == ["assign"]
    assert CASE.allowed("investigating") == ["assign", "note", "request", "decide"]
    assert CASE.allowed("decided") == ["request", "close"]
    assert CASE.allowed("closed") == []
    assert BODY_REQUEST.allowed("open") == ["answer", "withdraw"] and BODY_REQUEST.allowed("answered") == []
    assert WARNING.allowed("open") == ["dismiss", "open_case"] and WARNING.allowed("in_case") == []


def test_case_steps_refused_out_of_order():
    reg = regulator()
    complaint_ = accepted(reg)
    case = services_cases.case_open(actor=reg, complaint=complaint_, summary="立案")
    assert case.status == "open" and Complaint.objects.get(pk=complaint_.pk).status == "in_case"
    with pytest.raises(TransitionNotAllowed):
        services_cases.case_note(actor=reg, case=case, text="先记录")
    with pytest.raises(TransitionNotAllowed):
        services_cases.case_decide(actor=reg, case=case, decision="no_violation", decision_text="x", signatory="y")
    with pytest.raises(TransitionNotAllowed):
        services_cases.case_close(actor=reg, case=case)
    with pytest.raises(TransitionNotAllowed):  # a complaint becomes one case
        services_cases.case_open(actor=reg, complaint=complaint_, summary="again")


def test_a_penalty_needs_its_legal_basis_number_and_severity():
    reg = regulator()
    case = open_case(reg)
    with pytest.raises(ValidationFailed) as exc:
        services_cases.case_decide(actor=reg, case=case, decision="penalty", decision_text="罚款", signatory="")
    assert {e.field for e in exc.value.errors} == {"legal_basis", "decision_no", "penalty_severity", "signatory"}
    with pytest.raises(ValidationFailed) as exc:
        services_cases.case_decide(actor=reg, case=case, decision="transfer", decision_text="移送", signatory="王")
    assert {e.field for e in exc.value.errors} == {"transfer_to"}


def _world(reg):
    body = body_with_scopes(region_code="320102")
    holder = build_org(region_code="320102")
    cert = certificate_issue(actor=Actor.system("test"), body=body,
                             data=certificate_data(holder=holder, number="CASE-0100Q"))
    return body, holder, cert


def test_a_penalty_writes_a_credit_fact_requests_and_a_supervision_item_then_closes_only_when_answered():
    reg = regulator()
    body, holder, cert = _world(reg)
    case = open_case(reg, subject=holder.uscc)
    services_cases.case_note(actor=reg, case=case, text="现场检查记录", evidence=[PDF])
    ask = services_cases.case_request(actor=reg, case=case, kind="information", text="请说明审核情况",
                                      certificate="CASE-0100Q")
    assert ask.body_id == body.pk and ask.due_on > ask.created_at.date()
    decided = services_cases.case_decide(
        actor=reg, case=case, decision="penalty", decision_text="超范围生产，罚款一万元", signatory="张局长",
        legal_basis="《认证认可条例》第六十六条", decision_no="宁市监罚〔2026〕1号", penalty_severity="general",
        suspend=["CASE-0100Q"], supervise=True)
    fact = CreditFact.objects.get(pk=decided.credit_fact_id)
    assert (fact.kind, fact.severity, fact.decision_no, fact.organization_id) == (
        "administrative_penalty", "general", "宁市监罚〔2026〕1号", holder.pk)
    suspension = BodyRequest.objects.get(case=case, kind="suspension")
    assert suspension.certificate_id == cert.pk and suspension.status == "open"
    assert SupervisionItem.objects.get(case=case).uscc == holder.uscc
    with pytest.raises(Conflict) as exc:
        services_cases.case_close(actor=reg, case=decided)
    assert exc.value.code == "open_requests" and len(exc.value.details["requests"]) == 2
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    other_body = Actor.for_user(build_user(Role.CB_OPERATOR, body=body_with_scopes()))
    with pytest.raises(NotPermitted):
        services_cases.request_answer(actor=other_body, request=ask, answer="x", complied=False)
    services_cases.request_answer(actor=operator, request=ask, answer="审核记录见附件", complied=False)
    with pytest.raises(ValidationFailed):  # complying needs the signatory and the end of the suspension
        services_cases.request_answer(actor=operator, request=suspension, answer="照办", complied=True)
    services_cases.request_answer(actor=operator, request=suspension, answer="已暂停", complied=True,
                                  signed_by="李签发", until=dt.date.today() + dt.timedelta(days=90))
    cert.refresh_from_db()
    assert cert.status == "suspended" and "AJ" in cert.status_reason
    closed = services_cases.case_close(actor=reg, case=decided)
    complaint_ = Complaint.objects.get(pk=case.complaint_id)
    assert closed.status == "closed" and complaint_.status == "closed" and complaint_.outcome == "case_decided"
    assert "宁市监罚〔2026〕1号" in complaint_.feedback


def test_a_withdrawn_request_no_longer_holds_the_case_open():
    reg = regulator()
    body, holder, _cert = _world(reg)
    case = open_case(reg, subject=holder.uscc)
    ask = services_cases.case_request(actor=reg, case=case, kind="information", text="请说明", certificate="CASE-0100Q")
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    case = services_cases.case_decide(actor=reg, case=case, decision="no_violation", decision_text="未发现违法",
                                      signatory="王")
    with pytest.raises(ValidationFailed):
        services_cases.request_withdraw(actor=reg, request=ask, reason="")
    services_cases.request_withdraw(actor=reg, request=ask, reason="已无必要")
    with pytest.raises(TransitionNotAllowed):
        services_cases.request_answer(actor=operator, request=ask, answer="x", complied=False)
    assert services_cases.case_close(actor=reg, case=case).status == "closed"
    assert Case.objects.get(pk=case.pk).credit_fact_id is None


def test_a_request_names_a_certificate_of_the_subject():
    reg = regulator()
    _world(reg)
    case = open_case(reg)  # another organization
    with pytest.raises(ValidationFailed) as exc:
        services_cases.case_request(actor=reg, case=case, kind="suspension", text="暂停", certificate="CASE-0100Q")
    assert _codes(exc) == {"unknown_certificate"}
    with pytest.raises(ValidationFailed) as exc:
        services_cases.case_request(actor=reg, case=case, kind="information", text="说明")
    assert _codes(exc) == {"no_body"}


def test_every_step_writes_one_history_record():
    reg = regulator()
    case = open_case(reg)
    actions = [r.action for r in history_for(case)]
    assert actions == ["cases_case_opened", "cases_case_assigned"]
    complaint_ = Complaint.objects.get(pk=case.complaint_id)
    assert [r.action for r in history_for(complaint_)] == [
        "cases_complaint_received", "cases_complaint_accepted", "cases_complaint_case_opened"]
