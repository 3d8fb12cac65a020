"""What every portal page needs: the demo flag, the public address, and the links the
signed-in user may follow."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from certinel.accounts.models import Role


def portal(request: HttpRequest) -> dict:
    user: Any = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    role = user.role if signed_in else ""
    is_admin = signed_in and user.is_system_admin
    return {
        "CERTINEL_PUBLIC_URL": settings.CERTINEL_PUBLIC_URL,
        "CERTINEL_DEMO": getattr(settings, "CERTINEL_DEMO", False),
        "nav_changes": bool(role) or is_admin,
        "nav_keys": role == Role.CB_OPERATOR and user.body_id is not None,
        "nav_admin": signed_in and user.is_staff,
    }
