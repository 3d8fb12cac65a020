"""Electronic certificates of the register: issued on request, verified by Certinel's own
verifier, their status bits following the certificate, superseded when the content changes."""

from __future__ import annotations

import datetime as dt

import pytest

from certinel.certificates import services
from certinel.certificates.ecert import certificate_credential, certificate_pdf, credential_id_for
from certinel.certificates.models import CertificateCredential
from certinel.core.errors import ValidationFailed
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, certificate_data
from certinel.credentials.did import BundleResolver
from certinel.credentials.models import StatusList
from certinel.credentials.naming import deployment_host
from certinel.credentials.selectors import did_document_for_body
from certinel.credentials.verify import FileStatusLists, verify_credential

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def cert():
    body = body_with_scopes()
    return services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=build_org(
        name="测试瑞丰精密机械有限公司")))


def verdict_for(cert, document):
    lists = [s.credential for s in StatusList.objects.filter(body=cert.body)]
    return verify_credential(document, resolver=BundleResolver([did_document_for_body(
        body=cert.body, host=deployment_host())]), status_source=FileStatusLists(lists))


def test_a_valid_certificate_becomes_a_verifiable_credential(cert):
    document = certificate_credential(certificate=cert)
    assert document["id"] == credential_id_for(cert)
    subject = document["credentialSubject"]
    assert subject["certificateNumber"] == cert.number and subject["certificateHolder"]["uscc"] == cert.holder_uscc
    assert document["issuer"]["name"] == cert.body.name
    assert verdict_for(cert, document).valid
    # Asking again gives the same signed document, not a new one.
    assert certificate_credential(certificate=cert) == document
    assert CertificateCredential.objects.filter(certificate=cert).count() == 1


def test_suspension_and_reinstatement_flip_the_suspension_bit(cert):
    document = certificate_credential(certificate=cert)
    services.certificate_suspend(actor=SYSTEM, certificate=cert, until=TODAY + dt.timedelta(days=30),
                                 reason="监督不合格", signed_by="李")
    verdict = verdict_for(cert, document)
    assert not verdict.valid and any(c.name.startswith("status") and c.result == "fail" for c in verdict.checks)
    services.certificate_reinstate(actor=SYSTEM, certificate=cert, reason="整改完成", signed_by="李")
    assert verdict_for(cert, document).valid


def test_revocation_ends_the_credential_for_good(cert):
    document = certificate_credential(certificate=cert)
    services.certificate_revoke(actor=SYSTEM, certificate=cert, reason="虚假认证", signed_by="李")
    assert not verdict_for(cert, document).valid
    with pytest.raises(ValidationFailed):
        certificate_credential(certificate=cert)


def test_a_renewal_supersedes_the_old_credential(cert):
    old = certificate_credential(certificate=cert)
    cert = services.certificate_renew(actor=SYSTEM, certificate=cert, issued_on=TODAY,
                                      expires_on=TODAY.replace(year=TODAY.year + 3), signed_by="周")
    assert not verdict_for(cert, old).valid
    new = certificate_credential(certificate=cert)
    assert new["id"] != old["id"] and new["credentialSubject"]["expiryDate"] == cert.expires_on.isoformat()
    assert verdict_for(cert, new).valid


def test_the_pdf_carries_the_certificate(cert):
    pdf = certificate_pdf(certificate=cert)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_downloads(client, cert):
    response = client.get(f"/certificates/{cert.pk}/credential.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vc+ld+json")
    import json

    assert json.loads(response.content)["credentialSubject"]["certificateNumber"] == cert.number
    pdf = client.get(f"/certificates/{cert.pk}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    services.certificate_revoke(actor=SYSTEM, certificate=cert, reason="撤销", signed_by="李")
    refused = client.get(f"/certificates/{cert.pk}/credential.json")
    assert refused.status_code == 422 and refused.json()["code"] == "validation_failed"
    assert client.get("/certificates/999999/credential.json").status_code == 404


def test_a_compromised_key_flags_the_certificate_and_its_e_certificate_is_signed_again(cert, client):
    from django.utils import timezone

    from certinel.certificates.selectors import certificate_for_verification
    from certinel.credentials.models import SigningKey
    from certinel.credentials.services import signing_key_revoke_compromised

    old = certificate_credential(certificate=cert)
    assert "ecert_key_compromised" not in certificate_for_verification(cert.number).check.warnings
    key = SigningKey.objects.get(body=cert.body, status="active")
    since = timezone.now() - dt.timedelta(days=3)
    signing_key_revoke_compromised(actor=SYSTEM, key=key, reason="key file leaked", compromised_since=since)

    # The copy in circulation no longer verifies; the register flags the certificate.
    assert not verdict_for(cert, old).valid
    check = certificate_for_verification(cert.number).check
    assert "ecert_key_compromised" in check.warnings and check.key_compromised_since == since
    page = client.get(f"/verify/{cert.number}").content.decode()
    # The day as the deployment's time zone has it (the page and the API alike).
    assert "密钥已报告自" in page and timezone.localtime(since).date().isoformat() in page
    api = client.get("/api/v1/verify", {"number": cert.number}).json()
    warning = next(w for w in api["certificates"][0]["warnings"] if w["code"] == "ecert_key_compromised")
    assert timezone.localtime(since).date().isoformat() in warning["message"]

    # The next download is signed again with the body's new key, same id; it verifies.
    new = certificate_credential(certificate=cert)
    assert new["id"] == old["id"] and new["proof"]["verificationMethod"] != old["proof"]["verificationMethod"]
    assert verdict_for(cert, new).valid
    assert certificate_credential(certificate=cert) == new
    # Still flagged: copies signed with the compromised key are out there.
    assert "ecert_key_compromised" in certificate_for_verification(cert.number).check.warnings
