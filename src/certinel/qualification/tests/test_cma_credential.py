"""The CMA certificate as a signed e-certificate (issue 16, point 3): issued on approval as a
W3C Verifiable Credential by the regulator's jurisdiction, verified by Certinel's verifier and
`certinel verify`, its revocation bit set when superseded or revoked, served publicly and by
the API, with no personal data."""

from __future__ import annotations

import copy
import json

import pytest
from django.test import Client
from django.utils import timezone

from certinel.core.models import ChangeRecord
from certinel.credentials.did import BundleResolver
from certinel.credentials.models import IssuedCredential, SigningKey, StatusEntry, StatusList
from certinel.credentials.naming import deployment_host
from certinel.credentials.selectors import did_document_for_jurisdiction
from certinel.credentials.tests.test_verify import run
from certinel.credentials.verify import FileStatusLists, verify_credential
from certinel.qualification import services_applications as apps
from certinel.qualification.models import CmaCertificate
from certinel.transparency.leaf import change_record_leaf, parse_leaf

from .applications import people, reviewed, reviewers, submitted

pytestmark = pytest.mark.django_db
API = "/api/v1"


def verdict(document, jurisdiction="32"):
    lists = [s.credential for s in StatusList.objects.filter(jurisdiction=jurisdiction)]
    return verify_credential(document, resolver=BundleResolver([did_document_for_jurisdiction(
        jurisdiction=jurisdiction, host=deployment_host())]), status_source=FileStatusLists(lists),
        now=timezone.now())


def approved(kind="first", **kw):
    lab, operator, regulator = people()
    reviewers(4)
    app = reviewed(lab, operator, regulator, kind=kind, **kw)
    apps.application_approve(actor=regulator, application=app)
    return lab, operator, regulator, CmaCertificate.objects.get(application=app)


def test_an_approval_issues_a_credential_signed_by_the_regulators_jurisdiction():
    lab, _operator, _regulator, cert = approved()
    document = cert.document
    assert cert.credential_id == document["id"] and document["id"].startswith("urn:uuid:")
    assert document["type"] == ["VerifiableCredential", "CMACertificateCredential"]
    assert document["issuer"]["id"] == f"did:web:{deployment_host().replace(':', '%3A')}:regulators:32"
    subject = document["credentialSubject"]
    assert subject["certificateNumber"] == lab.cma_no and subject["certificateHolder"]["uscc"] == lab.uscc
    assert subject["certificateHolder"]["name"] == lab.name
    assert subject["issueDate"] == cert.issued_on.isoformat() and subject["expiryDate"] == cert.valid_until.isoformat()
    assert subject["qualifications"][0]["code"] == "CMA"
    assert subject["approvedScope"] == [{"type": "ScopeItem", "field": "00", "object": "食品生产企业",
                                         "parameter": "卫生规范符合性", "standard": "GB 14881-2013", "clause": "5.1"}]
    assert "38" in subject["legalSource"]
    text = json.dumps(document, ensure_ascii=False)
    for personal in ("王质量", "110101199001011234", "13800001111", "赵法人"):
        assert personal not in text
    issued = IssuedCredential.objects.get(credential_id=cert.credential_id)
    assert issued.body is None and issued.jurisdiction == "32"
    assert SigningKey.objects.filter(jurisdiction="32", body__isnull=True, status="active").count() == 1
    check = verdict(document)
    assert check.valid, [(c.name, c.result, c.en) for c in check.checks]
    assert check.summary["certificateNumber"] == lab.cma_no and check.summary["holder"] == lab.name


def test_a_tampered_scope_does_not_verify():
    _lab, _operator, _regulator, cert = approved()
    forged = copy.deepcopy(cert.document)
    forged["credentialSubject"]["approvedScope"][0]["parameter"] = "全部项目"
    assert verdict(forged).status == "invalid"


