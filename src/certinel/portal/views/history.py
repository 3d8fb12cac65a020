"""Showing history records to people: event names, links to what changed, field changes
with personal data left out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from certinel.core.models import ChangeRecord

KIND_LABELS = {
    "body": pgettext_lazy("heading", "认证机构"),
    "lab": pgettext_lazy("heading", "检验检测机构"),
    "organization": pgettext_lazy("heading", "获证组织"),
    "person": pgettext_lazy("heading", "人员"),
    "account": _("账号与密钥"),
}

ACTION_LABELS = {
    "body_approved": _("认证机构获批"),
    "body_updated": _("认证机构信息变更"),
    "body_suspended": _("认证机构暂停"),
    "body_reinstated": _("认证机构恢复"),
    "body_revoked": _("认证机构撤销"),
    "body_cancelled": _("认证机构注销"),
    "body_scope_granted": _("批准范围增加"),
    "body_scope_withdrawn": _("批准范围撤回"),
    "lab_qualified": _("检验检测机构取得资质"),
    "lab_updated": _("检验检测机构信息变更"),
    "lab_suspended": _("检验检测机构暂停"),
    "lab_reinstated": _("检验检测机构恢复"),
    "lab_revoked": _("检验检测机构撤销"),
    "lab_cancelled": _("检验检测机构注销"),
    "lab_scope_granted": _("资质认定范围增加"),
    "lab_scope_withdrawn": _("资质认定范围撤回"),
    "organization_registered": _("组织登记"),
    "organization_updated": _("组织信息变更"),
    "organization_renamed": _("组织更名"),
    "organization_deregistered": _("组织注销"),
    "organization_restored": _("组织恢复"),
    "organization_site_added": _("场所增加"),
    "organization_site_removed": _("场所停用"),
    "person_registered": _("人员登记"),
    "person_updated": _("人员信息变更"),
    "person_role_added": _("人员身份登记"),
    "person_role_suspended": _("人员身份暂停"),
    "person_role_reinstated": _("人员身份恢复"),
    "person_role_ended": _("人员身份终止"),
    "person_role_banned": _("人员禁入"),
    "user_created": _("账号创建"),
    "api_key_created": _("接口密钥创建"),
    "api_key_revoked": _("接口密钥吊销"),
}

_DETAIL_URLS = {
    "certificationbody": "portal:body",
    "lab": "portal:lab",
    "organization": "portal:organization",
}


@dataclass
class FieldChange:
    label: str
    before: Any
    after: Any


@dataclass
class ShownChange:
    record: ChangeRecord
    event: str
    url: str | None
    changes: list[FieldChange]


def _value(field, value: Any) -> Any:
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and value.startswith("hmac-sha256:"):
        return _("（个人信息，不显示）")
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    return choices.get(value, value)


def present(record: ChangeRecord) -> ShownChange:
    """A history record as a person reads it."""
    model = record.content_type.model_class() if record.content_type_id else None
    url = None
    name = _DETAIL_URLS.get(record.content_type.model) if record.content_type.app_label == "registry" else None
    if name:
        url = reverse(name, kwargs={"key": record.object_id})
    changes: list[FieldChange] = []
    before, after = record.before or {}, record.after or {}
    # A creation lists every field; only changes of an existing record are itemised.
    for key in sorted(set(before) | set(after)) if record.before is not None else ():
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(key)
            except FieldDoesNotExist:
                field = None
        label = str(getattr(field, "verbose_name", key))
        changes.append(FieldChange(label, _value(field, before.get(key)), _value(field, after.get(key))))
    return ShownChange(record, str(ACTION_LABELS.get(record.action, record.action)), url, changes)
