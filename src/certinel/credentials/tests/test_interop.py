"""Interoperability: the Digital Bazaar stack from npm (@digitalbazaar/vc with the
eddsa-rdfc-2022 cryptosuite and vc-bitstring-status-list), unmodified and offline, accepts
Certinel's e-certificates and rejects tampered ones; Certinel accepts what that stack signs."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from certinel.credentials import selectors, services
from certinel.credentials.did import BundleResolver
from certinel.credentials.models import StatusList
from certinel.credentials.multibase import private_key_to_multikey
from certinel.credentials.verify import FileStatusLists, verify_credential

from .conftest import HOST, make_body
from .test_services import SUBJECT, issue

pytestmark = [pytest.mark.interop, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[4]
INTEROP = ROOT / "interop"


@pytest.fixture(scope="module")
def node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: the interoperability tests need `node` (version 20 or later).")
    if not (ROOT / "node_modules" / "@digitalbazaar" / "vc" / "package.json").is_file():
        pytest.fail("node_modules is missing the independent verifier: run `npm ci` at the repository root "
                    "(`make test` does it).")
    return node


def _write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def js_verify(node: str, tmp_path: Path, credentials: list[dict], *, did_docs: list[dict],
              lists: list[dict] | None = None) -> list[dict]:
    args = [node, str(INTEROP / "verify.mjs")]
    for i, doc in enumerate(did_docs):
        args += ["--did", _write(tmp_path, f"did-{i}.json", doc)]
    for i, doc in enumerate(lists or []):
        args += ["--status-list", _write(tmp_path, f"list-{i}.json", doc)]
    args.append(_write(tmp_path, "credentials.json", credentials))
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)["results"]


def lists_of(body) -> list[dict]:
    return [s.credential for s in StatusList.objects.filter(body=body)]


def did_doc(body) -> dict:
    return selectors.did_document_for_body(body=body, host=HOST)


def test_js_verifier_accepts_certinel_credentials_and_their_status(node, tmp_path, keyed_body, actor):
    signed = [issue(keyed_body, actor, n=n) for n in (1, 2)]
    results = js_verify(node, tmp_path, signed, did_docs=[did_doc(keyed_body)], lists=lists_of(keyed_body))
    assert [r["valid"] for r in results] == [True, True], results
    assert all(r["statusChecked"] and not r["revoked"] and not r["suspended"] for r in results)


def test_js_verifier_sees_suspension_and_revocation(node, tmp_path, keyed_body, actor):
    a, b, c = (issue(keyed_body, actor, n=n) for n in (1, 2, 3))
    services.credential_status_set(actor=actor, credential_id=a["id"], purpose="suspension", value=True)
    services.credential_status_set(actor=actor, credential_id=b["id"], purpose="revocation", value=True)
    results = js_verify(node, tmp_path, [a, b, c], did_docs=[did_doc(keyed_body)], lists=lists_of(keyed_body))
    assert [(r["verified"], r["suspended"], r["revoked"], r["valid"]) for r in results] == [
        (True, True, False, False), (True, False, True, False), (True, False, False, True)], results


TAMPERINGS = {
    "subject field": lambda d: d["credentialSubject"].update(certificateNumber="00124Q9999R0M"),
    "holder name": lambda d: d["credentialSubject"]["certificateHolder"].update(name="另一家公司"),
    "validUntil": lambda d: d.update(validUntil="2199-01-01T00:00:00Z"),
    "proof created": lambda d: d["proof"].update(created="2020-01-01T00:00:00Z"),
    "proof value": lambda d: d["proof"].update(proofValue=d["proof"]["proofValue"][:-2] + "11"),
    "status index": lambda d: d["credentialStatus"][0].update(statusListIndex="7"),
}


def test_js_verifier_rejects_tampered_credentials(node, tmp_path, keyed_body, actor):
    original = issue(keyed_body, actor)
    tampered = []
    for change in TAMPERINGS.values():
        doc = copy.deepcopy(original)
        change(doc)
        tampered.append(doc)
    results = js_verify(node, tmp_path, [original, *tampered], did_docs=[did_doc(keyed_body)])
    assert results[0]["verified"], results[0]
    for name, result in zip(TAMPERINGS, results[1:], strict=True):
        assert not result["verified"], name


def test_js_verifier_rejects_a_wrong_issuer(node, tmp_path, keyed_body, region, actor):
    other = make_body(region)
    services.signing_key_create(actor=actor, body=other)
    doc = issue(keyed_body, actor)
    doc["issuer"] = {"id": did_doc(other)["id"], "name": other.name}
    results = js_verify(node, tmp_path, [doc], did_docs=[did_doc(keyed_body), did_doc(other)])
    assert not results[0]["verified"]


def test_js_verifier_rejects_undefined_terms(node, tmp_path, keyed_body, actor):
    doc = issue(keyed_body, actor)
    doc["credentialSubject"]["undefinedTerm"] = "x"
    result = js_verify(node, tmp_path, [doc], did_docs=[did_doc(keyed_body)])[0]
    assert not result["verified"] and "Safe mode" in result["error"]


def test_js_verifier_follows_key_rotation_and_compromise(node, tmp_path, keyed_body, actor):
    from django.utils import timezone

    before_rotation = issue(keyed_body, actor, n=1)
    services.signing_key_rotate(actor=actor, body=keyed_body)
    after_rotation = issue(keyed_body, actor, n=2)
    results = js_verify(node, tmp_path, [before_rotation, after_rotation], did_docs=[did_doc(keyed_body)],
                        lists=lists_of(keyed_body))
    assert [r["valid"] for r in results] == [True, True], results
    key = selectors.signing_key_active(body=keyed_body)
    services.signing_key_revoke_compromised(actor=actor, key=key, reason="测试泄露", compromised_since=timezone.now())
    results = js_verify(node, tmp_path, [before_rotation, after_rotation], did_docs=[did_doc(keyed_body)],
                        lists=lists_of(keyed_body))
    assert [r["valid"] for r in results] == [True, False], results
    assert "not authorized" in results[1]["error"]


def test_certinel_verifies_what_the_js_stack_signs(node, tmp_path, keyed_body, actor):
    ours = issue(keyed_body, actor)
    key = selectors.signing_key_active(body=keyed_body)
    did = did_doc(keyed_body)["id"]
    key_file = _write(tmp_path, "key.json", {
        "id": f"{did}#{key.fragment}", "controller": did, "publicKeyMultibase": key.public_key_multibase,
        "secretKeyMultibase": private_key_to_multikey(services.private_key_of(key))})
    unsigned = _write(tmp_path, "unsigned.json", {k: v for k, v in ours.items() if k != "proof"})
    done = subprocess.run([node, str(INTEROP / "sign.mjs"), "--key", key_file, "--created", ours["proof"]["created"],
                           unsigned], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    theirs = json.loads(done.stdout)
    # Ed25519 is deterministic: the same document, key and time give the very same proof.
    assert theirs["proof"] == ours["proof"]
    theirs["credentialSubject"]["scope"] = SUBJECT["scope"] + "（JS 签名）"
    resigned = subprocess.run([node, str(INTEROP / "sign.mjs"), "--key", key_file,
                               _write(tmp_path, "u2.json", {k: v for k, v in theirs.items() if k != "proof"})],
                              capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    verdict = verify_credential(json.loads(resigned.stdout), resolver=BundleResolver([did_doc(keyed_body)]),
                                status_source=FileStatusLists(lists_of(keyed_body)))
    assert verdict.valid, verdict.as_dict()
