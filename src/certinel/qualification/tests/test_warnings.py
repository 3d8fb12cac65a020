"""The test-report warning rules (`qualification/warnings.py`, registered into the cases engine):
each finds its planted case and spares an innocent look-alike."""

from __future__ import annotations

import datetime as dt

import pytest

from certinel.cases import rules
from certinel.core.testing.builders import SYSTEM, build_person
from certinel.qualification.reporting import report_test_reports
from certinel.registry import services
from certinel.registry.models import PersonRole

from .factories import lab_with_scope
from .factories import report_data as _data

pytestmark = pytest.mark.django_db
# The rules' rows are in force from 2026-01-01: the reports here are of 2026.
ISSUED = dt.date(2026, 3, 10)
ON = ISSUED + dt.timedelta(days=20)


def report_data(number, **kw):
    kw.setdefault("issued_on", ISSUED)
    kw.setdefault("sample_received_on", ISSUED - dt.timedelta(days=8))
    return _data(number, **kw)


def _report(lab, *items):
    assert report_test_reports(actor=SYSTEM, lab=lab, items=list(items)).ok


def _found(code):
    return [(f.subject_code, f.evidence["reports"], f.evidence["examples"]) for f in rules.run(code, on=ON)]


def test_the_rules_are_registered_with_their_rows():
    for code in ("report_outside_scope", "report_signatory", "report_dates", "report_volume",
                 "report_duplicate_sample", "report_capacity"):
        assert code in rules.RULES and rules.rule_for(code, on=ON, region_code="320102").source


def test_outside_scope_finds_a_withdrawn_parameter_and_spares_in_scope_names_written_differently():
    planted, innocent = lab_with_scope(), lab_with_scope(region_code="320506")
    _report(planted, report_data("OUT-1", parameters=[{"parameter": "镉含量", "standard": "GB 5009.15-2014"}]),
            report_data("OUT-2"))
    _report(innocent, report_data("IN-1", parameters=[{"parameter": "铅含量", "standard": "gb  5009.12-2017"},
                                                      {"parameter": "水分", "standard": "GB 5009.3-2016"}]))
    [finding] = rules.run("report_outside_scope", on=ON)
    assert (finding.subject_kind, finding.subject_code, finding.region_code) == ("lab", planted.uscc, "320102")
    assert finding.evidence["reports"] == 1 and finding.evidence["examples"] == ["OUT-1"]
    assert finding.severity == "high" and finding.edition == "2026-01"
    # Recorded into the lab's regulators' queue, linked to the lab.
    from certinel.cases.models import RiskWarning
    from certinel.cases.services_warnings import warnings_record

    warnings_record([finding], on=ON)
    assert RiskWarning.objects.get(rule="report_outside_scope").lab_id == planted.pk


def test_signatory_finds_an_unknown_name_and_an_ended_registration_and_spares_the_registered_one():
    unknown, ended, innocent = lab_with_scope(), lab_with_scope(), lab_with_scope()
    _report(unknown, report_data("SIG-1", signatory_name="王冒名"))
    role = PersonRole.objects.get(lab=ended, kind="signatory")
    services.person_role_end(actor=SYSTEM, role=role, reason="离职", on=ISSUED - dt.timedelta(days=10))
    _report(ended, report_data("SIG-2"))
    _report(innocent, report_data("SIG-3"))
    found = {f.subject_code: f.evidence for f in rules.run("report_signatory", on=ON)}
    assert set(found) == {unknown.uscc, ended.uscc}
    assert found[unknown.uscc]["signatory_not_registered"] == 1 and found[ended.uscc]["signatory_not_registered"] == 0


def test_dates_find_a_report_before_its_sample_and_one_after_a_suspension_and_spare_a_same_day_report():
    early, suspended, innocent = lab_with_scope(), lab_with_scope(), lab_with_scope()
    _report(early, report_data("DAT-1", sample_received_on=ISSUED + dt.timedelta(days=2)))
    _report(suspended, report_data("DAT-2"))
    services.lab_suspend(actor=SYSTEM, lab=suspended, reason="监督抽查不合格", on=ISSUED - dt.timedelta(days=3))
    _report(innocent, report_data("DAT-3", sample_received_on=ISSUED))
    found = {f.subject_code: f.evidence for f in rules.run("report_dates", on=ON)}
    assert set(found) == {early.uscc, suspended.uscc}
    assert (found[early.uscc]["issued_before_sample"], found[early.uscc]["lab_not_in_force"]) == (1, 0)
    assert (found[suspended.uscc]["issued_before_sample"], found[suspended.uscc]["lab_not_in_force"]) == (0, 1)


