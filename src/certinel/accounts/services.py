"""Accounts and API keys: creating users bound to what they act for, and the keys bodies use
for the reporting API."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certinel.core.actor import Actor
from certinel.core.errors import ErrorList, FieldError, NotPermitted, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import lock, validate_model

from .models import ApiKey, Role, User
from .permissions import require

_JURISDICTION = re.compile(r"^(\d{2}|\d{4}|\d{6})$")


def _binding_label(field: str) -> str:
    """What an account of a role must name, in the active language."""
    return {"organization": _("its organization"), "body": _("its certification body"), "lab": _("its lab"),
            "jurisdiction_code": _("its jurisdiction")}.get(field, field)


def user_create(*, actor: Actor, username: str, password: str | None, role: str, email: str = "",
                organization=None, body=None, lab=None, jurisdiction_code: str = "",
                first_name: str = "", last_name: str = "") -> User:
    """Create an account. Only the system administrator (or the system itself) creates accounts;
    each role is bound to exactly what it acts for."""
    if actor.user is not None and not actor.user.is_system_admin:
        raise NotPermitted(_("Only a system administrator can create accounts."))
    errors = ErrorList()
    if role not in Role.values:
        errors.add("role", _("'%(value)s' must be one of: %(choices)s.")
                   % {"value": role, "choices": ", ".join(Role.values)}, "invalid_choice")
    needs = {Role.ORG_USER: ("organization", organization), Role.CB_OPERATOR: ("body", body),
             Role.LAB_OPERATOR: ("lab", lab), Role.REGULATOR: ("jurisdiction_code", jurisdiction_code)}
    if role in needs and not needs[Role(role)][1]:
        field = needs[Role(role)][0]
        errors.add(field, _("A %(role)s account must name %(what)s.")
                   % {"role": Role(role).label, "what": _binding_label(field)}, "required")
    if jurisdiction_code and not _JURISDICTION.match(jurisdiction_code):
        errors.add("jurisdiction_code", _("A jurisdiction is a 2-digit province, 4-digit city or 6-digit county "
                                          "code prefix."), "invalid")
    if role != Role.REGULATOR and jurisdiction_code:
        errors.add("jurisdiction_code", _("Only regulators have a jurisdiction."), "not_applicable")
    errors.raise_if_any()
    user = User(username=username, email=email, role=role, first_name=first_name, last_name=last_name,
                organization=organization if role == Role.ORG_USER else None,
                body=body if role == Role.CB_OPERATOR else None,
                lab=lab if role == Role.LAB_OPERATOR else None,
                jurisdiction_code=jurisdiction_code, is_staff=role in (Role.ADMIN, Role.REGULATOR),
                is_superuser=role == Role.ADMIN)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    validate_model(user, exclude=["password"])
    with transaction.atomic():
        user.save()
        record_change(actor=actor, action="user_created", obj=user, before=None,
                      after=snapshot(user, fields=("username", "role", "organization", "body", "lab",
                                                   "jurisdiction_code", "is_active")),
                      region_code=jurisdiction_code)
    return user


def api_key_create(*, actor: Actor, body, name: str) -> tuple[ApiKey, str]:
    """A new API key for the body. Returns the key record and the full key, which is shown
    once and never stored."""
    require(actor, "manage_keys", "body", body)
    if not (name or "").strip():
        raise ValidationFailed(FieldError("name", _("Give the key a name (what system uses it)."), "required"))
    if actor.user is None:
        raise NotPermitted(_("An API key belongs to a person's account; create it signed in."))
    full, prefix, key_hash = ApiKey.generate()
    with transaction.atomic():
        key = ApiKey.objects.create(body=body, user=actor.user, name=name.strip(), prefix=prefix, key_hash=key_hash)
        record_change(actor=actor, action="api_key_created", obj=key, before=None, after=snapshot(key))
    return key, full


def api_key_revoke(*, actor: Actor, key: ApiKey, reason: str = "") -> ApiKey:
    with transaction.atomic():
        key = lock(ApiKey, key.pk)
        require(actor, "manage_keys", "body", key.body)
        if key.revoked_at is not None:
            raise ValidationFailed(FieldError("key", _("This key is already revoked."), "already_revoked"))
        before = snapshot(key)
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record_change(actor=actor, action="api_key_revoked", obj=key, before=before, after=snapshot(key),
                      reason=reason)
    return key


def api_key_authenticate(full_key: str) -> ApiKey | None:
    """The active key matching `ck_<prefix>_<secret>`, or None."""
    parts = (full_key or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "ck":
        return None
    key = ApiKey.objects.select_related("body", "user").filter(prefix=parts[1], revoked_at__isnull=True).first()
    if key is None or not key.matches(full_key) or not key.user.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


USER_EDITABLE = ("first_name", "last_name", "email", "is_active")


def user_update(*, actor: Actor, user: User, reason: str = "", **changes) -> User:
    """Change an account's names, e-mail or active flag (deactivate rather than delete: the
    history names accounts). Role and binding are fixed; make a new account for a new role."""
    if actor.user is not None and not actor.user.is_system_admin:
        raise NotPermitted(_("Only a system administrator can change accounts."))
    from certinel.core.services import apply_changes

    fields = ("username", "role", "email", "first_name", "last_name", "is_active")
    with transaction.atomic():
        user = lock(User, user.pk)
        if actor.user is not None and actor.user.pk == user.pk and changes.get("is_active") is False:
            raise ValidationFailed(FieldError("is_active", _("You cannot deactivate your own account."), "self"))
        before = snapshot(user, fields=fields)
        apply_changes(user, changes, allowed=USER_EDITABLE)
        validate_model(user, exclude=["password"])
        user.save()
        after = snapshot(user, fields=fields)
        if after != before:
            record_change(actor=actor, action="user_updated", obj=user, before=before, after=after, reason=reason,
                          region_code=user.jurisdiction_code)
    return user


def user_set_password(*, actor: Actor, user: User, password: str) -> User:
    """Set an account's password (the administrator, or the user for their own account). The
    history records that it changed, never the password or its hash."""
    allowed = actor.user is None or actor.user.is_system_admin or actor.user.pk == user.pk
    if not allowed:
        raise NotPermitted(_("Only the account's owner or a system administrator can set its password."))
    from django.contrib.auth import password_validation
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed([FieldError("password", str(m), "weak_password") for m in exc.messages]) from None
    with transaction.atomic():
        user = lock(User, user.pk)
        user.set_password(password)
        user.save(update_fields=["password"])
        record_change(actor=actor, action="user_password_changed", obj=user, before=None, after={},
                      region_code=user.jurisdiction_code)
    return user
