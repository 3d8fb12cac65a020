"""Accounts in the back office: users (created through `user_create`, bound to what they act
for) and API keys (listed without their hash; revoked through `api_key_revoke`). Only the system
administrator manages accounts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import password_validation
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from certinel.core.admin import add_domain_error, admin_actor, decision_action
from certinel.core.errors import DomainError

from .models import ApiKey, User
from .services import USER_EDITABLE, api_key_revoke, user_create, user_set_password, user_update

# Roles and the permission matrix replace Django's groups.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


def is_system_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_authenticated and user.is_system_admin)


class UserAddForm(forms.ModelForm):
    """A new account: the role and what it is bound to; `user_create` checks the binding."""

    password1 = forms.CharField(label=_("密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("确认密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email", "role", "organization", "body", "lab",
                  "jurisdiction_code")

    request: HttpRequest | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()

    def clean_password2(self) -> str:
        p1, p2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("两次输入的密码不一致。"))
        if p2:
            password_validation.validate_password(p2, User(username=self.cleaned_data.get("username", "")))
        return p2 or ""

    def _post_clean(self) -> None:
        if self.errors or self.request is None:
            return
        data = self.cleaned_data
        try:
            self.instance = user_create(
                actor=admin_actor(self.request), username=data["username"], password=data["password1"],
                role=data["role"], email=data.get("email") or "", organization=data.get("organization"),
                body=data.get("body"), lab=data.get("lab"), jurisdiction_code=data.get("jurisdiction_code") or "",
                first_name=data.get("first_name") or "", last_name=data.get("last_name") or "")
        except DomainError as exc:
            add_domain_error(self, exc)


class ServicePasswordChangeForm(AdminPasswordChangeForm):
    """The admin's password form, saving through `user_set_password` (history, checks)."""

    request: HttpRequest | None = None

    def save(self, commit: bool = True) -> Any:
        assert self.request is not None
        return user_set_password(actor=admin_actor(self.request), user=self.user,
                                 password=self.cleaned_data["password1"])


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserAddForm
    add_form_template = None
    list_display = ("username", "role", "binding", "email", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "email", "first_name", "last_name", "jurisdiction_code")
    autocomplete_fields = ("organization", "body", "lab")
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2")}),
        (_("角色与归属"), {"fields": ("role", "organization", "body", "lab", "jurisdiction_code"),
                       "description": _("获证组织用户选所属组织，认证机构操作员选认证机构，检验检测机构操作员选机构，"
                                        "监管人员填辖区代码。")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("角色与归属"), {"fields": ("role", "organization", "body", "lab", "jurisdiction_code")}),
        (_("状态"), {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    change_readonly = ("username", "role", "organization", "body", "lab", "jurisdiction_code", "is_staff",
                       "is_superuser", "last_login", "date_joined")

    @admin.display(description=_("归属"))
    def binding(self, obj: User) -> str:
        return str(obj.organization or obj.body or obj.lab or obj.jurisdiction_code or "—")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        return self.change_readonly if obj is not None else ()

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return type("BoundUserAddForm", (form,), {"request": request})
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f in USER_EDITABLE}
            if changes:
                try:
                    user_update(actor=admin_actor(request), user=obj, **changes)
                except DomainError as exc:
                    messages.error(request, exc.message)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # users have no related rows edited here

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = ""):
        self.change_password_form = type("BoundPasswordForm", (ServicePasswordChangeForm,), {"request": request})
        return super().user_change_password(request, id, form_url)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_system_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_system_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_system_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_system_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Accounts are named by the history (PROTECT): deactivate them instead.
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """API keys: who made them, for which body, when used, when revoked. The hash is never shown."""

    list_display = ("name", "body", "key_prefix", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "body__name", "body__approval_no", "user__username")
    list_select_related = ("body", "user")
    fields = ("name", "body", "user", "key_prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = (decision_action("revoke", _("吊销所选接口密钥"), api_key_revoke, "key", dated=False,
                               reason_required=False),)

    @admin.display(description=_("前缀"))
    def key_prefix(self, obj: ApiKey) -> str:
        return format_html("<code>ck_{}_…</code>", obj.prefix)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_system_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_system_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A key is shown once to the person who makes it: bodies make theirs in the portal.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return is_system_admin(request)
