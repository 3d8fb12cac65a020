"""The reporting engine: checks at reporting time, idempotence, derived events, all or nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random

import pytest

from certinel.accounts.models import Role
from certinel.certificates import trail
from certinel.certificates.models import Certificate
from certinel.certificates.reporting import report_certificates
from certinel.certificates.trail import reported_event, trail_of
from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted
from certinel.core.history import history_for
from certinel.core.testing.builders import (
    SYSTEM,
    body_with_scopes,
    build_org,
    build_user,
    certificate_data,
)
from certinel.reference.generators import make_uscc
from certinel.registry import services as registry
from certinel.registry.models import Organization

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def body():
    return body_with_scopes(schemes=("QMS", "EMS"), ccc_products=("0701",))


@pytest.fixture
def holder():
    return build_org(name="测试精工机械有限公司")


def errors_of(result) -> set[tuple[int | None, str, str]]:
    return {(e.row, e.field, e.code) for e in result.errors}


def report(body, items, **kw):
    return report_certificates(actor=SYSTEM, body=body, items=items, **kw)


def test_a_new_certificate_is_issued_with_its_event_and_history(body, holder):
    data = certificate_data(holder=holder, number="00126Q30001R0M")
    result = report(body, [data])
    assert result.ok and result.written and result.count("created") == 1
    cert = Certificate.objects.get(number="00126Q30001R0M")
    assert cert.status == "valid" and cert.version == 1 and cert.holder == holder
    assert cert.scope_codes == ["18"] and cert.region_code == holder.region_code
    assert cert.next_surveillance_due is not None
    event = trail_of(cert.pk)[0]
    assert (event.seq, event.kind, event.signed_by, event.status_after) == (1, "issued", "王签发", "valid")
    assert event.delay_days == 30
    assert [r.action for r in history_for(cert)] == ["certificate_issued"]


def test_resending_the_same_report_changes_nothing(body, holder):
    data = certificate_data(holder=holder)
    report(body, [data])
    result = report(body, [dataclasses.replace(data)])
    assert result.count("unchanged") == 1 and result.count("updated") == 0
    assert Certificate.objects.count() == 1 and len(trail.events()) == 1


def test_dry_run_reports_but_writes_nothing(body, holder):
    result = report(body, [certificate_data(holder=holder)], dry_run=True)
    assert result.ok and not result.written and result.count("created") == 1
    assert not Certificate.objects.exists()


def test_one_bad_row_and_nothing_is_written(body, holder):
    good = certificate_data(holder=holder)
    bad = certificate_data(holder=holder, scope_codes=["45"])
    result = report(body, [good, bad])
    assert not result.ok and errors_of(result) == {(2, "scope_codes", "unknown_sector")}
    assert [o.outcome for o in result.outcomes] == ["created", "invalid"]
    assert not Certificate.objects.exists() and not trail.events()


@pytest.mark.parametrize(("change", "expected"), [
    ({"scheme": "XYZ"}, {("scheme", "unknown_scheme")}),
    ({"number": "#1"}, {("number", "invalid_number")}),
    ({"holder_uscc": "91320102MA1XXXXX00"}, {("holder_uscc", "invalid_identifier")}),
    ({"holder_name": " "}, {("holder_name", "required")}),
    ({"signed_by": ""}, {("signed_by", "required")}),
    ({"scope_text": ""}, {("scope_text", "required")}),
    ({"scope_codes": []}, {("scope_codes", "required")}),
    ({"issued_on": TODAY + dt.timedelta(days=1), "expires_on": TODAY + dt.timedelta(days=900)},
     {("issued_on", "future_date")}),
    ({"expires_on": TODAY - dt.timedelta(days=40)}, {("expires_on", "date_order"), ("status", "expired")}),
    ({"expires_on": TODAY + dt.timedelta(days=365 * 4)}, {("expires_on", "too_long")}),
    ({"first_issued_on": TODAY}, {("first_issued_on", "date_order")}),
    ({"status": "lost"}, {("status", "invalid_choice")}),
    ({"status": "revoked"}, {("status_reason", "required")}),
    ({"status": "suspended", "status_reason": "x"}, {("suspended_until", "required")}),
    ({"status": "suspended", "status_reason": "x", "suspended_until": TODAY + dt.timedelta(days=400)},
     {("suspended_until", "too_long")}),
    ({"suspended_until": TODAY + dt.timedelta(days=10)}, {("suspended_until", "not_applicable")}),
    ({"status_date": TODAY + dt.timedelta(days=2)}, {("status_date", "future_date")}),
])
def test_every_check_names_the_field(body, holder, change, expected):
    result = report(body, [certificate_data(holder=holder, **change)])
    assert {(f, c) for _, f, c in errors_of(result)} == expected


def test_the_body_must_be_approved_for_the_scheme_and_scope(holder):
    body = body_with_scopes(schemes=())
    registry.body_scope_grant(actor=SYSTEM, body=body, scheme_code="QMS", iaf_sector=17)
    result = report(body, [certificate_data(holder=holder, scope_codes=["17", "18"]),
                           certificate_data(holder=holder, scheme="EMS")])
    assert errors_of(result) == {(1, "scope_codes", "body_not_approved_for_scope"),
                                 (2, "scheme", "body_not_approved_for_scheme")}
    assert report(body, [certificate_data(holder=holder, scope_codes=["17"])]).ok


def test_a_suspended_body_cannot_issue(body, holder):
    registry.body_suspend(actor=SYSTEM, body=body, reason="暂停批准")
    body.refresh_from_db()
    result = report(body, [certificate_data(holder=holder)])
    assert errors_of(result) == {(1, "body", "body_not_approved")}


def test_ccc_products_must_be_in_the_catalogue_and_approved(body, holder):
    from certinel.reference.generators import make_ccc_number

    number = make_ccc_number(random.Random(1), product_code="0701")
    ok = certificate_data(holder=holder, scheme="CCC", number=number, scope_codes=["0701"],
                          expires_on=TODAY + dt.timedelta(days=1000))
    assert report(body, [ok]).ok
    outside = certificate_data(holder=holder, scheme="CCC", number=make_ccc_number(random.Random(2),
                               product_code="0701"), scope_codes=["9999"], expires_on=TODAY + dt.timedelta(days=1000))
    assert ("scope_codes", "not_in_catalogue") in {(f, c) for _, f, c in errors_of(report(body, [outside]))}


def test_an_unknown_holder_is_registered_with_the_report(body):
    uscc = make_uscc("320205", random.Random(5))
    data = dataclasses.replace(certificate_data(holder=Organization(uscc=uscc, name="测试新客户有限公司")),
                               holder_region="320205", holder_address="无锡市测试路1号")
    assert report(body, [data]).ok
    org = Organization.objects.get(uscc=uscc)
    assert org.name == "测试新客户有限公司" and org.region_code == "320205"
    assert [r.action for r in history_for(org)] == ["organization_registered"]


def test_an_unknown_holder_without_address_is_an_error(body):
    uscc = make_uscc("320205", random.Random(6))
    data = certificate_data(holder=Organization(uscc=uscc, name="测试"))
    assert errors_of(report(body, [data])) == {(1, "holder_uscc", "unknown_holder")}
    bad_region = dataclasses.replace(data, holder_region="329999", holder_address="某路")
    assert errors_of(report(body, [bad_region])) == {(1, "holder_region", "unknown_region")}


def test_duplicates_in_one_batch(body, holder):
    data = certificate_data(holder=holder)
    result = report(body, [data, dataclasses.replace(data, row=None)])
    assert errors_of(result) == {(2, "number", "duplicate_in_batch")}


def test_state_changes_are_derived_from_what_the_body_reports(body, holder):
    data = certificate_data(holder=holder, last_surveillance_on=None)
    report(body, [data])
    suspended = dataclasses.replace(data, status="suspended", status_reason="监督审核发现严重不符合",
                                    status_date=TODAY, suspended_until=TODAY + dt.timedelta(days=90))
    result = report(body, [suspended])
    assert result.outcomes[0].events == ["suspend"]
    cert = Certificate.objects.get(number=data.number)
    assert cert.status == "suspended" and cert.suspended_until == TODAY + dt.timedelta(days=90)
    reinstated = dataclasses.replace(data, status_reason="整改完成", status_date=TODAY,
                                     last_surveillance_on=TODAY)
    assert report(body, [reinstated]).outcomes[0].events == ["reinstate", "surveillance_pass"]
    renewed = dataclasses.replace(reinstated, issued_on=TODAY, expires_on=TODAY.replace(year=TODAY.year + 3),
                                  scope_text="机械零部件和模具的设计和生产", scope_codes=["17", "18"])
    result = report(body, [renewed])
    assert result.ok, result.errors
    assert result.outcomes[0].events == ["renew", "change_scope"]
    cert.refresh_from_db()
    assert cert.scope_codes == ["17", "18"] and cert.expires_on == renewed.expires_on
    assert cert.version == 6
    assert [(e.seq, e.kind) for e in trail_of(cert.pk)] == [
        (1, "issued"), (2, "suspended"), (3, "reinstated"), (4, "surveillance_passed"), (5, "renewed"),
        (6, "scope_changed")]


def test_terminal_states_cannot_come_back(body, holder):
    data = certificate_data(holder=holder)
    report(body, [data])
    revoked = dataclasses.replace(data, status="revoked", status_reason="虚假认证")
    assert report(body, [revoked]).ok
    again = dataclasses.replace(data, status="valid")
    assert errors_of(report(body, [again])) == {(1, "status", "transition_not_allowed")}


def test_a_certificate_cannot_change_holder_or_scheme(body, holder):
    data = certificate_data(holder=holder)
    report(body, [data])
    other = build_org()
    assert errors_of(report(body, [dataclasses.replace(data, holder_uscc=other.uscc)])) == {
        (1, "holder_uscc", "holder_changed")}
    assert errors_of(report(body, [dataclasses.replace(data, scheme="EMS")])) == {(1, "scheme", "scheme_changed")}


def test_stale_versions_are_refused(body, holder):
    data = certificate_data(holder=holder)
    report(body, [data])
    change = dataclasses.replace(data, status="suspended", status_reason="x",
                                 suspended_until=TODAY + dt.timedelta(days=30), version=1)
    assert report(body, [change]).ok
    stale = dataclasses.replace(change, status="valid", suspended_until=None, version=1)
    assert errors_of(report(body, [stale])) == {(1, "version", "conflict")}


def test_certificate_hopping_is_refused_until_resolved(holder):
    first, second = body_with_scopes(), body_with_scopes()
    data = certificate_data(holder=holder)
    report(first, [data])
    report(first, [dataclasses.replace(data, status="suspended", status_reason="审核发现问题",
                                       suspended_until=TODAY + dt.timedelta(days=60))])
    takeover = certificate_data(holder=holder, number="OTHER000001")
    assert errors_of(report(second, [takeover])) == {(1, "holder_uscc", "certificate_hopping")}
    # Another scheme is not blocked.
    assert report(second, [certificate_data(holder=holder, scheme="EMS", number="OTHER000002")]).ok
    # Resolved: the first body reinstates; the takeover goes through.
    report(first, [dataclasses.replace(data, status_reason="整改完成")])
    assert report(second, [takeover]).ok


def test_a_transfer_leaves_the_old_certificate_pending(holder):
    # The old body's certificate does not end on another body's word (tests/test_transfers.py).
    first, second = body_with_scopes(), body_with_scopes()
    data = certificate_data(holder=holder)
    report(first, [data])
    moved = certificate_data(holder=holder, number="NEW0000001", transferred_from_body=first.approval_no,
                             transferred_from_number=data.number)
    assert report(second, [moved]).ok
    old = Certificate.objects.get(body=first, number=data.number)
    new = Certificate.objects.get(body=second, number="NEW0000001")
    assert old.status == "transfer_pending" and new.transferred_from == old and new.status == "valid"
    assert trail_of(old.pk)[-1].kind == "transfer_requested"
    again = certificate_data(holder=holder, number="NEW0000002", transferred_from_body=first.approval_no,
                             transferred_from_number=data.number)
    assert errors_of(report(second, [again])) == {(1, "transferred_from_number", "transfer_pending")}


def test_a_body_reports_only_its_own_certificates(body, holder):
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    other_body = body_with_scopes()
    assert report_certificates(actor=operator, body=body, items=[certificate_data(holder=holder)]).ok
    with pytest.raises(NotPermitted):
        report_certificates(actor=operator, body=other_body, items=[certificate_data(holder=holder)])
    regulator = Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code="32"))
    with pytest.raises(NotPermitted):
        report_certificates(actor=regulator, body=body, items=[certificate_data(holder=holder)])


def test_the_log_holds_the_leaf_of_each_stored_history_record(body, holder):
    """Reporting writes a batch's leaves from the records it has in memory; each must be the
    leaf of the record as stored (the monitor rebuilds it from there), body signature and all."""
    from certinel.core.models import ChangeRecord
    from certinel.credentials.leafsign import leaf_signers
    from certinel.transparency.leaf import change_record_leaf

    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    new_holder = Organization(uscc=make_uscc("320205", random.Random(7)), name="测试新客户有限公司")
    plain = certificate_data(holder=holder)
    suspended = certificate_data(holder=holder, scheme="EMS", last_surveillance_on=TODAY - dt.timedelta(days=5),
                                 status="suspended", status_reason="监督审核发现严重不符合", status_date=TODAY,
                                 suspended_until=TODAY + dt.timedelta(days=60),
                                 products=[{"name": "齿轮", "model": "G-1"}],
                                 sites=[{"name": "二厂", "address": "苏州市测试路2号", "scope": ""}])
    registered = dataclasses.replace(certificate_data(holder=new_holder), holder_region="320205",
                                     holder_address="无锡市测试路1号")
    first = report_certificates(actor=operator, body=body, items=[plain, suspended, registered])
    assert first.ok, first.errors
    cert = Certificate.objects.get(number=suspended.number)
    assert (cert.status, cert.version, cert.last_surveillance_on) == ("suspended", 3, suspended.last_surveillance_on)
    assert [(e.seq, e.kind) for e in trail_of(cert.pk)] == [(1, "issued"), (2, "surveillance_passed"),
                                                           (3, "suspended")]
    changed = [dataclasses.replace(plain, row=None, status="revoked", status_reason="虚假认证"),
               dataclasses.replace(suspended, row=None, status="valid", status_reason="整改完成", suspended_until=None,
                                   holder_name="测试精工机械股份有限公司")]
    assert report_certificates(actor=operator, body=body, items=changed).ok
    records = list(ChangeRecord.objects.order_by("log_index"))
    assert all(r.log_index is not None for r in records)
    assert {r.action for r in records} >= {"certificate_issued", "certificate_suspended",
                                                     "certificate_reinstated", "certificate_corrected",
                                                     "certificate_revoked", "organization_registered"}
    for record in records:
        signer = leaf_signers([record])[0]
        assert signer is not None or not record.action.startswith("certificate_")
        # A certificate action's leaf is its record's columns and its event, which only the
        # leaf holds (version 2); every other leaf is its record's columns alone.
        event = reported_event(record) if record.action.startswith("certificate_") else None
        assert (event is not None) == record.action.startswith("certificate_")
        assert json.loads(record.leaf)["v"] == (2 if event is not None else 1)
        assert change_record_leaf(record, signer=signer) == bytes(record.leaf)
