"""Building complaints, reports and cases in tests, through the services."""

from __future__ import annotations

import datetime as dt

from certinel.accounts.models import Role
from certinel.cases.evidence import EvidenceFile
from certinel.cases.services import complaint_accept, complaint_submit
from certinel.cases.services_cases import case_assign, case_open
from certinel.core.actor import Actor
from certinel.core.models import Via
from certinel.core.testing.builders import build_org, build_user

PUBLIC = Actor(user=None, label="public", via=Via.WEB)
PDF = EvidenceFile("合同.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
PNG = EvidenceFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
HTML = EvidenceFile("evil.pdf", b"<html><script>alert(1)</script></html>")


def regulator(jurisdiction: str = "32") -> Actor:
    return Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code=jurisdiction))


def complaint(*, subject: str | None = None, kind: str = "complaint", received_on: dt.date | None = None, **kw):
    """A complaint (by default about a new organization in 320102), with its follow code."""
    code = subject or build_org(region_code="320102").uscc
    values = {"contact_name": "李投诉", "contact_phone": "13800000000"} if not kw.get("anonymous") else {}
    values.update(kw)
    return complaint_submit(actor=PUBLIC, kind=kind, subject=code, facts="证书范围与实际生产不符。", evidence=[PDF],
                            received_on=received_on, **values)


def accepted(reg: Actor, **kw):
    found, _code = complaint(**kw)
    return complaint_accept(actor=reg, complaint=found, on=found.received_on)


def open_case(reg: Actor, **kw):
    found = accepted(reg, **kw)
    case = case_open(actor=reg, complaint=found, summary="核查证书与生产范围是否相符。",
                     authority="南京市市场监督管理局")
    return case_assign(actor=reg, case=case, assignee="王执法")
