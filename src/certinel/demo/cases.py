"""The demo's complaints, reports, cases and risk warnings, each step through the services:

* complaints and reports in each state: one just received, one received weeks ago and still
  undecided (overdue, first in the queue), a complaint in mediation, a report whose check was
  extended, one not accepted, and a report that became a case, decided with a penalty (a credit
  fact, a request to suspend the certificate, a supervision item) and still open while the body
  has not answered;
* the warning rules run over the demo register (its suspensions followed by certificates at
  other bodies, its late reports, its certificates outside their body's scope), their findings
  in the regulators' queues. No certificate is added for them: the demo's counts stay as built.

Every name and code is the demo's own (fictional). Dates are counted back from the day the
demo is built."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from certinel.cases.evidence import EvidenceFile
from certinel.cases.services import (
    complaint_accept,
    complaint_extend,
    complaint_reject,
    complaint_submit,
)
from certinel.cases.services_cases import case_assign, case_decide, case_note, case_open, case_request
from certinel.cases.services_warnings import warnings_run
from certinel.certificates.models import Certificate

from .context import Context

EVIDENCE = EvidenceFile("现场照片.pdf", b"%PDF-1.4\n% demo evidence\n%%EOF\n")


def make_cases(ctx: Context) -> int:
    """Build the demo's complaints and cases; returns the number of complaints and reports."""
    today = timezone.localdate()
    certs = list(Certificate.objects.filter(status="valid", holder__region_code__startswith="3201")
                 .select_related("holder").order_by("id")[:8])
    if len(certs) < 6:
        return 0
    contact = {"contact_name": "演示投诉人", "contact_phone": "13900001111"}

    def send(cert: Certificate, kind: str, days_ago: int, facts: str, **kw):
        anonymous = kw.pop("anonymous", False)
        return complaint_submit(actor=ctx.actor, kind=kind, subject=cert.number, facts=facts, evidence=[EVIDENCE],
                                anonymous=anonymous, received_on=today - dt.timedelta(days=days_ago),
                                **({} if anonymous else contact), **kw)[0]

    send(certs[0], "complaint", 1, "购买的产品与认证范围不符，要求退货。（演示）")
    send(certs[1], "report", 30, "该企业宣传的认证证书已过期仍在使用。（演示）", anonymous=True)
    mediated = send(certs[2], "complaint", 20, "认证标志使用不规范。（演示）")
    complaint_accept(actor=ctx.actor, complaint=mediated, on=mediated.received_on + dt.timedelta(days=2))
    checked = send(certs[3], "report", 12, "怀疑审核未实际进行。（演示）", anonymous=True)
    checked = complaint_accept(actor=ctx.actor, complaint=checked, on=checked.received_on + dt.timedelta(days=1))
    complaint_extend(actor=ctx.actor, complaint=checked, reason="需要调取认证机构审核档案（演示）",
                     approved_by="演示负责人", on=min(today, checked.handle_due or today))
    refused = send(certs[4], "complaint", 15, "价格纠纷。（演示）")
    complaint_reject(actor=ctx.actor, complaint=refused, on=refused.received_on + dt.timedelta(days=3),
                     feedback="不属于认证认可监督管理职责范围，请向有关部门反映。（演示）")
    report = send(certs[5], "report", 40, "获证组织生产场所与证书不符。（演示）", anonymous=True)
    report = complaint_accept(actor=ctx.actor, complaint=report, on=report.received_on + dt.timedelta(days=2))
    case = case_open(actor=ctx.actor, complaint=report, summary="核查获证组织生产场所与证书是否相符（演示）",
                     authority="南京市市场监督管理局（演示）", on=report.accepted_on)
    case = case_assign(actor=ctx.actor, case=case, assignee="演示执法人员")
    case_note(actor=ctx.actor, case=case, evidence=[EVIDENCE],
              text="现场检查：生产场所已搬迁，未告知认证机构。（演示）")
    case_request(actor=ctx.actor, case=case, kind="information", text="请说明监督审核情况。（演示）",
                 certificate=certs[5].number, on=today - dt.timedelta(days=25))
    case_decide(actor=ctx.actor, case=case, decision="penalty", decision_text="责令改正，罚款五千元。（演示）",
                signatory="演示负责人", legal_basis="《认证认可条例》（演示引用）", decision_no="宁市监罚〔演示〕1号",
                penalty_severity="general", suspend=[certs[5].number], supervise=True,
                on=today - dt.timedelta(days=3))
    warnings_run(actor=ctx.actor)
    return 6
