"""Keys, status lists and issuing: given a body, when the services act, then the register,
the DID document, the status lists and the history say so."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.utils import timezone

from certinel.core.errors import Conflict, TransitionNotAllowed, ValidationFailed
from certinel.core.history import history_for
from certinel.core.models import ChangeRecord
from certinel.credentials import bitstring, selectors, services
from certinel.credentials.choices import KeyStatus, StatusPurpose
from certinel.credentials.dataintegrity import verify_proof
from certinel.credentials.keycrypt import KeyDecryptionError
from certinel.credentials.models import IssuedCredential, SigningKey, StatusEntry, StatusList
from certinel.credentials.multibase import private_key_to_multikey

from .conftest import HOST, make_body

pytestmark = pytest.mark.django_db

SUBJECT = {
    "id": "https://certs.example.test/certificates/00124Q0001R0M",
    "type": "CertificationCertificate",
    "certificateNumber": "00124Q0001R0M",
    "scheme": {"type": "CertificationScheme", "code": "QMS", "name": "质量管理体系认证"},
    "standard": "GB/T 19001-2016 / ISO 9001:2015",
    "certificateHolder": {"type": "CertifiedOrganization", "name": "示例精密机械有限公司",
                          "uscc": "91320102MA1XXXXX0X"},
    "scope": "精密零部件的设计和生产",
    "sites": [{"type": "CertifiedSite", "address": "南京市玄武区示例路 1 号", "scope": "生产"}],
    "issueDate": "2024-03-01",
    "expiryDate": "2027-02-28",
    "certificateStatus": "有效",
}


def issue(body, actor, n=1, **kw):
    args = {"subject": SUBJECT, "types": ["CertificationCertificateCredential"],
            "valid_from": dt.date(2024, 3, 1), "valid_until": dt.date(2099, 2, 28),
            "credential_id": f"urn:uuid:00000000-0000-4000-8000-{n:012d}", "host": HOST}
    args.update(kw)
    return services.credential_issue(actor=actor, body=body, **args)


# --- keys ---------------------------------------------------------------------------------

def test_create_key_encrypts_the_private_key_and_writes_history(body, actor):
    key = services.signing_key_create(actor=actor, body=body)
    assert key.status == KeyStatus.ACTIVE and key.fragment == "key-1"
    assert key.public_key_multibase.startswith("z6Mk")
    secret = services.private_key_of(key)
    assert bytes(key.private_key_encrypted).find(secret.private_bytes_raw()) == -1
    record = history_for(key).get()
    assert record.action == "signing_key_created"
    assert "private_key_encrypted" not in record.after


def test_private_key_never_shows(body, actor):
    key = services.signing_key_create(actor=actor, body=body)
    secret = services.private_key_of(key)
    secret_forms = [private_key_to_multikey(secret), secret.private_bytes_raw().hex(),
                    bytes(key.private_key_encrypted).hex()]
    shown = [repr(key), str(key), json.dumps([r.after for r in ChangeRecord.objects.all()], default=str),
             json.dumps(selectors.did_document_for_body(body=body, host=HOST))]
    model_admin = admin.site._registry[SigningKey]
    shown.append(repr(model_admin.get_fields(None, key)) + repr(model_admin.list_display))
    for text in shown:
        for form in secret_forms:
            assert form not in text
    assert "private_key_encrypted" not in model_admin.get_fields(None, key)


def test_ciphertext_moved_to_another_row_does_not_decrypt(region, actor):
    a, b = make_body(region), make_body(region)
    key_a = services.signing_key_create(actor=actor, body=a)
    key_b = services.signing_key_create(actor=actor, body=b)
    key_b.private_key_encrypted = key_a.private_key_encrypted
    with pytest.raises(KeyDecryptionError):
        services.private_key_of(key_b)


def test_a_body_has_one_active_key(keyed_body, actor):
    with pytest.raises(Conflict):
        services.signing_key_create(actor=actor, body=keyed_body)
    key = selectors.signing_key_active(body=keyed_body)
    with pytest.raises(IntegrityError), transaction.atomic():
        SigningKey.objects.create(body=keyed_body, sequence=9, fragment="key-9", public_key_multibase="zX",
                                  private_key_encrypted=b"x", kek_id="x", status=KeyStatus.ACTIVE)
    assert selectors.signing_key_active(body=keyed_body) == key


def test_rotation_keeps_old_signatures_valid(keyed_body, actor):
    old = selectors.signing_key_active(body=keyed_body)
    signed = issue(keyed_body, actor)
    new = services.signing_key_rotate(actor=actor, body=keyed_body, reason="年度轮换")
    old.refresh_from_db()
    assert old.status == KeyStatus.RETIRED and old.retired_at and new.fragment == "key-2"
    did_doc = selectors.did_document_for_body(body=keyed_body, host=HOST)
    vm_ids = [vm["id"] for vm in did_doc["verificationMethod"]]
    assert did_doc["assertionMethod"] == vm_ids and len(vm_ids) == 2
    assert verify_proof(signed, public_key=old.public_key_multibase).ok
    assert issue(keyed_body, actor, n=2)["proof"]["verificationMethod"].endswith("#key-2")
    # The status lists were re-signed with the new key.
    for status_list in StatusList.objects.filter(body=keyed_body):
        assert status_list.credential["proof"]["verificationMethod"].endswith("#key-2")


def test_compromised_key_is_revoked_and_its_credentials_are_listed(keyed_body, actor):
    key = selectors.signing_key_active(body=keyed_body)
    issue(keyed_body, actor, n=1)
    since = timezone.now()
    issue(keyed_body, actor, n=2)
    issue(keyed_body, actor, n=3)
    revoked = services.signing_key_revoke_compromised(actor=actor, key=key, reason="服务器被入侵",
                                                      compromised_since=since)
    assert revoked.status == KeyStatus.COMPROMISED and revoked.revoked_at
    after = selectors.credentials_signed_after_compromise(key=revoked)
    assert [c.credential_id[-1] for c in after] == ["2", "3"]
    assert selectors.credentials_signed_with(key=revoked).count() == 3
    did_doc = selectors.did_document_for_body(body=keyed_body, host=HOST)
    vm = next(v for v in did_doc["verificationMethod"] if v["id"].endswith("#key-1"))
    assert "revoked" in vm and vm["id"] not in did_doc["assertionMethod"]
    assert selectors.signing_key_active(body=keyed_body).fragment == "key-2"
    # Re-issue with the new key: same id, same status entries.
    again = services.credential_resign(actor=actor, credential_id="urn:uuid:00000000-0000-4000-8000-000000000002")
    assert again["proof"]["verificationMethod"].endswith("#key-2")
    assert again["credentialStatus"] == IssuedCredential.objects.filter(
        credential_id=again["id"]).first().document["credentialStatus"]
    with pytest.raises(TransitionNotAllowed):
        services.signing_key_revoke_compromised(actor=actor, key=revoked, reason="again", compromised_since=since)


def test_compromise_needs_a_reason_and_a_past_time(keyed_body, actor):
    key = selectors.signing_key_active(body=keyed_body)
    with pytest.raises(ValidationFailed):
        services.signing_key_revoke_compromised(actor=actor, key=key, reason=" ", compromised_since=timezone.now())
    with pytest.raises(ValidationFailed):
        services.signing_key_revoke_compromised(actor=actor, key=key, reason="x",
                                                compromised_since=timezone.now() + dt.timedelta(days=1))


# --- issuing and status -------------------------------------------------------------------

def test_issue_wraps_signs_and_records(keyed_body, actor):
    signed = issue(keyed_body, actor)
    key = selectors.signing_key_active(body=keyed_body)
    assert signed["@context"] == ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/certinel/credentials/v1"]
    assert signed["type"] == ["VerifiableCredential", "CertificationCertificateCredential"]
    assert signed["issuer"]["id"] == f"did:web:{HOST}:bodies:{keyed_body.approval_no.lower()}"
    assert signed["validFrom"] == "2024-02-29T16:00:00Z"  # 00:00 in Asia/Shanghai
    assert {s["statusPurpose"] for s in signed["credentialStatus"]} == {"revocation", "suspension"}
    assert verify_proof(signed, public_key=key.public_key_multibase).ok
    issued = IssuedCredential.objects.get()
    assert issued.signing_key == key and issued.document == signed
    assert history_for(issued).get().action == "credential_issued"


def test_issue_refuses_undefined_terms_and_keeps_nothing(keyed_body, actor):
    with pytest.raises(ValidationFailed, match="undefinedThing"):
        issue(keyed_body, actor, subject={**SUBJECT, "undefinedThing": 1})
    assert not IssuedCredential.objects.exists() and not StatusEntry.objects.exists()


@pytest.mark.parametrize("change", [
    {"credential_id": "not a uri"}, {"subject": {}}, {"types": []},
    {"valid_until": dt.date(2020, 1, 1)},
])
def test_issue_input_errors(keyed_body, actor, change):
    with pytest.raises(ValidationFailed):
        issue(keyed_body, actor, **change)


def test_issue_needs_an_active_key(body, actor):
    with pytest.raises(Conflict):
        issue(body, actor)


def test_duplicate_credential_id_is_refused(keyed_body, actor):
    issue(keyed_body, actor)
    with pytest.raises(ValidationFailed, match="credential_resign"):
        issue(keyed_body, actor)


def test_indexes_are_unique_and_shuffled(keyed_body, actor):
    for n in range(1, 6):
        issue(keyed_body, actor, n=n)
    indexes = [int(e.index) for e in StatusEntry.objects.filter(status_list__purpose="revocation")
               .order_by("allocated_at", "id")]
    assert len(set(indexes)) == 5
    assert indexes != sorted(indexes) or indexes[0] != 0
    status_list = StatusList.objects.get(body=keyed_body, purpose="revocation")
    assert status_list.allocated == 5
    assert sorted(status_list.index_for(n) for n in range(status_list.size)) == list(range(status_list.size))


def test_a_full_list_opens_the_next(keyed_body, actor):
    issue(keyed_body, actor, n=1)
    StatusList.objects.filter(body=keyed_body).update(allocated=StatusList._meta.get_field("size").default)
    signed = issue(keyed_body, actor, n=2)
    assert all(s["statusListCredential"].endswith("/2") for s in signed["credentialStatus"])


def _bit(status_list: StatusList, index: int) -> bool:
    return bitstring.bit(bitstring.decode_bits(status_list.credential["credentialSubject"]["encodedList"]), index)


def test_suspend_reinstate_and_revoke_update_the_signed_lists(keyed_body, actor):
    signed = issue(keyed_body, actor)
    entries = {s["statusPurpose"]: int(s["statusListIndex"]) for s in signed["credentialStatus"]}
    key = selectors.signing_key_active(body=keyed_body)

    def current(purpose):
        status_list = StatusList.objects.get(body=keyed_body, purpose=purpose)
        assert verify_proof(status_list.credential, public_key=key.public_key_multibase).ok
        return _bit(status_list, entries[purpose])

    assert not current("suspension") and not current("revocation")
    services.credential_status_set(actor=actor, credential_id=signed["id"], purpose=StatusPurpose.SUSPENSION,
                                   value=True, reason="监督抽查不合格")
    assert current("suspension")
    services.credential_status_set(actor=actor, credential_id=signed["id"], purpose="suspension", value=False)
    assert not current("suspension")
    services.credential_status_set(actor=actor, credential_id=signed["id"], purpose="revocation", value=True)
    assert current("revocation")
    with pytest.raises(TransitionNotAllowed):
        services.credential_status_set(actor=actor, credential_id=signed["id"], purpose="revocation", value=False)
    actions = list(ChangeRecord.objects.filter(action__startswith="credential_").values_list("action", flat=True))
    assert {"credential_suspension_set", "credential_suspension_cleared", "credential_revocation_set"} <= set(actions)


def test_status_list_credential_shape(keyed_body, actor):
    issue(keyed_body, actor)
    doc = StatusList.objects.get(body=keyed_body, purpose="suspension").credential
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert doc["credentialSubject"]["statusPurpose"] == "suspension"
    assert doc["credentialSubject"]["encodedList"].startswith("u")
    assert len(bitstring.decode_bits(doc["credentialSubject"]["encodedList"])) * 8 == 131_072
    assert doc["id"] == f"https://{HOST}/bodies/{keyed_body.approval_no.lower()}/status/suspension/1"
