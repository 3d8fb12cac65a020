"""The demo's organizations as specifications for the bulk path (`bulk.OrganizationLoader`):
invented names with industry, size, address, contact, some English names, some former names,
production and office sites; unified social credit codes from the reference generators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from certinel.reference.generators import make_uscc
from certinel.reference.models import Industry, Region
from certinel.registry.choices import SiteKind, SizeClass

from .bulk import OrgSpec, SiteSpec
from .context import AS_OF, Context
from .names import CompanyName, Place

SIZE_WEIGHTS = ((SizeClass.MICRO, 55), (SizeClass.SMALL, 30), (SizeClass.MEDIUM, 12), (SizeClass.LARGE, 3))
ENGLISH_SHARE = 0.25
# The demo organization account's firm (`showcase_spec`).
SHOWCASE_REGION = "320102"
SHOWCASE_INDUSTRY = "精密机械"
RENAMED_SHARE = 0.03


class Lookups:
    """Region and industry ids by code (current regions; the newest industry edition)."""

    def __init__(self, prefix: str = "") -> None:
        regions = Region.objects.current().filter(code__startswith=prefix).values_list("code", "id")
        self.region_ids = dict(regions)
        self.industry_ids: dict[str, int] = {}
        for code, pk in Industry.objects.order_by("edition").values_list("code", "id"):
            self.industry_ids[code] = pk


def _email(name: CompanyName, rng) -> str:
    if not name.trade_en or rng.random() < 0.4:
        return ""
    return f"{rng.choice(('info', 'service', 'sales', 'contact'))}@{name.trade_en.lower()}{rng.randint(1, 99)}.example"


def _phone(ctx: Context, place: Place) -> str:
    r = ctx.rng.random()
    return ctx.namer.landline(place) if r < 0.6 else ctx.namer.mobile() if r < 0.8 else ""


def _sites(ctx: Context, place: Place, company: CompanyName, lookups: Lookups) -> list[SiteSpec]:
    rng, sites = ctx.rng, []
    if company.manufacturing and rng.random() < 0.35:
        where = ctx.book.in_city(place.city_code).draw(rng)
        sites.append(SiteSpec(SiteKind.PRODUCTION, ctx.namer.address(where), lookups.region_ids[where.code],
                              where.code, name="生产基地" if rng.random() < 0.5 else ""))
    if rng.random() < 0.08:
        where = ctx.book.in_city(place.city_code).draw(rng)
        sites.append(SiteSpec(SiteKind.OFFICE, ctx.namer.address(where), lookups.region_ids[where.code], where.code))
    return sites


def showcase_spec(ctx: Context, lookups: Lookups) -> OrgSpec:
    """The demo organization account's firm: a medium-sized precision machinery maker in the
    district of the demo district regulator, with a production site (its certificates are
    made in certificates.py)."""
    place = next(p for p in ctx.book.places if p.code == SHOWCASE_REGION)
    company = ctx.namer.company(place, size_class=SizeClass.MEDIUM, english=True, industry=SHOWCASE_INDUSTRY)
    where = ctx.book.in_city(place.city_code).draw(ctx.rng)
    site = SiteSpec(SiteKind.PRODUCTION, ctx.namer.address(where), lookups.region_ids[where.code], where.code,
                    name="生产基地")
    return OrgSpec(
        uscc=make_uscc(place.code, ctx.rng), name=company.name, name_en=company.name_en,
        region_id=lookups.region_ids[place.code], region_code=place.code, address=ctx.namer.address(place),
        industry_id=lookups.industry_ids.get(company.industry_code), size_class=SizeClass.MEDIUM,
        contact_phone=ctx.namer.landline(place), contact_email=_email(company, ctx.rng) or "info@showcase.example",
        sites=[site])


def organization_specs(ctx: Context, count: int, lookups: Lookups, *, renamed_share: float = RENAMED_SHARE,
                       with_sites: bool = True, taken_names: set[str] | None = None,
                       taken_codes: set[str] | None = None) -> Iterator[OrgSpec]:
    """`count` organizations spread over the context's places by weight, with unique names
    and codes within this run (and apart from `taken_names` and `taken_codes`)."""
    rng, namer = ctx.rng, ctx.namer
    sizes = [s for s, _ in SIZE_WEIGHTS]
    size_weights = [w for _, w in SIZE_WEIGHTS]
    names: set[str] = set(taken_names or ())
    codes: set[str] = set(taken_codes or ())
    made = 0
    while made < count:
        place = ctx.book.draw(rng)
        size = rng.choices(sizes, weights=size_weights)[0]
        company = namer.company(place, size_class=size, english=rng.random() < ENGLISH_SHARE)
        if company.name in names:
            continue
        names.add(company.name)
        uscc = make_uscc(place.code, rng)
        if uscc in codes:
            continue
        codes.add(uscc)
        former = []
        if rng.random() < renamed_share:
            used_until = ctx.date_between(dt.date(2008, 1, 1), AS_OF)
            former = [(namer.former_name(place, company), used_until)]
        made += 1
        yield OrgSpec(
            uscc=uscc, name=company.name, name_en=company.name_en, region_id=lookups.region_ids[place.code],
            region_code=place.code, address=namer.address(place), industry_id=lookups.industry_ids.get(
                company.industry_code), size_class=size, contact_phone=_phone(ctx, place),
            contact_email=_email(company, rng), former=former,
            sites=_sites(ctx, place, company, lookups) if with_sites else [])
