"""The demo's serious-violation list: a few fictional organizations and a lab listed by
fictional decisions, each through the same services a regulator uses (notice, the statement
period, the listing decision; one application for early removal, one matter dropped)."""

from __future__ import annotations

import datetime as dt

from certinel.certificates.models import Certificate
from certinel.credit.services import entry_decide, entry_request_removal, notice_drop, notice_serve
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
    return listed
