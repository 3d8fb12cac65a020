"""Building labs with a scope and a signatory, and test reports, through the services. Every
name here is fictional."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from certinel.core.testing.builders import SYSTEM, build_lab, build_person
from certinel.qualification.data import ReportData
from certinel.reference.models import LabField
from certinel.registry import services

_numbers = itertools.count(1)
ISSUED = dt.date(2025, 6, 10)
RECEIVED = dt.date(2025, 6, 2)
SIGNATORY = "李签字"


def lab_with_scope(**kw):
    """A lab qualified 2022-01-10 … 2028-01-09 for 大米 / 铅含量 to GB 5009.12-2017 (from 2022),
    镉含量 to GB 5009.15-2014 (2022, withdrawn 2025-01-01) and any standard for 水分 (2024-03-01),
    with 李签字 its signatory from 2023-01-01."""
    lab = build_lab(**kw)
    field = LabField.objects.order_by("code").first()
    add = services.lab_scope_item_add
    add(actor=SYSTEM, lab=lab, kind="industry", field_code=field.code, item="铅含量", standard="GB 5009.12-2017",
        granted_on=dt.date(2022, 1, 10))
    cadmium = add(actor=SYSTEM, lab=lab, kind="industry", field_code=field.code, item="镉含量",
                  standard="GB 5009.15-2014", granted_on=dt.date(2022, 1, 10))
    services.lab_scope_item_withdraw(actor=SYSTEM, item=cadmium, reason="能力验证不满意", on=dt.date(2025, 1, 1))
    add(actor=SYSTEM, lab=lab, kind="basic", field_code=field.code, item="水分", granted_on=dt.date(2024, 3, 1))
    person = build_person(name=SIGNATORY)
    services.person_role_add(actor=SYSTEM, person=person, kind="signatory", lab=lab, valid_from=dt.date(2023, 1, 1))
    return lab


def report_data(number: str | None = None, **kw: Any) -> ReportData:
    values: dict[str, Any] = {
        "number": f"JC2025-{next(_numbers):06d}" if number is None else number, "issued_on": ISSUED,
        "sample_received_on": RECEIVED,
        "client_name": "示例粮油有限公司", "object_name": "大米",
        "parameters": [{"parameter": "铅含量", "standard": "GB 5009.12-2017"}], "signatory_name": SIGNATORY,
        "pdf_sha256": "",
    }
    values.update(kw)
    return ReportData(**values)
