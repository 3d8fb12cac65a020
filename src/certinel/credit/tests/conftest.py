"""Fixtures of the credit app's tests."""

from __future__ import annotations

import pytest

from certinel.transparency.note import Ed25519Signer
from certinel.transparency.signers import log_origin


@pytest.fixture(autouse=True)
def log_key(monkeypatch) -> Ed25519Signer:
    """The log operator's key, which signs the check's answers."""
    signer = Ed25519Signer.generate(log_origin())
    monkeypatch.delenv("CERTINEL_LOG_SIGNING_KEY_FILE", raising=False)
    monkeypatch.delenv("CERTINEL_LOG_VERIFIER_KEYS", raising=False)
    monkeypatch.setenv("CERTINEL_LOG_SIGNING_KEY", signer.signer_key)
    return signer
