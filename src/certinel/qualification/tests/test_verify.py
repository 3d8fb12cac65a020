"""Verifying a report: genuine or not, and its checks against the register on its issue date
(scope in force, signatory authorised, dates, the lab's qualification)."""

from __future__ import annotations

import datetime as dt

import pytest

from certinel.core.testing.builders import SYSTEM
from certinel.qualification.reporting import report_test_reports
from certinel.qualification.selectors import report_find, report_verify
from certinel.registry import services
from certinel.registry.models import PersonRole

from .factories import lab_with_scope, report_data

pytestmark = pytest.mark.django_db


def _verified(lab, **kw):
    item = report_data("R-1", **kw)
    assert report_test_reports(actor=SYSTEM, lab=lab, items=[item]).ok
    return report_verify(report_find(cma_no=lab.cma_no, number="R-1"))


def _flags(result):
    return [f.code for f in result.flags]


def test_a_sound_report_is_genuine_with_no_flags():
    lab = lab_with_scope()
    result = _verified(lab, parameters=[{"parameter": "铅含量", "standard": "GB 5009.12-2017"},
                                        {"parameter": "水分", "standard": "GB 5009.3-2016"}])
    assert result.genuine and result.all_in_scope and result.signatory_authorised and result.flags == []
    out = result.as_dict()
    assert out["lab"]["cma_no"] == lab.cma_no and "client_name" not in out and "signatory" not in out


def test_not_found_by_number_lab_or_hash():
    lab = lab_with_scope()
    _verified(lab, pdf_sha256="cd" * 32)
    assert report_find(cma_no=lab.cma_no, number="R-2") is None
    assert report_find(cma_no="000000000000", number="R-1") is None
    assert report_find(cma_no="", number="R-1") is None
    assert report_find(sha256="ab" * 32) is None
    assert report_find(sha256="CD" * 32).number == "R-1"


def test_a_parameter_outside_the_scope_or_under_another_standard_is_flagged():
    lab = lab_with_scope()
    result = _verified(lab, parameters=[{"parameter": "铅含量", "standard": "GB 5009.12-2023"},
                                        {"parameter": "砷含量", "standard": "GB 5009.11-2014"}])
    assert [p.in_scope for p in result.parameters] == [False, False]
    assert _flags(result) == ["parameter_outside_scope"]


def test_a_withdrawn_scope_line_no_longer_covers_and_a_later_one_does_not_yet():
    lab = lab_with_scope()
    cadmium = {"parameter": "镉含量", "standard": "GB 5009.15-2014"}
    water = {"parameter": "水分", "standard": "GB 5009.3-2016"}
    before = report_verify(_report(lab, "R-A", dt.date(2024, 12, 31), [cadmium, water]))
    assert [p.in_scope for p in before.parameters] == [True, True]
    after = report_verify(_report(lab, "R-B", dt.date(2025, 1, 1), [cadmium]))
    assert [p.in_scope for p in after.parameters] == [False]
    early = report_verify(_report(lab, "R-C", dt.date(2024, 2, 29), [water]))
    assert [p.in_scope for p in early.parameters] == [False]


def _report(lab, number, issued_on, parameters, **kw):
    item = report_data(number, issued_on=issued_on, sample_received_on=issued_on - dt.timedelta(days=3),
                       parameters=parameters, **kw)
    assert report_test_reports(actor=SYSTEM, lab=lab, items=[item]).ok
    return report_find(cma_no=lab.cma_no, number=number)


def test_a_signatory_not_registered_or_not_yet_or_no_longer_authorised_is_flagged():
    lab = lab_with_scope()
    assert _flags(_verified(lab, signatory_name="王冒名")) == ["signatory_not_authorised"]
    early = report_verify(_report(lab, "R-E", dt.date(2022, 12, 31), [{"parameter": "铅含量",
                                                                       "standard": "GB 5009.12-2017"}]))
    assert _flags(early) == ["signatory_not_authorised"]
    role = PersonRole.objects.get(lab=lab, kind="signatory")
    services.person_role_end(actor=SYSTEM, role=role, reason="离职", on=dt.date(2025, 3, 1))
    role.refresh_from_db()
    late = report_verify(_report(lab, "R-L", dt.date(2025, 6, 1), [{"parameter": "铅含量",
                                                                    "standard": "GB 5009.12-2017"}]))
    in_time = report_verify(_report(lab, "R-T", dt.date(2025, 2, 1), [{"parameter": "铅含量",
                                                                       "standard": "GB 5009.12-2017"}]))
    assert role.valid_until is not None
    assert _flags(late) == ["signatory_not_authorised"] and in_time.signatory_authorised


def test_issued_before_the_sample_arrived_is_flagged():
    lab = lab_with_scope()
    result = _verified(lab, issued_on=dt.date(2025, 6, 1), sample_received_on=dt.date(2025, 6, 5))
    assert _flags(result) == ["issued_before_sample"]


def test_issued_outside_the_qualification_or_after_a_suspension_is_flagged():
    lab = lab_with_scope()
    outside = report_verify(_report(lab, "R-O", dt.date(2022, 1, 9), [{"parameter": "铅含量",
                                                                       "standard": "GB 5009.12-2017"}]))
    assert "outside_qualification" in _flags(outside)
    services.lab_suspend(actor=SYSTEM, lab=lab, reason="监督检查发现问题", on=dt.date(2025, 5, 1))
    suspended = _verified(lab, issued_on=dt.date(2025, 6, 10))
    assert _flags(suspended) == ["lab_not_in_force"]
    before = report_verify(_report(lab, "R-P", dt.date(2025, 4, 30), [{"parameter": "铅含量",
                                                                       "standard": "GB 5009.12-2017"}]))
    assert before.flags == []


def test_a_withdrawn_report_says_so():
    lab = lab_with_scope()
    _verified(lab)
    report_test_reports(actor=SYSTEM, lab=lab, items=[report_data("R-1", status="withdrawn",
                                                                  status_reason="数据有误")])
    result = report_verify(report_find(cma_no=lab.cma_no, number="R-1"))
    assert _flags(result) == ["withdrawn"]