def test_a_renewal_supersedes_the_certificate_and_sets_its_revocation_bit():
    lab, operator, regulator, first = approved()
    renewal = reviewed(lab, operator, regulator, kind="renewal")
    apps.application_approve(actor=regulator, application=renewal)
    first.refresh_from_db()
    second = CmaCertificate.objects.get(application=renewal)
    assert first.status == "superseded" and second.status == "valid"
    assert StatusEntry.objects.get(credential_id=first.credential_id, status_list__purpose="revocation").value
    assert not StatusEntry.objects.get(credential_id=second.credential_id, status_list__purpose="revocation").value
    old = verdict(first.document)
    assert old.status == "invalid" and any(c.result == "fail" and "revoked" in c.en for c in old.checks)
    assert verdict(second.document).valid
    # One key for the jurisdiction, reused.
    assert SigningKey.objects.filter(jurisdiction="32").count() == 1
    assert ChangeRecord.objects.filter(action="credential_revocation_set").count() == 1


def test_an_untrue_commitment_revokes_the_certificate_and_its_credential():
    lab, operator, regulator = people()
    app = submitted(lab, operator, kind="extension", procedure="commitment")
    apps.application_accept(actor=regulator, application=app)
    apps.application_approve(actor=regulator, application=app)
    cert = CmaCertificate.objects.get(application=app)
    assert verdict(cert.document).valid
    apps.post_check_false(actor=regulator, check=app.post_check, note="人员不在岗", decision_no="苏市监检〔2026〕1号",
                          authority="江苏省市场监督管理局")
    cert.refresh_from_db()
    assert cert.status == "revoked"
    assert verdict(cert.document).status == "invalid"


def test_the_certificate_record_is_a_public_kind_of_the_log_with_its_digest():
    _lab, _operator, _regulator, cert = approved()
    record = ChangeRecord.objects.get(action="qualification_certificate_issued")
    leaf = parse_leaf(change_record_leaf(record))
    assert leaf["object"]["type"] == "qualification.cmacertificate"
    text = json.dumps(leaf, ensure_ascii=False, default=str)
    assert cert.sha256 in text and cert.credential_id in text


def test_anyone_fetches_it_from_the_scope_page_the_public_address_and_the_api(tmp_path):
    lab, _operator, _regulator, cert = approved()
    number = cert.application.number
    page = Client().get(f"/qualification/labs/{lab.cma_no}/scope/")
    assert page.status_code == 200 and f"/qualification/certificates/{number}/" in page.content.decode()
    got = Client().get(f"/qualification/certificates/{number}/")
    assert got.status_code == 200 and json.loads(got.content) == cert.document
    assert Client().get("/qualification/certificates/ZR-NONE/").status_code == 404
    bundle = Client().get(f"/qualification/certificates/{number}/bundle.json")
    assert bundle.status_code == 200
    path = tmp_path / "cma.bundle.json"
    path.write_bytes(bundle.content)
    code, out, _err = run(str(path))
    assert code == 0, out
    assert lab.cma_no in out
    did = Client().get("/regulators/32/did.json")
    assert did.status_code == 200 and did.json()["id"] == cert.document["issuer"]["id"]
    assert Client().get("/regulators/99/did.json").status_code == 404
    status_url = cert.document["credentialStatus"][0]["statusListCredential"]
    assert Client().get(status_url.split(deployment_host(), 1)[1]).status_code == 200
    assert Client().get("/regulators/32/status/revocation/99").status_code == 404
    answer = Client().get(f"{API}/labs/{lab.cma_no}/cma-certificate")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "valid" and body["credential"] == cert.document and body["application"] == number
    assert Client().get(f"{API}/labs/000000000000/cma-certificate").status_code == 404
    assert Client().get(f"{API}/labs/{'9' * 13}/cma-certificate").status_code == 422


def test_a_lab_without_a_platform_certificate_has_none_to_fetch():
    lab, _operator, _regulator = people()
    assert Client().get(f"{API}/labs/{lab.cma_no}/cma-certificate").status_code == 404
    page = Client().get(f"/qualification/labs/{lab.cma_no}/scope/")
    assert page.status_code == 200 and "cma-certificate" not in page.content.decode()
