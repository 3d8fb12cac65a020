"""Helpers every service uses: validation into domain errors, row locks, field updates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext as _

from .errors import FieldError, NotFound, ValidationFailed

M = TypeVar("M", bound=models.Model)


def validate_model(obj: models.Model, *, exclude: Iterable[str] | None = None) -> None:
    """Run the model's own validation and raise every problem as one ValidationFailed."""
    try:
        obj.full_clean(exclude=list(exclude or []), validate_unique=True, validate_constraints=True)
    except DjangoValidationError as exc:
        errors: list[FieldError] = []
        for field, messages in exc.message_dict.items():
            for message in messages:
                errors.append(FieldError("request" if field == "__all__" else field, str(message)))
        raise ValidationFailed(errors) from None


def lock(model: type[M], pk: Any) -> M:
    """The row, locked until the end of the transaction (PostgreSQL: SELECT … FOR NO KEY UPDATE;
    SQLite serialises writers with IMMEDIATE transactions).

    NO KEY UPDATE, not FOR UPDATE: services change a row's fields, never its key, and FOR UPDATE
    would also hold up every other transaction that references the row, whose foreign keys are
    checked at its COMMIT; one that appended to the log meanwhile holds the log's lock while it
    waits, and a lock holder that then appends waits for it: a deadlock."""
    try:
        return model._default_manager.select_for_update(no_key=True).get(pk=pk)
    except model.DoesNotExist:
        raise NotFound(_("No %(model)s with id %(id)s.") % {"model": model._meta.verbose_name, "id": pk}) from None


def apply_changes(obj: models.Model, changes: Mapping[str, Any], *, allowed: Iterable[str]) -> list[str]:
    """Set the given fields; refuse fields that may not be changed this way. Returns the
    names of the fields whose value changed."""
    allowed = set(allowed)
    refused = sorted(set(changes) - allowed)
    if refused:
        raise ValidationFailed([FieldError(f, _("This field cannot be changed here."), "not_editable")
                                for f in refused])
    changed = []
    for name, value in changes.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed
