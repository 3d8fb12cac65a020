"""Certificates of the demo province, reported by the demo bodies through the real reporting
engine (`certificates.reporting.report_certificates`: every check, every event, every history
record), with a realistic mix of schemes, scopes and statuses: mostly valid, some suspended,
revoked, cancelled or expired, some with a surveillance audit behind them.

Certificate dates are drawn relative to the day the demo is built (a certificate's status
depends on today), from the seeded random source.

One body is fixed: approval number CNCA-R-2005-971, approved for QMS and EMS in IAF sectors 3,
17 and 18 and for CCC product 0701; the demo CB operator acts for it, and the sample import
files in docs/samples/ import into it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from certinel.certificates.data import CertificateData
from certinel.certificates.reporting import report_certificates
from certinel.core.dates import add_months
from certinel.reference.generators import make_ccc_number, make_uscc
from certinel.reference.models import Scheme
from certinel.registry import services
from certinel.registry.choices import BodyStatus
from certinel.registry.models import BodyScope, CertificationBody, Organization

from .context import Context
from .words import CERT_SCOPES

SAMPLE_BODY = "CNCA-R-2005-971"
FULL_CERTIFICATES = 12_000
CHUNK = 2000
REASONS = {
    "suspended": ("监督审核发现严重不符合，暂停证书（演示数据）", "未按期接受监督审核（演示数据）",
                  "获证组织申请暂停（季节性停产）（演示数据）"),
    "revoked": ("暂停期满未完成整改，撤销证书（演示数据）", "发生重大质量事故，撤销证书（演示数据）"),
    "cancelled": ("获证组织申请注销（演示数据）", "获证组织不再生产该产品（演示数据）"),
}
LETTER = {"QMS": "Q", "EMS": "E", "OHSMS": "S", "FSMS": "F", "HACCP": "H", "EnMS": "En", "ISMS": "I",
          "ITSMS": "IT", "IPMS": "IP", "AMS": "A", "BCMS": "B", "SCSMS": "SC", "IMS": "J", "QMS-GRADED": "QG"}


def make_sample_body(ctx: Context) -> CertificationBody:
    """The fixed body the docs and the sample import files use."""
    place = ctx.place("3201")
    body = services.body_create(
        actor=ctx.actor, name="南京示例质量认证中心有限公司", uscc=make_uscc("320102", ctx.rng),
        approval_no=SAMPLE_BODY,
        approval_date=dt.date(2005, 6, 1), region_code="320102", address=ctx.namer.address(place),
        accreditation_no="CNAS C971-M", website="https://www.sample-cb.example", phone=ctx.namer.landline(place),
        legal_representative=ctx.namer.person())
    for scheme in ("QMS", "EMS"):
        for sector in (3, 17, 18):
            services.body_scope_grant(actor=ctx.actor, body=body, scheme_code=scheme, iaf_sector=sector,
                                      granted_on=dt.date(2018, 1, 1))
    services.body_scope_grant(actor=ctx.actor, body=body, scheme_code="CCC", ccc_product_code="0701",
                              granted_on=dt.date(2018, 1, 1))
    return body


@dataclass
class _Grant:
    scheme: Scheme
    codes: list[str]  # IAF sectors or CCC products the body may certify; empty: the whole scheme


def _grants(body: CertificationBody) -> list[_Grant]:
    by_scheme: dict[int, _Grant] = {}
    for scope in BodyScope.objects.filter(body=body, withdrawn_on__isnull=True).select_related("scheme",
                                                                                              "iaf_sector"):
        grant = by_scheme.setdefault(scope.scheme_id, _Grant(scope.scheme, []))
        if scope.iaf_sector_id:
            grant.codes.append(str(scope.iaf_sector.number))
        elif scope.ccc_product_code:
            grant.codes.append(scope.ccc_product_code)
    return list(by_scheme.values())


def _number(ctx: Context, body_no: int, grant: _Grant, issued: dt.date, serial: int, codes: list[str]) -> str:
    if grant.scheme.code == "CCC":
        return make_ccc_number(ctx.rng, product_code=codes[0], year=issued.year, body_code=f"{body_no % 100:02d}")
    letter = LETTER.get(grant.scheme.code, grant.scheme.code.split("-")[-1][:2])
    return f"{body_no:03d}{issued.year % 100:02d}{letter}{serial:05d}R{ctx.rng.randint(0, 2)}M"


def _status(ctx: Context, issued: dt.date, expires: dt.date, today: dt.date) -> tuple[str, dt.date | None]:
    if expires < today:
        return "expired", None
    roll = ctx.rng.random()
    if roll < 0.05:
        return "suspended", today - dt.timedelta(days=ctx.rng.randint(1, 60))
    if roll < 0.08:
        return "revoked", today - dt.timedelta(days=ctx.rng.randint(1, 300))
    if roll < 0.11:
        return "cancelled", today - dt.timedelta(days=ctx.rng.randint(1, 300))
    return "valid", None


def _certificate(ctx: Context, body_no: int, grant: _Grant, org: Organization, serial: int, today: dt.date,
                 signers: Sequence[str]) -> CertificateData:
    rng, scheme = ctx.rng, grant.scheme
    months = scheme.validity_months
    issued = today - dt.timedelta(days=rng.randint(10, max(30, months * 30 + 200)))
    expires = add_months(issued, months) - dt.timedelta(days=1)
    status, status_date = _status(ctx, issued, expires, today)
    status_date = max(status_date, issued + dt.timedelta(days=1)) if status_date else None
    codes = sorted(rng.sample(grant.codes, min(len(grant.codes), rng.choice((1, 1, 2)))), key=str) \
        if grant.codes else []
    if scheme.code == "CCC" and not codes:
        codes = ["0701"]
    scope = rng.choice(CERT_SCOPES.get(scheme.family, CERT_SCOPES["management"]))
    last_surveillance = None
    interval = scheme.surveillance_interval_months
    if status in ("valid", "suspended") and interval and (today - issued).days > 330:
        # The audits that fell due so far were held a little before each due date; for about one
        # certificate in thirty the body reported only the first (its surveillance is overdue).
        overdue = rng.random() < 0.034
        audits = 1
        while not overdue and add_months(issued, (audits + 1) * interval) <= today:
            audits += 1
        last_surveillance = min(add_months(issued, audits * interval) - dt.timedelta(days=rng.randint(5, 40)),
                                today - dt.timedelta(days=1))
        if not overdue and add_months(last_surveillance, interval) <= today:  # held early: next one due now
            last_surveillance = today - dt.timedelta(days=rng.randint(1, 20))
    until = None
    if status == "suspended":
        until = min(status_date + dt.timedelta(days=rng.randint(30, 170)), expires)
        if until <= status_date or until > add_months(status_date, scheme.max_suspension_months):
            status, status_date, until = "valid", None, None
    return CertificateData(
        number=_number(ctx, body_no, grant, issued, serial, codes), scheme=scheme.code, holder_uscc=org.uscc,
        holder_name=org.name, issued_on=issued, expires_on=expires, scope_text=scope, signed_by=rng.choice(signers),
        status=status, first_issued_on=issued - dt.timedelta(days=365 * rng.choice((0, 0, 3, 6))),
        scope_codes=codes, standards=", ".join(scheme.standards.values_list("code", flat=True)[:2]),
        status_date=status_date, status_reason=rng.choice(REASONS[status]) if status in REASONS else "",
        suspended_until=until, last_surveillance_on=last_surveillance,
        manufacturer=org.name if scheme.family in ("ccc", "product") else "",
        factory=org.name if scheme.family in ("ccc", "product") else "")


def make_certificates(ctx: Context, bodies: Sequence[CertificationBody], count: int) -> int:
    """Report `count` certificates spread over the approved bodies; returns how many."""
    today = timezone.localdate()
    rng = ctx.rng
    approved = set(CertificationBody.objects.filter(pk__in=[b.pk for b in bodies], status=BodyStatus.APPROVED)
                   .values_list("pk", flat=True))
    active = [b for b in bodies if b.pk in approved]
    grants = {b.pk: _grants(b) for b in active}
    active = [b for b in active if grants[b.pk]]
    orgs = list(Organization.objects.order_by("id").only("id", "uscc", "name"))
    signers = [ctx.namer.person() for _ in range(60)]
    planned: dict[int, list[CertificateData]] = {b.pk: [] for b in active}
    taken: set[tuple[int, int]] = set()
    used_numbers: set[str] = set()
    for serial in range(1, count + 1):
        index = min(int(rng.paretovariate(1.2)) - 1, len(active) - 1)
        body = active[index] if rng.random() < 0.6 else rng.choice(active)
        grant = rng.choice(grants[body.pk])
        org = rng.choice(orgs)
        if (org.pk, grant.scheme.pk) in taken:
            continue
        taken.add((org.pk, grant.scheme.pk))
        data = _certificate(ctx, bodies.index(body) + 1, grant, org, serial, today, signers)
        if data.number in used_numbers:
            continue
        used_numbers.add(data.number)
        planned[body.pk].append(data)
    written = 0
    ctx.reporter.start("证书 certificates", sum(len(items) for items in planned.values()))
    for body in active:
        items = planned[body.pk]
        for start in range(0, len(items), CHUNK):
            batch = items[start:start + CHUNK]
            result = report_certificates(actor=ctx.actor, body=body, items=batch)
            if not result.ok:
                raise RuntimeError(f"demo certificates refused: {result.errors[:3]}")
            written += len(batch)
            ctx.reporter.advance(len(batch))
    ctx.reporter.done()
    return written

