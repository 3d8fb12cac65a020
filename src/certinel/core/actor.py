"""Who is acting: passed to every service so that history names them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .models import Via

if TYPE_CHECKING:
    from certinel.accounts.models import User


@dataclass(frozen=True)
class Actor:
    user: User | None
    label: str
    via: str = Via.SYSTEM
    request_id: str = ""
    # Set when a certification body acts through its API key.
    api_key_id: int | None = None

    @classmethod
    def system(cls, label: str = "system", via: str = Via.SYSTEM) -> Actor:
        return cls(user=None, label=label, via=via)

    @classmethod
    def for_user(cls, user: User, *, via: str = Via.WEB, request_id: str = "") -> Actor:
        return cls(user=user, label=user.get_username(), via=via, request_id=request_id)

    @classmethod
    def from_request(cls, request: Any, *, via: str = Via.WEB) -> Actor:
        rid = getattr(request, "request_id", "")
        api_key = getattr(request, "api_key", None)
        if api_key is not None:
            return cls(user=api_key.user, label=f"api-key:{api_key.prefix}", via=Via.API,
                       request_id=rid, api_key_id=api_key.pk)
        user = request.user if request.user.is_authenticated else None
        label = user.get_username() if user else "anonymous"
        return cls(user=user, label=label, via=via, request_id=rid)
