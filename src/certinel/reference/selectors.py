"""Reads of the reference code lists. Every function is keyword-friendly and side-effect free.

Regions are effective-dated: `on` (default today) picks the rows in force on that day."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from .choices import RegionLevel, SchemeFamily
from .models import (
    CCCEdition,
    CCCProduct,
    CodeListVersion,
    IAFSector,
    Industry,
    LabField,
    Region,
    Scheme,
)

INDUSTRY_EDITION = "GB/T 4754-2017"


# --- regions ------------------------------------------------------------------------------

def region_current(code: str, on: dt.date | None = None) -> Region | None:
    """The row of `code` in force on `on` (today by default), or None."""
    return Region.objects.current(on).filter(code=code).first()


def region_history(code: str) -> list[Region]:
    """Every row a code has had, oldest first (renames, retirement, reuse)."""
    return list(Region.objects.filter(code=code).order_by("valid_from"))


def region_exists(code: str, on: dt.date | None = None) -> bool:
    """Whether `code` is a division in force on `on`; usable as the USCC region lookup."""
    return Region.objects.current(on).filter(code=code).exists()


def region_children(code: str, on: dt.date | None = None) -> QuerySet[Region]:
    """The divisions directly under `code` (cities of a province, counties of a city)."""
    return Region.objects.current(on).filter(parent_code=code).order_by("code")


def regions_in(prefix: str, on: dt.date | None = None, *, level: int | None = None) -> QuerySet[Region]:
    """Divisions whose code starts with `prefix` ("32" is Jiangsu, "3205" Suzhou), the place
    itself included; optionally of one level."""
    qs = Region.objects.current(on).filter(code__startswith=prefix)
    if level is not None:
        qs = qs.filter(level=level)
    return qs.order_by("code")


def region_descendants(code: str, on: dt.date | None = None) -> QuerySet[Region]:
    """Every division below `code` by the hierarchy (a municipality's city row covers Chongqing's
    5002xx counties too, which a code prefix would miss)."""
    region = region_current(code, on)
    if region is None or region.level == RegionLevel.COUNTY:
        return Region.objects.none()
    if region.level == RegionLevel.PROVINCE:
        return regions_in(code[:2], on).exclude(code=code)
    return region_children(code, on)


def region_path(code: str, on: dt.date | None = None) -> list[Region]:
    """Province, city and county of `code` (as far as it goes), top first."""
    path: list[Region] = []
    region = region_current(code, on)
    while region is not None:
        path.insert(0, region)
        region = region_current(region.parent_code, on) if region.parent_code else None
    return path


def region_full_name(code: str, on: dt.date | None = None) -> str:
    """"江苏省 苏州市 姑苏区"; a municipality's city row is not repeated."""
    names: list[str] = []
    for region in region_path(code, on):
        if not names or names[-1] != region.name:
            names.append(region.name)
    return " ".join(names)


# --- classifications ----------------------------------------------------------------------

def industry_by_code(code: str, *, edition: str = INDUSTRY_EDITION) -> Industry | None:
    return Industry.objects.filter(edition=edition, code=code).first()


def industry_sections(*, edition: str = INDUSTRY_EDITION) -> QuerySet[Industry]:
    return Industry.objects.filter(edition=edition, level=1).order_by("code")


def iaf_sector(number: int) -> IAFSector | None:
    return IAFSector.objects.filter(number=number).first()


def lab_field_by_code(code: str) -> LabField | None:
    return LabField.objects.filter(code=code).first()


# --- schemes ------------------------------------------------------------------------------

def scheme_by_code(code: str) -> Scheme | None:
    return Scheme.objects.filter(code=code).first()


def schemes_by_family(family: str | SchemeFamily, *, active_only: bool = True) -> QuerySet[Scheme]:
    qs = Scheme.objects.filter(family=family)
    return qs.filter(active=True) if active_only else qs


# --- the CCC catalogue --------------------------------------------------------------------

def ccc_edition_current(on: dt.date | None = None) -> CCCEdition | None:
    return CCCEdition.current(on)


def _with_code(qs: QuerySet[CCCProduct], code: str) -> CCCProduct | None:
    for product in qs.filter(Q(code=code) | Q(codes__contains=code)).order_by("number"):
        if code in product.code_list:
            return product
    return None


def ccc_product(code: str, *, edition: str) -> CCCProduct | None:
    """The product of one catalogue edition that has `code` among its codes."""
    return _with_code(CCCProduct.objects.filter(edition__code=edition), code)


def ccc_product_in_force(code: str, on: dt.date | None = None) -> CCCProduct | None:
    """The catalogue product with `code` in the edition in force on `on`, or None if the code is
    not under CCC management that day (never listed, or left the catalogue)."""
    edition = CCCEdition.current(on)
    if edition is None:
        return None
    return _with_code(edition.products.select_related("category"), code)


def _codes(edition: CCCEdition) -> set[str]:
    return {c for p in edition.products.all() for c in p.code_list}


def ccc_products_removed(since_edition: str, until_edition: str | None = None) -> list[CCCProduct]:
    """Products of `since_edition` none of whose codes is in `until_edition` (by default the
    newest edition): the products that left CCC management in between."""
    since = CCCEdition.objects.get(code=since_edition)
    until = (CCCEdition.objects.get(code=until_edition) if until_edition
             else CCCEdition.objects.order_by("-effective_from").first())
    if until is None or until == since:
        return []
    later = _codes(until)
    return [p for p in since.products.order_by("number") if not set(p.code_list) & later]


def ccc_products_added(since_edition: str, until_edition: str | None = None) -> list[CCCProduct]:
    """Products of `until_edition` (newest by default) none of whose codes was in `since_edition`."""
    since = CCCEdition.objects.get(code=since_edition)
    until = (CCCEdition.objects.get(code=until_edition) if until_edition
             else CCCEdition.objects.order_by("-effective_from").first())
    if until is None or until == since:
        return []
    earlier = _codes(since)
    return [p for p in until.products.order_by("number") if not set(p.code_list) & earlier]


def ccc_code_exists(code: str, on: dt.date | None = None) -> bool:
    """Whether a 4-digit product code is in the catalogue in force on `on` (CCC number lookup)."""
    return ccc_product_in_force(code, on) is not None


# --- versions -----------------------------------------------------------------------------

def code_list_versions() -> QuerySet[CodeListVersion]:
    return CodeListVersion.objects.order_by("name", "edition")
