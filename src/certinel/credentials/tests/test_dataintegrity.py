"""eddsa-rdfc-2022 and eddsa-jcs-2022 against the W3C vc-di-eddsa test vectors, and the ways a
proof must fail."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certinel.credentials import dataintegrity as di
from certinel.credentials.ldloader import CanonicalizationError, PinnedDocumentLoader, canonize
from certinel.credentials.multibase import (
    MultibaseError,
    b58decode,
    b58encode,
    multibase_decode_b64url,
    multibase_encode_b58,
    private_key_from_multikey,
    private_key_to_multikey,
    public_key_from_multikey,
    public_key_to_multikey,
)

DATA = Path(__file__).parent / "data"
VEC = DATA / "vc-di-eddsa"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
SUITES = {
    di.RDFC: ("eddsa-rdfc-2022", "DataInt"),
    di.JCS: ("eddsa-jcs-2022", "JCS"),
}


@pytest.fixture(scope="module")
def loader() -> PinnedDocumentLoader:
    examples = json.loads((DATA / "contexts" / "credentials-examples-v2.jsonld").read_text())
    return PinnedDocumentLoader({EXAMPLES_V2: examples})


@pytest.fixture(scope="module")
def key_pair() -> dict[str, str]:
    return json.loads((VEC / "keyPair.json").read_text())


def _text(suite: str, stem: str, ext: str = "txt") -> str:
    folder, suffix = SUITES[suite]
    return (VEC / folder / f"{stem}{suffix}.{ext}").read_text()


def _unsigned() -> dict:
    return json.loads((VEC / "unsigned.json").read_text())


def _signed(suite: str) -> dict:
    return json.loads(_text(suite, "signed", "json"))


# --- Multikey -----------------------------------------------------------------------------

def test_multikey_round_trip_of_the_vector_key_pair(key_pair):
    secret = private_key_from_multikey(key_pair["privateKeyMultibase"])
    assert public_key_to_multikey(secret.public_key()) == key_pair["publicKeyMultibase"]
    assert private_key_to_multikey(secret) == key_pair["privateKeyMultibase"]
    assert key_pair["publicKeyMultibase"].startswith("z6Mk")


@pytest.mark.parametrize("value", ["", "z", "6Mk", "z0OIl", "zabc", "uAAAA"])
def test_malformed_multikeys_are_refused(value):
    with pytest.raises(MultibaseError):
        public_key_from_multikey(value)


def test_private_multikey_is_not_a_public_one(key_pair):
    with pytest.raises(MultibaseError):
        public_key_from_multikey(key_pair["privateKeyMultibase"])
    with pytest.raises(MultibaseError):
        private_key_from_multikey(key_pair["publicKeyMultibase"])


def test_base58_keeps_leading_zeros():
    for data in (b"", b"\0", b"\0\0\x01", bytes(range(40))):
        assert b58decode(b58encode(data)) == data


def test_base64url_multibase_refuses_bad_characters():
    with pytest.raises(MultibaseError):
        multibase_decode_b64url("uAB+C")
    with pytest.raises(MultibaseError):
        multibase_decode_b64url("zABC")


# --- every intermediate of the W3C vectors ------------------------------------------------

@pytest.mark.parametrize("suite", list(SUITES))
def test_vector_canonical_document_and_hash(suite, loader):
    canonical = di.transform(_unsigned(), cryptosuite=suite, loader=loader)
    assert canonical == _text(suite, "canonDoc")
    assert di.sha256(canonical).hex() == _text(suite, "docHash").strip()


@pytest.mark.parametrize("suite", list(SUITES))
def test_vector_proof_configuration_and_hash(suite, loader):
    options = json.loads(_text(suite, "proofConfig", "json"))
    context = options.pop("@context")
    canonical = di.proof_configuration(options if suite == di.RDFC else {**options, "@context": context},
                                       document_context=context, cryptosuite=suite, loader=loader)
    assert canonical == _text(suite, "proofCanon")
    assert di.sha256(canonical).hex() == _text(suite, "proofHash").strip()


@pytest.mark.parametrize("suite", list(SUITES))
def test_vector_combined_hash_signature_and_signed_credential(suite, loader, key_pair):
    secret = private_key_from_multikey(key_pair["privateKeyMultibase"])
    expected = _signed(suite)
    combined = di.hash_data(_text(suite, "proofCanon"), _text(suite, "canonDoc"))
    assert combined.hex() == _text(suite, "combinedHash").strip()
    signature = secret.sign(combined)
    assert signature.hex() == _text(suite, "sigHex").strip()
    assert multibase_encode_b58(signature) == _text(suite, "sigBTC58").strip()
    signed = di.create_proof(_unsigned(), private_key=secret, cryptosuite=suite, loader=loader,
                             verification_method=expected["proof"]["verificationMethod"],
                             created=expected["proof"]["created"])
    assert signed == expected


@pytest.mark.parametrize("suite", list(SUITES))
def test_vector_signed_credential_verifies(suite, loader, key_pair):
    result = di.verify_proof(_signed(suite), public_key=key_pair["publicKeyMultibase"], loader=loader)
    assert result.ok, result.reasons
    assert result.cryptosuite == suite and result.created == "2023-02-24T23:36:38Z"


# --- what must fail -----------------------------------------------------------------------

def _tampered(suite, change):
    doc = copy.deepcopy(_signed(suite))
    change(doc)
    return doc


TAMPERINGS = {
    "subject field changed": lambda d: d["credentialSubject"].update(alumniOf="Another School"),
    "issuer changed": lambda d: d.update(issuer="https://evil.example/issuer"),
    "validFrom changed": lambda d: d.update(validFrom="2020-01-01T00:00:00Z"),
    "claim added": lambda d: d["credentialSubject"].update(extra="x"),
    "created changed": lambda d: d["proof"].update(created="2023-02-25T23:36:38Z"),
    "verification method changed": lambda d: d["proof"].update(verificationMethod="did:example:other#k"),
    "signature bit flipped": lambda d: d["proof"].update(
        proofValue=multibase_encode_b58(bytes([b58decode(d["proof"]["proofValue"][1:])[0] ^ 1])
                                        + b58decode(d["proof"]["proofValue"][1:])[1:])),
}


@pytest.mark.parametrize("suite", list(SUITES))
@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_tampered_credentials_are_rejected(suite, name, loader, key_pair):
    result = di.verify_proof(_tampered(suite, TAMPERINGS[name]), public_key=key_pair["publicKeyMultibase"],
                             loader=loader)
    assert not result.ok
    assert result.reasons


def test_wrong_key_is_rejected(loader):
    other = public_key_to_multikey(Ed25519PrivateKey.generate().public_key())
    result = di.verify_proof(_signed(di.RDFC), public_key=other, loader=loader)
    assert not result.ok and "signature does not match" in result.reasons[0]


@pytest.mark.parametrize("change, reason", [
    ({"proofPurpose": "authentication"}, "proof purpose"),
    ({"cryptosuite": "ecdsa-rdfc-2019"}, "unsupported cryptosuite"),
    ({"type": "Ed25519Signature2020"}, "proof type"),
    ({"created": "yesterday"}, "created"),
    ({"expires": "2000-01-01T00:00:00Z"}, "expired"),
    ({"proofValue": "z123"}, "64 bytes"),
    ({"proofValue": "not-multibase"}, "malformed proofValue"),
    ({"proofValue": "z0OIl"}, "malformed proofValue"),
    ({"proofValue": 42}, "malformed proofValue"),
])
def test_altered_proof_options_and_malformed_proofs_are_rejected(change, reason, loader, key_pair):
    doc = _tampered(di.RDFC, lambda d: d["proof"].update(change))
    result = di.verify_proof(doc, public_key=key_pair["publicKeyMultibase"], loader=loader)
    assert not result.ok
    assert any(reason in r for r in result.reasons), result.reasons


@pytest.mark.parametrize("document", [None, [], "text", {}, {"proof": "x"}, {"proof": [{}, {}]}])
def test_garbage_never_raises(document, key_pair):
    result = di.verify_proof(document, public_key=key_pair["publicKeyMultibase"])
    assert not result.ok and result.reasons


def test_bad_public_key_is_a_reason_not_an_exception(loader):
    result = di.verify_proof(_signed(di.RDFC), public_key="zNotAKey", loader=loader)
    assert not result.ok and any("public key" in r for r in result.reasons)


def test_unknown_context_is_rejected_without_fetching(key_pair):
    # Certinel's own loader does not know the examples context: it refuses, it does not fetch.
    result = di.verify_proof(_signed(di.RDFC), public_key=key_pair["publicKeyMultibase"])
    assert not result.ok
    assert any(EXAMPLES_V2 in r and "not pinned" in r for r in result.reasons), result.reasons


def test_undefined_term_is_refused_when_signing(key_pair):
    secret = private_key_from_multikey(key_pair["privateKeyMultibase"])
    doc = _unsigned()
    doc["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    with pytest.raises(CanonicalizationError, match=r"alumniOf|AlumniCredential"):
        di.create_proof(doc, private_key=secret, verification_method="did:example:a#k",
                        created="2024-01-01T00:00:00Z")


def test_undefined_type_is_refused():
    doc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential", "Nope"],
           "issuer": "did:example:a", "credentialSubject": {"id": "did:example:b"}}
    with pytest.raises(CanonicalizationError, match="Nope"):
        canonize(doc)


def test_jcs_proof_context_must_match_document(loader, key_pair):
    doc = _tampered(di.JCS, lambda d: d.update({"@context": ["https://www.w3.org/ns/credentials/v2"]}))
    result = di.verify_proof(doc, public_key=key_pair["publicKeyMultibase"], loader=loader)
    assert not result.ok and any("@context" in r for r in result.reasons)
