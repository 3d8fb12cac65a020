"""`certinel verify` with a verification bundle: the credential carried with its issuer's DID
document and status lists. Offline the signature is checked for real: a genuine file is VALID,
a tampered one INVALID (exit 1), with no server, with a server that does not answer, and with
a live one (which then has the last word on the status)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import socket
import urllib.request
from pathlib import Path

import pytest

from certinel.credentials import selectors, services
from certinel.credentials.bundle import BUNDLE_TYPE, verification_bundle
from certinel.credentials.dataintegrity import create_proof, xsd_datetime
from certinel.credentials.did import WebResolver, did_web, resolution_url
from certinel.credentials.models import StatusList
from certinel.credentials.multibase import public_key_to_multikey

from .conftest import make_body
from .test_services import SUBJECT, issue
from .test_verify import run

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("offline verification tried to use the network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def write(path: Path, data) -> str:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return str(path)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def bundle(keyed_body, actor) -> dict:
    return verification_bundle(credential=issue(keyed_body, actor))


def test_the_bundle_carries_the_credential_unchanged_the_did_document_and_both_lists(keyed_body, actor):
    credential = issue(keyed_body, actor)
    data = verification_bundle(credential=credential)
    assert data["type"] == BUNDLE_TYPE and data["credential"] == credential
    assert [d["id"] for d in data["didDocuments"]] == [credential["issuer"]["id"]]
    urls = [e["statusListCredential"] for e in credential["credentialStatus"]]
    assert [s["id"] for s in data["statusLists"]] == urls


def test_a_genuine_bundle_is_valid_offline(tmp_path, bundle, no_network):
    code, out, _ = run(write(tmp_path / "certificate-1-v1.bundle.json", bundle))
    assert code == 0, out
    assert "结论 / Verdict: 有效" in out and "VALID" in out
    assert out.count("[通过 PASS]") == 7
    assert "verification bundle" in out  # the checks say where the key and the lists came from
    assert "Note:" in out and bundle["didDocuments"][0]["verificationMethod"][0]["publicKeyMultibase"] in out


def test_a_credential_with_its_bundle_beside_it_is_valid_offline(tmp_path, bundle, no_network):
    credential = write(tmp_path / "certificate-1-v1.json", bundle["credential"])
    write(tmp_path / "certificate-1-v1.bundle.json", bundle)
    code, out, _ = run(credential)
    assert code == 0, out
    assert "certificate-1-v1.bundle.json" in out
    # Renamed, it is still found by the credential's id; or named with --bundle.
    renamed = write(tmp_path / "credential.json", bundle["credential"])
    assert run(renamed)[0] == 0
    other = tmp_path / "elsewhere"
    other.mkdir()
    lone = write(other / "c.json", bundle["credential"])
    assert run(lone, "--bundle", str(tmp_path / "certificate-1-v1.bundle.json"))[0] == 0


def test_a_credential_alone_is_unknown_and_says_what_to_do(tmp_path, bundle, no_network):
    code, out, _ = run(write(tmp_path / "alone.json", bundle["credential"]))
    assert code == 1 and "UNKNOWN" in out and "bundle.json" in out and "--server" in out


TAMPERINGS = {
    "holder": lambda d: d["credentialSubject"]["certificateHolder"].update(name="别的机械有限公司"),
    "scope": lambda d: d["credentialSubject"].update(scope="全部产品"),
    "number": lambda d: d["credentialSubject"].update(certificateNumber="00124Q0001R0N"),
    "status at issue": lambda d: d["credentialSubject"].update(certificateStatus="有效（延期）"),
    "validUntil": lambda d: d.update(validUntil="2199-02-28T15:59:59Z"),
    "validFrom": lambda d: d.update(validFrom="2020-01-01T00:00:00Z"),
    "issuer name": lambda d: d["issuer"].update(name="另一家认证中心"),
    "status index": lambda d: d["credentialStatus"][0].update(statusListIndex="7"),
    "status entry dropped": lambda d: d.update(credentialStatus=d["credentialStatus"][1:]),
    "proof created": lambda d: d["proof"].update(created="2020-01-01T00:00:00Z"),
    "proof value": lambda d: d["proof"].update(proofValue=d["proof"]["proofValue"][:-2] + "11"),
    "proof dropped": lambda d: d.pop("proof"),
}


@pytest.mark.parametrize("where", ["inside the bundle", "beside a genuine bundle"])
@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_a_tampered_credential_is_invalid_offline(tmp_path, bundle, no_network, name, where):
    credential = copy.deepcopy(bundle["credential"])
    TAMPERINGS[name](credential)
    if where == "inside the bundle":
        target = write(tmp_path / "x.bundle.json", {**bundle, "credential": credential})
    else:
        write(tmp_path / "x.bundle.json", bundle)
        target = write(tmp_path / "x.json", credential)
    code, out, _ = run(target, "--json")
    data = json.loads(out)
    assert code == 1 and data["status"] == "invalid", data
    assert any(c["name"] in ("signature", "format", "issuer") and c["result"] == "fail" for c in data["checks"]), data


def test_any_byte_of_the_credential_changed_makes_it_invalid(tmp_path, bundle, no_network):
    write(tmp_path / "c.bundle.json", bundle)
    original = json.dumps(bundle["credential"], ensure_ascii=False, indent=2).encode()
    path = tmp_path / "c.json"
    path.write_bytes(original)
    assert run(str(path))[0] == 0
    significant = [i for i, byte in enumerate(original) if byte not in b" \n"]
    for position in significant[::5]:
        changed = bytearray(original)
        changed[position] = ord("x") if original[position] != ord("x") else ord("y")
        path.write_bytes(bytes(changed))
        code, out, _ = run(str(path), "--json")
        assert code == 1 and json.loads(out)["status"] == "invalid", (position, original[position - 20:position + 20])


def test_a_bundle_whose_did_document_names_another_key_is_invalid(tmp_path, keyed_body, region, actor, bundle):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = copy.deepcopy(bundle)
    for vm in forged["didDocuments"][0]["verificationMethod"]:
        vm["publicKeyMultibase"] = public_key_to_multikey(Ed25519PrivateKey.generate().public_key())
    code, out, _ = run(write(tmp_path / "f.bundle.json", forged), "--json")
    assert code == 1 and json.loads(out)["status"] == "invalid"


def test_a_revoked_certificate_is_invalid_from_its_bundle(tmp_path, keyed_body, actor):
    credential = issue(keyed_body, actor)
    services.credential_status_set(actor=actor, credential_id=credential["id"], purpose="revocation", value=True)
    code, out, _ = run(write(tmp_path / "r.bundle.json", verification_bundle(credential=credential)))
    assert code == 1 and "已撤销" in out and "INVALID" in out


def test_a_status_list_older_than_today_gets_a_note(tmp_path, keyed_body, actor, bundle, no_network):
    key = selectors.signing_key_active(body=keyed_body)
    vm = f"{bundle['didDocuments'][0]['id']}#{key.fragment}"
    two_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    old = copy.deepcopy(bundle)
    for i, status_list in enumerate(old["statusLists"]):
        unsigned = {k: v for k, v in status_list.items() if k != "proof"}
        unsigned["validFrom"] = xsd_datetime(two_days_ago)
        old["statusLists"][i] = create_proof(unsigned, private_key=services.private_key_of(key),
                                             verification_method=vm, created=two_days_ago)
    code, out, _ = run(write(tmp_path / "old.bundle.json", old), "--json")
    data = json.loads(out)
    assert code == 0 and data["status"] == "valid", data
    assert [n["name"] for n in data["notes"]] == ["issuer_offline", "status_as_of"]
    assert xsd_datetime(two_days_ago) in data["notes"][1]["en"]
    # A fresh bundle has no such note.
    fresh = json.loads(run(write(tmp_path / "new.bundle.json", bundle), "--json")[1])
    assert "status_as_of" not in [n["name"] for n in fresh["notes"]]


def test_with_a_server_that_does_not_answer_the_bundle_decides(tmp_path, bundle):
    server = f"http://127.0.0.1:{closed_port()}"
    good = write(tmp_path / "g.bundle.json", bundle)
    code, out, _ = run(good, "--server", server)
    assert code == 0, out
    bad = copy.deepcopy(bundle)
    TAMPERINGS["holder"](bad["credential"])
    code, out, _ = run(write(tmp_path / "b.bundle.json", bad), "--server", server)
    assert code == 1 and "INVALID" in out


@pytest.mark.django_db(transaction=True)
def test_with_a_live_server_the_server_has_the_last_word(tmp_path, live_server, settings, region, actor):
    settings.ROOT_URLCONF = "certinel.credentials.urls"
    settings.CERTINEL_PUBLIC_URL = live_server.url
    body = make_body(region)
    services.signing_key_create(actor=actor, body=body)
    credential = services.credential_issue(
        actor=actor, body=body, subject=SUBJECT, types=["CertificationCertificateCredential"],
        valid_from=dt.date(2024, 3, 1), valid_until=dt.date(2099, 2, 28),
        credential_id="urn:uuid:00000000-0000-4000-8000-00000000f001")
    assert credential["credentialStatus"][0]["statusListCredential"].startswith(live_server.url + "/bodies/")
    path = write(tmp_path / "live.bundle.json", verification_bundle(credential=credential))
    assert run(path, "--server", live_server.url)[0] == 0
    services.credential_status_set(actor=actor, credential_id=credential["id"], purpose="suspension", value=True)
    code, out, _ = run(path)  # offline: the bundle was exported before the suspension
    assert code == 0, out
    code, out, _ = run(path, "--server", live_server.url)  # the server knows better
    assert code == 1 and "已暂停" in out and "fetched from the server" in out
    tampered = json.loads(Path(path).read_text())
    TAMPERINGS["scope"](tampered["credential"])
    code, out, _ = run(write(tmp_path / "t.bundle.json", tampered), "--server", live_server.url)
    assert code == 1 and "INVALID" in out


def test_a_loopback_did_is_read_over_http_others_over_https():
    seen = []

    def fetch(url: str) -> bytes:
        seen.append(url)
        return json.dumps({"id": did, "verificationMethod": []}).encode()

    did = did_web(host="127.0.0.1:8303", slug="cnca-r-2002-001")
    assert resolution_url(did) == "http://127.0.0.1:8303/bodies/cnca-r-2002-001/did.json"
    WebResolver(fetch=fetch).resolve(did)
    assert seen == ["http://127.0.0.1:8303/bodies/cnca-r-2002-001/did.json"]
    assert resolution_url(did_web(host="localhost:9000", slug="x")).startswith("http://localhost:9000/")
    assert resolution_url(did_web(host="certs.example.cn", slug="x")) == "https://certs.example.cn/bodies/x/did.json"


def test_status_lists_follow_the_public_address_scheme(settings, keyed_body, actor):
    settings.CERTINEL_PUBLIC_URL = "http://127.0.0.1:8303"
    credential = services.credential_issue(
        actor=actor, body=keyed_body, subject=SUBJECT,
        types=["CertificationCertificateCredential"], valid_from=dt.date(2024, 3, 1), valid_until=None,
        credential_id="urn:uuid:00000000-0000-4000-8000-00000000f002")
    assert credential["issuer"]["id"] == f"did:web:127.0.0.1%3A8303:bodies:{keyed_body.approval_no.lower()}"
    for entry in credential["credentialStatus"]:
        assert entry["statusListCredential"].startswith("http://127.0.0.1:8303/bodies/")
    assert set(StatusList.objects.filter(body=keyed_body).values_list("scheme", "host")) == {
        ("http", "127.0.0.1:8303")}
