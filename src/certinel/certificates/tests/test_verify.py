"""The verification verdict a buyer relies on: genuine or not, status today, the body's
approval at issue and today, holder and scope matches, several bodies with one number, the
public trail, and what "not found" offers. Given / when / then; all names fictional."""

from __future__ import annotations

import datetime as dt

import pytest

from certinel.certificates import selectors, services
from certinel.certificates.selectors import certificate_for_verification as verify
from certinel.core.testing.builders import SYSTEM, build_body, build_org, certificate_data
from certinel.registry import services as registry
from certinel.registry.models import BodyScope

from .test_search import TODAY, World, approved_body, build_world, issue


@pytest.fixture
def world(db) -> World:
    return build_world()


def test_genuine_and_valid_with_the_holder_as_printed(world):
    verdict = verify("TQ2401001Q", "测试华盛电子有限公司")
    assert verdict.outcome == "valid" and verdict.found and verdict.others == 1
    check = verdict.check
    assert check is not None and check.certificate.body_id == world.east.pk
    assert check.holder.result == "exact" and check.holder.matched == "测试华盛电子有限公司"
    assert check.status == "valid" and check.valid_today
    assert check.approval.at_issue and check.approval.today
    assert [e.kind for e in check.events] == ["issued"]


@pytest.mark.parametrize("typed", ["测试华盛电子有限公司", " 测试华盛电子 有限公司 ", "测试华盛电子有限公司。"])
def test_spacing_and_punctuation_do_not_matter(world, typed):
    verdict = verify("WQ2404005Q", typed.replace("华盛电子", "华盛贸易").replace("测试华盛", "上海测试华盛"))
    assert verdict.check.holder.result == "exact"


def test_brackets_full_or_half_width_are_the_same_name(db):
    body = approved_body()
    org = build_org(name="测试精密（南京）有限公司")
    issue(body, org, "TB2401001Q")
    assert verify("TB2401001Q", "测试精密(南京)有限公司").check.holder.result == "exact"


def test_the_holder_code_works_as_well_as_the_name(world):
    assert verify("WQ2404005Q", world.shanghai.uscc).check.holder.result == "exact"
    verdict = verify("WQ2404005Q", world.huasheng.uscc)
    assert verdict.outcome == "mismatch" and verdict.check.holder.closest == world.shanghai.uscc


def test_a_different_holder_is_a_mismatch_with_the_closest_name(world):
    verdict = verify("WQ2404005Q", "测试宏达机电有限公司")
    assert verdict.outcome == "mismatch"
    holder = verdict.check.holder
    assert holder.result == "mismatch" and holder.closest == "上海测试华盛贸易有限公司"
    assert 0 < holder.similarity < 1
    # Still a genuine certificate of someone else: its facts are shown.
    assert verdict.check.status == "valid"


def test_part_of_the_name_is_flagged_not_refused(world):
    verdict = verify("WQ2404005Q", "华盛贸易")
    assert verdict.outcome == "valid"
    assert verdict.check.holder.result == "partial" and "holder_partial" in verdict.check.warnings


def test_current_name_after_a_rename_and_the_former_name(world):
    # Printed under the old name, revoked since.
    revoked = verify("TQ2302003Q", "南京测试精密机械有限公司")
    assert revoked.outcome == "not_valid" and revoked.check.holder.result == "exact"
    # A certificate printed with the new name, presented under the old one.
    issue(world.east, world.jinggong, "TQ2405009Q")
    verdict = verify("TQ2405009Q", "南京测试精工机械有限公司")
    assert verdict.outcome == "valid"
    assert verdict.check.holder.result == "former_name" and "holder_former_name" in verdict.check.warnings
    assert verdict.check.former_names == ["南京测试精工机械有限公司"]


def test_suspended_with_until_and_reason(world):
    verdict = verify("TQ2401002E", "测试华盛电子有限公司")
    assert verdict.outcome == "not_valid"
    cert = verdict.check.certificate
    assert (cert.status_today, cert.suspended_until, cert.status_reason) == (
        "suspended", TODAY + dt.timedelta(days=60), "监督审核发现严重不符合")
    assert [e.kind for e in verdict.check.events] == ["issued", "suspended"]
    assert verdict.check.events[1].signed_by == "李主任"


