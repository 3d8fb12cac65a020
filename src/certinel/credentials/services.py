"""Writes of the credentials app: signing keys, status lists, issuing credentials.

An issuer is a certification body (`body=`) or a regulator's jurisdiction (`jurisdiction=`, a
region code: the issuer of CMA certificates); every service that names an issuer takes one of
the two.

Every service runs in one transaction and writes its history record there. Permissions are
not checked here yet: the callers (certificate services, admin actions) decide who may act.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from certinel.core.actor import Actor
from certinel.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import lock
from certinel.registry.models import CertificationBody

from . import bitstring
from .choices import KeyStatus, StatusPurpose
from .dataintegrity import create_proof, xsd_datetime
from .did import did_web_host
from .keycrypt import decrypt_private_key, encrypt_private_key
from .ldloader import CERTINEL_V1_CONTEXT, VC_V2_CONTEXT, CanonicalizationError
from .models import STATUS_LIST_SIZE, IssuedCredential, SigningKey, StatusEntry, StatusList
from .multibase import private_key_raw, public_key_to_multikey
from .naming import deployment_host, deployment_scheme, issuer_did, issuer_status_list_url
from .transitions import REVOCATION_BIT, SIGNING_KEY, SUSPENSION_BIT

# --- signing keys -------------------------------------------------------------------------


def _associated(body_id: int | None, public_key_multibase: str, jurisdiction: str = "") -> str:
    if body_id is None:
        return f"certinel-signing-key:regulators:{jurisdiction}:{public_key_multibase}"
    return f"certinel-signing-key:{body_id}:{public_key_multibase}"


def _issuer(body: CertificationBody | None, jurisdiction: str = "") -> dict[str, Any]:
    """The filter that selects one issuer's rows: a body's, or a jurisdiction's."""
    if (body is None) == (not jurisdiction):
        raise ValueError("an issuer is a body or a jurisdiction (one of the two)")
    return {"body": body} if body is not None else {"body__isnull": True, "jurisdiction": jurisdiction}


def _issuer_fields(body: CertificationBody | None, jurisdiction: str = "") -> dict[str, Any]:
    return {"body": body, "jurisdiction": "" if body is not None else jurisdiction}


def _new_key(*, actor: Actor, body: CertificationBody | None, now: dt.datetime,
             jurisdiction: str = "") -> SigningKey:
    sequence = (SigningKey.objects.filter(**_issuer(body, jurisdiction)).aggregate(m=Max("sequence"))["m"] or 0) + 1
    private = Ed25519PrivateKey.generate()
    public = public_key_to_multikey(private.public_key())
    blob, kek_id = encrypt_private_key(private_key_raw(private),
                                       associated=_associated(body.pk if body else None, public, jurisdiction))
    key = SigningKey.objects.create(**_issuer_fields(body, jurisdiction), sequence=sequence,
                                    fragment=f"key-{sequence}", public_key_multibase=public,
                                    private_key_encrypted=blob, kek_id=kek_id, status=KeyStatus.ACTIVE,
                                    created_at=now)
    record_change(actor=actor, action="signing_key_created", obj=key, before=None, after=snapshot(key))
    return key


def private_key_of(key: SigningKey) -> Ed25519PrivateKey:
    """The decrypted private key, for signing only. Never log, store or return it."""
    raw = decrypt_private_key(bytes(key.private_key_encrypted), kek_id=key.kek_id,
                              associated=_associated(key.body_id, key.public_key_multibase, key.jurisdiction))
    return Ed25519PrivateKey.from_private_bytes(raw)


def signing_key_create(*, actor: Actor, body: CertificationBody | None = None, jurisdiction: str = "") -> SigningKey:
    """Give a body (or a regulator's jurisdiction) its first signing key (or a new one after a
    compromise left it none)."""
    with transaction.atomic():
        if body is not None:
            body = lock(CertificationBody, body.pk)
        if SigningKey.objects.filter(**_issuer(body, jurisdiction), status=KeyStatus.ACTIVE).exists():
            raise Conflict(f"{body or jurisdiction} already has an active signing key; rotate it instead.",
                           code="active_key_exists")
        return _new_key(actor=actor, body=body, jurisdiction=jurisdiction, now=timezone.now())


