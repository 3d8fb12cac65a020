"""One filter definition for each list, shared by the portal and the API, so that both
offer the same filters with the same meaning and the same errors."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, field_validator

from .choices import BodyStatus, LabStatus, OrgStatus, SizeClass

# The formats of query parameters, as the OpenAPI document declares them (`pattern`) and as
# the checks below enforce them, on the value as sent: the same regular expressions, written
# with explicit classes (no \d, \s or .) so that Python and JSON Schema read them alike. An
# empty text or code means "no filter" and matches its pattern (a date must be a date). The
# portal strips what people type before these checks. NUL is refused everywhere (no database
# stores it in text).
# The characters str.isspace() takes for white space, as regular-expression escapes.
WHITE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_ANY, _SOLID = r"[^\x00]", rf"[^\x00{WHITE}]"
TEXT_PATTERN = f"^{_ANY}*$"
# Two characters or more besides white space (or nothing at all).
TWO_CHARACTERS_PATTERN = f"^(?:[{WHITE}]*|{_ANY}*{_SOLID}{_ANY}*{_SOLID}{_ANY}*)$"
REGION_PATTERN = "^(?:|[0-9]{2}|[0-9]{4}|[0-9]{6})$"
SCHEME_PATTERN = "^(?:|[A-Za-z][A-Za-z0-9-]{0,31})$"
LAB_FIELD_PATTERN = "^(?:|[0-9]{2})$"
INDUSTRY_PATTERN = "^(?:|[A-Ta-t]|[0-9]{2,4})$"
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def matches(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern, value) is not None


def declared(pattern: str, **extra) -> dict:
    """`json_schema_extra` for a parameter whose format `pattern` states."""
    return {"pattern": pattern, **extra}


def blank_is_none(value):
    return None if value == "" else value


def strict_date(value):
    """Dates as YYYY-MM-DD only (pydantic alone would also take a number of seconds)."""
    if isinstance(value, str) and not matches(DATE_PATTERN, value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


class _Paged(Schema):
    page: int = Field(1, ge=1, le=10000, description="Page number, from 1.")
    page_size: int = Field(20, ge=1, le=100, description="Results per page (at most 100).")


def _check_region(value: str | None) -> str | None:
    if value is None:
        return None
    if not matches(REGION_PATTERN, value):
        raise ValueError(_("a region is a 2-digit province, 4-digit city or 6-digit county code (GB/T 2260)"))
    return value or None


def _check_query(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > 100:
        raise ValueError(_("at most 100 characters"))
    if not matches(TEXT_PATTERN, value):
        raise ValueError("the text holds a NUL character, which is not allowed")
    return value.strip() or None


def _check_code(value: str | None, pattern: str, message: str) -> str | None:
    if value is None:
        return None
    if not matches(pattern, value):
        raise ValueError(message)
    return value or None


class BodyFilters(_Paged):
    q: str | None = Field(None, description="Part of the name, or an approval number, USCC or accreditation number.",
                          max_length=100, json_schema_extra=declared(TEXT_PATTERN))
    region: str | None = Field(None, description="Region code prefix: 32 (province), 3201 (city), 320102.",
                               json_schema_extra=declared(REGION_PATTERN), examples=["32"])
    scheme: str | None = Field(None, description="Approved for this scheme code (e.g. CCC, QMS).",
                               json_schema_extra=declared(SCHEME_PATTERN), examples=["QMS"])
    iaf_sector: int | None = Field(None, ge=1, le=39, description="Approved for this IAF sector (1–39).")
    status: BodyStatus | None = None

    _blank = field_validator("q", "region", "scheme", mode="before")(blank_is_none)

    @field_validator("q")
    @classmethod
    def _q(cls, value: str | None) -> str | None:
        return _check_query(value)

    @field_validator("scheme")
    @classmethod
    def _scheme(cls, value: str | None) -> str | None:
        return _check_code(value, SCHEME_PATTERN, "a scheme is named by its code, e.g. QMS or CCC")

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return _check_region(value)


class LabFilters(_Paged):
    q: str | None = Field(None, description="Part of the name, or a CMA number or USCC.", max_length=100,
                          json_schema_extra=declared(TEXT_PATTERN))
    region: str | None = Field(None, description="Region code prefix.", json_schema_extra=declared(REGION_PATTERN),
                               examples=["3201"])
    field: str | None = Field(None, description="Qualified in this inspection and testing field (two-digit code).",
                              json_schema_extra=declared(LAB_FIELD_PATTERN), examples=["02"])
    status: LabStatus | None = None

    _blank = field_validator("q", "region", "field", mode="before")(blank_is_none)

    @field_validator("q")
    @classmethod
    def _q(cls, value: str | None) -> str | None:
        return _check_query(value)

    @field_validator("field")
    @classmethod
    def _field(cls, value: str | None) -> str | None:
        return _check_code(value, LAB_FIELD_PATTERN, "a field is a two-digit code, e.g. 02")

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return _check_region(value)


class OrganizationFilters(_Paged):
    q: str | None = Field(None, description="Part of the name (two characters or more; former and English "
                                            "names too), or the beginning of a USCC.", max_length=100,
                          json_schema_extra=declared(TWO_CHARACTERS_PATTERN), examples=["科技"])
    region: str | None = Field(None, description="Region code prefix.", json_schema_extra=declared(REGION_PATTERN),
                               examples=["3201"])
    industry: str | None = Field(None, description="GB/T 4754 section letter (C) or division code (13).",
                                 json_schema_extra=declared(INDUSTRY_PATTERN), examples=["C"])
    size: SizeClass | None = None
    status: OrgStatus | None = None

    _blank = field_validator("q", "region", "industry", mode="before")(blank_is_none)

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return _check_region(value)

    @field_validator("q")
    @classmethod
    def _q_long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) <= 100 and not matches(TWO_CHARACTERS_PATTERN, value):
            raise ValueError(_("enter at least two characters"))
        return _check_query(value)

    @field_validator("industry")
    @classmethod
    def _industry(cls, value: str | None) -> str | None:
        value = _check_code(value, INDUSTRY_PATTERN,
                            _("an industry is a GB/T 4754 section letter (A–T) or a 2–4 digit code"))
        return value.upper() if value else None


# --- The recent-changes page (appended for the portal) --------------------------------------

CHANGE_KINDS = ("body", "lab", "organization", "person", "account")


class ChangeFilters(_Paged):
    """What a signed-in user filters the history they may see by."""

    _blank = field_validator("*", mode="before")(blank_is_none)

    days: int = Field(7, ge=1, le=366, description="Changes of the last N days (1–366).")
    kind: str | None = Field(None, description="What changed: body, lab, organization, person or account.")
    action: str | None = Field(None, max_length=64, description="One event, e.g. body_suspended.")
    region: str | None = Field(None, description="Region code prefix (inside the caller's jurisdiction).")
    page_size: int = Field(50, ge=1, le=200, description="Results per page (at most 200).")

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return _check_region(value)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value not in CHANGE_KINDS:
            raise ValueError(_("a kind is one of: %(kinds)s") % {"kinds": ", ".join(CHANGE_KINDS)})
        return value

    @field_validator("action")
    @classmethod
    def _action(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not re.fullmatch(r"[a-z_]{1,64}", value):
            raise ValueError(_("an event name has lower-case letters and underscores only"))
        return value
