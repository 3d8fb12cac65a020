"""Data Integrity proofs with the EdDSA cryptosuites of W3C vc-di-eddsa.

`eddsa-rdfc-2022` (create and verify): the document and the proof configuration are each
canonicalised with RDFC-1.0 and hashed with SHA-256; the signature is Ed25519 over
proofConfigHash || transformedDocumentHash; `proofValue` is multibase base58btc.
`eddsa-jcs-2022` (create and verify): the same with RFC 8785 JSON canonicalisation.

Verification never raises on bad input: it returns a `ProofResult` with the reasons.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .ldloader import CanonicalizationError, PinnedDocumentLoader, canonize
from .multibase import MultibaseError, multibase_decode_b58, multibase_encode_b58, public_key_from_multikey

RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
_DATETIME = re.compile(
    r"^-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|(24:00:00(\.0+)?))"
    r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$"
)


@dataclass
class ProofResult:
    """The outcome of checking one proof: `ok` only when nothing is wrong."""

    ok: bool
    reasons: list[str] = field(default_factory=list)
    verification_method: str | None = None
    created: str | None = None
    cryptosuite: str | None = None
    proof_purpose: str | None = None


def xsd_datetime(value: dt.datetime) -> str:
    """An XML Schema dateTime in UTC, to the second: 2024-05-01T08:00:00Z."""
    if value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_xsd_datetime(value: str) -> dt.datetime | None:
    """Parse an XML Schema dateTime (timezone required); None when it is not one."""
    if not isinstance(value, str) or not _DATETIME.match(value):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


# --- transformation and hashing (exposed for the test vectors) ------------------------------

def transform(document: dict[str, Any], *, cryptosuite: str, loader: PinnedDocumentLoader | None = None) -> str:
    """The canonical form of the unsecured document."""
    if cryptosuite == RDFC:
        return canonize(document, loader)
    if cryptosuite == JCS:
        return rfc8785.dumps(document).decode("utf-8")
    raise ValueError(f"unsupported cryptosuite {cryptosuite!r}")


def proof_configuration(proof_options: dict[str, Any], *, document_context: Any, cryptosuite: str,
                        loader: PinnedDocumentLoader | None = None) -> str:
    """The canonical proof configuration: the proof without `proofValue`, with the document's
    @context."""
    config = {k: v for k, v in proof_options.items() if k != "proofValue"}
    if document_context is not None:
        config["@context"] = document_context
    if cryptosuite == RDFC:
        return canonize(config, loader)
    if cryptosuite == JCS:
        return rfc8785.dumps(config).decode("utf-8")
    raise ValueError(f"unsupported cryptosuite {cryptosuite!r}")


def hash_data(canonical_proof_config: str, canonical_document: str) -> bytes:
    return sha256(canonical_proof_config) + sha256(canonical_document)


# --- creating -----------------------------------------------------------------------------

def create_proof(document: dict[str, Any], *, private_key: Ed25519PrivateKey, verification_method: str,
                 created: dt.datetime | str, proof_purpose: str = "assertionMethod",
                 cryptosuite: str = RDFC, loader: PinnedDocumentLoader | None = None) -> dict[str, Any]:
    """Return a copy of `document` with a Data Integrity proof added.

    Raises CanonicalizationError when the document cannot be canonicalised safely (an unknown
    context or an undefined term): nothing is signed that a verifier would read differently."""
    if "proof" in document:
        raise ValueError("document already has a proof; proof sets are not supported")
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": cryptosuite,
        "created": created if isinstance(created, str) else xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    context = document.get("@context")
    if cryptosuite == JCS and context is not None:
        proof["@context"] = context
    canonical_doc = transform(document, cryptosuite=cryptosuite, loader=loader)
    canonical_config = proof_configuration(proof, document_context=context, cryptosuite=cryptosuite,
                                           loader=loader)
    signature = private_key.sign(hash_data(canonical_config, canonical_doc))
    proof["proofValue"] = multibase_encode_b58(signature)
    return {**document, "proof": proof}


# --- verifying ----------------------------------------------------------------------------

def _proof_of(document: Any, reasons: list[str]) -> dict[str, Any] | None:
    if not isinstance(document, dict):
        reasons.append("document is not a JSON object")
        return None
    proof = document.get("proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            reasons.append("proof sets and chains are not supported: expected exactly one proof")
            return None
        proof = proof[0]
    if not isinstance(proof, dict):
        reasons.append("document has no proof")
        return None
    return proof


def _check_proof_options(proof: dict[str, Any], document: dict[str, Any], expected_purpose: str,
                         reasons: list[str]) -> None:
    if proof.get("type") != PROOF_TYPE:
        reasons.append(f"proof type must be {PROOF_TYPE!r}, not {proof.get('type')!r}")
    if proof.get("cryptosuite") not in (RDFC, JCS):
        reasons.append(f"unsupported cryptosuite {proof.get('cryptosuite')!r}")
    if proof.get("proofPurpose") != expected_purpose:
        reasons.append(f"proof purpose must be {expected_purpose!r}, not {proof.get('proofPurpose')!r}")
    if not isinstance(proof.get("verificationMethod"), str):
        reasons.append("proof has no verificationMethod")
    if "created" in proof and parse_xsd_datetime(proof["created"]) is None:
        reasons.append(f"proof 'created' is not a valid dateTime: {proof.get('created')!r}")
    if "expires" in proof:
        expires = parse_xsd_datetime(proof["expires"])
        if expires is None:
            reasons.append("proof 'expires' is not a valid dateTime")
        elif expires < dt.datetime.now(dt.UTC):
            reasons.append(f"proof expired at {proof['expires']}")
    proof_ctx = proof.get("@context")
    if proof_ctx is not None:
        doc_ctx = document.get("@context")
        p = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
        d = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        if d[: len(p)] != p:
            reasons.append("proof @context does not match the start of the document's @context")


def _signature_of(proof: dict[str, Any], reasons: list[str]) -> bytes | None:
    try:
        signature = multibase_decode_b58(proof.get("proofValue"))  # type: ignore[arg-type]
    except MultibaseError as exc:
        reasons.append(f"malformed proofValue: {exc}")
        return None
    if len(signature) != 64:
        reasons.append(f"malformed proofValue: an Ed25519 signature has 64 bytes, not {len(signature)}")
        return None
    return signature


def verify_proof(document: Any, *, public_key: Ed25519PublicKey | str, expected_purpose: str = "assertionMethod",
                 loader: PinnedDocumentLoader | None = None) -> ProofResult:
    """Verify the document's single Data Integrity proof with the given public key (an Ed25519
    key or its Multikey). Never raises on bad input."""
    reasons: list[str] = []
    proof = _proof_of(document, reasons)
    if proof is None:
        return ProofResult(ok=False, reasons=reasons)
    result = ProofResult(ok=False, reasons=reasons, verification_method=proof.get("verificationMethod"),
                         created=proof.get("created"), cryptosuite=proof.get("cryptosuite"),
                         proof_purpose=proof.get("proofPurpose"))
    _check_proof_options(proof, document, expected_purpose, reasons)
    signature = _signature_of(proof, reasons)
    if isinstance(public_key, str):
        try:
            public_key = public_key_from_multikey(public_key)
        except (MultibaseError, ValueError) as exc:
            reasons.append(f"bad public key: {exc}")
    if reasons or signature is None or not isinstance(public_key, Ed25519PublicKey):
        return result
    suite = proof["cryptosuite"]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if proof.get("@context") is not None:
        unsecured["@context"] = proof["@context"]
    options = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
    if suite == JCS and proof.get("@context") is not None:
        options["@context"] = proof["@context"]
    try:
        canonical_doc = transform(unsecured, cryptosuite=suite, loader=loader)
        canonical_config = proof_configuration(options, document_context=unsecured.get("@context"),
                                               cryptosuite=suite, loader=loader)
    except CanonicalizationError as exc:
        reasons.append(f"cannot canonicalise the document: {exc}")
        return result
    except (TypeError, ValueError) as exc:  # e.g. a value JCS cannot represent
        reasons.append(f"cannot canonicalise the document: {exc}")
        return result
    try:
        public_key.verify(signature, hash_data(canonical_config, canonical_doc))
    except InvalidSignature:
        reasons.append("signature does not match: the document or its proof was changed, or the key is wrong")
        return result
    result.ok = True
    return result