def test_missed_surveillance_counts_before_the_job_runs(world):
    verdict = verify("TQ2203004Q", "苏州测试纺织有限公司")
    assert verdict.outcome == "not_valid"
    assert (verdict.check.status, verdict.check.certificate.status_today_why) == ("suspended", "surveillance_missed")


@pytest.fixture
def organic(db):
    """An organic product certificate: valid twelve months, no surveillance in between."""
    body = approved_body(schemes=("ORGANIC",))
    holder = build_org(name="测试绿野农场有限公司")
    issued = TODAY - dt.timedelta(days=30)
    return issue(body, holder, "TO2401001P", scheme="ORGANIC", scope_codes=[], scope_text="有机大米",
                 issued_on=issued, expires_on=issued.replace(year=issued.year + 1) - dt.timedelta(days=1))


def test_expiry_counts_on_the_day_after(organic):
    assert verify("TO2401001P", today=organic.expires_on).outcome == "valid"
    after = verify("TO2401001P", today=organic.expires_on + dt.timedelta(days=1))
    assert after.outcome == "not_valid" and after.check.status == "expired"
    assert after.check.certificate.status_today_why == "expired"


def test_expiring_soon_is_a_warning(organic):
    verdict = verify("TO2401001P", today=organic.expires_on - dt.timedelta(days=10))
    assert verdict.outcome == "valid" and "expires_soon" in verdict.check.warnings
    assert "expires_soon" not in verify("TO2401001P").check.warnings


def test_scope_code_or_words_must_be_covered(world):
    assert verify("TQ2401002E", "测试华盛电子有限公司", "18").check.scope.result == "covered"
    assert verify("TQ2401002E", "测试华盛电子有限公司", "018").check.scope.result == "covered"
    assert verify("TQ2401002E", "测试华盛电子有限公司", "电子元器件").check.scope.result == "covered"
    verdict = verify("WQ2404005Q", "上海测试华盛贸易有限公司", "食品加工")
    assert verdict.outcome == "mismatch" and verdict.check.scope.result == "not_covered"


def test_one_number_at_two_bodies(world):
    both = verify("TQ2401001Q")
    assert both.outcome == "several" and len(both.checks) == 2 and both.check is None
    assert {c.certificate.body_id for c in both.checks} == {world.east.pk, world.west.pk}
    narrowed = verify("TQ2401001Q", "上海测试华盛贸易有限公司")
    assert narrowed.outcome == "valid" and narrowed.others == 1
    assert narrowed.check.certificate.body_id == world.west.pk
    nobody = verify("TQ2401001Q", "测试宏达机电有限公司")
    assert nobody.outcome == "mismatch" and len(nobody.checks) == 2


def test_not_found_suggests_the_holder_known_to_the_register(world):
    verdict = verify("TQ9999999Q", "华盛电子")
    assert verdict.outcome == "not_found" and not verdict.found and verdict.checks == []
    assert [(org.pk, n) for org, n in verdict.suggestions] == [(world.huasheng.pk, 2)]
    assert verify("TQ9999999Q", world.suzhou.uscc).suggestions == [(world.suzhou, 1)]
    assert verify("TQ9999999Q").suggestions == []
    assert verify("TQ9999999Q", "华").suggestions == []


def test_number_typed_loosely_is_still_found(world):
    assert verify("wq2404005q").outcome == "valid"
    assert verify("ＷＱ２４０４００５Ｑ").outcome == "valid"
    assert verify(" WQ 2404005Q ").found


