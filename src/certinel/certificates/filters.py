"""The filters of the public certificate search, shared by the portal and the open API, so
that both offer the same filters with the same meaning and the same errors (the registry's
`filters.py` follows the same pattern)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from ninja import Schema
from pydantic import Field, field_validator, model_validator

from certinel.registry.filters import (
    _ANY,
    _SOLID,
    REGION_PATTERN,
    SCHEME_PATTERN,
    TEXT_PATTERN,
    TWO_CHARACTERS_PATTERN,
    WHITE,
    blank_is_none,
    declared,
    matches,
    strict_date,
)

from .choices import CertificateStatus

# The formats the OpenAPI document declares, checked on the value as sent (registry/filters.py).
BODY_PATTERN = "^(?:|[0-9A-Za-z][0-9A-Za-z-]{0,31})$"
# Three characters or more once the white space around them is left out (or nothing at all).
NUMBER_PATTERN = f"^(?:[{WHITE}]*|[{WHITE}]*{_SOLID}{_ANY}+{_SOLID}[{WHITE}]*)$"
# A character besides white space.
SOME_TEXT_PATTERN = f"^{_ANY}*{_SOLID}{_ANY}*$"
# A unified social credit code (GB 32100): 18 characters, or the beginning of one.
USCC_FULL = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
USCC_PREFIX = re.compile(r"^[0-9][0-9A-HJ-NPQRTUWXY]{5,17}$")
MAX_PAGE_SIZE = 100


def normalise_number(value: str) -> str:
    """A certificate number as people type it: full-width characters made half-width, spaces
    around it dropped. Case is kept (the register stores numbers as the body reported them)."""
    return unicodedata.normalize("NFKC", value or "").strip()


def normalise_code(value: str) -> str:
    """A code as people type it: half-width, upper case, without spaces."""
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


class CertificateFilters(Schema):
    """Every filter is optional; together they narrow the result (AND)."""

    number: str | None = Field(None, max_length=64, description=(
        "The certificate number, exactly (full-width characters and the case of letters do not matter)."),
        examples=["00124Q0001R0M"], json_schema_extra=declared(NUMBER_PATTERN))
    q: str | None = Field(None, max_length=100, description=(
        "The holder: two or more consecutive characters of its name (current, former or English name), or its "
        "unified social credit code (18 characters), or the beginning of that code (6 characters or more)."),
        examples=["华盛电子"], json_schema_extra=declared(TWO_CHARACTERS_PATTERN))
    body: str | None = Field(None, description="The issuing body: its approval number or its id.",
                             examples=["CNCA-R-2002-001"], json_schema_extra=declared(BODY_PATTERN))
    scheme: str | None = Field(None, description="The certification scheme code.", examples=["QMS"],
                               json_schema_extra=declared(SCHEME_PATTERN))
    status: CertificateStatus | None = Field(None, description=(
        "The status today, as the register computes it: a certificate past its expiry date counts as expired and "
        "a certificate whose surveillance is overdue as suspended, even before the nightly job records it."))
    region: str | None = Field(None, description=(
        "The holder's region, a GB/T 2260 code prefix: 32 (province), 3201 (city) or 320102 (county)."),
        examples=["3201"], json_schema_extra=declared(REGION_PATTERN))
    issued_from: dt.date | None = Field(None, description="Issued (this issue) on or after this day, YYYY-MM-DD.")
    issued_to: dt.date | None = Field(None, description="Issued on or before this day.")
    expires_from: dt.date | None = Field(None, description="Expiring on or after this day.")
    expires_to: dt.date | None = Field(None, description="Expiring on or before this day.")
    page: int = Field(1, ge=1, le=10000, description="Page number, from 1.")
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description="Results per page (at most 100).")

    _blank = field_validator("number", "q", "body", "scheme", "region", mode="before")(blank_is_none)
    _dates = field_validator("issued_from", "issued_to", "expires_from", "expires_to", mode="before")(strict_date)

    @field_validator("number")
    @classmethod
    def _number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not matches(NUMBER_PATTERN, value):
            raise ValueError("a certificate number has at least 3 characters")
        return normalise_number(value) or None

    @field_validator("q")
    @classmethod
    def _q(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not matches(TWO_CHARACTERS_PATTERN, value):
            raise ValueError("enter at least two characters")
        return unicodedata.normalize("NFKC", value).strip() or None

    @field_validator("body")
    @classmethod
    def _body(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not matches(BODY_PATTERN, value):
            raise ValueError("a body is named by its approval number (CNCA-R-2002-001) or its id")
        return normalise_code(value) or None

    @field_validator("scheme")
    @classmethod
    def _scheme(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not matches(SCHEME_PATTERN, value):
            raise ValueError("a scheme is named by its code, e.g. QMS or CCC")
        return value or None

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not matches(REGION_PATTERN, value):
            raise ValueError("a region is a 2-digit province, 4-digit city or 6-digit county code (GB/T 2260)")
        return value or None

    @model_validator(mode="after")
    def _ranges(self) -> CertificateFilters:
        if self.issued_from and self.issued_to and self.issued_from > self.issued_to:
            raise ValueError("issued_from comes after issued_to")
        if self.expires_from and self.expires_to and self.expires_from > self.expires_to:
            raise ValueError("expires_from comes after expires_to")
        return self

    @property
    def holder_code(self) -> str | None:
        """`q` as a whole unified social credit code, or None."""
        code = normalise_code(self.q or "")
        return code if USCC_FULL.match(code) else None

    @property
    def holder_code_prefix(self) -> str | None:
        """`q` as the beginning of a unified social credit code (6 characters or more), or None."""
        code = normalise_code(self.q or "")
        return code if USCC_PREFIX.match(code) and not USCC_FULL.match(code) else None

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in FILTER_FIELDS)


FILTER_FIELDS = ("number", "q", "body", "scheme", "status", "region", "issued_from", "issued_to", "expires_from",
                 "expires_to")


class VerifyQuery(Schema):
    """What a buyer checks: a number, and optionally the holder and the scope she expects."""

    number: str = Field(..., min_length=1, max_length=64, description=(
        "The certificate number as printed (or read from the QR code)."), examples=["00124Q0001R0M"],
        json_schema_extra=declared(SOME_TEXT_PATTERN))
    holder: str | None = Field(None, max_length=200, description=(
        "The name of the supplier presenting the certificate (or its unified social credit code). When given, "
        "the verdict says whether it matches the certificate's holder."), examples=["测试华盛电子有限公司"],
        json_schema_extra=declared(TEXT_PATTERN))
    scope: str | None = Field(None, max_length=100, description=(
        "Optionally, what the certificate should cover: a scope code (an IAF sector number such as 18, a CCC "
        "product code such as 0701) or words of the scope or of a product name."), examples=["18"],
        json_schema_extra=declared(TEXT_PATTERN))

    @field_validator("holder", "scope")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not matches(TEXT_PATTERN, value):
            raise ValueError("the text holds a NUL character, which is not allowed")
        return value.strip() or None

    @field_validator("number")
    @classmethod
    def _number(cls, value: str) -> str:
        if not matches(SOME_TEXT_PATTERN, value):
            raise ValueError("enter the certificate number")
        return normalise_number(value)
