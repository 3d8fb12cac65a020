"""Certificates of the demo province, reported by the demo bodies through the real reporting
engine (`certificates.reporting.report_certificates`: every check, every event, every history
record), with a realistic mix of schemes, scopes and statuses: mostly valid, some suspended,
revoked, cancelled or expired, some with a surveillance audit behind them.

Certificate dates are drawn relative to the day the demo is built (a certificate's status
depends on today), from the seeded random source.

Each certificate fits its holder: the holder's line of business (its industry and the word in
its name, `industries.py`) gives the schemes it plausibly holds, the IAF sectors of a
management-system certificate (from the reference list's NACE codes), the CCC products it
makes (the scope text is the catalogue's product name), its voluntary product or service
scopes; and the body that issues it is approved for that scheme and those codes
(`offers.py`).

The demo organization (the demo account `demo-org`) holds one certificate of each situation:
valid, expiring within weeks, suspended, a Jiangsu Boutique product certificate, one expired.
The sample body (`SAMPLE_BODY`, `bodies.py`), the demo CB operator's, issues the first two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from django.utils import timezone

from certinel.certificates.data import CertificateData
from certinel.certificates.reporting import report_certificates
from certinel.core.dates import add_months
from certinel.reference.generators import make_ccc_number
from certinel.reference.models import Industry, Scheme
from certinel.registry.models import CertificationBody, Organization

from .bodies import SAMPLE_BODY
from .context import Context
from .industries import Profile, profile_of
from .offers import Approvals, Catalogue, Offer, make_offer, scheme_weights, weighted_schemes

FULL_CERTIFICATES = 12_000
CHUNK = 2000
REASONS = {
    "suspended": ("监督审核发现严重不符合，暂停证书（演示数据）", "未按期接受监督审核（演示数据）",
                  "获证组织申请暂停（季节性停产）（演示数据）"),
    "revoked": ("暂停期满未完成整改，撤销证书（演示数据）", "发生重大质量事故，撤销证书（演示数据）"),
    "cancelled": ("获证组织申请注销（演示数据）", "获证组织不再生产该产品（演示数据）"),
}
__all__ = ["FULL_CERTIFICATES", "LETTER", "REASONS", "SAMPLE_BODY", "make_certificates"]

SIZE_WEIGHT = {"large": 6.0, "medium": 3.0, "small": 1.2, "micro": 0.7}
LETTER = {"QMS": "Q", "EMS": "E", "OHSMS": "S", "FSMS": "F", "HACCP": "H", "EnMS": "En", "ISMS": "I",
          "ITSMS": "IT", "IPMS": "IP", "AMS": "A", "BCMS": "B", "SCSMS": "SC", "IMS": "J", "QMS-GRADED": "QG"}


def _number(ctx: Context, body_no: int, scheme: Scheme, issued: dt.date, serial: int, codes: list[str]) -> str:
    if scheme.code == "CCC":
        return make_ccc_number(ctx.rng, product_code=codes[0], year=issued.year, body_code=f"{body_no % 100:02d}")
    letter = LETTER.get(scheme.code, scheme.code.split("-")[-1][:2])
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


def _last_surveillance(ctx: Context, scheme: Scheme, issued: dt.date, today: dt.date, *,
                       overdue: bool) -> dt.date | None:
    """The latest surveillance audit: those that fell due so far were held a little before each
    due date; an overdue certificate's body reported only the first."""
    rng, interval = ctx.rng, scheme.surveillance_interval_months
    if not interval or (today - issued).days <= 330:
        return None
    audits = 1
    while not overdue and add_months(issued, (audits + 1) * interval) <= today:
        audits += 1
    last = min(add_months(issued, audits * interval) - dt.timedelta(days=rng.randint(5, 40)),
               today - dt.timedelta(days=1))
    if not overdue and add_months(last, interval) <= today:  # held early: the next one is due now
        last = today - dt.timedelta(days=rng.randint(1, 20))
    return last


