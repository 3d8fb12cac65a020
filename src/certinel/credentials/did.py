"""DIDs of certification bodies (did:web) and their resolution.

A body is `did:web:<host>:bodies:<slug>` where `<slug>` is its CNCA approval number in lower
case (see docs/credentials.md for why). Per the did:web method the document lives at
`https://<host>/bodies/<slug>/did.json`. Certinel's own verifier makes one exception: a
loopback host (localhost, 127.0.0.0/8, ::1: a demo or development server on one's own machine,
which has no TLS certificate) is read over plain http (`resolution_url`).

Resolution for a verifier is pluggable: `BundleResolver` reads DID documents from local files
(offline; never touches the network) and `WebResolver` fetches them over HTTPS through an
injectable `fetch` function.
"""

from __future__ import annotations

import ipaddress
import json
import re
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .ldloader import DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT

DID_CONTEXT = [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT]
_SLUG_OK = re.compile(r"[^a-z0-9._-]+")
MAX_DOCUMENT_BYTES = 1024 * 1024


class DidResolutionError(Exception):
    """A DID could not be resolved to a well-formed DID document."""


def body_slug(approval_no: str) -> str:
    """The DID path segment of a body: its approval number, lower case, reduced to the
    characters did:web allows unescaped (CNCA-R-2002-001 -> cnca-r-2002-001)."""
    slug = _SLUG_OK.sub("-", approval_no.strip().lower()).strip("-")
    if not slug:
        raise ValueError(f"approval number {approval_no!r} gives an empty DID segment")
    return slug


def host_from_url(public_url: str) -> str:
    """The did:web host of a deployment from its public URL (port kept)."""
    parsed = urllib.parse.urlsplit(public_url)
    if not parsed.hostname:
        raise ValueError(f"not an absolute URL: {public_url!r}")
    return parsed.netloc.rsplit("@", 1)[-1]


def did_web(*, host: str, slug: str, kind: str = "bodies") -> str:
    """`did:web:<host>:bodies:<slug>` (or `:regulators:<region code>` for a regulator's
    jurisdiction); a port's colon is percent-encoded as did:web requires."""
    return f"did:web:{host.replace(':', '%3A')}:{kind}:{slug}"


