"""The demo's serious-violation list: a few fictional organizations and a lab listed by
fictional decisions, each through the same services a regulator uses (notice, the statement
period, the listing decision; one application for early removal, one matter dropped). Then
published credit information through the same services: two penalties on display (one of the
demo organization account's firm, with a request for credit repair awaiting the regulator) and
an award."""

from __future__ import annotations

import datetime as dt

from certinel.accounts.models import User
from certinel.certificates.models import Certificate
from certinel.credit.evidence import EvidenceFile
from certinel.credit.services import entry_decide, entry_request_removal, notice_drop, notice_serve
from certinel.credit.services_facts import fact_record
from certinel.credit.services_repair import fact_publish, repair_request
from certinel.registry.models import Lab, Organization

from .context import AS_OF, Context

AUTHORITY = "江苏省市场监督管理局"
# (violation, provision, heavier penalty, days listed before the demo's day)
ORGANIZATION_CASES = [
    ("伪造认证证书并在产品宣传中使用（演示数据）", "《中华人民共和国认证认可条例》", "从重处以罚款，没收违法所得", 420),
    ("买卖认证证书（演示数据）", "《中华人民共和国认证认可条例》", "吊销营业执照", 200),
    ("冒用强制性产品认证标志（演示数据）", "《强制性产品认证管理规定》", "从重处以罚款，责令停产停业", 90),
]
LAB_CASE = ("出具虚假检验检测报告（演示数据）", "《检验检测机构监督管理办法》", "从重处以罚款，撤销资质认定证书", 30)


def make_credit(ctx: Context) -> int:
    """List the demo's subjects; returns how many entries are in force."""
    holders = list(Organization.objects.filter(
        id__in=Certificate.objects.filter(status="revoked").values("holder_id")).order_by("id")[:len(
            ORGANIZATION_CASES) + 1])
    if len(holders) < len(ORGANIZATION_CASES) + 1:
        holders += list(Organization.objects.exclude(id__in=[h.pk for h in holders]).order_by("id")[:5])
    lab = Lab.objects.order_by("-id").first()
    subjects = [(h.uscc, case) for h, case in zip(holders, ORGANIZATION_CASES, strict=False)]
    if lab is not None:
        subjects.append((lab.uscc, LAB_CASE))
    listed = 0
    for n, (uscc, (violation, basis, penalty, days)) in enumerate(subjects, start=1):
        listed_on = AS_OF - dt.timedelta(days=days)
        notice = notice_serve(actor=ctx.actor, uscc=uscc, violation=violation, basis=basis, penalty=penalty,
                              penalty_decision_no=f"苏市监罚〔{listed_on.year}〕{300 + n}号（演示）",
                              authority=AUTHORITY, served_on=listed_on - dt.timedelta(days=20))
        entry = entry_decide(actor=ctx.actor, notice=notice, decision_no=f"苏市监信列〔{listed_on.year}〕{n}号（演示）",
                             listed_on=listed_on)
        listed += 1
        if days > 365:
            entry_request_removal(actor=ctx.actor, entry=entry, on=AS_OF,
                                  statement="已缴清罚款，召回并销毁相关产品宣传材料，一年来未再受较重行政处罚（演示数据）")
    # A matter the regulator dropped after the subject stated its case: not published.
    spare = holders[len(ORGANIZATION_CASES)] if len(holders) > len(ORGANIZATION_CASES) else None
    if spare is not None:
        dropped = notice_serve(actor=ctx.actor, uscc=spare.uscc, violation="涉嫌使用过期认证证书（演示数据）",
                               basis="《中华人民共和国认证认可条例》", penalty="罚款", authority=AUTHORITY,
                               penalty_decision_no="苏市监罚〔2025〕399号（演示）",
                               served_on=AS_OF - dt.timedelta(days=40))
        notice_drop(actor=ctx.actor, notice=dropped, reason="当事人陈述申辩理由成立，证书已在有效期内换发（演示数据）")
    _published(ctx, exclude=[uscc for uscc, _case in subjects] + ([spare.uscc] if spare is not None else []))
    return listed


# A fictional receipt, the evidence of the demo's request for repair: a PDF by its first bytes.
RECEIPT = b"%PDF-1.4\n% demo data: receipt of a fine paid\n%%EOF\n"
# (kind, severity, days before the demo's day it was decided, published, what is published). Serious
# penalties: displayed for up to three years, so that the demo shows them for a while after its day.
PUBLISHED = [
    ("administrative_penalty", "serious", 410, 400, "未获认证产品冒充强制性认证产品销售，罚款十五万元（演示数据）"),
    ("administrative_penalty", "serious", 70, 60, "伪造产品检验报告用于投标，罚款十万元并没收违法所得（演示数据）"),
    ("award", "minor", 40, 30, "南京市质量奖（演示数据）"),
]


def _published(ctx: Context, *, exclude: list[str]) -> None:
    """Publish two penalties and an award; the first penalty is the demo organization account's
    firm's, which requests credit repair (its minimum display period has run)."""
    own = User.objects.filter(username="demo-org").select_related("organization").first()
    firms = [own.organization] if own is not None and own.organization is not None else []
    firms += list(Organization.objects.exclude(uscc__in=exclude + [f.uscc for f in firms]).order_by("id")[:3])
    for n, (firm, (kind, severity, decided, shown, summary)) in enumerate(zip(firms, PUBLISHED, strict=False), 1):
        day = AS_OF - dt.timedelta(days=decided)
        prefix = "宁政奖" if kind == "award" else "宁市监罚"
        fact = fact_record(actor=ctx.actor, subject=firm.uscc, kind=kind, severity=severity, occurred_on=day,
                           decision_no=f"{prefix}〔{day.year}〕{500 + n}号（演示）",
                           authority="南京市人民政府" if kind == "award" else "南京市市场监督管理局",
                           description=summary)
        publication = fact_publish(actor=ctx.actor, fact=fact, summary=summary,
                                   on=AS_OF - dt.timedelta(days=shown))
        if n == 1:  # the demo writes everything, the subject's request too
            repair_request(actor=ctx.actor, publication=publication, on=AS_OF,
                           statement="已缴清罚款，召回并更正全部产品标志，建立了标志使用审核制度（演示数据）",
                           pledge="本单位承诺严格遵守认证认可法律法规，如实标注认证标志，接受社会监督（演示数据）",
                           evidence=[EvidenceFile("罚款缴纳凭证（演示）.pdf", RECEIPT)])
