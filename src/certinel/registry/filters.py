"""One filter definition for each list, shared by the portal and the API, so that both
offer the same filters with the same meaning and the same errors."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, field_validator

from .choices import BodyStatus, LabStatus, OrgStatus, SizeClass

_REGION = re.compile(r"^(\d{2}|\d{4}|\d{6})$")


class _Paged(Schema):
    page: int = Field(1, ge=1, le=10000, description="Page number, from 1.")
    page_size: int = Field(20, ge=1, le=100, description="Results per page (at most 100).")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if value == "" else value


def _check_region(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not _REGION.match(value):
        raise ValueError(_("a region is a 2-digit province, 4-digit city or 6-digit county code (GB/T 2260)"))
    return value


def _check_query(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > 100:
        raise ValueError(_("at most 100 characters"))
    return value or None


class BodyFilters(_Paged):
    q: str | None = Field(None, description="Part of the name, or an approval number, USCC or accreditation number.")
    region: str | None = Field(None, description="Region code prefix: 32 (province), 3201 (city), 320102.")
    scheme: str | None = Field(None, description="Approved for this scheme code (e.g. CCC, QMS).")
    iaf_sector: int | None = Field(None, ge=1, le=39, description="Approved for this IAF sector (1–39).")
    status: BodyStatus | None = None

    @field_validator("q")
    @classmethod
    def _q(cls, value: str | None) -> str | None:
        return _check_query(value)

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return _check_region(value)


class LabFilters(_Paged):
    q: str | None = Field(None, description="Part of the name, or a CMA number or USCC.")
    region: str | None = Field(None, description="Region code prefix.")
    field: str | None = Field(None, description="Qualified in this inspection and testing field (code).")
    status: LabStatus | None = None

    @field_validator("q")
    @classmethod
    def _q(cls, value: str | None) -> str | None:
        return _check_query(value)

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return _check_region(value)


class OrganizationFilters(_Paged):
    q: str | None = Field(None, description="Part of the name (two characters or more; former and English "
                                            "names too), or the beginning of a USCC.")
    region: str | None = Field(None, description="Region code prefix.")
    industry: str | None = Field(None, description="GB/T 4754 section letter (C) or division code (13).")
    size: SizeClass | None = None
    status: OrgStatus | None = None

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return _check_region(value)

    @field_validator("q")
    @classmethod
    def _q_long_enough(cls, value: str | None) -> str | None:
        value = _check_query(value)
        if value is not None and len(value) < 2:
            raise ValueError(_("enter at least two characters"))
        return value

    @field_validator("industry")
    @classmethod
    def _industry(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().upper()
        if not re.fullmatch(r"[A-T]|\d{2,4}", value):
            raise ValueError(_("an industry is a GB/T 4754 section letter (A–T) or a 2–4 digit code"))
        return value


# --- The recent-changes page (appended for the portal) --------------------------------------

CHANGE_KINDS = ("body", "lab", "organization", "person", "account")


class ChangeFilters(_Paged):
    """What a signed-in user filters the history they may see by."""

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
