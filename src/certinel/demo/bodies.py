"""Certification bodies and labs of the demo province, made through the registry services
(so each has its full history): approvals, approved scopes, CMA qualifications with their
basic and industry scope lines, and a few suspensions and revocations."""

from __future__ import annotations

import datetime as dt

from certinel.reference.generators import make_cb_approval, make_cma, make_uscc
from certinel.reference.identifiers import CMA_AUTHORITIES
from certinel.reference.models import CCCEdition, CCCProduct, IAFSector, LabField, Scheme
from certinel.registry import services
from certinel.registry.models import BodyScope, CertificationBody, Lab

from .context import AS_OF, Context
from .industries import PROFILES
from .names import Place
from .words import LAB_BASIC, LAB_ITEMS

# The fixed body the docs and the sample import files use: approved for QMS and EMS in IAF
# sectors 3, 17 and 18 and for CCC product 0701; the demo CB operator acts for it.
SAMPLE_BODY = "CNCA-R-2005-971"
# Where bodies and labs sit: the provincial capital and the big cities.
BODY_CITIES = ["3201"] * 6 + ["3205"] * 3 + ["3202"] * 2 + ["3204", "3206", "3203", "3210"]
BODY_FORMS = ("认证有限公司", "质量认证有限公司", "认证服务有限公司", "检验认证有限公司", "质量技术认证中心有限公司")
LAB_FORMS = ("检测技术有限公司", "检验检测有限公司", "检测认证有限公司", "质量检测有限公司", "环境检测技术有限公司",
             "工程质量检测有限公司")
# Management-system schemes a body may hold besides QMS/EMS/OHSMS, product and service schemes.
MS_EXTRA = ("FSMS", "HACCP", "EnMS", "ISMS", "ITSMS", "IPMS", "AMS", "BCMS", "SCSMS", "IMS", "QMS-GRADED")
PRODUCT = ("GREEN-PRODUCT", "ENERGY-SAVING", "WATER-SAVING", "LOW-CARBON", "GREEN-BUILDING-MATERIAL",
           "ORGANIC", "GAP", "HIGH-END-QUALITY", "JIANGSU-BOUTIQUE", "SAME-LINE")
SERVICE = ("SVC-AFTERSALES", "SVC-HEALTH", "SVC-EDUCATION", "SVC-ELDERLY-CARE", "SVC-TRANSPORT", "SVC-TOURISM",
           "SVC-ECOMMERCE", "SVC-LOGISTICS", "SVC-INFORMATION", "SVC-DESIGN")
LAB_FIELD_CHOICES = tuple(LAB_ITEMS)
# What the bodies are approved for, in turn: seven in ten management systems, two product
# certification (CCC and voluntary), one service certification; small builds get each kind.
BODY_PROFILES = ("management", "product", "service", "management", "management", "management", "product",
                 "management", "management", "management")
# The CCC products the demo's manufacturers make (industries.py): product bodies are mostly
# approved for these.
WANTED_CCC = sorted({code for profile in PROFILES for code in profile.ccc})
SUSPEND_REASON = "监督检查发现认证活动不符合认证基本规范，责令整改（演示数据）"
REVOKE_REASON = "出具虚假认证结论，依法撤销批准（演示数据）"
LAB_SUSPEND_REASON = "能力验证结果不满意，暂停相关资质（演示数据）"
LAB_REVOKE_REASON = "出具不实检验检测报告，撤销资质认定（演示数据）"


def _unique(ctx: Context, make, used: set[str]) -> str:
    while True:
        value = make()
        if value not in used:
            used.add(value)
            return value


def _org_name(ctx: Context, place: Place, forms: tuple[str, ...]) -> tuple[str, str]:
    """A body's or lab's name: a three-character trade name, so that the names (and the
    statuses the demo gives them) do not resemble any real body's."""
    namer = ctx.namer
    while True:
        trade, trade_en = namer.trade_name()
        if len(trade) == 3:
            break
    region = place.province_short if ctx.rng.random() < 0.5 else place.city_short
    return f"{region}{trade}{ctx.rng.choice(forms)}", trade_en


