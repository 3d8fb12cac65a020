"""Output schemas of the open API for the registry. Inputs are the shared filter definitions
in `filters.py`; outputs are declared here, apart from the models, so that a field reaches the
public only when it is named below. Fields under `private` are filled only for callers the
permission matrix lets see the full record; for everyone else `private` is null."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from .choices import BodyStatus, LabStatus, OrgStatus, PersonRoleKind, RoleStatus, ScopeItemKind, SizeClass


class ErrorOut(Schema):
    code: str = Field(description="A stable, machine-readable error code.", examples=["not_found"])
    message: str = Field(description="What went wrong, for a person to act on.",
                         examples=["No certification body CNCA-R-1999-999."])


class FieldErrorOut(Schema):
    field: str = Field(examples=["region"])
    code: str = Field(examples=["value_error"])
    message: str = Field(examples=["Value error, a region is a 2-digit province, 4-digit city or 6-digit county "
                                   "code (GB/T 2260)"])


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut] = Field(description="One entry per wrong field.")


class PageMeta(Schema):
    total: int = Field(description="How many results match. For broad name searches this may be a lower bound.",
                       examples=[42])
    total_display: str = Field(description="The total as shown to people: `10,000+` when it is a lower bound.",
                               examples=["42"])
    page: int = Field(description="This page's number, from 1.", examples=[1])
    page_size: int = Field(description="Results per page.", examples=[20])
    pages: int = Field(description="How many pages there are (at least 1).", examples=[3])


class Region(Schema):
    code: str = Field(description="GB/T 2260 code of the county (or city) of registration.", examples=["320102"])
    name: str = Field(examples=["玄武区"])


class PeopleCount(Schema):
    kind: PersonRoleKind
    label: str = Field(examples=["审核员"])
    count: int = Field(description="People holding an active role of this kind.", examples=[12])


class PersonRoleOut(Schema):
    """A person's role, for callers allowed to see the people of a body, lab or organization."""

    name: str = Field(examples=["李审核"])
    kind: PersonRoleKind
    title: str = ""
    registration_no: str = Field("", examples=["2024-N1QMS-1234567"])
    grade: str = Field("", description="Auditor grade, when the role is an auditor's.")
    scheme: str | None = Field(None, description="Scheme code of an auditor's registration.", examples=["QMS"])
    field: str | None = Field(None, description="Lab field code of a reviewer or signatory.")
    status: RoleStatus
    valid_from: dt.date
    valid_until: dt.date | None = None
    phone: str = Field("", description="Mobile number; masked (138****5678) unless the caller may see the person.")


# --- Certification bodies ------------------------------------------------------------------

class BodySummary(Schema):
    id: int = Field(examples=[1])
    approval_no: str = Field(description="CNCA approval number.", examples=["CNCA-R-2004-117"])
    name: str = Field(examples=["江苏恒信质量认证中心有限公司"])
    name_en: str = Field("", examples=["Jiangsu Hengxin Quality Certification Centre"])
    uscc: str = Field(description="Unified social credit code (GB 32100).", examples=["91320102GC5L4NK27L"])
    accreditation_no: str = Field("", description="CNAS accreditation number, if accredited.",
                                  examples=["CNAS C117-M"])
    region: Region
    status: BodyStatus
    status_label: str = Field(description="The status in words, in the request's language.", examples=["有效"])
    approval_valid_until: dt.date | None = None


class BodyScopeOut(Schema):
    scheme: str = Field(description="Scheme code.", examples=["QMS"])
    scheme_name: str = Field(examples=["质量管理体系认证"])
    iaf_sector: int | None = Field(None, description="IAF sector (1–39), for management-system schemes.",
                                   examples=[17])
    iaf_sector_name: str | None = Field(None, examples=["基础金属及金属制品"])
    ccc_product_code: str | None = Field(None, description="CCC catalogue product code, for CCC.",
                                         examples=["0101"])
    granted_on: dt.date


