"""Reporting test reports: every state change allowed and refused, idempotence, all or nothing,
and the history (one record per change; the client and signatory only as hashes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from certinel.accounts.models import Role
from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted
from certinel.core.history import history_for
from certinel.core.testing.builders import SYSTEM, build_lab, build_user
from certinel.qualification.models import TestReport
from certinel.qualification.reporting import report_test_reports

from .factories import SIGNATORY, lab_with_scope, report_data

pytestmark = pytest.mark.django_db


def _report(lab, *items, actor=SYSTEM, **kw):
    return report_test_reports(actor=actor, lab=lab, items=list(items), **kw)


def _codes(result):
    return [(e.row, e.field, e.code) for e in result.errors]


def test_a_new_report_is_registered_with_its_signatory_and_one_history_record():
    lab = lab_with_scope()
    result = _report(lab, report_data("R-1", pdf_sha256="AB" * 32))
    assert result.ok and result.count("created") == 1 and result.outcomes[0].events == ["issue"]
    report = TestReport.objects.get(lab=lab, number="R-1")
    assert report.status == "valid" and report.version == 1 and report.pdf_sha256 == "ab" * 32
    assert report.signatory is not None and report.signatory.person.name == SIGNATORY
    records = list(history_for(report))
    assert [r.action for r in records] == ["test_report_issued"]
    after = records[0].after
    assert after["client_name"].startswith("hmac-sha256:") and after["signatory_name"].startswith("hmac-sha256:")
    assert after["number"] == "R-1" and after["object_name"] == "大米"


def test_resending_the_same_report_changes_nothing():
    lab = lab_with_scope()
    _report(lab, report_data("R-1"))
    again = _report(lab, report_data("R-1", client_name=" 示例粮油有限公司 "))
    assert again.ok and again.count("unchanged") == 1 and again.outcomes[0].events == []
    report = TestReport.objects.get(number="R-1")
    assert report.version == 1 and history_for(report).count() == 1


def test_the_same_number_with_another_content_is_refused_naming_each_field():
    lab = lab_with_scope()
    _report(lab, report_data("R-1"))
    result = _report(lab, report_data("R-1", object_name="糙米", issued_on=dt.date(2025, 6, 11)))
    assert not result.ok and {(f, c) for _r, f, c in _codes(result)} == {("issued_on", "content_changed"),
                                                                        ("object_name", "content_changed")}
    assert "R-1" in result.errors[0].message
    assert TestReport.objects.get(number="R-1").object_name == "大米"


def test_an_explicit_correction_changes_the_content_and_the_version():
    lab = lab_with_scope()
    _report(lab, report_data("R-1"))
    result = _report(lab, report_data("R-1", object_name="糙米", correction=True, status_reason="样品名称笔误"))
    assert result.ok and result.outcomes[0].events == ["correct"] and result.count("updated") == 1
    report = TestReport.objects.get(number="R-1")
    assert report.object_name == "糙米" and report.version == 2
    records = list(history_for(report))
    assert [r.action for r in records] == ["test_report_issued", "test_report_corrected"]
    assert records[1].before == {"object_name": "大米", "version": 1} and records[1].reason == "样品名称笔误"


def test_a_correction_of_an_unknown_report_is_refused():
    lab = lab_with_scope()
    result = _report(lab, report_data("R-9", correction=True))
    assert _codes(result) == [(1, "correction", "nothing_to_correct")]


def test_withdrawing_and_then_nothing_more():
    lab = lab_with_scope()
    _report(lab, report_data("R-1"))
    result = _report(lab, report_data("R-1", status="withdrawn", status_reason="数据有误",
                                      status_date=dt.date(2025, 7, 1)))
    assert result.ok and result.outcomes[0].events == ["withdraw"]
    report = TestReport.objects.get(number="R-1")
    assert report.status == "withdrawn" and report.withdrawn_on == dt.date(2025, 7, 1) and report.version == 2
    # Withdrawn again: nothing changes.
    same = _report(lab, report_data("R-1", status="withdrawn", status_reason="数据有误",
                                    status_date=dt.date(2025, 7, 1)))
    assert same.count("unchanged") == 1
    # Valid again: refused; corrected while withdrawn: refused.
    with translation.override("en"):
        back = _report(lab, report_data("R-1"))
    assert _codes(back) == [(1, "status", "transition_not_allowed")] and "new number" in back.errors[0].message
    corrected = _report(lab, report_data("R-1", object_name="糙米", correction=True, status="withdrawn",
                                         status_reason="数据有误"))
    assert _codes(corrected) == [(1, "status", "transition_not_allowed")]
    assert [r.action for r in history_for(report)] == ["test_report_issued", "test_report_withdrawn"]


def test_a_new_report_may_arrive_withdrawn():
    lab = lab_with_scope()
    result = _report(lab, report_data("R-1", status="withdrawn", status_reason="出具后发现错误"))
    assert result.ok and result.outcomes[0].events == ["issue", "withdraw"]
    report = TestReport.objects.get(number="R-1")
    assert report.status == "withdrawn" and report.withdrawn_on is not None
    assert [r.action for r in history_for(report)] == ["test_report_issued", "test_report_withdrawn"]


def test_withdrawing_needs_a_reason():
    lab = lab_with_scope()
    assert _codes(_report(lab, report_data("R-1", status="withdrawn"))) == [(1, "status_reason", "required")]


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"number": ""}, "number", "required"),
    ({"client_name": " "}, "client_name", "required"),
    ({"object_name": ""}, "object_name", "required"),
    ({"signatory_name": ""}, "signatory_name", "required"),
    ({"client_name": "长" * 201}, "client_name", "too_long"),
    ({"issued_on": dt.date.today() + dt.timedelta(days=1)}, "issued_on", "future_date"),
    ({"sample_received_on": dt.date.today() + dt.timedelta(days=1)}, "sample_received_on", "future_date"),
    ({"parameters": []}, "parameters", "required"),
    ({"parameters": [{"parameter": "铅含量", "standard": ""}]}, "parameters.1", "required"),
    ({"parameters": [{"parameter": "x", "standard": "y"}] * 501}, "parameters", "too_many"),
    ({"pdf_sha256": "abc"}, "pdf_sha256", "invalid_hash"),
    ({"status": "lost"}, "status", "invalid_choice"),
    ({"status_date": dt.date.today() + dt.timedelta(days=1)}, "status_date", "future_date"),
])
def test_each_bad_field_is_named(change, field, code):
    lab = lab_with_scope()
    result = _report(lab, report_data(**{"number": "R-1", **change}))
    assert (1, field, code) in _codes(result)
    assert not TestReport.objects.exists()


def test_one_bad_row_and_nothing_is_written_every_error_listed():
    lab = lab_with_scope()
    result = _report(lab, report_data("R-1"), report_data("R-2", client_name=""), report_data("R-1"))
    assert not result.ok and not result.written
    assert _codes(result) == [(2, "client_name", "required"), (3, "number", "duplicate_in_batch")]
    assert [o.outcome for o in result.outcomes] == ["created", "invalid", "invalid"]
    assert not TestReport.objects.exists()


def test_a_dry_run_writes_nothing():
    lab = lab_with_scope()
    result = _report(lab, report_data("R-1"), dry_run=True)
    assert result.ok and not result.written and result.count("created") == 1
    assert not TestReport.objects.exists()


def test_numbers_are_per_lab():
    a, b = lab_with_scope(), build_lab()
    assert _report(a, report_data("R-1")).ok and _report(b, report_data("R-1")).ok
    assert TestReport.objects.filter(number="R-1").count() == 2


def test_only_the_labs_own_operator_reports():
    lab, other = lab_with_scope(), build_lab()
    own = Actor.for_user(build_user(Role.LAB_OPERATOR, lab=lab))
    assert _report(lab, report_data("R-1"), actor=own).ok
    with pytest.raises(NotPermitted):
        _report(other, report_data("R-2"), actor=own)
    regulator = Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code="32"))
    with pytest.raises(NotPermitted):
        _report(lab, report_data("R-3"), actor=regulator)


def test_the_log_holds_each_report_as_it_stands():
    from certinel.transparency.register import check_object

    lab = lab_with_scope()
    _report(lab, report_data("R-1"), report_data("R-2", status="withdrawn", status_reason="出具后发现错误"))
    _report(lab, report_data("R-1", object_name="糙米", correction=True))
    _report(lab, report_data("R-1", object_name="糙米", status="withdrawn", status_reason="数据有误"))
    for report in TestReport.objects.all():
        state, problems = check_object(report)
        assert state is not None and problems == [], problems
