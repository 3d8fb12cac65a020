"""Where things are: an issuer's DID, its DID document URL, its status lists' URLs. An issuer
is a certification body (`bodies/<approval number>`) or a regulator's jurisdiction
(`regulators/<region code>`, the issuer of CMA certificates).

Everything hangs off the deployment's public address, the setting `CERTINEL_PUBLIC_URL`
(`certinel demo --port N` sets it to `http://127.0.0.1:N`). Callers may pass a host (and a
scheme) explicitly. The scheme is the public address's own: a plain-http server publishes
http URLs, and did:web DIDs name only the host (a port's colon written `%3A`), since the DID
method itself says how a DID is read (see `did.did_web_url`).
"""

from __future__ import annotations

import urllib.parse

from django.conf import settings

from .did import body_slug, did_web, host_from_url


def public_origin(url: str | None = None) -> str:
    """`scheme://host[:port]` of the public address (CERTINEL_PUBLIC_URL unless given)."""
    url = url if url is not None else settings.CERTINEL_PUBLIC_URL
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https"):
        raise ValueError(f"the public address must be an http or https URL, not {url!r}")
    return f"{parsed.scheme}://{host_from_url(url)}"


def deployment_host() -> str:
    return host_from_url(settings.CERTINEL_PUBLIC_URL)


def deployment_scheme() -> str:
    return public_origin().split("://", 1)[0]


def body_did(approval_no: str, *, host: str | None = None) -> str:
    return did_web(host=host or deployment_host(), slug=body_slug(approval_no))


def _scheme(host: str | None, scheme: str | None) -> str:
    """The scheme of a URL on `host`: the one given; the deployment's own for its own host;
    https, as did:web reads it, for a host given without one."""
    if scheme:
        return scheme
    return deployment_scheme() if host is None else "https"


def body_base_url(approval_no: str, *, host: str | None = None, scheme: str | None = None) -> str:
    return f"{_scheme(host, scheme)}://{host or deployment_host()}/bodies/{body_slug(approval_no)}"


def did_document_url(approval_no: str, *, host: str | None = None, scheme: str | None = None) -> str:
    return f"{body_base_url(approval_no, host=host, scheme=scheme)}/did.json"


def status_list_url(approval_no: str, purpose: str, number: int, *, host: str | None = None,
                    scheme: str | None = None) -> str:
    return f"{body_base_url(approval_no, host=host, scheme=scheme)}/status/{purpose}/{number}"


def issuer_slug(kind: str, ident: str) -> str:
    """The path segment of an issuer: a body's approval number in lower case, or a region code."""
    return body_slug(ident) if kind == "bodies" else ident


def issuer_did(kind: str, ident: str, *, host: str | None = None) -> str:
    return did_web(host=host or deployment_host(), slug=issuer_slug(kind, ident), kind=kind)


def issuer_base_url(kind: str, ident: str, *, host: str | None = None, scheme: str | None = None) -> str:
    return f"{_scheme(host, scheme)}://{host or deployment_host()}/{kind}/{issuer_slug(kind, ident)}"


def issuer_status_list_url(kind: str, ident: str, purpose: str, number: int, *, host: str | None = None,
                           scheme: str | None = None) -> str:
    return f"{issuer_base_url(kind, ident, host=host, scheme=scheme)}/status/{purpose}/{number}"


def regulator_did(region_code: str, *, host: str | None = None) -> str:
    """`did:web:<host>:regulators:<region code>`: the regulator of a jurisdiction as an issuer."""
    return issuer_did("regulators", region_code, host=host)
