"""A regulator's jurisdiction as an issuer (the CMA certificates it decides): its own keys,
status lists and DID `did:web:<host>:regulators:<region code>`, with the same lifecycle as a
body's (rotation keeps old signatures valid, a compromised key's do not), a row belonging to
exactly one issuer, and the independent JavaScript stack accepting what it signs."""

from __future__ import annotations

import copy
import datetime as dt
import shutil

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from certinel.core.errors import Conflict, ValidationFailed
from certinel.credentials import selectors, services
from certinel.credentials.did import BundleResolver
from certinel.credentials.ldloader import CERTINEL_QUALIFICATION_V1_CONTEXT
from certinel.credentials.models import IssuedCredential, SigningKey, StatusList
from certinel.credentials.verify import FileStatusLists, verify_credential

from .conftest import HOST

pytestmark = pytest.mark.django_db
CODE = "32"
SUBJECT = {
    "id": "https://certs.example.test/qualification/certificates/ZR202632-00001/",
    "type": "CMACertificate",
    "certificateNumber": "233009212253",
    "certificateHolder": {"type": "InspectionTestingBody", "name": "测试检测技术有限公司",
                          "uscc": "91320102MA1XXXXX0X", "regionCode": "320102"},
    "issueDate": "2026-03-02", "expiryDate": "2032-03-01",
    "qualifications": [{"type": "Qualification", "code": "CMA", "name": "检验检测机构资质认定"}],
    "approvedScope": [{"type": "ScopeItem", "field": "00", "object": "食品", "parameter": "铅",
                       "standard": "GB 5009.12-2017", "clause": "4"}],
    "applicationNumber": "ZR202632-00001", "applicationKind": "first", "procedure": "general",
    "legalSource": "《检验检测机构资质认定管理办法》",
}


def issue(actor, n=1, subject=SUBJECT):
    return services.credential_issue(actor=actor, jurisdiction=CODE, issuer_name="江苏省市场监督管理局",
                                     subject=subject, types=["CMACertificateCredential"],
                                     valid_from=dt.date(2026, 3, 2), valid_until=dt.date(2032, 3, 1),
                                     credential_id=f"urn:uuid:00000000-0000-4000-9000-{n:012d}", host=HOST,
                                     contexts=(CERTINEL_QUALIFICATION_V1_CONTEXT,))


def check(document):
    lists = [s.credential for s in StatusList.objects.filter(jurisdiction=CODE)]
    return verify_credential(document, resolver=BundleResolver([selectors.did_document_for_jurisdiction(
        jurisdiction=CODE, host=HOST)]), status_source=FileStatusLists(lists),
        now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))


@pytest.fixture
def keyed(actor):
    return services.signing_key_create(actor=actor, jurisdiction=CODE)


def test_a_jurisdiction_signs_with_its_own_key_and_lists(keyed, actor):
    signed = issue(actor)
    assert signed["issuer"] == {"id": f"did:web:{HOST}:regulators:32", "name": "江苏省市场监督管理局"}
    assert signed["proof"]["verificationMethod"] == f"did:web:{HOST}:regulators:32#key-1"
    assert signed["credentialStatus"][0]["statusListCredential"] == f"https://{HOST}/regulators/32/status/revocation/1"
    assert check(signed).valid
    issued = IssuedCredential.objects.get(credential_id=signed["id"])
    assert issued.body is None and issued.jurisdiction == CODE and issued.region_code == CODE
    assert str(keyed) == "32#key-1" and keyed.region_code == CODE
    with pytest.raises(Conflict):
        services.signing_key_create(actor=actor, jurisdiction=CODE)


def test_rotation_keeps_old_signatures_and_a_compromised_key_fails(keyed, actor):
    first = issue(actor, 1)
    services.signing_key_rotate(actor=actor, jurisdiction=CODE, reason="年度轮换")
    second = issue(actor, 2)
    assert second["proof"]["verificationMethod"].endswith("#key-2")
    assert check(first).valid and check(second).valid
    services.signing_key_revoke_compromised(actor=actor, key=keyed, reason="泄露",
                                            compromised_since=timezone.now() - dt.timedelta(hours=1))
    assert check(first).status == "invalid" and check(second).valid
    services.credential_resign(actor=actor, credential_id=first["id"], reason="重签")
    again = selectors.issued_credential_latest(credential_id=first["id"]).document
    assert check(again).valid and again["issuer"]["id"] == first["issuer"]["id"]


def test_revocation_bit_and_tampering(keyed, actor):
    signed = issue(actor)
    forged = copy.deepcopy(signed)
    forged["credentialSubject"]["approvedScope"][0]["parameter"] = "全部"
    assert check(forged).status == "invalid"
    services.credential_status_set(actor=actor, credential_id=signed["id"], purpose="revocation", value=True,
                                   reason="superseded")
    assert check(signed).status == "invalid"


def test_an_undefined_term_is_refused(keyed, actor):
    with pytest.raises(ValidationFailed) as exc:
        issue(actor, subject={**SUBJECT, "staffName": "王质量"})
    assert exc.value.errors[0].field == "subject" and exc.value.errors[0].code == "undefined_term"


def test_a_row_belongs_to_exactly_one_issuer(keyed, body):
    with pytest.raises(IntegrityError), transaction.atomic():
        SigningKey.objects.create(body=body, jurisdiction=CODE, sequence=9, fragment="key-9",
                                  public_key_multibase="z6MkNotReal1", private_key_encrypted=b"x", kek_id="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        SigningKey.objects.create(body=None, jurisdiction="", sequence=9, fragment="key-9",
                                  public_key_multibase="z6MkNotReal2", private_key_encrypted=b"x", kek_id="k")
    with pytest.raises(ValueError, match="one of the two"):
        services.signing_key_create(actor=None, body=body, jurisdiction=CODE)


def test_the_did_document_and_lists_are_served(keyed, actor, client):
    issue(actor)
    did = client.get("/regulators/32/did.json")
    assert did.status_code == 200 and did["Access-Control-Allow-Origin"] == "*"
    assert did.json()["assertionMethod"][0].endswith(":regulators:32#key-1")
    assert client.get("/regulators/32/status/revocation/1").status_code == 200
    assert client.get("/regulators/32/status/nonsense/1").status_code == 404
    assert client.get("/regulators/33/did.json").status_code == 404
    # A body's routes do not serve a jurisdiction's lists.
    assert client.get("/bodies/32/status/revocation/1").status_code == 404


@pytest.mark.interop
def test_the_javascript_stack_accepts_a_cma_credential(keyed, actor, tmp_path):
    from .test_interop import ROOT, js_verify

    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@digitalbazaar" / "vc" / "package.json").is_file():
        pytest.fail("the interoperability tests need `node` and `npm ci` at the repository root")
    signed = issue(actor)
    revoked = issue(actor, 2)
    services.credential_status_set(actor=actor, credential_id=revoked["id"], purpose="revocation", value=True)
    lists = [s.credential for s in StatusList.objects.filter(jurisdiction=CODE)]
    results = js_verify(node, tmp_path, [signed, revoked],
                        did_docs=[selectors.did_document_for_jurisdiction(jurisdiction=CODE, host=HOST)], lists=lists)
    assert results[0]["valid"] is True, results[0]
    assert results[1]["revoked"] is True and results[1]["valid"] is False
