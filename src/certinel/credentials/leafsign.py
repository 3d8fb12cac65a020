"""Signing transparency-log leaves with the acting body's key: when a certification body acts
(its operator, its API key, or the register on its behalf), the leaf of the change carries the
body's Ed25519 signature under its DID verification method, so the log itself shows which
body stands behind each of its events."""

from __future__ import annotations

from collections.abc import Sequence

from certinel.core.models import ChangeRecord
from certinel.transparency.note import Ed25519Signer

from .choices import KeyStatus
from .did import did_web
from .models import SigningKey
from .naming import body_slug, deployment_host
from .services import private_key_of


def acting_body_ids(records: Sequence[ChangeRecord]) -> list[int | None]:
    """The body acting in each record: a CB operator's body (API keys act as their user), or
    the body named by a system label `body:<approval number>`; None otherwise."""
    from certinel.accounts.models import Role, User
    from certinel.registry.models import CertificationBody

    user_ids = {r.actor_id for r in records if r.actor_id}
    bodies_of_users = dict(User.objects.filter(pk__in=user_ids, role=Role.CB_OPERATOR).values_list("pk", "body_id"))
    approvals = {r.actor_label[5:] for r in records if r.actor_id is None and r.actor_label.startswith("body:")}
    by_approval = dict(CertificationBody.objects.filter(approval_no__in=approvals).values_list("approval_no", "pk"))
    out: list[int | None] = []
    for r in records:
        if r.actor_id:
            out.append(bodies_of_users.get(r.actor_id))
        elif r.actor_label.startswith("body:"):
            out.append(by_approval.get(r.actor_label[5:]))
        else:
            out.append(None)
    return out


def leaf_signers(records: Sequence[ChangeRecord]) -> list[Ed25519Signer | None]:
    """A signer per record: the acting body's active key, or None (no body acted, or it has
    no active key)."""
    if not any(r.actor_id or r.actor_label.startswith("body:") for r in records):
        return [None] * len(records)  # no person and no body acted (the system, a bulk load)
    body_ids = acting_body_ids(records)
    wanted = {b for b in body_ids if b}
    keys = {k.body_id: k for k in SigningKey.objects.filter(body_id__in=wanted, status=KeyStatus.ACTIVE)
            .select_related("body")}
    signers: dict[int, Ed25519Signer] = {}
    host = deployment_host()
    for body_id, key in keys.items():
        name = f"{did_web(host=host, slug=body_slug(key.body.approval_no))}#{key.fragment}"
        signers[body_id] = Ed25519Signer(name, private_key_of(key))
    return [signers.get(b) if b else None for b in body_ids]


def leaf_keys() -> dict[tuple[str, str], bytes]:
    """Every body signing key the log's leaves may name, by (body slug, key fragment): the
    monitor checks a signed leaf against the key its name gives. The host part of a key's name
    is left out: a deployment may have moved to another public address since it signed."""
    from cryptography.hazmat.primitives import serialization

    from .multibase import public_key_from_multikey

    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    out = {}
    for key in SigningKey.objects.filter(body__isnull=False).select_related("body"):
        public = public_key_from_multikey(key.public_key_multibase)
        out[(body_slug(key.body.approval_no), key.fragment)] = public.public_bytes(*raw)
    return out


def leaf_key_slot(name: str) -> tuple[str, str] | None:
    """(body slug, key fragment) of a leaf signature's key name `did:web:<host>:bodies:<slug>#<fragment>`."""
    did, _, fragment = name.partition("#")
    parts = did.split(":")
    if len(parts) < 5 or parts[:2] != ["did", "web"] or parts[-2] != "bodies" or not fragment:
        return None
    return parts[-1], fragment
