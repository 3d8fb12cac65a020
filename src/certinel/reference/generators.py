"""Valid identifiers for tests and demo data. Every value made here passes the validator of
`identifiers`; none is a real organization's (the bodies are random)."""

from __future__ import annotations

import datetime as dt
import random

from .identifiers import (
    CB_FIRST_YEAR,
    CCC_FIRST_YEAR,
    CMA_AUTHORITIES,
    CMA_FIELDS,
    CMA_INDUSTRY_DEPARTMENTS,
    DEPARTMENTS,
    USCC_CHARSET,
    org_code_check,
    uscc_check,
)

ORG_BODY_CHARS = "0123456789" * 3 + "ABCDEFGHJKLMNPQRTUWXY"  # mostly digits, as real codes are


def make_org_code(rng: random.Random) -> str:
    """A GB 11714 organization code (8 characters and the check character) fit for a USCC."""
    body = "".join(rng.choice(ORG_BODY_CHARS) for _ in range(8))
    return body + org_code_check(body)


def make_uscc(region_code: str, rng: random.Random, *, department: str = "9", category: str = "1") -> str:
    """A unified social credit code registered in `region_code` (6 digits); enterprises by default."""
    if len(region_code) != 6 or not region_code.isdigit():
        raise ValueError(f"region_code must be 6 digits, not {region_code!r}")
    if category not in DEPARTMENTS[department][2]:
        raise ValueError(f"category {category!r} is not used by department {department!r}")
    first17 = department + category + region_code + make_org_code(rng)
    assert all(ch in USCC_CHARSET for ch in first17)
    return first17 + uscc_check(first17)


def make_cma(rng: random.Random, *, year: int | None = None, authority: str | None = None,
             field: str | None = None, industry_department: str | None = None) -> str:
    """A CMA certificate number; the parts not given are drawn at random (year: the last 10)."""
    this_year = dt.date.today().year
    year = year if year is not None else rng.randint(this_year - 9, this_year)
    authority = authority or f"{rng.randrange(len(CMA_AUTHORITIES)):02d}"
    field = field or f"{rng.randrange(CMA_FIELDS):02d}"
    industry_department = industry_department or f"{rng.randrange(CMA_INDUSTRY_DEPARTMENTS):02d}"
    return f"{year % 100:02d}{authority}{field}{industry_department}{rng.randint(1, 9999):04d}"


def make_cb_approval(rng: random.Random, *, year: int | None = None, foreign_invested: bool = False) -> str:
    """A CB approval number, CNCA-R-YYYY-NNN or (foreign-invested) CNCA-RF-YYYY-NN."""
    year = year if year is not None else rng.randint(CB_FIRST_YEAR, dt.date.today().year)
    if foreign_invested:
        return f"CNCA-RF-{year}-{rng.randint(1, 99):02d}"
    return f"CNCA-R-{year}-{rng.randint(1, 999):03d}"


def make_ccc_number(rng: random.Random, *, product_code: str, year: int | None = None,
                    body_code: str | None = None) -> str:
    """A CCC certificate number for a catalogue product code (4 digits)."""
    if len(product_code) != 4 or not product_code.isdigit():
        raise ValueError(f"product_code must be 4 digits, not {product_code!r}")
    year = year if year is not None else rng.randint(max(CCC_FIRST_YEAR, dt.date.today().year - 9),
                                                     dt.date.today().year)
    body_code = body_code or f"{rng.randint(1, 40):02d}"
    return f"{year:04d}{body_code}{product_code}{rng.randint(1, 999999):06d}"
