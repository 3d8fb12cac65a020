"""`report_capacity`: a lab's reports a day against the staff and equipment of its latest
approved first or renewal application (the limits per staff member and per piece of equipment
are the rule's row); labs without one are skipped."""

from __future__ import annotations

import datetime as dt

import pytest

from certinel.cases import rules
from certinel.core.testing.builders import SYSTEM
from certinel.qualification import services_applications as apps
from certinel.qualification.reporting import report_test_reports
from certinel.qualification.warnings import capacity_limit

from .applications import STAFF, people, submitted
from .factories import report_data

pytestmark = pytest.mark.django_db
# The rules' rows are in force from 2026-01-01: everything here is of 2026.
ISSUED = dt.date(2026, 3, 10)
ON = ISSUED + dt.timedelta(days=20)
APPROVED = dt.date(2026, 1, 5)


def _staff(n):
    return [{**STAFF[0], "name": f"人员{i}", "id_number": f"1101011990010{i:05d}"} for i in range(n)]


def _equipment(n):
    return [{"name": "原子吸收光谱仪", "model": "AA-1", "serial": f"S{i}"} for i in range(n)]


def _approved(lab, operator, regulator, *, staff, equipment, on=APPROVED, kind="first"):
    """An application under notification and commitment (no review needed), approved on `on`."""
    app = submitted(lab, operator, kind=kind, procedure="commitment", on=on, staff=_staff(staff),
                    equipment=_equipment(equipment))
    apps.application_accept(actor=regulator, application=app, on=on)
    return apps.application_approve(actor=regulator, application=app, on=on)


def _report(lab, count, day=ISSUED, prefix="CAP", **kw):
    items = [report_data(f"{prefix}-{day:%m%d}-{n:04d}", issued_on=day,
                         sample_received_on=day - dt.timedelta(days=3), **kw) for n in range(count)]
    assert report_test_reports(actor=SYSTEM, lab=lab, items=items).ok


def test_the_limit_is_the_lower_of_staff_and_equipment():
    row = rules.rule_for("report_capacity", on=ON, region_code="320102")
    assert row.params == {"window_days": 30, "per_staff_day": 40, "per_equipment_day": 50}
    assert "platform values" in row.source and "Order No. 39" in row.source
    assert capacity_limit(2, 5, row.params) == 80 and capacity_limit(10, 1, row.params) == 50


def test_capacity_finds_a_lab_over_its_staff_or_its_equipment_and_spares_one_at_its_limit():
    staff_bound, operator, regulator = people()
    _approved(staff_bound, operator, regulator, staff=2, equipment=5)  # 80 a day
    _report(staff_bound, 81)
    equipment_bound, operator2, _r = people()
    _approved(equipment_bound, operator2, regulator, staff=10, equipment=1)  # 50 a day
    _report(equipment_bound, 51)
    innocent, operator3, _r = people()
    _approved(innocent, operator3, regulator, staff=2, equipment=5)  # 80 a day: 80, and 3 withdrawn
    _report(innocent, 80)
    _report(innocent, 3, prefix="WD", status="withdrawn", status_reason="出具错误")
    found = {f.subject_code: f for f in rules.run("report_capacity", on=ON)}
    assert set(found) == {staff_bound.uscc, equipment_bound.uscc}
    one = found[staff_bound.uscc]
    assert (one.subject_kind, one.key, one.region_code, one.severity) == ("lab", ISSUED.isoformat(), "320102",
                                                                          "medium")
    assert {k: one.evidence[k] for k in ("reports", "staff", "equipment", "limit")} == {
        "reports": 81, "staff": 2, "equipment": 5, "limit": 80}
    assert one.evidence["application"].startswith("ZR2026") and one.evidence["lab"] == staff_bound.cma_no
    assert found[equipment_bound.uscc].evidence["limit"] == 50
    # Neither the staff's nor the client's nor the signatory's names are in the evidence.
    assert "人员0" not in str(one.evidence) and "示例粮油" not in str(one.evidence)
    assert "李签字" not in str(one.evidence)


def test_each_day_is_held_against_the_application_in_force_that_day():
    lab, operator, regulator = people()
    _approved(lab, operator, regulator, staff=2, equipment=5)  # 80 a day from 2026-01-05
    renewed = ISSUED + dt.timedelta(days=2)
    _approved(lab, operator, regulator, staff=10, equipment=10, on=renewed, kind="renewal")  # 400 a day after
    _report(lab, 81)
    _report(lab, 81, day=renewed)
    [finding] = rules.run("report_capacity", on=ON)
    assert finding.key == ISSUED.isoformat() and finding.evidence["limit"] == 80


def test_a_lab_without_an_approved_application_is_skipped():
    lab, operator, regulator = people()
    _report(lab, 200)
    # Submitted, not approved; and an approval only after the reports' day.
    submitted(lab, operator, procedure="commitment", on=APPROVED, staff=_staff(1), equipment=_equipment(1))
    assert rules.run("report_capacity", on=ON) == []
    _approved(lab, operator, regulator, staff=1, equipment=1, on=ISSUED + dt.timedelta(days=1))
    assert rules.run("report_capacity", on=ON) == []