def signing_key_rotate(*, actor: Actor, body: CertificationBody | None = None, jurisdiction: str = "",
                       reason: str = "") -> SigningKey:
    """A new key becomes active; the old one is retired but stays in the DID document, so
    every credential it signed still verifies. The issuer's status lists are re-signed."""
    with transaction.atomic():
        if body is not None:
            body = lock(CertificationBody, body.pk)
        now = timezone.now()
        old = (SigningKey.objects.select_for_update(no_key=True, of=("self",))
               .filter(**_issuer(body, jurisdiction), status=KeyStatus.ACTIVE).first())
        if old is None:
            raise NotFound(f"{body or jurisdiction} has no active signing key to rotate.", code="no_active_key")
        before = snapshot(old)
        old.status = SIGNING_KEY.target("retire", old.status)
        old.retired_at = now
        old.save(update_fields=["status", "retired_at"])
        record_change(actor=actor, action="signing_key_retired", obj=old, before=before, after=snapshot(old),
                      reason=reason)
        new = _new_key(actor=actor, body=body, jurisdiction=jurisdiction, now=now)
        _republish_lists(body, jurisdiction)
        return new


def signing_key_revoke_compromised(*, actor: Actor, key: SigningKey, reason: str,
                                   compromised_since: dt.datetime, replace: bool = True) -> SigningKey:
    """Mark a key compromised from `compromised_since`. It stays in the DID document with
    `revoked`, but is no longer an assertion method, so no verifier accepts its signatures any
    more; `credentials_signed_after_compromise` lists what must be flagged and re-issued. With
    `replace`, an active key is replaced at once and the status lists are re-signed."""
    if not reason.strip():
        raise ValidationFailed(FieldError("reason", "请说明密钥泄露的原因。", "required"))
    now = timezone.now()
    if timezone.is_naive(compromised_since) or compromised_since > now:
        raise ValidationFailed(FieldError("compromised_since", "泄露起始时间须为带时区的过去时间。", "invalid"))
    with transaction.atomic():
        key = lock(SigningKey, key.pk)
        before = snapshot(key)
        was_active = key.status == KeyStatus.ACTIVE
        key.status = SIGNING_KEY.target("revoke_compromised", key.status)
        key.revoked_at, key.compromised_since, key.revocation_reason = now, compromised_since, reason.strip()
        key.save(update_fields=["status", "revoked_at", "compromised_since", "revocation_reason"])
        record_change(actor=actor, action="signing_key_compromised", obj=key, before=before,
                      after=snapshot(key), reason=reason)
        if was_active and replace:
            _new_key(actor=actor, body=key.body, jurisdiction=key.jurisdiction, now=now)
        _republish_lists(key.body, key.jurisdiction)
        return key


def _active_key(body: CertificationBody | None, jurisdiction: str = "") -> SigningKey:
    key = (SigningKey.objects.filter(**_issuer(body, jurisdiction), status=KeyStatus.ACTIVE)
           .select_related("body").first())
    if key is None:
        raise Conflict(f"{body or jurisdiction} has no active signing key; create one first.", code="no_active_key")
    return key


def _sign(document: dict[str, Any], *, key: SigningKey, host: str, now: dt.datetime) -> dict[str, Any]:
    vm = f"{issuer_did(*key.issuer, host=host)}#{key.fragment}"
    return create_proof(document, private_key=private_key_of(key), verification_method=vm, created=now)


# --- status lists -------------------------------------------------------------------------