def test_approval_at_issue_and_today(db):
    body = build_body(approval_date=dt.date(2015, 3, 1))
    scope = registry.body_scope_grant(actor=SYSTEM, body=body, scheme_code="QMS",
                                      granted_on=TODAY - dt.timedelta(days=10))
    holder = build_org(name="测试远航船舶有限公司")
    # Issued (and reported) 30 days ago: the approval came only 10 days ago.
    issue(body, holder, "TA2401001Q")
    check = verify("TA2401001Q", "测试远航船舶有限公司").check
    assert not check.approval.at_issue and check.approval.today
    assert check.approval.scheme_at_issue is False
    assert "body_not_approved_at_issue" in check.warnings
    registry.body_scope_withdraw(actor=SYSTEM, scope=scope, reason="扩项复评未通过")
    check = verify("TA2401001Q").check
    assert not check.approval.today and "body_not_approved_today" in check.warnings


def test_approval_narrowed_to_sectors(db):
    body = approved_body(schemes=(), sectors=(18,))
    holder = build_org(name="测试光电设备有限公司")
    issue(body, holder, "TE2401001E", scheme="EMS", scope_codes=["18"])
    check = verify("TE2401001E").check
    assert check.approval.at_issue and check.approval.outside_at_issue == []
    # A later grant for sector 19, and a scope change into it: covered today, not at issue.
    registry.body_scope_grant(actor=SYSTEM, body=body, scheme_code="EMS", iaf_sector=19)
    services.certificate_change_scope(actor=SYSTEM, certificate=check.certificate, signed_by="周",
                                      scope_codes=["18", "19"], scope_text="光电设备的生产")
    check = verify("TE2401001E").check
    assert check.approval.outside_at_issue == ["19"] and check.approval.outside_today == []
    assert not check.approval.at_issue and check.approval.today


def test_suspended_body_is_not_approved_today(world):
    registry.body_suspend(actor=SYSTEM, body=world.west, reason="监督检查发现严重问题")
    check = verify("WQ2404005Q").check
    assert check.approval.at_issue and not check.approval.today
    assert check.approval.body_status == "suspended"
    assert "body_not_approved_today" in check.warnings


def test_transferred_certificate_points_to_its_successor(world):
    from certinel.certificates.models import CertificateTransfer
    from certinel.certificates.services_transfers import transfer_confirm

    services.certificate_issue(actor=SYSTEM, body=world.west, data=certificate_data(
        holder=world.suzhou, number="WQ2405010Q", transferred_from_body=world.east.approval_no,
        transferred_from_number="TQ2203004Q", issued_on=TODAY - dt.timedelta(days=1)))
    # Until the old body or the holder confirms, the old certificate is still in force.
    pending = verify("TQ2203004Q", "苏州测试纺织有限公司")
    assert pending.outcome == "valid" and pending.check.status == "transfer_pending"
    assert pending.check.successor.number == "WQ2405010Q" and "transfer_pending" in pending.check.warnings
    transfer_confirm(actor=SYSTEM, transfer=CertificateTransfer.objects.get(), signed_by="李主任")
    verdict = verify("TQ2203004Q", "苏州测试纺织有限公司")
    assert verdict.outcome == "not_valid" and verdict.check.status == "cancelled"
    assert verdict.check.successor is not None and verdict.check.successor.number == "WQ2405010Q"
    assert "transferred" in verdict.check.warnings


def test_late_report_is_a_warning(world):
    # Issued 100 days before it was reported (the deadline is a few days).
    assert "reported_late" in verify("TQ2401001Q", "测试华盛电子有限公司").check.warnings
    holder = build_org(name="测试及时报送有限公司")
    issue(world.east, holder, "TQ2406011Q", issued_on=TODAY)
    assert "reported_late" not in verify("TQ2406011Q").check.warnings


def test_verdict_reads_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        verify("TQ2401002E", "测试华盛电子有限公司", "18")


def test_scope_rows_are_read_per_body_and_scheme(world):
    assert BodyScope.objects.filter(body=world.east).count() == 3
    check = verify("TQ2401002E").check
    assert check.approval.scheme_at_issue and check.approval.outside_today == []


def test_public_events_carry_reason_and_signer(world):
    events = [selectors.public_event(e) for e in verify("TQ2302003Q").check.events]
    assert [(e["kind"], e["reason"], e["signed_by"]) for e in events] == [
        ("issued", "", "王签发"), ("revoked", "冒用认证标志", "李主任")]
