"""The registry's back office. Every add, change and decision calls a service with
`Actor.for_user(user, via=ADMIN)`; service errors show as form errors or admin messages.
Regulators see and act within their jurisdiction; rows are never deleted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from certinel.core.admin import ServiceAdmin, admin_actor, decision_action, staff_role
from certinel.reference.models import IAFSector, LabField, Scheme

from . import services
from .models import (
    BodyScope,
    CertificationBody,
    Lab,
    LabScopeItem,
    Organization,
    OrganizationName,
    Person,
    PersonRole,
    Site,
)


def in_jurisdiction(request: HttpRequest, queryset: QuerySet, *paths: str, extra: Q | None = None) -> QuerySet:
    """The rows whose region code (at any of `paths`) lies in a regulator's jurisdiction;
    everything for the system administrator."""
    user: Any = request.user
    if user.is_superuser or user.role == "admin":
        return queryset
    code = getattr(user, "jurisdiction_code", "")
    if user.role != "regulator" or not code:
        return queryset.none()
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{path}__startswith": code})
    if extra is not None:
        condition |= extra
    return queryset.filter(condition)


def _region_field() -> forms.CharField:
    return forms.CharField(label=_("区划代码"), max_length=6,
                           help_text=_("六位行政区划代码（GB/T 2260），例如 320102。"))


def _reason_field() -> forms.CharField:
    return forms.CharField(label=_("变更原因"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
                           help_text=_("记入变更记录。"))


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return staff_role(request)


class SplitFormAdmin(ServiceAdmin):
    """One form to add, another to change (what a service lets change differs from what it
    takes to create)."""

    add_form: type[forms.ModelForm]
    change_form: type[forms.ModelForm]
    add_fieldsets: Any = None

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        kwargs["form"] = self.change_form if obj is not None else self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        if obj is None and self.add_fieldsets:
            return self.add_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        return self.readonly_fields if obj is not None else ()


# --- Certification bodies ------------------------------------------------------------------

BODY_INPUTS = ("name", "name_en", "uscc", "approval_no", "approval_date", "approval_valid_until",
               "accreditation_no", "address", "website", "phone", "legal_representative", "foreign")


class BodyAddForm(forms.ModelForm):
    region = _region_field()
    website = forms.URLField(label=_("网站"), required=False, assume_scheme="https")

    class Meta:
        model = CertificationBody
        fields = BODY_INPUTS


class BodyChangeForm(BodyAddForm):
    reason = _reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["region"] = self.instance.region_code


class BodyScopeInline(_ReadOnlyInline):
    model = BodyScope
    fields = ("scheme", "iaf_sector", "ccc_product_code", "granted_on", "withdrawn_on")
    readonly_fields = fields
    verbose_name_plural = _("批准范围（在批准范围页面增加或撤回）")


@admin.register(CertificationBody)
class CertificationBodyAdmin(SplitFormAdmin):
    kind = "body"
    add_form = BodyAddForm
    change_form = BodyChangeForm
    list_display = ("name", "approval_no", "region_code", "status", "accreditation_no", "approval_valid_until")
    list_filter = ("status", "foreign")
    search_fields = ("name", "name_en", "approval_no", "uscc", "accreditation_no")
    readonly_fields = ("status", "status_reason", "status_changed_on", "credit_grade")
    fieldsets = (
        (None, {"fields": ("name", "name_en", "uscc", "region", "address")}),
        (_("批准与认可"), {"fields": ("approval_no", "approval_date", "approval_valid_until", "accreditation_no",
                                 "foreign")}),
        (_("联系方式"), {"fields": ("website", "phone", "legal_representative")}),
        (_("状态"), {"fields": ("status", "status_reason", "status_changed_on", "credit_grade")}),
        (_("本次变更"), {"fields": ("reason",)}),
    )
    add_fieldsets = fieldsets[:3]
    inlines = (BodyScopeInline,)
    actions = (
        decision_action("suspend", _("暂停所选认证机构"), services.body_suspend, "body"),
        decision_action("reinstate", _("恢复所选认证机构"), services.body_reinstate, "body"),
        decision_action("revoke", _("撤销所选认证机构"), services.body_revoke, "body"),
        decision_action("cancel", _("注销所选认证机构"), services.body_cancel, "body"),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return in_jurisdiction(request, super().get_queryset(request).select_related("region"), "region_code")

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> CertificationBody:
        return services.body_create(actor=admin_actor(request), region_code=data["region"],
                                    **{k: data[k] for k in BODY_INPUTS})

    def service_update(self, request: HttpRequest, obj: Any, changes: dict[str, Any], extra: dict[str, Any]):
        if "region" in changes:
            changes["region_code"] = changes.pop("region")
        return services.body_update(actor=admin_actor(request), body=obj, reason=extra.get("reason", ""), **changes)


class BodyScopeForm(forms.ModelForm):
    scheme = forms.ModelChoiceField(Scheme.objects.filter(active=True), label=_("认证制度"), to_field_name="code")
    iaf_sector = forms.ModelChoiceField(IAFSector.objects.all(), label=_("IAF 行业"), required=False,
                                        to_field_name="number", help_text=_("管理体系认证按 IAF 行业批准。"))
    granted_on = forms.DateField(label=_("批准日期"), required=False, help_text=_("留空表示今天。"))

    class Meta:
        model = BodyScope
        fields = ("body", "scheme", "iaf_sector", "ccc_product_code", "granted_on")


@admin.register(BodyScope)
class BodyScopeAdmin(ServiceAdmin):
    kind = "body"
    form = BodyScopeForm
    list_display = ("body", "scheme", "iaf_sector", "ccc_product_code", "granted_on", "withdrawn_on")
    list_filter = ("scheme", ("withdrawn_on", admin.EmptyFieldListFilter))
    search_fields = ("body__name", "body__approval_no", "ccc_product_code")
    autocomplete_fields = ("body",)
    list_select_related = ("body", "scheme", "iaf_sector")
    actions = (decision_action("withdraw", _("撤回所选批准范围"), services.body_scope_withdraw, "scope"),)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return in_jurisdiction(request, super().get_queryset(request), "body__region_code")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        return ("body", "scheme", "iaf_sector", "ccc_product_code", "granted_on", "withdrawn_on") if obj else ()

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> BodyScope:
        return services.body_scope_grant(
            actor=admin_actor(request), body=data["body"], scheme_code=data["scheme"].code,
            iaf_sector=data["iaf_sector"].number if data.get("iaf_sector") else None,
            ccc_product_code=data.get("ccc_product_code") or "", granted_on=data.get("granted_on"))


# --- Labs --------------------------------------------------------------------------------

LAB_INPUTS = ("name", "name_en", "uscc", "cma_no", "cma_issued_on", "cma_valid_until", "address", "phone")


def _lab_field_choices() -> list[tuple[str, str]]:
    return [(f.code, f"{f.code} {f.name}") for f in LabField.objects.order_by("code")]


class LabAddForm(forms.ModelForm):
    region = _region_field()
    field_codes = forms.MultipleChoiceField(label=_("检验检测领域"), required=False, choices=_lab_field_choices,
                                            widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Lab
        fields = LAB_INPUTS


class LabChangeForm(LabAddForm):
    reason = _reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["region"]
        self.fields["field_codes"].initial = sorted(self.instance.fields.values_list("code", flat=True))


class LabScopeInline(_ReadOnlyInline):
    model = LabScopeItem
    fields = ("kind", "field", "item", "standard", "granted_on", "withdrawn_on")
    readonly_fields = fields
    verbose_name_plural = _("资质认定范围（在资质认定范围页面增加或撤回）")


@admin.register(Lab)
class LabAdmin(SplitFormAdmin):
    kind = "lab"
    add_form = LabAddForm
    change_form = LabChangeForm
    list_display = ("name", "cma_no", "region_code", "status", "cma_valid_until")
    list_filter = ("status", "fields")
    search_fields = ("name", "name_en", "cma_no", "uscc")
    readonly_fields = ("region_code", "status", "status_reason", "status_changed_on", "credit_grade")
    fieldsets = (
        (None, {"fields": ("name", "name_en", "uscc", "region_code", "address", "phone")}),
        (_("资质认定"), {"fields": ("cma_no", "cma_issued_on", "cma_valid_until", "field_codes")}),
        (_("状态"), {"fields": ("status", "status_reason", "status_changed_on", "credit_grade")}),
        (_("本次变更"), {"fields": ("reason",)}),
    )
    add_fieldsets = (
        (None, {"fields": ("name", "name_en", "uscc", "region", "address", "phone")}),
        fieldsets[1],
    )
    inlines = (LabScopeInline,)
    actions = (
        decision_action("suspend", _("暂停所选检验检测机构"), services.lab_suspend, "lab"),
        decision_action("reinstate", _("恢复所选检验检测机构"), services.lab_reinstate, "lab"),
        decision_action("revoke", _("撤销所选检验检测机构"), services.lab_revoke, "lab"),
        decision_action("cancel", _("注销所选检验检测机构"), services.lab_cancel, "lab"),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return in_jurisdiction(request, super().get_queryset(request).select_related("region"), "region_code")

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Lab:
        return services.lab_create(actor=admin_actor(request), region_code=data["region"],
                                   field_codes=list(data.get("field_codes") or []),
                                   **{k: data[k] for k in LAB_INPUTS})

    def service_update(self, request: HttpRequest, obj: Any, changes: dict[str, Any], extra: dict[str, Any]):
        codes = changes.pop("field_codes", None)
        return services.lab_update(actor=admin_actor(request), lab=obj, reason=extra.get("reason", ""),
                                   field_codes=list(codes) if codes is not None else None, **changes)


class LabScopeItemForm(forms.ModelForm):
    field = forms.ModelChoiceField(LabField.objects.all(), label=_("领域"), to_field_name="code")
    granted_on = forms.DateField(label=_("批准日期"), required=False, help_text=_("留空表示今天。"))

    class Meta:
        model = LabScopeItem
        fields = ("lab", "kind", "field", "item", "standard", "granted_on")


@admin.register(LabScopeItem)
class LabScopeItemAdmin(ServiceAdmin):
    kind = "lab"
    field_aliases = {"field_code": "field"}
    form = LabScopeItemForm
    list_display = ("lab", "kind", "field", "item", "standard", "granted_on", "withdrawn_on")
    list_filter = ("kind", "field", ("withdrawn_on", admin.EmptyFieldListFilter))
    search_fields = ("lab__name", "lab__cma_no", "item", "standard")
    autocomplete_fields = ("lab",)
    list_select_related = ("lab", "field")
    actions = (decision_action("withdraw", _("撤回所选资质认定范围"), services.lab_scope_item_withdraw, "item"),)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return in_jurisdiction(request, super().get_queryset(request), "lab__region_code")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        return ("lab", "kind", "field", "item", "standard", "granted_on", "withdrawn_on") if obj else ()

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> LabScopeItem:
        return services.lab_scope_item_add(actor=admin_actor(request), lab=data["lab"], kind=data["kind"],
                                           field_code=data["field"].code, item=data["item"],
                                           standard=data.get("standard") or "", granted_on=data.get("granted_on"))


# --- Organizations ------------------------------------------------------------------------

class OrganizationAddForm(forms.ModelForm):
    region = _region_field()
    industry_code = forms.CharField(label=_("行业代码"), required=False, max_length=5,
                                    help_text=_("国民经济行业分类（GB/T 4754）代码，例如 3911。"))

    class Meta:
        model = Organization
        fields: tuple[str, ...] = ("uscc", "name", "name_en", "address", "size_class", "contact_phone",
                                   "contact_email")


class OrganizationChangeForm(OrganizationAddForm):
    renamed_on = forms.DateField(label=_("更名日期"), required=False, help_text=_("修改名称时填写；留空表示今天。"))
    reason = _reason_field()

    class Meta(OrganizationAddForm.Meta):
        fields = ("name", "name_en", "address", "size_class", "contact_phone", "contact_email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["region"]
        self.fields["industry_code"].initial = self.instance.industry.code if self.instance.industry_id else ""


class FormerNameInline(_ReadOnlyInline):
    model = OrganizationName
    fields = ("name", "used_until")
    readonly_fields = fields
    show_change_link = False


class SiteInline(_ReadOnlyInline):
    model = Site
    fields = ("kind", "name", "address", "region_code", "active")
    readonly_fields = fields


@admin.register(Organization)
class OrganizationAdmin(SplitFormAdmin):
    kind = "organization"
    add_form = OrganizationAddForm
    change_form = OrganizationChangeForm
    extra_inputs = ("reason", "renamed_on")
    list_display = ("name", "uscc", "region_code", "industry", "size_class", "status")
    list_filter = ("status", "size_class")
    search_fields = ("name", "uscc", "name_en")
    show_full_result_count = False
    readonly_fields = ("uscc", "region_code", "status")
    fieldsets = (
        (None, {"fields": ("uscc", "name", "name_en", "region_code", "address", "industry_code", "size_class")}),
        (_("联系方式（不公开）"), {"fields": ("contact_phone", "contact_email")}),
        (_("状态"), {"fields": ("status",)}),
        (_("本次变更"), {"fields": ("renamed_on", "reason")}),
    )
    add_fieldsets = (
        (None, {"fields": ("uscc", "name", "name_en", "region", "address", "industry_code", "size_class")}),
        fieldsets[1],
    )
    inlines = (FormerNameInline, SiteInline)
    actions = (
        decision_action("deregister", _("注销所选组织"), services.organization_deregister, "organization"),
        decision_action("restore", _("恢复所选组织"), services.organization_restore, "organization"),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return in_jurisdiction(request, super().get_queryset(request).select_related("industry"), "region_code")

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Organization:
        fields = ("uscc", "name", "name_en", "address", "size_class", "contact_phone", "contact_email")
        return services.organization_create(actor=admin_actor(request), region_code=data["region"],
                                            industry_code=data.get("industry_code") or None,
                                            **{k: data[k] for k in fields})

    def service_update(self, request: HttpRequest, obj: Any, changes: dict[str, Any], extra: dict[str, Any]):
        if "industry_code" in changes:
            changes["industry_code"] = changes["industry_code"] or None
        return services.organization_update(actor=admin_actor(request), organization=obj,
                                            reason=extra.get("reason", ""), renamed_on=extra.get("renamed_on"),
                                            **changes)


class SiteForm(forms.ModelForm):
    region = _region_field()

    class Meta:
        model = Site
        fields = ("organization", "kind", "name", "address")


@admin.register(Site)
class SiteAdmin(ServiceAdmin):
    kind = "organization"
    form = SiteForm
    list_display = ("organization", "kind", "name", "address", "region_code", "active")
    list_filter = ("kind", "active")
    search_fields = ("organization__name", "organization__uscc", "address")
    autocomplete_fields = ("organization",)
    list_select_related = ("organization",)
    actions = (decision_action("deactivate", _("停用所选场所"), services.site_deactivate, "site", dated=False,
                               reason_required=False),)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return in_jurisdiction(request, super().get_queryset(request), "organization__region_code")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        return ("organization", "kind", "name", "address", "region_code", "active") if obj else ()

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Site:
        return services.site_add(actor=admin_actor(request), organization=data["organization"], kind=data["kind"],
                                 address=data["address"], region_code=data["region"], name=data.get("name") or "")


# --- People -------------------------------------------------------------------------------

class PersonAddForm(forms.ModelForm):
    id_number = forms.CharField(label=_("居民身份证号码"), required=False, max_length=18,
                                help_text=_("只保存摘要和后四位，用于识别同一人员。"))
    region = forms.CharField(label=_("区划代码"), required=False, max_length=6)

    class Meta:
        model = Person
        fields = ("name", "name_en", "phone", "email")


class PersonChangeForm(PersonAddForm):
    reason = _reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["id_number"]
        self.initial["region"] = self.instance.region_code


class PersonRoleInline(_ReadOnlyInline):
    model = PersonRole
    fk_name = "person"
    fields = ("kind", "registration_no", "body", "lab", "organization", "authority_code", "status", "valid_from",
              "valid_until")
    readonly_fields = fields


@admin.register(Person)
class PersonAdmin(SplitFormAdmin):
    kind = "person"
    add_form = PersonAddForm
    change_form = PersonChangeForm
    list_display = ("name", "region_code", "masked_phone", "id_number_tail")
    search_fields = ("name", "name_en")
    readonly_fields = ("id_number_tail",)
    fieldsets = ((None, {"fields": ("name", "name_en", "id_number", "phone", "email", "region")}),)
    inlines = (PersonRoleInline,)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        if obj is None:
            return self.fieldsets
        return ((None, {"fields": ("name", "name_en", "id_number_tail", "phone", "email", "region")}),
                (_("本次变更"), {"fields": ("reason",)}))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        roles = in_jurisdiction(request, PersonRole.objects.all(), "body__region_code", "lab__region_code",
                                "organization__region_code", "authority_code")
        return in_jurisdiction(request, super().get_queryset(request), "region_code",
                               extra=Q(pk__in=roles.values("person_id")))

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Person:
        return services.person_create(actor=admin_actor(request), name=data["name"], name_en=data.get("name_en") or "",
                                      id_number=data.get("id_number") or "", phone=data.get("phone") or "",
                                      email=data.get("email") or "", region_code=data.get("region") or "")

    def service_update(self, request: HttpRequest, obj: Any, changes: dict[str, Any], extra: dict[str, Any]):
        if "region" in changes:
            changes["region_code"] = changes.pop("region")
        return services.person_update(actor=admin_actor(request), person=obj, reason=extra.get("reason", ""),
                                      **changes)


class PersonRoleForm(forms.ModelForm):
    scheme = forms.ModelChoiceField(Scheme.objects.all(), label=_("注册领域"), required=False, to_field_name="code")
    field = forms.ModelChoiceField(LabField.objects.all(), label=_("专业领域"), required=False, to_field_name="code")
    valid_from = forms.DateField(label=_("起始日期"), required=False, help_text=_("留空表示今天。"))

    class Meta:
        model = PersonRole
        fields = ("person", "kind", "registration_no", "grade", "scheme", "field", "body", "lab", "organization",
                  "authority_code", "title", "valid_from", "valid_until")


@admin.register(PersonRole)
class PersonRoleAdmin(ServiceAdmin):
    kind = "person"
    field_aliases = {"scheme_code": "scheme", "field_code": "field"}
    form = PersonRoleForm
    list_display = ("person", "kind", "registration_no", "body", "lab", "organization", "status")
    list_filter = ("kind", "status", "grade")
    search_fields = ("person__name", "registration_no")
    autocomplete_fields = ("person", "body", "lab", "organization")
    list_select_related = ("person", "body", "lab", "organization")
    actions = (
        decision_action("suspend", _("暂停所选人员身份"), services.person_role_suspend, "role"),
        decision_action("reinstate", _("恢复所选人员身份"), services.person_role_reinstate, "role"),
        decision_action("end", _("终止所选人员身份"), services.person_role_end, "role"),
        decision_action("ban", _("禁入所选人员"), services.person_role_ban, "role"),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return in_jurisdiction(request, super().get_queryset(request), "body__region_code", "lab__region_code",
                               "organization__region_code", "authority_code")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        return (*PersonRoleForm.Meta.fields, "status") if obj else ()

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> PersonRole:
        return services.person_role_add(
            actor=admin_actor(request), person=data["person"], kind=data["kind"], valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"), body=data.get("body"), lab=data.get("lab"),
            organization=data.get("organization"), authority_code=data.get("authority_code") or "",
            registration_no=data.get("registration_no") or "", grade=data.get("grade") or "",
            scheme_code=data["scheme"].code if data.get("scheme") else None,
            field_code=data["field"].code if data.get("field") else None, title=data.get("title") or "")