def _open_list(*, actor: Actor, body: CertificationBody | None, purpose: str, host: str, scheme: str,
               jurisdiction: str = "") -> StatusList:
    """The issuer's current list for `purpose` at this address with room left (locked), or a new
    one (recorded in the history: a list is part of the public register)."""
    issuer = _issuer(body, jurisdiction)
    current = (StatusList.objects.select_for_update(no_key=True, of=("self",))
               .filter(**issuer, purpose=purpose, host=host, scheme=scheme).order_by("-number").first())
    if current is not None and current.allocated < current.size:
        return current
    number = (StatusList.objects.filter(**issuer, purpose=purpose).aggregate(m=Max("number"))["m"] or 0) + 1
    new = StatusList.objects.create(**_issuer_fields(body, jurisdiction), purpose=purpose, number=number, host=host,
                                    scheme=scheme,
                                    size=STATUS_LIST_SIZE,
                                    perm_a=secrets.randbelow(STATUS_LIST_SIZE // 2) * 2 + 1,
                                    perm_b=secrets.randbelow(STATUS_LIST_SIZE))
    record_change(actor=actor, action="status_list_created", obj=new, before=None, after=snapshot(new))
    status_list_publish(status_list=new)
    return new


def _allocate(*, actor: Actor, body: CertificationBody | None, purpose: str, credential_id: str, host: str,
              scheme: str, jurisdiction: str = "") -> StatusEntry:
    status_list = _open_list(actor=actor, body=body, purpose=purpose, host=host, scheme=scheme,
                             jurisdiction=jurisdiction)
    index = status_list.index_for(status_list.allocated)
    status_list.allocated += 1
    status_list.save(update_fields=["allocated"])
    entry = StatusEntry.objects.create(status_list=status_list, index=index, credential_id=credential_id)
    record_change(actor=actor, action="status_entry_allocated", obj=entry, before=None, after=snapshot(entry))
    return entry


def status_list_url_of(status_list: StatusList) -> str:
    return issuer_status_list_url(*status_list.issuer, status_list.purpose, status_list.number,
                                  host=status_list.host, scheme=status_list.scheme)


def status_list_publish(*, status_list: StatusList) -> dict[str, Any]:
    """Rebuild the list from its entries, sign it with its issuer's active key and keep the
    signed BitstringStatusListCredential for serving."""
    now = timezone.now()
    key = _active_key(status_list.body, status_list.jurisdiction)
    set_indexes = StatusEntry.objects.filter(status_list=status_list, value=True).values_list("index", flat=True)
    url = status_list_url_of(status_list)
    unsigned = bitstring.status_list_credential(
        list_url=url, issuer=issuer_did(*status_list.issuer, host=status_list.host),
        purpose=status_list.purpose, encoded_list=bitstring.encode_bits(set_indexes, size=status_list.size),
        valid_from=xsd_datetime(now))
    status_list.credential = _sign(unsigned, key=key, host=status_list.host, now=now)
    status_list.published_at = now
    status_list.save(update_fields=["credential", "published_at"])
    return status_list.credential


def status_list_attest(*, status_list: StatusList) -> dict[str, Any]:
    """The list as published, signed again now (validFrom now) with the body's active key,
    without storing anything: a verification bundle carries it, so that an offline check knows
    the status as of the bundle's export. The bits are the published list's, which every status
    change republishes in its own transaction. Without an active key, the list as published."""
    published = status_list.credential
    key = (SigningKey.objects.filter(**_issuer(status_list.body, status_list.jurisdiction), status=KeyStatus.ACTIVE)
           .select_related("body").first())
    if not published or key is None:
        return copy.deepcopy(published) if published else {}
    now = timezone.now()
    unsigned = {k: copy.deepcopy(v) for k, v in published.items() if k != "proof"}
    unsigned["validFrom"] = xsd_datetime(now)
    return _sign(unsigned, key=key, host=status_list.host, now=now)


def _republish_lists(body: CertificationBody | None, jurisdiction: str = "") -> None:
    issuer = _issuer(body, jurisdiction)
    if not SigningKey.objects.filter(**issuer, status=KeyStatus.ACTIVE).exists():
        return  # nothing can sign them; verifiers will reject the old signatures, as they should
    for status_list in StatusList.objects.select_for_update(no_key=True, of=("self",)).filter(**issuer):
        status_list_publish(status_list=status_list)


def credential_status_set(*, actor: Actor, credential_id: str, purpose: str, value: bool,
                          reason: str = "") -> StatusEntry:
    """Set (or, for a suspension, clear) a credential's status bit and republish its list."""
    if purpose not in StatusPurpose.values:
        raise ValidationFailed(FieldError("purpose", f"未知的状态用途 {purpose!r}。", "invalid"))
    transitions = REVOCATION_BIT if purpose == StatusPurpose.REVOCATION else SUSPENSION_BIT
    with transaction.atomic():
        entry = (StatusEntry.objects.select_for_update(no_key=True, of=("self",)).select_related("status_list__body")
                 .filter(credential_id=credential_id, status_list__purpose=purpose).first())
        if entry is None:
            raise NotFound(f"No {purpose} status entry for credential {credential_id}.")
        current = "set" if entry.value else "clear"
        transitions.target("set" if value else "clear", current)
        before = snapshot(entry)
        entry.value, entry.changed_at = value, timezone.now()
        entry.save(update_fields=["value", "changed_at"])
        action = f"credential_{purpose}_{'set' if value else 'cleared'}"
        record_change(actor=actor, action=action, obj=entry, before=before, after=snapshot(entry), reason=reason)
        status_list_publish(status_list=lock(StatusList, entry.status_list_id))
        return entry


# --- issuing ------------------------------------------------------------------------------

def _as_datetime(value: dt.datetime | dt.date, *, end_of_day: bool) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            raise ValidationFailed(FieldError("valid_from", "时间须带时区。", "invalid"))
        return value
    moment = dt.datetime.combine(value, dt.time(23, 59, 59) if end_of_day else dt.time(0, 0, 0))
    return timezone.make_aware(moment)


def _check_issue_input(*, subject: Any, types: list[str], credential_id: str,
                       valid_from: dt.datetime, valid_until: dt.datetime | None) -> None:
    errors = []
    if not isinstance(subject, dict) or not subject:
        errors.append(FieldError("subject", "凭证主体须为非空对象。", "invalid"))
    if not types or not all(isinstance(t, str) and t for t in types):
        errors.append(FieldError("types", "须至少给出一个凭证类型。", "required"))
    if not isinstance(credential_id, str) or ":" not in credential_id or " " in credential_id:
        errors.append(FieldError("credential_id", "凭证标识须为绝对 URI（如 urn:uuid:… 或 https://…）。", "invalid"))
    elif IssuedCredential.objects.filter(credential_id=credential_id).exists():
        errors.append(FieldError("credential_id", "该凭证标识已签发过；重签请用 credential_resign。", "duplicate"))
    if valid_until is not None and valid_until <= valid_from:
        errors.append(FieldError("valid_until", "有效期截止须晚于起始。", "date_order"))
    if errors:
        raise ValidationFailed(errors)


def credential_issue(*, actor: Actor, body: CertificationBody | None = None, subject: dict[str, Any],
                     types: list[str], valid_from: dt.datetime | dt.date, valid_until: dt.datetime | dt.date | None,
                     credential_id: str, host: str | None = None, scheme: str | None = None,
                     jurisdiction: str = "", issuer_name: str = "",
                     contexts: tuple[str, ...] = ()) -> dict[str, Any]:
    """Wrap `subject` into a W3C VC 2.0 with revocation and suspension status entries, sign it
    with the issuer's active key (eddsa-rdfc-2022) and record it. The issuer is a body, or a
    regulator's `jurisdiction` (named `issuer_name`); `contexts` are pinned JSON-LD contexts
    added after Certinel's own (the terms of another kind of subject). Dates given as `date` mean the
    start (valid_from) or the end (valid_until) of that day in the deployment's time zone.
    The issuer's DID and the status lists' URLs are on the deployment's public address unless
    `host` (and `scheme`, https by default for a host given) say otherwise."""
    scheme = scheme or (deployment_scheme() if host is None else "https")
    host = host or deployment_host()
    start = _as_datetime(valid_from, end_of_day=False)
    end = _as_datetime(valid_until, end_of_day=True) if valid_until is not None else None
    _check_issue_input(subject=subject, types=types, credential_id=credential_id, valid_from=start, valid_until=end)
    _issuer(body, jurisdiction)
    with transaction.atomic():
        if body is not None:
            body = lock(CertificationBody, body.pk)
            ident, name = ("bodies", body.approval_no), body.name
        else:
            ident, name = ("regulators", jurisdiction), issuer_name or jurisdiction
        key = _active_key(body, jurisdiction)
        entries = {p: _allocate(actor=actor, body=body, purpose=p, credential_id=credential_id, host=host,
                                scheme=scheme, jurisdiction=jurisdiction)
                   for p in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)}
        document: dict[str, Any] = {
            "@context": [VC_V2_CONTEXT, CERTINEL_V1_CONTEXT, *contexts],
            "id": credential_id,
            "type": ["VerifiableCredential", *[t for t in types if t != "VerifiableCredential"]],
            "issuer": {"id": issuer_did(*ident, host=host), "name": name},
            "validFrom": xsd_datetime(start),
            **({"validUntil": xsd_datetime(end)} if end else {}),
            "credentialSubject": copy.deepcopy(subject),
            "credentialStatus": [bitstring.status_entry(list_url=status_list_url_of(e.status_list), purpose=p,
                                                        index=e.index) for p, e in entries.items()],
        }
        signed = _sign_or_refuse(document, key=key, host=host)
        issued = IssuedCredential.objects.create(
            credential_id=credential_id, **_issuer_fields(body, jurisdiction), signing_key=key,
            signed_at=timezone.now(), document=signed,
            revocation_entry=entries[StatusPurpose.REVOCATION], suspension_entry=entries[StatusPurpose.SUSPENSION])
        record_change(actor=actor, action="credential_issued", obj=issued, before=None, after=snapshot(issued))
        return signed


