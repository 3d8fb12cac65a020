"""Showing history records to people: event names, links to what changed, field changes
with personal data left out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from certinel.core.actions import action_label, recorded
from certinel.core.models import ChangeRecord

KIND_LABELS = {
    "body": pgettext_lazy("heading", "认证机构"),
    "lab": pgettext_lazy("heading", "检验检测机构"),
    "organization": pgettext_lazy("heading", "获证组织"),
    "person": pgettext_lazy("heading", "人员"),
    "account": _("账号与密钥"),
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
    if isinstance(value, dict | list):
        # structured data (a credit class's explanation): shown by the page of its object
        return _("详情")
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    return recorded(choices.get(value, value))


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
    return ShownChange(record, action_label(record.action), url, changes)
