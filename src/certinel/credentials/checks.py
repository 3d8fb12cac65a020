"""System checks of the public address, from which every absolute URL and identifier derives."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

from certinel.core.checks import SETTINGS_CHECKS


@register(SETTINGS_CHECKS)
def public_address(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    url = str(getattr(settings, "CERTINEL_PUBLIC_URL", "") or "")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [Error(f"CERTINEL_PUBLIC_URL must be an absolute http or https address, not {url!r}.",
                      hint="For example https://cert.example.gov.cn (certinel demo --port N sets it itself).",
                      id="certinel.E101")]
    if parts.path.strip("/") or parts.query or parts.fragment:
        return [Warning(f"CERTINEL_PUBLIC_URL {url!r} has a path: did:web DIDs and status lists name only its "
                        "scheme, host and port, so the credentials' URLs must be served at the host's root.",
                        id="certinel.W101")]
    return []
