"""The back office: shared machinery for admin pages whose writes go through the services,
and the read-only history of every change.

`ServiceAdmin` runs the service while the admin validates the form, so that a DomainError
becomes a form error (never a 500) and the admin's own save does nothing more. Decisions with
a reason (suspend, revoke …) are admin actions with an intermediate page: `decision_action`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import models, router, transaction
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .actions import ACTION_LABELS, action_label
from .actor import Actor
from .errors import DomainError, ValidationFailed
from .models import ChangeRecord, Via

admin.site.site_header = _("质量认证信息公开平台 · 管理后台")
admin.site.site_title = _("Certinel 管理后台")
admin.site.index_title = _("登记与监管数据")
admin.site.site_url = "/"


def admin_actor(request: HttpRequest) -> Actor:
    user: Any = request.user  # the admin site lets only signed-in staff in
    return Actor.for_user(user, via=Via.ADMIN, request_id=getattr(request, "request_id", ""))


def staff_role(request: HttpRequest) -> bool:
    """Who may use the registry's back office: the system administrator and regulators."""
    user: Any = request.user
    return bool(user.is_active and user.is_staff and (user.is_superuser or user.role in ("admin", "regulator")))


def add_domain_error(form: forms.BaseForm, exc: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's error on the form: each field error beside its field when the form has
    it (`aliases` maps service field names to form field names), the rest at the top."""
    aliases = aliases or {}
    errors = exc.errors if isinstance(exc, ValidationFailed) else []
    if not errors:
        form.add_error(None, exc.message)
        return
    for error in errors:
        name = aliases.get(error.field, error.field)
        if name in form.fields and name not in form.errors:
            form.add_error(name, error.message)
        else:
            form.add_error(None, f"{error.field}: {error.message}" if error.field != "request" else error.message)


class ServiceAdmin(admin.ModelAdmin):
    """A model admin that creates and changes rows only through services. Subclasses define
    `service_create(request, data)` and, when rows may be changed, `service_update(request,
    obj, changes)`; `kind` is the object kind of the permission matrix."""

    kind = ""
    # Service field names that the form calls differently.
    field_aliases: dict[str, str] = {"region_code": "region"}
    # Form fields that are not model fields and go to the service as they are (e.g. a reason).
    extra_inputs: tuple[str, ...] = ("reason",)

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        raise PermissionDenied

    def service_update(self, request: HttpRequest, obj: models.Model, changes: dict[str, Any],
                       extra: dict[str, Any]) -> models.Model:
        raise PermissionDenied

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(base):  # type: ignore[misc, valid-type]
            def _post_clean(self) -> None:
                # The service validates and saves; the model's own checks run inside it.
                form: Any = self
                if form.errors:
                    return
                data = dict(form.cleaned_data)
                try:
                    if form.instance.pk is None:
                        form.instance = model_admin.service_create(request, data)
                    else:
                        extra = {k: data.pop(k) for k in model_admin.extra_inputs if k in data}
                        changes = {k: data[k] for k in form.changed_data if k in data}
                        if changes:
                            form.instance = model_admin.service_update(request, form.instance, changes, extra)
                except DomainError as exc:
                    add_domain_error(form, exc, model_admin.field_aliases)
                else:
                    request._certinel_service_ran = True  # type: ignore[attr-defined]

        return ServiceForm

    def changeform_view(self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """When the service ran but the page is shown again (an inline's management form was
        missing, say), undo the service's write: the user saw an error, so nothing happened."""
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if getattr(request, "_certinel_service_ran", False) and response.status_code != 302:
                transaction.set_rollback(True)
        return response

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Nothing to do: the service saved the row while the form was validated."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Related rows change only through services too: inlines here are read-only."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    # Permissions: the back office follows the permission matrix, not Django's model permissions.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return staff_role(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return staff_role(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return staff_role(request) and type(self).service_create is not ServiceAdmin.service_create

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not staff_role(request) or type(self).service_update is ServiceAdmin.service_update:
            return False
        return obj is None or self.may_change(request, obj)

    def may_change(self, request: HttpRequest, obj: Any) -> bool:
        from certinel.accounts.permissions import can

        user: Any = request.user
        return can(user, "change", self.kind, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Registry rows are the subjects of the history: they are never deleted.
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        """Whether to offer the decision actions; each service still checks every row."""
        return staff_role(request)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), max_length=2000)
    on = forms.DateField(label=_("生效日期"), required=False, help_text=_("留空表示今天。"),
                         widget=forms.DateInput(attrs={"type": "date"}))


class OptionalReasonForm(ReasonForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000,
                             required=False)


def decision_action(name: str, label: Any, service: Callable[..., Any], arg: str, *, dated: bool = True,
                    reason_required: bool = True) -> Callable[..., HttpResponse | None]:
    """An admin action that asks for a reason (and a date) on an intermediate page, then calls
    `service(actor=…, <arg>=obj, reason=…, on=…)` for each selected row, reporting each refusal."""

    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: models.QuerySet) -> HttpResponse | None:
        form_class = ReasonForm if reason_required else OptionalReasonForm
        form = form_class(request.POST if "apply" in request.POST else None)
        if not dated:
            del form.fields["on"]
        if "apply" in request.POST and form.is_valid():
            done, failed = 0, []
            for obj in queryset:
                kwargs = {arg: obj, "reason": form.cleaned_data["reason"]}
                if dated:
                    kwargs["on"] = form.cleaned_data.get("on")
                try:
                    service(actor=admin_actor(request), **kwargs)
                    done += 1
                except DomainError as exc:
                    failed.append(f"{obj}: {exc.message}")
            if done:
                modeladmin.message_user(request, _("%(action)s：已处理 %(n)d 条。") % {"action": label, "n": done},
                                        messages.SUCCESS)
            for text in failed:
                modeladmin.message_user(request, text, messages.ERROR)
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": label, "action_name": name, "action_label": label, "form": form, "queryset": queryset,
            "opts": modeladmin.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/certinel/decision.html", context)

    action.__name__ = name
    action.short_description = label  # type: ignore[attr-defined]
    action.allowed_permissions = ("decide",)  # type: ignore[attr-defined]
    return action


class ActionFilter(admin.SimpleListFilter):
    """The history's events by their words, not their identifiers."""

    title = _("事件")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return sorted(((action, str(label)) for action, label in ACTION_LABELS.items()), key=lambda kv: kv[1])

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    """The history: read-only for everyone, narrowed to what the user may see."""

    list_display = ("time", "action_shown", "object_repr", "content_type", "region_code", "actor_label", "via")
    list_filter = (ActionFilter, "via", ("time", admin.DateFieldListFilter), "content_type")
    search_fields = ("object_repr", "object_id", "actor_label", "request_id", "reason")
    date_hierarchy = "time"
    list_select_related = ("content_type",)
    fields = ("time", "action_shown", "content_type", "object_id", "object_repr", "region_code", "actor_label", "via",
              "request_id", "reason", "before_shown", "after_shown", "log_index")
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        from certinel.accounts.permissions import scope

        user: Any = request.user
        return scope(user, "view", "history", super().get_queryset(request))

    @admin.display(description=_("事件"), ordering="action")
    def action_shown(self, obj: ChangeRecord) -> str:
        return action_label(obj.action)

    @admin.display(description=_("变更前"))
    def before_shown(self, obj: ChangeRecord) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.before, ensure_ascii=False, indent=2))

    @admin.display(description=_("变更后"))
    def after_shown(self, obj: ChangeRecord) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.after, ensure_ascii=False, indent=2))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return staff_role(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return staff_role(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
