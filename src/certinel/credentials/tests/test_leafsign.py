"""Leaves of changes a certification body makes carry the body's signature, verifiable with
the public key its DID document lists."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.db import transaction

from certinel.accounts.models import Role
from certinel.certificates import services as certificates
from certinel.core.actor import Actor
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, build_user, certificate_data
from certinel.credentials.multibase import public_key_from_multikey
from certinel.credentials.selectors import did_document_for_body
from certinel.registry import services as registry
from certinel.transparency.leaf import parse_leaf, verify_leaf_signature

pytestmark = pytest.mark.django_db


def _raw(multikey: str) -> bytes:
    return public_key_from_multikey(multikey).public_bytes(Encoding.Raw, PublicFormat.Raw)


def _leaf_of(action: str) -> tuple[dict, bytes]:
    entry = ChangeRecord.objects.filter(action=action).order_by("-log_index").first()
    return parse_leaf(bytes(entry.leaf)), bytes(entry.leaf)


def test_a_body_operators_change_is_signed_by_the_body():
    body = body_with_scopes()
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    with transaction.atomic():
        certificates.certificate_issue(actor=operator, body=body, data=certificate_data(holder=build_org()))
    leaf, data = _leaf_of("certificate_issued")
    key_name = leaf["sig"]["key"].split("+")[0]
    document = did_document_for_body(body=body)
    method = next(m for m in document["verificationMethod"] if m["id"] == key_name)
    raw = _raw(method["publicKeyMultibase"])
    assert verify_leaf_signature(data, raw)
    other = body_with_scopes()
    other_method = did_document_for_body(body=other)["verificationMethod"][0]
    assert not verify_leaf_signature(data, _raw(other_method["publicKeyMultibase"]))


def test_a_regulators_decision_is_not_signed_by_a_body():
    body = body_with_scopes()
    regulator = Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code="32"))
    registry.body_suspend(actor=regulator, body=body, reason="检查")
    leaf, _ = _leaf_of("body_suspended")
    assert "sig" not in leaf


def test_the_system_acting_for_a_body_signs_as_the_body():
    from certinel.certificates.ecert import certificate_credential

    body = body_with_scopes()
    cert = certificates.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=build_org()))
    certificate_credential(certificate=cert)
    leaf, _ = _leaf_of("credential_issued")
    assert leaf["sig"]["key"].startswith(did_document_for_body(body=body)["id"])
