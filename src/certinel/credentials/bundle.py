"""The verification bundle: an e-certificate together with what checking it needs, so that
it can be checked with no server at hand.

    {"type": "CertinelVerificationBundle", "version": 1, "exported": "<dateTime>",
     "credential": {… the signed credential, unchanged …},
     "didDocuments": [{… the issuer's DID document at export …}],
     "statusLists": [{… each status list the credential points to, signed at export …}]}

The credential inside is byte for byte the signed one (any standard verifier can take it out
and check it); the bundle itself is not signed: what it carries is checked on its own (the
status lists are signed by the issuer; the DID document is what the issuer's host served at
export, and a verdict resting on it says so). `certinel verify` reads a bundle given as FILE,
or the bundle lying beside a credential file (`X.json` and `X.bundle.json`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone

from .dataintegrity import xsd_datetime
from .did import did_of, did_web_host

BUNDLE_TYPE = "CertinelVerificationBundle"
BUNDLE_VERSION = 1
BUNDLE_SUFFIX = ".bundle.json"
MAX_BUNDLE_SCAN = 200  # bundles looked at in a credential's folder when none has its name


class BundleError(ValueError):
    """A file that says it is a verification bundle but is not a usable one."""


@dataclass
class Bundle:
    credential: Any
    did_documents: list[dict[str, Any]] = field(default_factory=list)
    status_lists: list[dict[str, Any]] = field(default_factory=list)
    exported: str | None = None


def is_bundle(data: Any) -> bool:
    return isinstance(data, Mapping) and data.get("type") == BUNDLE_TYPE


def parse_bundle(data: Any) -> Bundle:
    """The parts of a verification bundle (BundleError when it is not one)."""
    if not is_bundle(data):
        raise BundleError(f"not a {BUNDLE_TYPE}")
    docs, lists = data.get("didDocuments", []), data.get("statusLists", [])
    if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
        raise BundleError("didDocuments must be a list of JSON objects")
    if not isinstance(lists, list) or not all(isinstance(d, dict) for d in lists):
        raise BundleError("statusLists must be a list of JSON objects")
    exported = data.get("exported")
    return Bundle(credential=data.get("credential"), did_documents=docs, status_lists=lists,
                  exported=exported if isinstance(exported, str) else None)


def bundle_beside(path: Path, credential_id: Any) -> Path | None:
    """The verification bundle lying beside a credential file: `X.bundle.json` for `X.json`,
    else a `*.bundle.json` in the same folder that carries the credential with the same id."""
    named = path.with_name(path.name.removesuffix(".json") + BUNDLE_SUFFIX)
    if named.is_file() and named != path:
        return named
    if not isinstance(credential_id, str):
        return None
    for n, candidate in enumerate(sorted(path.parent.glob("*" + BUNDLE_SUFFIX))):
        if n >= MAX_BUNDLE_SCAN:
            break
        try:
            data = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        carried = data.get("credential") if is_bundle(data) else None
        if isinstance(carried, dict) and carried.get("id") == credential_id:
            return candidate
    return None


def verification_bundle(*, credential: dict[str, Any]) -> dict[str, Any]:
    """The bundle of an issued credential: its issuer's DID document as served now and each of
    its status lists as published, signed afresh now."""
    from .models import StatusEntry
    from .selectors import did_document_for_body, did_document_for_jurisdiction, issued_credential_latest
    from .services import status_list_attest, status_list_url_of

    issued = issued_credential_latest(credential_id=credential["id"])
    if issued is None:
        raise BundleError(f"no issued credential {credential['id']}")
    issuer = credential["issuer"]["id"] if isinstance(credential["issuer"], dict) else credential["issuer"]
    host = did_web_host(did_of(issuer))
    did_document = (did_document_for_body(body=issued.body, host=host) if issued.body_id else
                    did_document_for_jurisdiction(jurisdiction=issued.jurisdiction, host=host))
    wanted = [e.get("statusListCredential") for e in credential.get("credentialStatus") or [] if isinstance(e, dict)]
    lists = {}
    for entry in StatusEntry.objects.filter(credential_id=credential["id"]).select_related("status_list__body"):
        url = status_list_url_of(entry.status_list)
        if url in wanted and url not in lists:
            lists[url] = status_list_attest(status_list=entry.status_list)
    return {"type": BUNDLE_TYPE, "version": BUNDLE_VERSION, "exported": xsd_datetime(timezone.now()),
            "credential": credential, "didDocuments": [did_document],
            "statusLists": [lists[u] for u in wanted if u in lists]}