def test_volume_finds_one_signatory_over_the_day_and_spares_a_busier_lab_with_two():
    planted, innocent = lab_with_scope(), lab_with_scope()
    person = build_person(name="王签字")
    services.person_role_add(actor=SYSTEM, person=person, kind="signatory", lab=innocent,
                             valid_from=dt.date(2023, 1, 1))
    _report(planted, *[report_data(f"VOL-{n:03d}") for n in range(201)])
    _report(innocent, *[report_data(f"BUSY-{n:03d}", signatory_name="王签字" if n % 2 else "李签字")
                        for n in range(300)])
    [finding] = rules.run("report_volume", on=ON)
    assert finding.subject_code == planted.uscc and finding.key == ISSUED.isoformat()
    assert finding.evidence["max_reports_per_signatory"] == 201 and finding.evidence["signatories_over"] == 1
    assert "李签字" not in str(finding.evidence)


def test_reports_outside_the_window_and_withdrawn_reports_are_not_counted():
    lab = lab_with_scope()
    _report(lab, report_data("OLD-1", signatory_name="王冒名"),
            report_data("WD-1", signatory_name="王冒名", status="withdrawn", status_reason="出具错误"))
    assert rules.run("report_signatory", on=ISSUED + dt.timedelta(days=120)) == []
    [finding] = rules.run("report_signatory", on=ON)
    assert finding.evidence["reports"] == 1


ONE, TWO = "a1" * 32, "b2" * 32


def test_duplicate_sample_finds_one_sample_with_two_results_and_spares_its_look_alikes():
    planted, innocent, other = lab_with_scope(), lab_with_scope(), lab_with_scope()
    _report(planted, report_data("DUP-1", sample_no="YP-1", results_sha256=ONE),
            report_data("DUP-2", sample_no="YP-1", results_sha256=TWO),
            report_data("DUP-3", sample_no="YP-2", results_sha256=ONE))
    # The same results twice; a withdrawn report with other results; a report without a digest.
    _report(innocent, report_data("OK-1", sample_no="YP-1", results_sha256=ONE),
            report_data("OK-2", sample_no="YP-1", results_sha256=ONE),
            report_data("OK-3", sample_no="YP-1", results_sha256=TWO, status="withdrawn", status_reason="结果有误"),
            report_data("OK-4", sample_no="YP-1"))
    # The same sample number at another lab, with other results.
    _report(other, report_data("OK-5", sample_no="YP-1", results_sha256=TWO))
    [finding] = rules.run("report_duplicate_sample", on=ON)
    assert (finding.subject_kind, finding.subject_code, finding.region_code) == ("lab", planted.uscc, "320102")
    assert finding.evidence["reports"] == 2 and finding.evidence["samples"] == 1
    assert finding.evidence["examples"] == ["DUP-1", "DUP-2"] and finding.evidence["sample_examples"] == ["YP-1"]
    assert finding.severity == "high" and "Order No. 39" in rules.rule_for(
        "report_duplicate_sample", on=ON, region_code="320102").source
    # Evidence never names the client or the signatory.
    assert "示例粮油" not in str(finding.evidence) and "李签字" not in str(finding.evidence)


def test_duplicate_sample_sees_an_earlier_report_outside_the_window():
    lab = lab_with_scope()
    _report(lab, report_data("OLD-1", issued_on=ISSUED - dt.timedelta(days=200),
                             sample_received_on=ISSUED - dt.timedelta(days=210), sample_no="YP-9",
                             results_sha256=ONE),
            report_data("NEW-1", sample_no="YP-9", results_sha256=TWO))
    [finding] = rules.run("report_duplicate_sample", on=ON)
    assert finding.evidence["examples"] == ["NEW-1"]
    # Once the lab withdraws the earlier report, nothing is left to find.
    _report(lab, report_data("OLD-1", issued_on=ISSUED - dt.timedelta(days=200),
                             sample_received_on=ISSUED - dt.timedelta(days=210), sample_no="YP-9",
                             results_sha256=ONE, status="withdrawn", status_reason="结果有误",
                             status_date=ISSUED))
    assert rules.run("report_duplicate_sample", on=ON) == []
