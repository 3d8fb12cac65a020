"""Where things are: a body's DID, its DID document URL, its status lists' URLs.

Everything hangs off the deployment's public host, which callers may pass explicitly; the
default comes from the setting `CERTINEL_PUBLIC_URL`. URLs are always https, as did:web requires;
a verifier may be pointed at another server (`certinel verify --server`).
"""

from __future__ import annotations

from django.conf import settings

from .did import body_slug, did_web, host_from_url


def deployment_host() -> str:
    return host_from_url(settings.CERTINEL_PUBLIC_URL)


def body_did(approval_no: str, *, host: str | None = None) -> str:
    return did_web(host=host or deployment_host(), slug=body_slug(approval_no))


def body_base_url(approval_no: str, *, host: str | None = None) -> str:
    return f"https://{host or deployment_host()}/bodies/{body_slug(approval_no)}"


def did_document_url(approval_no: str, *, host: str | None = None) -> str:
    return f"{body_base_url(approval_no, host=host)}/did.json"


def status_list_url(approval_no: str, purpose: str, number: int, *, host: str | None = None) -> str:
    return f"{body_base_url(approval_no, host=host)}/status/{purpose}/{number}"
