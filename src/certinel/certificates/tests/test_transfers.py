"""Transfers between bodies (docs/decisions/0004-transfers.md): another body's report never
ends a certificate by itself. The old certificate waits, in force, until its body or the
holder confirms (it ends), objects (it stays), or the objection period passes (the scheduled
job ends it); every channel (engine, file import, API) only opens the transfer; the parties
are told by e-mail once the change commits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core import mail

from certinel.accounts.models import Role
from certinel.accounts.services import api_key_create
from certinel.certificates import services
from certinel.certificates.io import import_file
from certinel.certificates.models import Certificate, CertificateTransfer
from certinel.certificates.policy import TRANSFER_POLICY_FILE, transfer_policy
from certinel.certificates.reporting import report_certificates
from certinel.certificates.selectors import certificate_for_verification
from certinel.certificates.services_transfers import TRANSFER_SIGNER, transfer_confirm, transfer_object
from certinel.certificates.trail import trail_of
from certinel.core.actor import Actor
from certinel.core.errors import Conflict, NotPermitted, TransitionNotAllowed, ValidationFailed
from certinel.core.history import history_for
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, build_user, certificate_data

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


class World:
    """Two bodies and a holder moving from the first (old) to the second (new), with an
    account for each party and for bystanders, each with an e-mail address."""

    def __init__(self) -> None:
        self.old_body, self.new_body, self.third_body = body_with_scopes(), body_with_scopes(), body_with_scopes()
        self.holder = build_org(name="测试转换机械有限公司", contact_email="contact@holder.example")
        self.other_org = build_org(name="测试旁观制造有限公司")
        self.old_op = build_user(Role.CB_OPERATOR, body=self.old_body, email="old@body.example")
        self.new_op = build_user(Role.CB_OPERATOR, body=self.new_body, email="new@body.example")
        self.third_op = build_user(Role.CB_OPERATOR, body=self.third_body, email="third@body.example")
        self.holder_user = build_user(Role.ORG_USER, organization=self.holder, email="user@holder.example")
        self.other_user = build_user(Role.ORG_USER, organization=self.other_org, email="user@other.example")
        self.regulator = build_user(Role.REGULATOR, jurisdiction_code="32", email="reg@samr.example")
        self.admin = build_user(Role.ADMIN, email="admin@registry.example")
        self.old_data = certificate_data(holder=self.holder, number="OLD2401001Q")
        assert report(self.old_body, [self.old_data]).ok
        self.old = Certificate.objects.get(body=self.old_body, number="OLD2401001Q")

    def moved(self, number: str = "NEW2405001Q", **kw):
        return certificate_data(holder=self.holder, number=number, transferred_from_body=self.old_body.approval_no,
                                transferred_from_number=self.old.number, issued_on=TODAY - dt.timedelta(days=2),
                                **kw)

    def take_over(self, number: str = "NEW2405001Q") -> CertificateTransfer:
        actor = Actor.for_user(self.new_op)
        assert report_certificates(actor=actor, body=self.new_body, items=[self.moved(number)]).ok
        return CertificateTransfer.objects.get(target__number=number)


def report(body, items, **kw):
    return report_certificates(actor=SYSTEM, body=body, items=items, **kw)


def errors_of(result) -> set[tuple[int | None, str, str]]:
    return {(e.row, e.field, e.code) for e in result.errors}


def as_(user) -> Actor:
    return Actor.for_user(user)


def reload(obj):
    obj.refresh_from_db()
    return obj


@pytest.fixture
def world() -> World:
    return World()


# --- opening a transfer ------------------------------------------------------------------------

def test_a_reported_transfer_only_makes_the_old_certificate_pending(world):
    transfer = world.take_over()
    old, new = reload(world.old), Certificate.objects.get(number="NEW2405001Q")
    assert old.status == "transfer_pending" and new.status == "valid" and new.transferred_from == old
    assert (transfer.state, transfer.source, transfer.target, transfer.from_body, transfer.to_body,
            transfer.holder) == ("pending", old, new, world.old_body, world.new_body, world.holder)
    event = trail_of(old.pk)[-1]
    assert event.kind == "transfer_requested" and event.status_before == "valid"
    assert event.status_after == "transfer_pending" and event.delay_days == 0 and event.occurred_on == TODAY
    assert new.number in event.reason and world.new_body.name in event.reason
    assert [r.action for r in history_for(transfer)] == ["transfer_requested"]
    assert history_for(old).last().action == "certificate_transfer_requested"
    # The old certificate is still in force: verification answers "valid" and says why it waits.
    verdict = certificate_for_verification(old.number, world.holder.name)
    assert verdict.outcome == "valid" and verdict.check.status == "transfer_pending"
    assert "transfer_pending" in verdict.check.warnings and verdict.check.successor == new


def test_the_period_is_the_policy_in_force_and_is_kept_with_the_transfer(world):
    policy = transfer_policy(on=TODAY, region_code=world.holder.region_code)
    transfer = world.take_over()
    assert transfer.objection_days == policy.objection_days >= 1 and transfer.policy == policy.label
    assert transfer.requested_on == TODAY and transfer.deadline == TODAY + dt.timedelta(days=policy.objection_days)
    assert "IAF MD 2" in policy.source  # the rule it follows is named


def test_a_jurisdiction_may_set_its_own_period(tmp_path: Path):
    path = tmp_path / "policy.csv"
    path.write_text(TRANSFER_POLICY_FILE.read_text(encoding="utf-8")
                    + '2027-01,2027-01-01,32,15,"Jiangsu rule (example)"\n', encoding="utf-8")
    assert transfer_policy(on=dt.date(2026, 12, 31), region_code="320102", path=path).objection_days == 30
    jiangsu = transfer_policy(on=dt.date(2027, 1, 1), region_code="320102", path=path)
    assert (jiangsu.objection_days, jiangsu.label) == (15, "2027-01/32")
    assert transfer_policy(on=dt.date(2027, 1, 1), region_code="110101", path=path).objection_days == 30


def test_while_pending_the_old_certificate_cannot_be_taken_over_again_or_changed(world):
    world.take_over()
    # A second taker is refused: the certificate already waits.
    second = certificate_data(holder=world.holder, number="THIRD00001Q",
                              transferred_from_body=world.old_body.approval_no,
                              transferred_from_number=world.old.number)
    assert errors_of(report(world.third_body, [second])) == {(1, "transferred_from_number", "transfer_pending")}
    # The old body's own re-send (still valid in its system) changes nothing.
    resend = report(world.old_body, [world.old_data])
    assert resend.ok and resend.count("unchanged") == 1
    # Its status decisions wait for the answer: confirm or object first.
    suspend = certificate_data(holder=world.holder, number=world.old.number, status="suspended",
                               status_reason="监督不合格", suspended_until=TODAY + dt.timedelta(days=30),
                               issued_on=world.old_data.issued_on)
    assert errors_of(report(world.old_body, [suspend])) == {(1, "status", "transfer_pending")}
    with pytest.raises(TransitionNotAllowed):
        services.certificate_suspend(actor=as_(world.old_op), certificate=world.old, until=TODAY + dt.timedelta(days=9),
                                     reason="监督不合格", signed_by="李主任")
    # Nobody reports "transfer pending": it is the register's own status.
    own = certificate_data(holder=world.holder, status="transfer_pending")
    assert ("status", "invalid_choice") in {(f, c) for _r, f, c in errors_of(report(world.third_body, [own]))}
    assert reload(world.old).status == "transfer_pending"


def test_the_old_body_may_end_its_own_certificate_and_the_transfer_closes(world, django_capture_on_commit_callbacks):
    # A body whose system reports the client as gone (cancelled) needs no extra step.
    transfer = world.take_over()
    gone = certificate_data(holder=world.holder, number=world.old.number, status="cancelled",
                            status_reason="客户转至其他机构", issued_on=world.old_data.issued_on)
    with django_capture_on_commit_callbacks(execute=True):
        assert report(world.old_body, [gone]).ok
    assert reload(world.old).status == "cancelled" and trail_of(world.old.pk)[-1].kind == "cancelled"
    assert (reload(transfer).state, transfer.decided_by) == ("lapsed", "registry")
    assert "new@body.example" in {a for m in mail.outbox for a in m.to}  # the accepting body hears of it
    verdict = certificate_for_verification(world.old.number, world.holder.name)
    assert verdict.check.successor.number == "NEW2405001Q" and "transferred" in verdict.check.warnings
    # The same through the single-certificate service.
    holder = build_org(name="测试注销转换有限公司")
    assert report(world.old_body, [certificate_data(holder=holder, number="OLD2401002Q")]).ok
    moved = certificate_data(holder=holder, number="NEW2405002Q", transferred_from_body=world.old_body.approval_no,
                             transferred_from_number="OLD2401002Q")
    assert report(world.new_body, [moved]).ok
    old = Certificate.objects.get(number="OLD2401002Q")
    services.certificate_cancel(actor=as_(world.old_op), certificate=old, reason="客户转至其他机构", signed_by="陈主任")
    assert CertificateTransfer.objects.get(source=old).state == "lapsed"


def test_one_batch_cannot_take_the_same_certificate_over_twice(world):
    result = report(world.new_body, [world.moved("NEW2405001Q"), world.moved("NEW2405002Q")])
    assert errors_of(result) == {(2, "transferred_from_number", "duplicate_in_batch")}
    assert not CertificateTransfer.objects.exists() and reload(world.old).status == "valid"


def test_a_file_import_only_opens_the_transfer(world, tmp_path: Path):
    issued = TODAY - dt.timedelta(days=2)
    expires = issued.replace(year=issued.year + 3) - dt.timedelta(days=1)
    path = tmp_path / "takeover.csv"
    path.write_text(
        "证书编号,认证制度,统一社会信用代码,获证组织名称,发证日期,有效期至,认证范围,范围代码,签发人,转出机构批准号,原证书编号\n"
        f"NEW2405009Q,QMS,{world.holder.uscc},{world.holder.name},{issued},{expires},机械零部件的设计和生产,18,王签发,"
        f"{world.old_body.approval_no},{world.old.number}\n", encoding="utf-8")
    result = import_file(path, actor=as_(world.new_op), body=world.new_body)
    assert result.ok and result.written
    assert reload(world.old).status == "transfer_pending"
    assert CertificateTransfer.objects.get().target.number == "NEW2405009Q"


@pytest.mark.urls("certinel.certificates.tests.test_api_reporting")
def test_the_reporting_api_only_opens_the_transfer(world, client):
    key = api_key_create(actor=as_(world.new_op), body=world.new_body, name="业务系统")[1]
    issued = TODAY - dt.timedelta(days=2)
    row = {"number": "NEW2405010Q", "scheme": "QMS", "holder_uscc": world.holder.uscc,
           "holder_name": world.holder.name, "issued_on": issued.isoformat(),
           "expires_on": (issued.replace(year=issued.year + 3) - dt.timedelta(days=1)).isoformat(),
           "scope_text": "机械零部件的设计和生产", "scope_codes": ["18"], "signed_by": "王签发",
           "transferred_from_body": world.old_body.approval_no, "transferred_from_number": world.old.number}
    response = client.post("/api/v1/certificates/batch", {"certificates": [row]}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200, response.content
    assert reload(world.old).status == "transfer_pending"
    # The old body's reporting delays do not count events it did not report.
    old_key = api_key_create(actor=as_(world.old_op), body=world.old_body, name="业务系统")[1]
    delays = client.get("/api/v1/certificates/reporting-delays", HTTP_AUTHORIZATION=f"Bearer {old_key}").json()
    assert delays["total"] == 1  # its own issue only


# --- answering -------------------------------------------------------------------------------

def test_the_old_body_confirms_and_the_old_certificate_ends(world):
    transfer = world.take_over()
    transfer_confirm(actor=as_(world.old_op), transfer=transfer, signed_by="陈主任")
    transfer, old = reload(transfer), reload(world.old)
    assert (transfer.state, transfer.decided_by, transfer.signed_by, transfer.decided_on) == (
        "confirmed", "old_body", "陈主任", TODAY)
    assert old.status == "cancelled"
    event = trail_of(old.pk)[-1]
    assert (event.kind, event.status_before, event.status_after, event.signed_by) == (
        "transferred", "transfer_pending", "cancelled", "陈主任")
    assert "原发证机构确认" in event.reason
    assert [r.action for r in history_for(transfer)] == ["transfer_requested", "transfer_confirmed"]
    verdict = certificate_for_verification(old.number, world.holder.name)
    assert verdict.outcome == "not_valid" and "transferred" in verdict.check.warnings
    assert verdict.check.successor.number == "NEW2405001Q"
    # A second answer is refused, whoever gives it.
    for user in (world.old_op, world.holder_user):
        with pytest.raises(TransitionNotAllowed) as refused:
            transfer_confirm(actor=as_(user), transfer=transfer, signed_by="陈主任")
        assert refused.value.code == "transfer_settled"
    with pytest.raises(TransitionNotAllowed):
        transfer_object(actor=as_(world.holder_user), transfer=transfer, signed_by="赵经理", reason="晚了")
    assert reload(old).status == "cancelled" and len(trail_of(old.pk)) == 3


def test_the_holder_confirms(world):
    transfer = world.take_over()
    transfer_confirm(actor=as_(world.holder_user), transfer=transfer, signed_by="赵经理", reason="我们已改由新机构认证")
    assert (reload(transfer).state, transfer.decided_by) == ("confirmed", "holder")
    assert reload(world.old).status == "cancelled" and "获证组织确认" in trail_of(world.old.pk)[-1].reason


@pytest.mark.parametrize("who", ["new_op", "third_op", "other_user", "regulator"])
def test_nobody_else_may_answer(world, who):
    transfer = world.take_over()
    user = getattr(world, who)
    for answer in (transfer_confirm, transfer_object):
        with pytest.raises(NotPermitted):
            answer(actor=as_(user), transfer=transfer, signed_by="某人", reason="不同意")
    assert reload(transfer).state == "pending" and reload(world.old).status == "transfer_pending"
    assert reload(transfer).version == 1


def test_an_objection_refuses_the_transfer_and_the_old_certificate_stays(world):
    transfer = world.take_over()
    with pytest.raises(ValidationFailed) as missing:
        transfer_object(actor=as_(world.holder_user), transfer=transfer, signed_by="赵经理", reason=" ")
    assert [e.field for e in missing.value.errors] == ["reason"]
    with pytest.raises(ValidationFailed):
        transfer_confirm(actor=as_(world.holder_user), transfer=transfer, signed_by=" ")
    transfer_object(actor=as_(world.holder_user), transfer=transfer, signed_by="赵经理", reason="本公司未申请转换")
    transfer, old = reload(transfer), reload(world.old)
    assert (transfer.state, transfer.decided_by, transfer.reason) == ("objected", "holder", "本公司未申请转换")
    assert old.status == "valid"
    event = trail_of(old.pk)[-1]
    assert (event.kind, event.status_before, event.status_after) == ("transfer_refused", "transfer_pending", "valid")
    assert "本公司未申请转换" in event.reason
    # The new certificate is its body's: it stays as reported, and is no longer the old one's successor.
    assert Certificate.objects.get(number="NEW2405001Q").status == "valid"
    verdict = certificate_for_verification(old.number, world.holder.name)
    assert verdict.outcome == "valid" and verdict.check.successor is None
    assert not {"transferred", "transfer_pending"} & set(verdict.check.warnings)
    # The tick leaves a refused transfer alone, even after its deadline.
    services.certificates_tick(on=transfer.deadline + dt.timedelta(days=1))
    assert reload(world.old).status == "valid"
    assert reload(transfer).state == "objected"


def test_a_stale_page_cannot_answer(world):
    transfer = world.take_over()
    transfer_object(actor=as_(world.old_op), transfer=transfer, signed_by="陈主任", reason="客户尚有未结审核")
    with pytest.raises(Conflict):
        transfer_confirm(actor=as_(world.holder_user), transfer=transfer, signed_by="赵经理", expected_version=1)


def test_the_system_administrator_may_answer(world):
    transfer = world.take_over()
    transfer_confirm(actor=as_(world.admin), transfer=transfer, signed_by="平台值班员")
    assert (reload(transfer).state, transfer.decided_by) == ("confirmed", "registry")


# --- the scheduled job ---------------------------------------------------------------------------

def test_after_the_period_without_objection_the_tick_ends_the_old_certificate(world):
    transfer = world.take_over()
    assert services.certificates_tick(on=transfer.deadline)["transfers_confirmed"] == 0
    assert reload(world.old).status == "transfer_pending"
    counts = services.certificates_tick(on=transfer.deadline + dt.timedelta(days=1))
    assert counts["transfers_confirmed"] == 1
    transfer, old = reload(transfer), reload(world.old)
    assert (transfer.state, transfer.decided_by, transfer.signed_by) == (
        "deemed_confirmed", "registry", TRANSFER_SIGNER)
    assert old.status == "cancelled"
    event = trail_of(old.pk)[-1]
    assert event.kind == "transferred" and event.signed_by == TRANSFER_SIGNER and "届满" in event.reason
    # Running it again changes nothing.
    again = services.certificates_tick(on=transfer.deadline + dt.timedelta(days=2))
    assert (again["transfers_confirmed"], again["transfers_withdrawn"], again["transfers_lapsed"]) == (0, 0, 0)
    assert len(trail_of(old.pk)) == 3


def test_a_transfer_whose_new_certificate_ended_is_withdrawn(world):
    transfer = world.take_over()
    new = Certificate.objects.get(number="NEW2405001Q")
    services.certificate_cancel(actor=as_(world.new_op), certificate=new, reason="报送错误", signed_by="王签发")
    with pytest.raises(TransitionNotAllowed) as refused:
        transfer_confirm(actor=as_(world.old_op), transfer=transfer, signed_by="陈主任")
    assert refused.value.code == "transfer_target_ended"
    assert services.certificates_tick(on=TODAY)["transfers_withdrawn"] == 1
    assert reload(transfer).state == "withdrawn" and reload(world.old).status == "valid"
    assert trail_of(world.old.pk)[-1].kind == "transfer_withdrawn"


def test_a_transfer_whose_old_certificate_expired_first_lapses(world):
    holder = build_org(name="测试到期转换有限公司")
    issued = TODAY - dt.timedelta(days=3 * 365 - 10)
    data = certificate_data(holder=holder, number="OLD2301009Q", issued_on=issued,
                            expires_on=TODAY + dt.timedelta(days=5))
    assert report(world.old_body, [data]).ok
    moved = certificate_data(holder=holder, number="NEW2405019Q", transferred_from_body=world.old_body.approval_no,
                             transferred_from_number="OLD2301009Q", issued_on=TODAY)
    assert report(world.new_body, [moved]).ok
    old = Certificate.objects.get(number="OLD2301009Q")
    assert old.status == "transfer_pending"
    counts = services.certificates_tick(on=TODAY + dt.timedelta(days=6))
    assert counts["expired"] == 1  # the expiry closes the transfer at once
    assert reload(old).status == "expired" and CertificateTransfer.objects.get(source=old).state == "lapsed"


# --- telling the parties ---------------------------------------------------------------------------

def test_the_old_body_and_the_holder_are_told_once_it_commits(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        transfer = world.take_over()
    told = sorted(address for message in mail.outbox for address in message.to)
    assert told == ["contact@holder.example", "old@body.example", "user@holder.example"]
    assert all(len(message.to) == 1 for message in mail.outbox)  # nobody sees the others' addresses
    message = mail.outbox[0]
    assert world.old.number in message.subject and "transfer" in message.subject.lower()
    assert world.new_body.name in message.body and transfer.deadline.isoformat() in message.body
    assert f"/transfers/{transfer.pk}/" in message.body
    assert "原证书仍然有效" in message.body and "stays valid" in message.body  # Chinese, then English
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        transfer_object(actor=as_(world.old_op), transfer=transfer, signed_by="陈主任", reason="客户尚有未结审核")
    told = sorted(address for message in mail.outbox for address in message.to)
    assert told == ["contact@holder.example", "new@body.example", "old@body.example", "user@holder.example"]
    assert "客户尚有未结审核" in mail.outbox[0].body


def test_a_refused_batch_tells_nobody(world, django_capture_on_commit_callbacks):
    bad = certificate_data(holder=world.holder, scope_codes=["45"])
    with django_capture_on_commit_callbacks(execute=True):
        result = report(world.new_body, [world.moved(), bad])
    assert not result.ok and not mail.outbox and not CertificateTransfer.objects.exists()
