"""Domain errors. Services raise these; the API, forms, import and admin turn them into
messages a person can act on (4xx, never 500)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        if self.details:
            out["details"] = self.details
        return out


@dataclass
class FieldError:
    field: str
    message: str
    code: str = "invalid"
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "code": self.code, "message": self.message}
        if self.row is not None:
            out["row"] = self.row
        return out


class ValidationFailed(DomainError):
    """One or more fields are wrong; `errors` names each of them."""

    code = "validation_failed"
    status = 422

    def __init__(self, errors: list[FieldError] | FieldError, message: str | None = None) -> None:
        self.errors = errors if isinstance(errors, list) else [errors]
        text = message or pgettext("between error messages", "; ").join(
            _("%(field)s: %(message)s") % {"field": e.field, "message": e.message} for e in self.errors)
        super().__init__(text)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": [e.as_dict() for e in self.errors]}


class NotPermitted(DomainError):
    code = "forbidden"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    status = 409


class Conflict(DomainError):
    code = "conflict"
    status = 409


@dataclass
class ErrorList:
    """Collects field errors, then raises them all at once."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, message: str, code: str = "invalid", row: int | None = None) -> None:
        self.errors.append(FieldError(field_name, message, code, row))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(list(self.errors))

    def __bool__(self) -> bool:
        return bool(self.errors)