class BodyPrivate(Schema):
    people: list[PersonRoleOut]


class BodyDetail(BodySummary):
    approval_date: dt.date
    address: str
    website: str = ""
    phone: str = Field("", description="The body's office telephone (public).")
    legal_representative: str = ""
    foreign: bool = Field(description="A body established abroad.")
    credit_grade: str = ""
    status_reason: str = Field("", description="Why the status last changed (suspension, revocation …).")
    status_changed_on: dt.date | None = None
    scopes: list[BodyScopeOut] = Field(description="Approved scopes in force.")
    people_counts: list[PeopleCount]
    private: BodyPrivate | None = Field(None, description="Only for the body's own operators and the regulators "
                                                          "of its region; null otherwise.")


class BodyPage(PageMeta):
    items: list[BodySummary]


# --- Labs --------------------------------------------------------------------------------

class LabSummary(Schema):
    id: int
    cma_no: str = Field(description="CMA (资质认定) certificate number, 12 digits.", examples=["233009212253"])
    name: str = Field(examples=["苏州青禾检测技术有限公司"])
    name_en: str = ""
    uscc: str
    region: Region
    status: LabStatus
    status_label: str = Field(examples=["有效"])
    cma_valid_until: dt.date


class LabFieldOut(Schema):
    code: str = Field(examples=["00"])
    name: str = Field(examples=["食品"])


class LabScopeItemOut(Schema):
    kind: ScopeItemKind = Field(description="`basic`: basic requirements; `industry`: industry-specific "
                                            "requirements of a field.")
    field: LabFieldOut
    item: str = Field(description="Object or parameter tested.", examples=["食品中铅的测定"])
    standard: str = Field("", examples=["GB 5009.12-2017"])
    granted_on: dt.date


class LabPrivate(Schema):
    people: list[PersonRoleOut]


class LabDetail(LabSummary):
    cma_issued_on: dt.date
    address: str
    phone: str = ""
    credit_grade: str = ""
    status_reason: str = ""
    status_changed_on: dt.date | None = None
    fields: list[LabFieldOut]
    scope: list[LabScopeItemOut] = Field(description="Qualified scope in force: basic plus industry-specific "
                                                     "requirements.")
    people_counts: list[PeopleCount]
    private: LabPrivate | None = None


class LabPage(PageMeta):
    items: list[LabSummary]


# --- Organizations ------------------------------------------------------------------------

class IndustryOut(Schema):
    code: str = Field(examples=["39"])
    name: str = Field(examples=["计算机、通信和其他电子设备制造业"])


class OrganizationSummary(Schema):
    id: int
    uscc: str = Field(examples=["913201024B3XJ56N9P"])
    name: str = Field(examples=["南京星河精密科技有限公司"])
    name_en: str = ""
    region: Region
    industry: IndustryOut | None = None
    size_class: SizeClass | None = Field(None, description="Enterprise size, when known.")
    status: OrgStatus
    status_label: str = Field(examples=["存续"])


class FormerName(Schema):
    name: str = Field(examples=["南京星河电子有限公司"])
    used_until: dt.date


class SiteOut(Schema):
    kind: str = Field(examples=["production"])
    kind_label: str = Field(examples=["生产场所"])
    name: str = ""
    address: str
    region_code: str


class OrganizationPrivate(Schema):
    contact_phone: str = ""
    contact_email: str = ""
    people: list[PersonRoleOut]


class OrganizationDetail(OrganizationSummary):
    address: str = Field(description="Registered address.")
    former_names: list[FormerName]
    sites: list[SiteOut] = Field(description="Sites in use.")
    people_counts: list[PeopleCount]
    private: OrganizationPrivate | None = Field(None, description="Contact details and people: only for the "
                                                                  "organization's own users and the regulators "
                                                                  "of its region; null otherwise.")


class OrganizationPage(PageMeta):
    items: list[OrganizationSummary]
