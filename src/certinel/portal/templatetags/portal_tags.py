"""Template helpers of the portal: status badges, local names, history records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..views.history import present

register = template.Library()

TONES = {
    "approved": "ok", "valid": "ok", "active": "ok",
    "suspended": "warn",
    "revoked": "bad", "banned": "bad",
    "cancelled": "off", "deregistered": "off", "ended": "off",
}


@register.simple_tag
def status_badge(obj: Any) -> str:
    """A coloured badge with the status in words (colour is never the only signal)."""
    status = getattr(obj, "status", "")
    label = obj.get_status_display() if hasattr(obj, "get_status_display") else status
    return format_html('<span class="badge badge-{}">{}</span>', TONES.get(status, "off"), label)


@register.filter
def local_name(obj: Any) -> str:
    """The English name in English when there is one, otherwise the (Chinese) name."""
    name_en = getattr(obj, "name_en", "")
    if (get_language() or "").startswith("en") and name_en:
        return name_en
    return getattr(obj, "name", str(obj))


@register.filter
def is_english(_value: Any = None) -> bool:
    return (get_language() or "").startswith("en")


@register.simple_tag
def validity(until: dt.date | None, today: dt.date) -> str:
    """'valid until' with a warning when past or within 90 days."""
    if until is None:
        return format_html('<span class="muted">{}</span>', _("长期"))
    if until < today:
        return format_html('{} <span class="badge badge-bad">{}</span>', until.isoformat(), _("已过期"))
    if (until - today).days <= 90:
        return format_html('{} <span class="badge badge-warn">{}</span>', until.isoformat(), _("即将到期"))
    return until.isoformat()


@register.filter
def shown(record: Any):
    return present(record)


@register.filter
def field_error(errors: dict[str, str], name: str) -> str:
    return (errors or {}).get(name, "")
