"""Electronic certificates: a certificate as a W3C Verifiable Credential signed by its body
(`credentials` app), its PDF, and keeping the credentials' status lists in step with the
register.

A credential is issued for the certificate's current version the first time anyone asks for
it, and kept: its id is `<public URL>/certificates/<id>/credential/<version>`. When the
certificate's status changes, the credential's status bits change with it (suspension bit for
a suspension or missed surveillance, revocation bit for revocation, cancellation or transfer);
when its content changes (renewal, new scope, corrections) the old credential is superseded
(revocation bit) and the next request issues a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

from certinel.core.actor import Actor
from certinel.core.models import Via

from .lifecycle import effective_status
from .models import Certificate, CertificateCredential

# Events and what they do to the credentials of the certificate.
SUSPENDS = {"suspended", "surveillance_missed"}
REINSTATES = {"reinstated"}
ENDS = {"revoked", "cancelled", "transferred"}
SUPERSEDES = {"renewed", "scope_changed", "corrected"}


def public_url() -> str:
    return settings.CERTINEL_PUBLIC_URL.rstrip("/")


def credential_id_for(cert: Certificate, version: int | None = None) -> str:
    return f"{public_url()}/certificates/{cert.pk}/credential/{version or cert.version}"


def verification_url(cert: Certificate) -> str:
    from urllib.parse import quote

    return f"{public_url()}/verify/{quote(cert.number)}"


def subject_of(cert: Certificate) -> dict[str, Any]:
    """The certificate as a credential subject (every term defined in Certinel's context)."""
    holder = cert.holder
    subject: dict[str, Any] = {
        "id": f"{public_url()}/certificates/{cert.pk}",
        "type": "CertificationCertificate",
        "certificateNumber": cert.number,
        "scheme": {"type": "CertificationScheme", "code": cert.scheme.code, "name": cert.scheme.name},
        "certificateHolder": {"type": "CertifiedOrganization", "name": cert.holder_name, "uscc": cert.holder_uscc,
                              "address": holder.address},
        "scope": cert.scope_text,
        "issueDate": cert.issued_on.isoformat(),
        "expiryDate": cert.expires_on.isoformat(),
        "certificateStatus": cert.get_status_display(),
        "verificationPage": verification_url(cert),
    }
    if cert.standards:
        subject["standard"] = cert.standards
    if holder.name_en:
        subject["certificateHolder"]["nameEn"] = holder.name_en
    sites = [{"type": "CertifiedSite", **{k: str(s[k]) for k in ("name", "address", "scope") if s.get(k)}}
             for s in cert.sites if isinstance(s, dict) and s.get("address")]
    if sites:
        subject["sites"] = sites
    return subject


def _signer_actor(cert: Certificate) -> Actor:
    return Actor.system(f"body:{cert.body.approval_no}", via=Via.SYSTEM)


def certificate_credential(*, certificate: Certificate) -> dict[str, Any]:
    """The signed credential of the certificate's current version, issued now if it was not
    yet. Refused (ValidationFailed) for a certificate that is not valid today."""
    from certinel.core.errors import FieldError, ValidationFailed
    from certinel.credentials.choices import KeyStatus
    from certinel.credentials.selectors import issued_credential_latest, signing_key_active
    from certinel.credentials.services import credential_issue, credential_resign, signing_key_create

    cert = Certificate.objects.select_related("scheme", "body", "holder").get(pk=certificate.pk)
    existing = CertificateCredential.objects.filter(certificate=cert, version=cert.version).first()
    if existing is not None:
        issued = issued_credential_latest(credential_id=existing.credential_id)
        if issued is not None and issued.signing_key.status == KeyStatus.COMPROMISED:
            # Signed with a key since reported compromised: sign it again with the body's
            # current key (same id and status entries) before handing it out.
            actor = _signer_actor(cert)
            with transaction.atomic():
                if signing_key_active(body=cert.body) is None:
                    signing_key_create(actor=actor, body=cert.body)
                return credential_resign(actor=actor, credential_id=existing.credential_id,
                                         reason="signing key reported compromised")
        if issued is not None:
            return issued.document
    from django.utils import timezone

    status, _why = effective_status(cert, cert.scheme, timezone.localdate())
    if status != "valid":
        raise ValidationFailed(FieldError("status", "Only a valid certificate can be issued as an electronic "
                                                    "certificate.", "not_valid"))
    actor = _signer_actor(cert)
    with transaction.atomic():
        if signing_key_active(body=cert.body) is None:
            signing_key_create(actor=actor, body=cert.body)
        credential_id = credential_id_for(cert)
        document = credential_issue(actor=actor, body=cert.body, subject=subject_of(cert),
                                    types=["CertificationCertificateCredential"], valid_from=cert.issued_on,
                                    valid_until=cert.expires_on, credential_id=credential_id)
        CertificateCredential.objects.create(certificate=cert, version=cert.version, credential_id=credential_id)
    return document


def sync_status(events: Iterable[tuple[int, str]], *, actor: Actor) -> None:
    """Bring the credentials of these certificates in step with their events, (certificate
    id, event kind) in order. Runs in the service's transaction."""
    from certinel.credentials.models import StatusEntry
    from certinel.credentials.services import credential_status_set

    events = list(events)
    if not events:
        return
    ids = {cid for cid, _ in events}
    creds: dict[int, list[str]] = {}
    for chunk_start in range(0, len(ids), 900):
        chunk = sorted(ids)[chunk_start:chunk_start + 900]
        for cid, credential_id in CertificateCredential.objects.filter(certificate_id__in=chunk).values_list(
                "certificate_id", "credential_id"):
            creds.setdefault(cid, []).append(credential_id)
    if not creds:
        return
    for cert_id, kind in events:
        for credential_id in creds.get(cert_id, []):
            purpose, value = _bit_change(kind)
            if purpose is None:
                continue
            entry = StatusEntry.objects.filter(credential_id=credential_id, status_list__purpose=purpose).first()
            if entry is not None and entry.value != value and not (purpose == "revocation" and entry.value):
                credential_status_set(actor=actor, credential_id=credential_id, purpose=purpose, value=value,
                                      reason=kind)


def _bit_change(kind: str) -> tuple[str | None, bool]:
    if kind in SUSPENDS:
        return "suspension", True
    if kind in REINSTATES:
        return "suspension", False
    if kind in ENDS or kind in SUPERSEDES:
        return "revocation", True
    return None, False


def _status_labels(label: str) -> tuple[str, str]:
    """A status as the credential states it (in the language of the request that had it
    issued), in Chinese and in English."""
    from django.utils import translation

    from .choices import CertificateStatus

    for status in CertificateStatus:
        labels = []
        for language in ("zh-hans", "en"):
            with translation.override(language):
                labels.append(str(status.label))
        if label in (status.value, *labels):
            return labels[0], labels[1]
    return label, ""


def certificate_pdf(*, certificate: Certificate) -> bytes:
    """The e-certificate as a printable PDF (Chinese with English): the body and its approval
    number, the certificate, its status when signed, the signing key's fingerprint and a QR
    code to its verification page."""
    from certinel.credentials.pdf import print_details, render_certificate_pdf
    from certinel.credentials.selectors import issued_credential_latest

    document = certificate_credential(certificate=certificate)
    cert = Certificate.objects.select_related("body", "scheme").get(pk=certificate.pk)
    issued = issued_credential_latest(credential_id=document["id"])
    subject = document["credentialSubject"]
    status, status_en = _status_labels(str(subject.get("certificateStatus") or ""))
    details = print_details(document, approval_no=cert.body.approval_no, issuer_name_en=cert.body.name_en,
                            scheme_name_en=cert.scheme.name_en, first_issue_date=cert.first_issued_on.isoformat(),
                            status=status, status_en=status_en,
                            public_key_multibase=issued.signing_key.public_key_multibase if issued else "")
    return render_certificate_pdf(certificate=subject, issuer_name=cert.body.name,
                                  verification_url=verification_url(cert), details=details)
