"""Template filters that show history actions in words (see `certinel.core.actions`).

`{{ record.action|action_label }}` gives the words for an action, `{{ event.reason|recorded }}`
the words of a reason or signer the system wrote; `{{ entry|log_event }}`
gives what a log page may say about an entry: the action's words for a record of a public
kind, and only "private record (commitment only)" for a record of a private kind, whose
action the log itself does not show.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType

from certinel.core.actions import PRIVATE_RECORD
from certinel.core.actions import action_label as label_of
from certinel.core.actions import recorded as recorded_words

register = template.Library()


@register.filter
def action_label(action: str | None) -> str:
    return label_of(action)


@register.filter
def recorded(value: Any) -> Any:
    """A reason or signer the system wrote, in the reader's language; anything else as it is."""
    return recorded_words(value)


def record_is_public(record: Any) -> bool:
    """Whether the log shows this history record as it is (its kind is declared public)."""
    from certinel.transparency.privacy import is_public

    if record is None or not record.content_type_id:
        return False
    content_type = ContentType.objects.get_for_id(record.content_type_id)  # cached per process
    return is_public(f"{content_type.app_label}.{content_type.model}")


@register.filter
def log_event(entry: Any) -> str:
    """What a log entry (a history record) records, as the public may read it."""
    record = getattr(entry, "change_record", entry)
    if record is None:
        return "—"
    if not record_is_public(record):
        return str(PRIVATE_RECORD)
    return label_of(record.action)