def _sign_or_refuse(document: dict[str, Any], *, key: SigningKey, host: str) -> dict[str, Any]:
    try:
        return _sign(document, key=key, host=host, now=timezone.now())
    except CanonicalizationError as exc:
        raise ValidationFailed(FieldError("subject", f"凭证含未定义的术语或上下文，无法签名：{exc}",
                                          "undefined_term")) from exc


def credential_resign(*, actor: Actor, credential_id: str, reason: str = "") -> dict[str, Any]:
    """Sign an issued credential again with its issuer's current key (same id, same status
    entries), e.g. after the key that signed it was found compromised."""
    with transaction.atomic():
        last = (IssuedCredential.objects.select_related("body").filter(credential_id=credential_id)
                .order_by("-signed_at", "-id").first())
        if last is None:
            raise NotFound(f"No issued credential {credential_id}.")
        body = lock(CertificationBody, last.body_id) if last.body_id else None
        key = _active_key(body, last.jurisdiction)
        unsigned = {k: v for k, v in last.document.items() if k != "proof"}
        host = did_web_host(last.document["issuer"]["id"])
        signed = _sign_or_refuse(unsigned, key=key, host=host)
        issued = IssuedCredential.objects.create(
            credential_id=credential_id, **_issuer_fields(body, last.jurisdiction), signing_key=key,
            signed_at=timezone.now(), document=signed, revocation_entry=last.revocation_entry,
            suspension_entry=last.suspension_entry)
        record_change(actor=actor, action="credential_resigned", obj=issued, before=None, after=snapshot(issued),
                      reason=reason)
        return signed


__all__ = [
    "credential_issue",
    "credential_resign",
    "credential_status_set",
    "private_key_of",
    "signing_key_create",
    "signing_key_revoke_compromised",
    "signing_key_rotate",
    "status_list_attest",
    "status_list_publish",
]