def did_web_url(did: str) -> str:
    """The HTTPS URL of a did:web DID's document."""
    if not did.startswith("did:web:"):
        raise DidResolutionError(f"not a did:web DID: {did}")
    parts = did[len("did:web:"):].split(":")
    host = urllib.parse.unquote(parts[0])
    if not host or "/" in host:
        raise DidResolutionError(f"bad did:web host in {did}")
    path = "/".join(urllib.parse.unquote(p) for p in parts[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def is_loopback(host: str) -> bool:
    """Whether `host` (with or without a port) names this machine."""
    name = urllib.parse.urlsplit(f"//{host}").hostname or ""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def resolution_url(did: str) -> str:
    """Where Certinel's verifier reads a did:web DID's document: `did_web_url`, except that a
    loopback host is read over http (a demo on one's own machine serves plain http)."""
    url = did_web_url(did)
    return "http://" + url[len("https://"):] if is_loopback(did_web_host(did)) else url


def did_web_host(did: str) -> str:
    """The host (with port) of a did:web DID."""
    if not did.startswith("did:web:"):
        raise DidResolutionError(f"not a did:web DID: {did}")
    return urllib.parse.unquote(did[len("did:web:"):].split(":")[0])


def did_of(url: str) -> str:
    """The DID part of a DID URL (drops the fragment)."""
    return url.split("#", 1)[0]


@dataclass(frozen=True)
class KeyEntry:
    """One key as the DID document shows it."""

    fragment: str
    public_key_multibase: str
    usable: bool  # listed under assertionMethod (active or retired)
    revoked: str | None = None  # XML dateTime from which the key is compromised


def build_did_document(*, did: str, keys: Iterable[KeyEntry]) -> dict[str, Any]:
    """The DID document of a body: every key it ever had as a Multikey verification method.
    Active and retired keys are assertion methods (old signatures stay valid); a compromised
    key keeps its entry with `revoked` and is no longer an assertion method."""
    methods: list[dict[str, Any]] = []
    assertion: list[str] = []
    for key in keys:
        vm: dict[str, Any] = {"id": f"{did}#{key.fragment}", "type": "Multikey", "controller": did,
                              "publicKeyMultibase": key.public_key_multibase}
        if key.revoked:
            vm["revoked"] = key.revoked
        methods.append(vm)
        if key.usable and not key.revoked:
            assertion.append(vm["id"])
    return {"@context": list(DID_CONTEXT), "id": did, "verificationMethod": methods,
            "assertionMethod": assertion}


def verification_method(document: Mapping[str, Any], vm_id: str) -> dict[str, Any] | None:
    """The verification method `vm_id` declared in the DID document, or None."""
    for vm in document.get("verificationMethod") or []:
        if isinstance(vm, dict) and vm.get("id") == vm_id:
            return vm
    return None


def is_assertion_method(document: Mapping[str, Any], vm_id: str) -> bool:
    for entry in document.get("assertionMethod") or []:
        if entry == vm_id or (isinstance(entry, dict) and entry.get("id") == vm_id):
            return True
    return False


def _check_document(did: str, document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise DidResolutionError(f"DID document of {did} is not a JSON object")
    if document.get("id") != did:
        raise DidResolutionError(f"DID document id {document.get('id')!r} does not match {did}")
    if not isinstance(document.get("verificationMethod", []), list):
        raise DidResolutionError(f"DID document of {did} has a malformed verificationMethod")
    return document


class DidResolver(Protocol):
    def resolve(self, did: str) -> dict[str, Any]: ...


# Where a DID document came from, as a verdict reports it: a file the person gave, material
# carried with the credential (a verification bundle), or a server.
FROM_FILE, FROM_BUNDLE, FROM_SERVER = "file", "bundle", "server"


def answered_by(resolver: Any, did: str) -> str | None:
    """Where `resolver` found the document of `did` (FROM_FILE, FROM_BUNDLE, FROM_SERVER)."""
    if isinstance(resolver, ChainResolver):
        return resolver.answered.get(did)
    return getattr(resolver, "source", None)


class BundleResolver:
    """DID documents from local JSON: each file holds one DID document, a list of them, or an
    object {"didDocuments": [...]} (a verification bundle). Never uses the network."""

    def __init__(self, documents: Iterable[Mapping[str, Any]] = (), *, source: str = FROM_FILE) -> None:
        self.source = source
        self._docs: dict[str, dict[str, Any]] = {}
        for doc in documents:
            self.add(doc)

    def add(self, document: Mapping[str, Any]) -> None:
        if not isinstance(document, Mapping) or not isinstance(document.get("id"), str):
            raise DidResolutionError("a DID document must be a JSON object with an 'id'")
        self._docs[document["id"]] = dict(document)

    @classmethod
    def from_files(cls, paths: Iterable[str | Path]) -> BundleResolver:
        resolver = cls()
        for path in paths:
            try:
                data = json.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise DidResolutionError(f"cannot read DID document file {path}: {exc}") from exc
            if isinstance(data, Mapping) and "didDocuments" in data:
                data = data["didDocuments"]
            for doc in data if isinstance(data, list) else [data]:
                resolver.add(doc)
        return resolver

    def resolve(self, did: str) -> dict[str, Any]:
        try:
            return _check_document(did, self._docs[did])
        except KeyError:
            raise DidResolutionError(f"no DID document given for {did}") from None


Fetch = Callable[[str], bytes]


def urllib_fetch(url: str, *, timeout: float = 10.0) -> bytes:
    """GET a JSON document over HTTP(S), size-limited."""
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise DidResolutionError(f"refusing to fetch {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/did+json, application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
        data = response.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DidResolutionError(f"document at {url} is larger than {MAX_DOCUMENT_BYTES} bytes")
    return data


def rebase_url(url: str, server: str | None) -> str:
    """`url` with its scheme and host replaced by `server`'s (a mirror or a test server)."""
    if not server:
        return url
    parts = urllib.parse.urlsplit(url)
    base = urllib.parse.urlsplit(server)
    prefix = base.path.rstrip("/")
    return urllib.parse.urlunsplit((base.scheme, base.netloc, prefix + parts.path, parts.query, ""))


class WebResolver:
    """did:web resolution over HTTP. `fetch` is injectable (tests, proxies); `server`, when
    given, replaces the host named in the DID (e.g. `http://127.0.0.1:8000`)."""

    source = FROM_SERVER

    def __init__(self, *, fetch: Fetch | None = None, server: str | None = None) -> None:
        self._fetch = fetch or urllib_fetch
        self._server = server
        self._cache: dict[str, dict[str, Any]] = {}

    def resolve(self, did: str) -> dict[str, Any]:
        if did in self._cache:
            return self._cache[did]
        url = rebase_url(resolution_url(did), self._server)
        try:
            document = json.loads(self._fetch(url))
        except DidResolutionError:
            raise
        except Exception as exc:
            raise DidResolutionError(f"cannot fetch the DID document of {did} from {url}: {exc}") from exc
        self._cache[did] = _check_document(did, document)
        return self._cache[did]


class ChainResolver:
    """Try resolvers in order (local files first, then the server)."""

    def __init__(self, *resolvers: DidResolver) -> None:
        self._resolvers = resolvers
        self.answered: dict[str, str | None] = {}

    def resolve(self, did: str) -> dict[str, Any]:
        errors = []
        for resolver in self._resolvers:
            try:
                document = resolver.resolve(did)
            except DidResolutionError as exc:
                errors.append(str(exc))
                continue
            self.answered[did] = answered_by(resolver, did)
            return document
        raise DidResolutionError("; ".join(errors) or f"no resolver for {did}")
