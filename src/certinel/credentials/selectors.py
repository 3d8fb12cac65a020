"""Reads of the credentials app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Min, QuerySet

from certinel.registry.models import CertificationBody

from .choices import KeyStatus
from .dataintegrity import xsd_datetime
from .did import KeyEntry, build_did_document
from .models import IssuedCredential, SigningKey, StatusList
from .naming import body_did, regulator_did


def signing_key_active(*, body: CertificationBody) -> SigningKey | None:
    return SigningKey.objects.filter(body=body, status=KeyStatus.ACTIVE).first()


def signing_keys_of(*, body: CertificationBody) -> QuerySet[SigningKey]:
    return SigningKey.objects.filter(body=body).order_by("sequence")


def did_document_for_body(*, body: CertificationBody, host: str | None = None) -> dict[str, Any]:
    """The body's DID document: every key it ever had; compromised ones marked `revoked`."""
    return build_did_document(did=body_did(body.approval_no, host=host), keys=_key_entries(signing_keys_of(body=body)))


def _key_entries(keys: Iterable[SigningKey]) -> list[KeyEntry]:
    return [KeyEntry(fragment=k.fragment, public_key_multibase=k.public_key_multibase,
                     usable=k.status in (KeyStatus.ACTIVE, KeyStatus.RETIRED),
                     revoked=xsd_datetime(k.compromised_since) if k.status == KeyStatus.COMPROMISED and
                     k.compromised_since else None)
            for k in keys]


def did_document_for_jurisdiction(*, jurisdiction: str, host: str | None = None) -> dict[str, Any]:
    """A regulator's jurisdiction as an issuer (of CMA certificates): its DID document."""
    return build_did_document(did=regulator_did(jurisdiction, host=host),
                              keys=_key_entries(signing_keys_of_jurisdiction(jurisdiction=jurisdiction)))


def signing_keys_of_jurisdiction(*, jurisdiction: str) -> QuerySet[SigningKey]:
    return SigningKey.objects.filter(body__isnull=True, jurisdiction=jurisdiction).order_by("sequence")


def signing_key_active_of_jurisdiction(*, jurisdiction: str) -> SigningKey | None:
    return SigningKey.objects.filter(body__isnull=True, jurisdiction=jurisdiction, status=KeyStatus.ACTIVE).first()


def jurisdiction_status_list_get(*, jurisdiction: str, purpose: str, number: int) -> StatusList | None:
    return StatusList.objects.filter(body__isnull=True, jurisdiction=jurisdiction, purpose=purpose,
                                     number=number).first()


def body_for_slug(slug: str) -> CertificationBody | None:
    """The body whose DID segment is `slug` (approval numbers only use [A-Z0-9-])."""
    return CertificationBody.objects.filter(approval_no__iexact=slug).first()


def credentials_signed_with(*, key: SigningKey) -> QuerySet[IssuedCredential]:
    return IssuedCredential.objects.filter(signing_key=key).order_by("signed_at", "id")


def credentials_signed_after_compromise(*, key: SigningKey) -> QuerySet[IssuedCredential]:
    """Every credential the key signed at or after the moment it was compromised: the
    certificate app flags these (they may be forgeries' twins) and has them re-issued."""
    if key.compromised_since is None:
        return IssuedCredential.objects.none()
    return credentials_signed_with(key=key).filter(signed_at__gte=key.compromised_since)


def compromised_key_since(*, credential_ids: list[str] | QuerySet[Any]) -> dt.datetime | None:
    """When the earliest-compromised key that signed any of these credentials (any copy, the
    latest or an earlier one) was compromised, or None: a certificate whose e-certificate was
    ever signed with a key later reported compromised is flagged, since copies signed with that
    key no longer verify and may have been forged."""
    if isinstance(credential_ids, list) and not credential_ids:
        return None
    return (IssuedCredential.objects.filter(credential_id__in=credential_ids,
                                            signing_key__status=KeyStatus.COMPROMISED)
            .aggregate(since=Min("signing_key__compromised_since"))["since"])


def issued_credential_latest(*, credential_id: str) -> IssuedCredential | None:
    return (IssuedCredential.objects.filter(credential_id=credential_id)
            .order_by("-signed_at", "-id").first())


def status_list_get(*, body: CertificationBody, purpose: str, number: int) -> StatusList | None:
    return StatusList.objects.filter(body=body, purpose=purpose, number=number).first()
