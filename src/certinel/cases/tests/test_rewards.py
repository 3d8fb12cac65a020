"""Rewards for reports that prove true: the amount per grade from the data file, the steps
allowed and refused, no reward for a report not proved true or for a complaint, and the
reporter's identity in no public answer, history record or log leaf. All names fictional."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from certinel.cases import services_cases
from certinel.cases.models import Complaint
from certinel.cases.reward_rules import REWARDS_FILE, reward_rule
from certinel.cases.services_rewards import reward_approve, reward_propose, reward_refuse
from certinel.cases.transitions import REWARD
from certinel.core.errors import Conflict, NotPermitted, TransitionNotAllowed, ValidationFailed
from certinel.core.history import history_for
from certinel.transparency.leaf import change_record_leaf

from .factories import open_case, regulator

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat
REPORTER = {"contact_name": "赵举报", "contact_phone": "13911112222", "contact_email": "zhao@example.org"}


def _decided(reg, decision="penalty", **kw):
    case = open_case(reg, **{"kind": "report", **REPORTER, **kw})
    extra = {"legal_basis": "《认证认可条例》第六十六条", "decision_no": "宁市监罚〔2026〕7号",
             "penalty_severity": "serious"} if decision == "penalty" else {}
    return services_cases.case_decide(actor=reg, case=case, decision=decision, decision_text="查证属实",
                                      signatory="张局长", on=D("2026-03-02"), **extra)


@pytest.mark.parametrize(("grade", "fines", "amount"), [
    ("1", "200000", "10000.00"), ("1", "40000", "5000.00"), ("1", "0", "5000.00"),
    ("2", "200000", "6000.00"), ("2", "50000", "3000.00"),
    ("3", "200000", "2000.00"), ("3", "0", "1000.00"),
    ("1", "30000000", "1000000.00"),  # 5% is 1.5 M: the cap per case
])
def test_the_amount_per_grade_is_a_share_of_the_fines_with_a_floor_and_a_cap(grade, fines, amount):
    rule = reward_rule(grade, on=D("2026-03-02"))
    assert rule.amount(Decimal(fines)) == Decimal(amount)
    assert rule.edition == "2021-12" and "国市监稽规〔2021〕4号" in rule.source
    assert reward_rule(grade, on=D("2026-03-02")).needs_finance(Decimal("500000"))
    assert not rule.needs_finance(Decimal("499999.99"))


def test_no_rule_before_the_rules_took_effect():
    from certinel.cases.policy import PolicyError

    with pytest.raises(PolicyError):
        reward_rule("1", on=D("2021-11-30"))
    assert REWARDS_FILE.name == "rewards.csv"


def test_a_penalty_on_a_report_is_proposed_approved_and_told_on_the_follow_page_only(client):
    reg, other = regulator(), regulator()
    case = _decided(reg)
    reward = reward_propose(actor=reg, case=case, grade="2", fines="150000", on=D("2026-03-03"))
    assert (reward.amount, reward.status, reward.rules_edition) == (Decimal("4500.00"), "proposed", "2021-12")
    assert "4号" in reward.basis and reward.complaint_id == case.complaint_id
    with pytest.raises(Conflict) as exc:  # four eyes
        reward_approve(actor=reg, reward=reward, reason="查证属实")
    assert exc.value.code == "same_person"
    with pytest.raises(ValidationFailed):
        reward_approve(actor=other, reward=reward, reason=" ")
    reward = reward_approve(actor=other, reward=reward, reason="举报内容与违法事实完全相符")
    assert reward.status == "approved" and reward.decided_by == other.label
    assert REWARD.allowed("approved") == REWARD.allowed("refused") == []
    assert REWARD.allowed("proposed") == ["approve", "refuse"]
    for step in (reward_approve, reward_refuse):
        with pytest.raises(TransitionNotAllowed):
            step(actor=other, reward=reward, reason="再次")
    records = list(history_for(reward))
    assert [r.action for r in records] == ["cases_reward_proposed", "cases_reward_approved"]
    with pytest.raises(Conflict) as exc:
        reward_propose(actor=reg, case=case, grade="1", fines="1")
    assert exc.value.code == "reward_exists"
    # The log holds commitments only, and nothing here names the reporter.
    for record in records:
        leaf = change_record_leaf(record).decode()
        assert '"type":"private"' in leaf and "4500" not in leaf
        for contact in REPORTER.values():
            assert contact not in leaf and contact not in str(record.after) and contact not in reward.basis


def test_a_refusal_keeps_its_reasons_and_cannot_be_approved_after():
    reg, other = regulator(), regulator()
    reward = reward_propose(actor=reg, case=_decided(reg), grade="3", fines="0")
    reward = reward_refuse(actor=other, reward=reward, reason="举报人为利害关系人")
    assert (reward.status, reward.reason, reward.amount) == ("refused", "举报人为利害关系人", Decimal("1000.00"))
    with pytest.raises(TransitionNotAllowed):
        reward_approve(actor=other, reward=reward, reason="改为批准")
    assert [r.action for r in history_for(reward)][-1] == "cases_reward_refused"


def test_no_reward_for_a_report_not_proved_true_a_complaint_or_a_case_still_open():
    reg = regulator()
    with pytest.raises(Conflict) as exc:
        reward_propose(actor=reg, case=_decided(reg, decision="no_violation"), grade="1", fines="0")
    assert exc.value.code == "not_proved"
    with pytest.raises(Conflict) as exc:
        reward_propose(actor=reg, case=open_case(reg, kind="report", anonymous=True), grade="1", fines="0")
    assert exc.value.code == "not_proved"
    complaint_case = open_case(reg)  # a complaint (投诉), not a report
    with pytest.raises(Conflict) as exc:
        reward_propose(actor=reg, case=complaint_case, grade="1", fines="0")
    assert exc.value.code == "not_report"


def test_bad_input_and_other_regions_are_refused():
    reg = regulator()
    case = _decided(reg)
    with pytest.raises(ValidationFailed) as exc:
        reward_propose(actor=reg, case=case, grade="4", fines="-1")
    assert {e.field for e in exc.value.errors} == {"grade", "fines"}
    with pytest.raises(ValidationFailed):
        reward_propose(actor=reg, case=case, grade="1", fines="很多")
    with pytest.raises(NotPermitted):
        reward_propose(actor=regulator("11"), case=case, grade="1", fines="0")


def test_an_anonymous_report_with_its_follow_code_is_rewarded():
    reg = regulator()
    case = _decided(reg, anonymous=True, contact_name="", contact_phone="", contact_email="")
    reward = reward_propose(actor=reg, case=case, grade="1", fines="1000000")
    assert reward.amount == Decimal("50000.00") and Complaint.objects.get(pk=case.complaint_id).anonymous


def _reported_case(reg):
    """A report with its follow code, become a case that decided a penalty."""
    from certinel.cases.services import complaint_accept

    from .factories import complaint

    found, code = complaint(kind="report", **REPORTER)
    complaint_accept(actor=reg, complaint=found, on=found.received_on)
    case = services_cases.case_open(actor=reg, complaint=found, summary="核查", authority="南京市市场监督管理局")
    case = services_cases.case_assign(actor=reg, case=case, assignee="王执法")
    case = services_cases.case_decide(actor=reg, case=case, decision="penalty", decision_text="查证属实",
                                      signatory="张局长", legal_basis="《认证认可条例》第六十六条",
                                      decision_no="宁市监罚〔2026〕8号", penalty_severity="general")
    return Complaint.objects.get(pk=found.pk), code, case


def test_the_case_page_proposes_and_approves_and_the_reporter_reads_it_privately(client):
    from django.urls import reverse

    reg, other = regulator(), regulator()
    found, code, case = _reported_case(reg)
    url = reverse("cases:case", kwargs={"pk": case.pk})
    client.force_login(reg.user)
    page = client.get(url).content.decode()
    assert 'id="do-reward_propose"' in page and "do-reward_approve" not in page
    bad = client.post(url, {"action": "reward_propose", "reward_propose-grade": "9", "reward_propose-fines": "x"})
    assert bad.status_code == 200 and not found.rewards.exists()
    done = client.post(url, {"action": "reward_propose", "reward_propose-grade": "1",
                             "reward_propose-fines": "300000"})
    assert done.status_code == 302 and found.rewards.get().amount == Decimal("15000.00")
    client.force_login(other.user)
    assert 'id="do-reward_approve"' in client.get(url).content.decode()
    assert client.post(url, {"action": "reward_approve", "reward_approve-text": "查证属实"}).status_code == 302
    client.logout()
    follow = reverse("cases:follow", kwargs={"token": found.follow_token})
    shown = client.post(follow, {"code": code}).content.decode()
    assert 'id="follow-reward"' in shown and "15000.00" in shown
    answer = client.get(f"/api/v1/cases/follow/{found.follow_token}", HTTP_X_FOLLOW_CODE=code).json()
    assert answer["reward"] == {"grade": "1", "status": "approved", "amount": "15000.00",
                                "decided_on": answer["reward"]["decided_on"], "reason": "查证属实"}
    for contact in REPORTER.values():
        assert contact not in shown and contact not in str(answer)
    assert "15000" not in client.post(follow, {"code": "WRONGCODE"}).content.decode()


def test_who_may_not_decide_the_case_cannot_post_a_reward(client):
    from django.urls import reverse

    from certinel.accounts.models import Role
    from certinel.core.testing.builders import build_user

    reg = regulator()
    _found, _code, case = _reported_case(reg)
    client.force_login(build_user(Role.REGULATOR, jurisdiction_code="11"))
    url = reverse("cases:case", kwargs={"pk": case.pk})
    assert client.post(url, {"action": "reward_propose", "reward_propose-grade": "1",
                             "reward_propose-fines": "1"}).status_code == 404
    assert not case.complaint.rewards.exists()