def _scopes(ctx: Context, body: CertificationBody, profile: str, ccc_codes: list[str], granted: dt.date, *,
            first: bool = False) -> int:
    """Approve the body for the schemes of its profile; management systems by IAF sector. The
    first body of a profile is a large one: the first management body holds QMS, EMS and
    OHSMS in every sector, the first product body certifies Jiangsu Boutique."""
    rng = ctx.rng
    grants: list[services.ScopeGrant] = []

    def grant(*, scheme_code: str, iaf_sector: int | None = None, ccc_product_code: str = "", **_: object) -> None:
        grants.append(services.ScopeGrant(scheme_code, iaf_sector, ccc_product_code, granted))

    if profile == "management":
        sectors = list(IAFSector.objects.order_by("number").values_list("number", flat=True))
        for code in ("QMS", "EMS", "OHSMS", *rng.sample(MS_EXTRA, rng.randint(1, 4))):
            chosen = sectors if first and code in ("QMS", "EMS", "OHSMS") else rng.sample(sectors, rng.randint(6, 20))
            for sector in sorted(chosen):
                grant(scheme_code=code, iaf_sector=sector, granted_on=granted)
    elif profile == "product":
        wanted = [c for c in WANTED_CCC if c in ccc_codes]
        others = [c for c in ccc_codes if c not in wanted]
        products = rng.sample(wanted, min(len(wanted), rng.randint(8, 20))) + rng.sample(
            others, min(len(others), rng.randint(0, 5)))
        for product in sorted(products):
            grant(scheme_code="CCC", ccc_product_code=product, granted_on=granted)
        schemes = rng.sample(PRODUCT, rng.randint(2, 5))
        if first and "JIANGSU-BOUTIQUE" not in schemes:
            schemes.append("JIANGSU-BOUTIQUE")
        for code in schemes:
            grant(scheme_code=code, granted_on=granted)
    else:
        for code in rng.sample(SERVICE, rng.randint(3, 7)):
            grant(scheme_code=code, granted_on=granted)
        grant(scheme_code="QMS", iaf_sector=rng.choice((29, 31, 33, 35)),
              granted_on=granted)
    # One batch per body: one transaction, its history logged at once.
    services.body_scopes_grant(actor=ctx.actor, body=body, scopes=grants)
    return len(grants)


def _sample_body(ctx: Context) -> CertificationBody:
    """The fixed body the docs and the sample import files use."""
    place = next(p for p in ctx.book.places if p.code == "320102")
    body = services.body_create(
        actor=ctx.actor, name="南京示例质量认证中心有限公司", uscc=make_uscc("320102", ctx.rng),
        approval_no=SAMPLE_BODY,
        approval_date=dt.date(2005, 6, 1), region_code="320102", address=ctx.namer.address(place),
        accreditation_no="CNAS C971-M", website="https://www.sample-cb.example", phone=ctx.namer.landline(place),
        legal_representative=ctx.namer.person())
    granted = dt.date(2018, 1, 1)
    services.body_scopes_grant(actor=ctx.actor, body=body, scopes=[
        *(services.ScopeGrant(scheme, sector, granted_on=granted)
          for scheme in ("QMS", "EMS") for sector in (3, 17, 18)),
        services.ScopeGrant("CCC", ccc_product_code="0701", granted_on=granted)])
    return body