@dataclass
class _Planned:
    body: CertificationBody
    offer: Offer
    holder: Organization
    issued: dt.date
    status: str = ""  # empty: drawn at random
    status_date: dt.date | None = None
    until: dt.date | None = None
    first_issued: dt.date | None = None


def _certificate(ctx: Context, catalogue: Catalogue, body_no: int, plan: _Planned, serial: int, today: dt.date,
                 signers: Sequence[str]) -> CertificateData:
    rng, offer, org = ctx.rng, plan.offer, plan.holder
    scheme = offer.scheme
    issued = plan.issued
    expires = add_months(issued, scheme.validity_months) - dt.timedelta(days=1)
    if plan.status:
        status, status_date, until = plan.status, plan.status_date, plan.until
    else:
        status, drawn = _status(ctx, issued, expires, today)
        status_date = max(drawn, issued + dt.timedelta(days=1)) if drawn else None
        until = None
        if status == "suspended" and status_date is not None:
            end = min(status_date + dt.timedelta(days=rng.randint(30, 170)), expires)
            if status_date < end <= add_months(status_date, scheme.max_suspension_months):
                until = end
            else:
                status, status_date = "valid", None
    last_surveillance = None
    if status in ("valid", "suspended"):
        last_surveillance = _last_surveillance(ctx, scheme, issued, today,
                                               overdue=not plan.status and rng.random() < 0.034)
        if last_surveillance and status_date and last_surveillance >= status_date:
            last_surveillance = status_date - dt.timedelta(days=1)
    makes = scheme.family in ("ccc", "product")
    first = plan.first_issued or issued - dt.timedelta(days=365 * rng.choice((0, 0, 3, 6)))
    return CertificateData(
        number=_number(ctx, body_no, scheme, issued, serial, offer.codes), scheme=scheme.code,
        holder_uscc=org.uscc, holder_name=org.name, issued_on=issued, expires_on=expires,
        scope_text=offer.scope_text, signed_by=rng.choice(signers), status=status, first_issued_on=first,
        scope_codes=list(offer.codes), products=offer.products, standards=catalogue.standards[scheme.code],
        status_date=status_date, status_reason=rng.choice(REASONS[status]) if status in REASONS else "",
        suspended_until=until, last_surveillance_on=last_surveillance,
        manufacturer=org.name if makes else "", factory=org.name if makes else "")


@dataclass
class _Holder:
    org: Organization
    profile: Profile
    weights: dict[str, float]


def _holders(exclude: set[int]) -> tuple[list[_Holder], list[float]]:
    """The organizations that may hold certificates, with their profiles; larger firms hold
    more."""
    sections = dict(Industry.objects.filter(level=2).values_list("id", "parent_code"))
    holders, weights = [], []
    for org in Organization.objects.order_by("id").only("id", "uscc", "name", "industry_id", "size_class",
                                                        "industry__code").select_related("industry"):
        if org.pk in exclude or org.industry_id is None:
            continue
        profile = profile_of(org.name, org.industry.code) if org.industry else None
        if profile is None:
            continue
        holders.append(_Holder(org, profile, scheme_weights(profile, sections.get(org.industry_id, ""))))
        weights.append(SIZE_WEIGHT.get(org.size_class, 1.0))
    return holders, weights


def _plan_random(ctx: Context, catalogue: Catalogue, approvals: Approvals, count: int, today: dt.date,
                 exclude: set[int]) -> list[_Planned]:
    rng = ctx.rng
    holders, weights = _holders(exclude)
    if not holders:
        return []
    cum = list(accumulate(weights))
    offered = approvals.schemes()
    taken: set[tuple[int, str]] = set()
    planned = []
    for _ in range(count):
        holder = rng.choices(holders, cum_weights=cum)[0]
        codes, scheme_weights_ = weighted_schemes(holder.weights, offered)
        if not codes:
            continue
        scheme_code = rng.choices(codes, weights=scheme_weights_)[0]
        if (holder.org.pk, scheme_code) in taken:
            continue
        offer = make_offer(rng, catalogue, holder.profile, scheme_code)
        body = approvals.choose(rng, offer) if offer else None
        if offer is None or body is None:
            continue
        taken.add((holder.org.pk, scheme_code))
        months = offer.scheme.validity_months
        issued = today - dt.timedelta(days=rng.randint(10, max(30, months * 30 + 200)))
        planned.append(_Planned(body, offer, holder.org, issued))
    return planned


