"""The CMA certificate as an electronic certificate: a W3C Verifiable Credential signed by the
regulator that decided, with the same machinery as certification bodies' certificates
(`credentials` app: keys, status lists, `IssuedCredential`, `certinel verify`).

The issuer is the regulator's jurisdiction (`did:web:<host>:regulators:<region code>`): the
jurisdiction of the regulator who approved, or the province of the lab when the decision was
not taken by a regulator with a jurisdiction (the system). Its first key is created the first
time it issues. The subject carries the holder lab (name, CMA number, unified social credit
code, address, region), the dates, the qualifications, the approved scope table and the legal
source; no personal data (no staff, no signer). A new certificate for the lab supersedes the
previous one and a revoked approval revokes its certificate: both set the credential's
revocation bit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings

from certinel.core.actor import Actor
from certinel.credentials.ldloader import CERTINEL_QUALIFICATION_V1_CONTEXT
from certinel.reference.models import Region
from certinel.registry.models import Lab

from . import policy
from .models_applications import Application, CmaCertificate

CREDENTIAL_TYPE = "CMACertificateCredential"


def public_url() -> str:
    return settings.CERTINEL_PUBLIC_URL.rstrip("/")


def certificate_url(app: Application) -> str:
    """The public address of a CMA certificate (the signed credential, as JSON): the subject's id."""
    return f"{public_url()}/qualification/certificates/{app.number}/"


def scope_page_url(lab: Lab) -> str:
    return f"{public_url()}/qualification/labs/{lab.cma_no}/scope/"


def issuer_jurisdiction(actor: Actor, app: Application) -> str:
    """The jurisdiction that signs: the deciding regulator's, else the province of the lab."""
    user = actor.user
    code = getattr(user, "jurisdiction_code", "") if user is not None else ""
    return code or app.region_code[:2]


def issuer_name(code: str, on: dt.date) -> str:
    """The regulator of a jurisdiction by its name in the register of regions."""
    padded = code.ljust(6, "0")
    region = (Region.objects.current(on).filter(code=padded).first()
              or Region.objects.filter(code=padded).order_by("-valid_from").first())
    return f"{region.name}市场监督管理局" if region is not None else f"{code} 市场监督管理部门"


def subject_of(app: Application, lab: Lab, issued_on: dt.date, valid_until: dt.date | None,
               rule: policy.Procedure) -> dict[str, Any]:
    """The credential's subject: the lab, the dates, the qualifications and the approved scope
    table (the application's items), with its legal source. No personal data."""
    names = policy.qualifications()
    holder = {"type": "InspectionTestingBody", "name": lab.name, "uscc": lab.uscc, "address": lab.address,
              "regionCode": lab.region_code}
    scope = []
    for item in app.items.select_related("field").order_by("id"):
        line = {"type": "ScopeItem", "field": item.field.code, "object": item.object_name,
                "parameter": item.parameter, "standard": item.standard}
        if item.clause:
            line["clause"] = item.clause
        scope.append(line)
    subject = {"id": certificate_url(app), "type": "CMACertificate", "certificateNumber": lab.cma_no,
               "certificateHolder": {k: v for k, v in holder.items() if v},
               "issueDate": issued_on.isoformat(),
               "qualifications": [{"type": "Qualification", "code": c, "name": names[c].name}
                                  for c in app.qualifications if c in names],
               "approvedScope": scope, "applicationNumber": app.number, "applicationKind": app.kind,
               "procedure": app.procedure, "legalSource": rule.source, "verificationPage": scope_page_url(lab)}
    if valid_until is not None:
        subject["expiryDate"] = valid_until.isoformat()
    return subject


def issue(*, actor: Actor, app: Application, lab: Lab, issued_on: dt.date, valid_until: dt.date | None,
          rule: policy.Procedure) -> tuple[str, dict[str, Any]]:
    """Sign the CMA certificate (in the caller's transaction): its credential id and document."""
    from certinel.credentials.selectors import signing_key_active_of_jurisdiction
    from certinel.credentials.services import credential_issue, signing_key_create

    code = issuer_jurisdiction(actor, app)
    if signing_key_active_of_jurisdiction(jurisdiction=code) is None:
        signing_key_create(actor=actor, jurisdiction=code)
    credential_id = f"urn:uuid:{uuid.uuid4()}"
    document = credential_issue(actor=actor, jurisdiction=code, issuer_name=issuer_name(code, issued_on),
                                subject=subject_of(app, lab, issued_on, valid_until, rule),
                                types=[CREDENTIAL_TYPE], valid_from=issued_on, valid_until=valid_until,
                                credential_id=credential_id, contexts=(CERTINEL_QUALIFICATION_V1_CONTEXT,))
    return credential_id, document


def revoke(*, actor: Actor, cert: CmaCertificate, reason: str) -> None:
    """Set the revocation bit of the certificate's credential (superseded or revoked)."""
    from certinel.credentials.models import StatusEntry
    from certinel.credentials.services import credential_status_set

    if not cert.credential_id:
        return
    entry = StatusEntry.objects.filter(credential_id=cert.credential_id, status_list__purpose="revocation").first()
    if entry is not None and not entry.value:
        credential_status_set(actor=actor, credential_id=cert.credential_id, purpose="revocation", value=True,
                              reason=reason)
