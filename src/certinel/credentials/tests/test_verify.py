"""`certinel verify FILE`: the verdict a person reads, the JSON, and the exit status, offline
(files) and against a running server."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from certinel.credentials import selectors, services
from certinel.credentials.did import (
    BundleResolver,
    DidResolutionError,
    WebResolver,
    body_slug,
    did_web,
    did_web_url,
    host_from_url,
)
from certinel.credentials.models import StatusList
from certinel.credentials.verify import FileStatusLists, WebStatusLists, verify_credential

from .conftest import HOST
from .test_services import issue

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


class Files:
    """The files a person would be handed: the credential, the DID document, the lists."""

    def __init__(self, tmp_path: Path, body, credential: dict) -> None:
        self.tmp = tmp_path
        self.credential = self.write("credential.json", credential)
        self.did = self.write("did.json", selectors.did_document_for_body(body=body, host=HOST))
        self.lists = [self.write(f"list-{s.pk}.json", s.credential) for s in StatusList.objects.filter(body=body)]

    def write(self, name: str, data) -> str:
        path = self.tmp / name
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return str(path)

    def args(self, credential: str | None = None, *extra: str) -> list[str]:
        out = [credential or self.credential, "--did-document", self.did]
        for path in self.lists:
            out += ["--status-list", path]
        return [*out, *extra]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("offline verification tried to use the network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def test_genuine_valid_certificate_exits_0_with_a_readable_verdict(tmp_path, keyed_body, actor, no_network):
    files = Files(tmp_path, keyed_body, issue(keyed_body, actor))
    code, out, _ = run(*files.args())
    assert code == 0, out
    assert "结论 / Verdict: 有效" in out and "VALID" in out
    assert "00124Q0001R0M" in out and "示例精密机械有限公司" in out
    assert out.count("[通过 PASS]") == 7  # format, issuer, key, signature, dates, two statuses


def test_json_output(tmp_path, keyed_body, actor):
    files = Files(tmp_path, keyed_body, issue(keyed_body, actor))
    code, out, _ = run(*files.args(None, "--json"))
    data = json.loads(out)
    assert code == 0 and data["valid"] and data["status"] == "valid"
    assert {c["name"] for c in data["checks"]} >= {"signature", "issuer", "key", "dates", "status:revocation"}


@pytest.mark.parametrize("change, check", [
    (lambda d: d["credentialSubject"].update(scope="全部产品"), "signature"),
    (lambda d: d["proof"].update(proofValue="z" + "1" * 80), "signature"),
    (lambda d: d.update(issuer={"id": "did:web:evil.example:bodies:x", "name": "x"}), "issuer"),
    (lambda d: d["proof"].update(verificationMethod=d["proof"]["verificationMethod"][:-1] + "9"), "issuer"),
])
def test_tampered_certificates_exit_1(tmp_path, keyed_body, actor, change, check):
    credential = copy.deepcopy(issue(keyed_body, actor))
    change(credential)
    files = Files(tmp_path, keyed_body, credential)
    code, out, _ = run(*files.args(None, "--json"))
    data = json.loads(out)
    assert code == 1 and not data["valid"]
    assert any(c["name"] == check and c["result"] != "pass" for c in data["checks"]), data


@pytest.mark.parametrize("purpose, word", [("revocation", "已撤销"), ("suspension", "已暂停")])
def test_revoked_or_suspended_certificate_exits_1(tmp_path, keyed_body, actor, purpose, word):
    credential = issue(keyed_body, actor)
    services.credential_status_set(actor=actor, credential_id=credential["id"], purpose=purpose, value=True)
    code, out, _ = run(*Files(tmp_path, keyed_body, credential).args())
    assert code == 1 and word in out and "无效" in out


def test_expired_and_not_yet_valid(tmp_path, keyed_body, actor):
    expired = issue(keyed_body, actor, n=1, valid_from=dt.date(2001, 1, 1), valid_until=dt.date(2002, 1, 1))
    code, out, _ = run(*Files(tmp_path, keyed_body, expired).args())
    assert code == 1 and "已过有效期" in out
    code, out, _ = run(*Files(tmp_path, keyed_body, expired).args(None, "--at", "2001-06-01T00:00:00Z"))
    assert code == 0, out
    future = issue(keyed_body, actor, n=2, valid_from=dt.date(2098, 1, 1))
    code, out, _ = run(*Files(tmp_path, keyed_body, future).args())
    assert code == 1 and "尚未生效" in out


def test_without_status_lists_the_status_is_unknown_and_exit_is_1(tmp_path, keyed_body, actor):
    files = Files(tmp_path, keyed_body, issue(keyed_body, actor))
    code, out, _ = run(files.credential, "--did-document", files.did)
    assert code == 1 and "无法确认" in out and "UNKNOWN" in out


def test_compromised_key_fails_even_for_earlier_signatures(tmp_path, keyed_body, actor):
    credential = issue(keyed_body, actor)
    time.sleep(1.05)  # proofs carry whole seconds: make the compromise strictly later
    key = selectors.signing_key_active(body=keyed_body)
    services.signing_key_revoke_compromised(actor=actor, key=key, reason="测试", compromised_since=timezone.now())
    code, out, _ = run(*Files(tmp_path, keyed_body, credential).args())
    assert code == 1 and "重新签发" in out
    again = services.credential_resign(actor=actor, credential_id=credential["id"])
    code, out, _ = run(*Files(tmp_path, keyed_body, again).args())
    assert code == 0, out


def test_status_list_from_another_issuer_is_not_trusted(tmp_path, keyed_body, region, actor):
    from .conftest import make_body

    credential = issue(keyed_body, actor)
    other = make_body(region)
    services.signing_key_create(actor=actor, body=other)
    issue(other, actor, n=2)
    forged = copy.deepcopy(StatusList.objects.get(body=other, purpose="revocation").credential)
    forged["id"] = credential["credentialStatus"][0]["statusListCredential"]
    verdict = verify_credential(credential, resolver=BundleResolver([
        selectors.did_document_for_body(body=keyed_body, host=HOST),
        selectors.did_document_for_body(body=other, host=HOST)]), status_source=FileStatusLists([forged]))
    assert not verdict.valid
    assert any("someone else" in c.en for c in verdict.checks)


def test_a_missing_file_exits_2(tmp_path):
    code, _, err = run(str(tmp_path / "absent.json"))
    assert code == 2 and "cannot read" in err


@pytest.mark.parametrize("content", [b"not json", b"[1, 2", b'{"a": "\xe4\xb8"}'])
def test_a_file_that_is_not_json_is_invalid(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    code, out, _ = run(str(path))
    assert code == 1 and "INVALID" in out and "not a readable credential" in out


def test_unreadable_did_document_exits_2(tmp_path, keyed_body, actor):
    files = Files(tmp_path, keyed_body, issue(keyed_body, actor))
    code, _, err = run(files.credential, "--did-document", str(tmp_path / "missing.json"))
    assert code == 2 and "DID" in err


def test_garbage_credential_is_invalid_not_a_crash(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": "world"}')
    code, out, _ = run(str(path), "--json")
    assert code == 1 and json.loads(out)["checks"][0]["name"] == "format"


# --- did:web naming and resolution --------------------------------------------------------

def test_did_web_naming():
    assert body_slug("CNCA-R-2002-001") == "cnca-r-2002-001"
    did = did_web(host="127.0.0.1:8000", slug="cnca-r-2002-001")
    assert did == "did:web:127.0.0.1%3A8000:bodies:cnca-r-2002-001"
    assert did_web_url(did) == "https://127.0.0.1:8000/bodies/cnca-r-2002-001/did.json"
    assert did_web_url("did:web:example.com") == "https://example.com/.well-known/did.json"
    assert host_from_url("https://certs.example.cn:8443/x") == "certs.example.cn:8443"
    with pytest.raises(DidResolutionError):
        did_web_url("did:key:z6Mk")


def test_web_resolver_uses_the_injected_fetch_and_checks_the_id():
    seen = []

    def fetch(url: str) -> bytes:
        seen.append(url)
        return json.dumps({"id": "did:web:a.example:bodies:x", "verificationMethod": []}).encode()

    resolver = WebResolver(fetch=fetch, server="http://127.0.0.1:9")
    assert resolver.resolve("did:web:a.example:bodies:x")["id"] == "did:web:a.example:bodies:x"
    assert seen == ["http://127.0.0.1:9/bodies/x/did.json"]
    with pytest.raises(DidResolutionError, match="does not match"):
        resolver.resolve("did:web:b.example:bodies:x")


# --- against a running server -------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_verify_against_the_server(tmp_path, live_server, settings, region, actor):
    from .conftest import make_body

    settings.ROOT_URLCONF = "certinel.credentials.urls"
    settings.CERTINEL_PUBLIC_URL = f"https://{HOST}"
    body = make_body(region)
    services.signing_key_create(actor=actor, body=body)
    credential = issue(body, actor)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(credential))
    code, out, _ = run(str(path), "--server", live_server.url)
    assert code == 0, out
    services.credential_status_set(actor=actor, credential_id=credential["id"], purpose="suspension", value=True)
    code, out, _ = run(str(path), "--server", live_server.url)
    assert code == 1 and "已暂停" in out
    assert WebStatusLists(server=live_server.url).get(
        credential["credentialStatus"][1]["statusListCredential"])["type"][1] == "BitstringStatusListCredential"
    with pytest.raises(Exception, match="404"):
        urllib.request.urlopen(f"{live_server.url}/bodies/nobody/did.json")  # noqa: S310
