"""The sample a report names and the digest of its results: reported through every channel
under the same rules (idempotent, a reused number refused naming the field), the digest only
salted in the log, and the same sample reported twice with different results flagged by
verification."""

from __future__ import annotations

import datetime as dt

import pytest

from certinel.core.history import history_for, personal_hash
from certinel.core.testing.builders import SYSTEM
from certinel.qualification.models import TestReport
from certinel.qualification.reporting import report_test_reports
from certinel.qualification.selectors import report_find, report_verify

from .factories import lab_with_scope, report_data

pytestmark = pytest.mark.django_db
ONE, TWO = "a1" * 32, "b2" * 32


def _report(lab, *items):
    return report_test_reports(actor=SYSTEM, lab=lab, items=list(items))


def _codes(result):
    return [(e.row, e.field, e.code) for e in result.errors]


def _flags(lab, number):
    return [f.code for f in report_verify(report_find(cma_no=lab.cma_no, number=number)).flags]


def test_the_sample_and_the_results_digest_are_kept_the_digest_only_salted_in_the_log():
    lab = lab_with_scope()
    result = _report(lab, report_data("S-1", sample_no=" YP2025 - 001 ", results_sha256=ONE.upper()))
    assert result.ok
    report = TestReport.objects.get(number="S-1")
    assert (report.sample_no, report.results_sha256) == ("YP2025 - 001", ONE)
    [record] = history_for(report)
    assert record.after["results_sha256"] == personal_hash(ONE) and record.after["sample_no"] == "YP2025 - 001"
    # Neither is public: not in the verification's answer.
    out = report_verify(report).as_dict()
    assert ONE not in str(out) and "YP2025" not in str(out)


def test_resending_with_the_same_sample_and_results_changes_nothing():
    lab = lab_with_scope()
    _report(lab, report_data("S-1", sample_no="YP-1", results_sha256=ONE))
    again = _report(lab, report_data("S-1", sample_no="YP-1", results_sha256=ONE.upper()))
    assert again.ok and again.count("unchanged") == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"results_sha256": TWO}, "results_sha256"),
    ({"sample_no": "YP-2"}, "sample_no"),
    ({"sample_no": "", "results_sha256": ""}, "sample_no"),
])
def test_a_reused_number_with_another_sample_or_results_is_refused_naming_the_field(change, field):
    lab = lab_with_scope()
    _report(lab, report_data("S-1", sample_no="YP-1", results_sha256=ONE))
    result = _report(lab, report_data("S-1", **{"sample_no": "YP-1", "results_sha256": ONE, **change}))
    assert (1, field, "content_changed") in _codes(result)
    assert TestReport.objects.get(number="S-1").results_sha256 == ONE


def test_a_correction_changes_the_results_digest():
    lab = lab_with_scope()
    _report(lab, report_data("S-1", sample_no="YP-1", results_sha256=ONE))
    result = _report(lab, report_data("S-1", sample_no="YP-1", results_sha256=TWO, correction=True,
                                      status_reason="结果复核更正"))
    assert result.ok and result.outcomes[0].events == ["correct"]
    report = TestReport.objects.get(number="S-1")
    assert report.results_sha256 == TWO and report.version == 2
    corrected = list(history_for(report))[1]
    assert corrected.before["results_sha256"] == personal_hash(ONE)
    assert corrected.after["results_sha256"] == personal_hash(TWO)


def test_a_malformed_digest_or_a_too_long_sample_is_refused():
    lab = lab_with_scope()
    result = _report(lab, report_data("S-1", results_sha256="xyz"), report_data("S-2", sample_no="样" * 65))
    assert _codes(result) == [(1, "results_sha256", "invalid_hash"), (2, "sample_no", "too_long")]
    assert not TestReport.objects.exists()


def test_the_same_sample_with_the_same_results_twice_is_not_a_flag():
    lab = lab_with_scope()
    assert _report(lab, report_data("S-1", sample_no="YP-1", results_sha256=ONE),
                   report_data("S-2", sample_no="YP-1", results_sha256=ONE)).ok
    assert _flags(lab, "S-1") == [] and _flags(lab, "S-2") == []


def test_the_same_sample_with_different_results_flags_both_reports():
    lab = lab_with_scope()
    assert _report(lab, report_data("S-1", sample_no="YP-1", results_sha256=ONE),
                   report_data("S-2", sample_no="YP-1", results_sha256=TWO)).ok
    assert _flags(lab, "S-1") == ["sample_reported_twice"] and _flags(lab, "S-2") == ["sample_reported_twice"]
    [flag] = report_verify(report_find(cma_no=lab.cma_no, number="S-1")).flags
    assert flag.message == "该机构另有 1 份有效报告针对同一样品给出了不同的结果。"


def test_look_alikes_are_not_flagged():
    lab, other = lab_with_scope(), lab_with_scope()
    assert _report(lab, report_data("S-1", sample_no="YP-1", results_sha256=ONE),
                   # another sample of the same lab
                   report_data("S-2", sample_no="YP-2", results_sha256=TWO),
                   # the same sample without a results digest: nothing to compare
                   report_data("S-3", sample_no="YP-1")).ok
    # the same sample number at another lab
    assert _report(other, report_data("S-1", sample_no="YP-1", results_sha256=TWO)).ok
    assert _flags(lab, "S-1") == [] and _flags(lab, "S-3") == [] and _flags(other, "S-1") == []


def test_withdrawn_reports_are_ignored():
    lab = lab_with_scope()
    # Withdrawn and issued anew under another number, with the right results: not a signal.
    assert _report(lab, report_data("S-1", sample_no="YP-1", results_sha256=ONE, status="withdrawn",
                                    status_reason="结果有误", status_date=dt.date(2025, 6, 20)),
                   report_data("S-2", sample_no="YP-1", results_sha256=TWO)).ok
    assert _flags(lab, "S-2") == [] and _flags(lab, "S-1") == ["withdrawn"]
    # A withdrawal after the fact clears the flag of the report left.
    assert _report(lab, report_data("S-3", sample_no="YP-1", results_sha256=ONE)).ok
    assert "sample_reported_twice" in _flags(lab, "S-2")
    assert _report(lab, report_data("S-3", sample_no="YP-1", results_sha256=ONE, status="withdrawn",
                                    status_reason="结果有误")).ok
    assert _flags(lab, "S-2") == []