def _plan_showcase(ctx: Context, catalogue: Catalogue, approvals: Approvals, org: Organization,
                   today: dt.date) -> list[_Planned]:
    """The demo organization's certificates: one of each situation its user meets (valid,
    expiring within weeks, suspended, a product certificate, one expired), each from a body
    approved for it; the sample body (the demo CB operator's) issues the first two."""
    rng = ctx.rng
    profile = profile_of(org.name, org.industry.code) if org.industry else None
    if profile is None:
        return []
    soon = today + dt.timedelta(days=45)
    wishes = [
        # schemes to try in turn, issued on, status, status date, suspended until
        (("QMS",), add_months(today, -14), "valid", None, None),
        (("EMS",), add_months(soon, -36) + dt.timedelta(days=1), "valid", None, None),
        (("OHSMS", "IMS", "QMS-GRADED"), add_months(today, -20), "suspended", today - dt.timedelta(days=20),
         today + dt.timedelta(days=70)),
        (("JIANGSU-BOUTIQUE",), today - dt.timedelta(days=200), "valid", None, None),
        (("IPMS", "IMS", "QMS-GRADED"), add_months(today, -38), "expired", None, None),
    ]
    planned: list[_Planned] = []
    for schemes, issued, status, status_date, until in wishes:
        for scheme_code in schemes:
            if any(p.offer.scheme.code == scheme_code for p in planned):
                continue
            offer = make_offer(rng, catalogue, profile, scheme_code)
            if offer is None:
                continue
            offer.codes, offer.narrower = (offer.narrower or offer.codes), []
            issuers = approvals.issuers(scheme_code, offer.codes)
            if not issuers:
                continue
            first = issued - dt.timedelta(days=365 * 6) if scheme_code == "QMS" else None
            planned.append(_Planned(approvals.bodies[issuers[0]], offer, org, issued, status, status_date, until,
                                    first_issued=first))
            break
    return planned


def make_certificates(ctx: Context, bodies: Sequence[CertificationBody], count: int,
                      showcase: Organization | None = None) -> int:
    """Report about `count` certificates, each from a holder's plausible schemes and a body
    approved for its scope (and the showcase organization's own set); returns how many."""
    today = timezone.localdate()
    catalogue = Catalogue()
    approvals = Approvals(bodies)
    planned = _plan_showcase(ctx, catalogue, approvals, showcase, today) if showcase else []
    planned += _plan_random(ctx, catalogue, approvals, count, today, {showcase.pk} if showcase else set())
    signers = [ctx.namer.person() for _ in range(60)]
    order = {b.pk: i for i, b in enumerate(bodies)}
    by_body: dict[int, list[CertificateData]] = {b.pk: [] for b in approvals.bodies}
    used_numbers: set[str] = set()
    for serial, plan in enumerate(planned, start=1):
        data = _certificate(ctx, catalogue, order[plan.body.pk] + 1, plan, serial, today, signers)
        if data.number in used_numbers:
            continue
        used_numbers.add(data.number)
        by_body[plan.body.pk].append(data)
    written = 0
    ctx.reporter.start("证书 certificates", sum(len(items) for items in by_body.values()))
    for body in approvals.bodies:
        items = by_body[body.pk]
        for start in range(0, len(items), CHUNK):
            batch = items[start:start + CHUNK]
            result = report_certificates(actor=ctx.actor, body=body, items=batch)
            if not result.ok:
                raise RuntimeError(f"demo certificates refused: {result.errors[:3]}")
            written += len(batch)
            ctx.reporter.advance(len(batch))
    ctx.reporter.done()
    return written