def make_bodies(ctx: Context, count: int) -> tuple[list[CertificationBody], int]:
    """The sample body first, then `count` bodies of the province; the last three management
    bodies are suspended or revoked."""
    rng = ctx.rng
    edition = CCCEdition.current(AS_OF)
    products = edition.products.filter(self_declaration=False) if edition else CCCProduct.objects.none()
    ccc_codes = sorted(products.values_list("code", flat=True))
    known = set(Scheme.objects.values_list("code", flat=True))
    assert {"QMS", "EMS", "OHSMS", "CCC"} <= known, "load the reference lists first"
    used_approval: set[str] = {SAMPLE_BODY}
    used_names: set[str] = set()
    ctx.reporter.start("认证机构 certification bodies", count + 1)
    bodies = [_sample_body(ctx)]
    scopes = BodyScope.objects.filter(body=bodies[0]).count()
    ctx.reporter.advance()
    profiles = []
    for i in range(count):
        place = ctx.place(BODY_CITIES[i % len(BODY_CITIES)])
        name = _unique(ctx, lambda place=place: _org_name(ctx, place, BODY_FORMS)[0], used_names)
        year = rng.randint(2003, AS_OF.year - 1)
        approved = ctx.date_between(dt.date(year, 1, 1), dt.date(year, 12, 28))
        approval_no = _unique(ctx, lambda year=year: make_cb_approval(rng, year=year), used_approval)
        body = services.body_create(
            actor=ctx.actor, name=name, uscc=make_uscc(place.code, rng), approval_no=approval_no,
            approval_date=approved, approval_valid_until=dt.date(AS_OF.year + rng.randint(1, 4), approved.month, 1),
            region_code=place.code, address=ctx.namer.address(place), accreditation_no=f"CNAS C{i + 101:03d}-M",
            website=f"https://www.cb{i + 1:02d}.example", phone=ctx.namer.landline(place),
            legal_representative=ctx.namer.person())
        profile = BODY_PROFILES[i % len(BODY_PROFILES)]
        scopes += _scopes(ctx, body, profile, ccc_codes, max(approved, dt.date(2018, 1, 1)),
                          first=profile not in profiles)
        bodies.append(body)
        profiles.append(profile)
        ctx.reporter.advance()
    managing = [b for b, p in zip(bodies[1:], profiles, strict=True) if p == "management"]
    for body, decide, reason in ((managing[-1], services.body_revoke, REVOKE_REASON),
                                 (managing[-2], services.body_suspend, SUSPEND_REASON),
                                 (managing[-3], services.body_suspend, SUSPEND_REASON)):
        decide(actor=ctx.actor, body=body, reason=reason, on=AS_OF - dt.timedelta(days=rng.randint(10, 200)))
    ctx.reporter.done()
    return bodies, scopes


def make_labs(ctx: Context, count: int) -> tuple[list[Lab], int]:
    rng = ctx.rng
    fields = {f.code: f for f in LabField.objects.filter(code__in=LAB_FIELD_CHOICES)}
    authority = f"{CMA_AUTHORITIES.index('江苏'):02d}"
    used_cma: set[str] = set()
    used_names: set[str] = set()
    labs, items = [], 0
    ctx.reporter.start("检验检测机构 labs", count)
    for _ in range(count):
        place = ctx.place()
        codes = rng.sample(sorted(fields), rng.choice((1, 1, 2, 2, 3)))
        year = rng.randint(AS_OF.year - 4, AS_OF.year)
        issued = ctx.date_between(dt.date(year, 1, 1), min(dt.date(year, 12, 28), AS_OF))
        cma = _unique(ctx, lambda year=year, code=codes[0]: make_cma(rng, year=year, authority=authority, field=code),
                      used_cma)
        name = _unique(ctx, lambda place=place: _org_name(ctx, place, LAB_FORMS)[0], used_names)
        lab = services.lab_create(
            actor=ctx.actor, name=name, uscc=make_uscc(place.code, rng), cma_no=cma, cma_issued_on=issued,
            cma_valid_until=dt.date(issued.year + 6, issued.month, min(issued.day, 28)), region_code=place.code,
            address=ctx.namer.address(place), phone=ctx.namer.landline(place), field_codes=codes)
        services.lab_scope_item_add(actor=ctx.actor, lab=lab, kind="basic", field_code=codes[0], item=LAB_BASIC[0],
                                    standard=LAB_BASIC[1], granted_on=issued)
        items += 1
        for code in codes:
            for item, standard in rng.sample(LAB_ITEMS[code], rng.randint(1, len(LAB_ITEMS[code]))):
                services.lab_scope_item_add(actor=ctx.actor, lab=lab, kind="industry", field_code=code, item=item,
                                            standard=standard, granted_on=issued)
                items += 1
        labs.append(lab)
        ctx.reporter.advance()
    for lab, decide, reason in ((labs[-1], services.lab_revoke, LAB_REVOKE_REASON),
                                (labs[-2], services.lab_revoke, LAB_REVOKE_REASON),
                                (labs[-3], services.lab_suspend, LAB_SUSPEND_REASON),
                                (labs[-4], services.lab_suspend, LAB_SUSPEND_REASON),
                                (labs[-5], services.lab_suspend, LAB_SUSPEND_REASON)):
        decide(actor=ctx.actor, lab=lab, reason=reason, on=AS_OF - dt.timedelta(days=rng.randint(10, 200)))
    ctx.reporter.done()
    return labs, items
