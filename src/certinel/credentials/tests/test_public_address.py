"""One setting, the public address, decides every absolute URL and identifier: a demo built
with `certinel demo --port 8303` names http://127.0.0.1:8303 on the certificate page and in its
QR code, in the e-certificate (its id, issuer DID, status lists, verification page), in the DID
document and the status lists served, and in the log's signed checkpoint; the log verifies
clean; and the same database is not served under another address."""

from __future__ import annotations

import io
import json
import re
import urllib.parse

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from certinel.certificates.lifecycle import effective_status
from certinel.certificates.models import Certificate
from certinel.certificates.views import qr_svg
from certinel.credentials.did import body_slug, did_web_host, resolution_url

from .test_verify import run

ORIGIN = "http://127.0.0.1:8303"
HOST = "127.0.0.1:8303"


def _demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", "--organizations", "60", *args, stdout=out)
    return out.getvalue()


def _path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == ORIGIN, url
    return parts.path


def _json(client, url: str) -> dict:
    response = client.get(_path(url))
    assert response.status_code == 200, (url, response.content[:300])
    return json.loads(response.content)


@pytest.fixture
def demo_at_8303(transactional_db, settings, tmp_path, monkeypatch):
    for name in ("CERTINEL_PUBLIC_URL", "CERTINEL_LOG_ORIGIN", "CERTINEL_LOG_SIGNING_KEY",
                 "CERTINEL_LOG_SIGNING_KEY_FILE", "CERTINEL_LOG_VERIFIER_KEYS"):
        monkeypatch.delenv(name, raising=False)
    settings.CERTINEL_PUBLIC_URL = "http://127.0.0.1:8000"  # what the settings say before the demo runs
    settings.DATA_DIR = tmp_path
    settings.CERTINEL_LOG_SIGNING_KEY_FILE = str(tmp_path / "log-signing.key")
    out = _demo("--port", "8303")
    assert f"public address: {ORIGIN}" in out
    return settings


def test_every_identifier_carries_the_public_address(demo_at_8303, client, tmp_path):
    settings = demo_at_8303
    assert settings.CERTINEL_PUBLIC_URL == ORIGIN
    assert (tmp_path / "public-url").read_text().strip() == ORIGIN
    today = timezone.localdate()
    cert = next(c for c in Certificate.objects.select_related("body", "scheme").filter(status="valid").order_by("pk")
                if effective_status(c, c.scheme, today)[0] == "valid")

    # The certificate page: the verification address shown and the one in the QR code.
    html = client.get(f"/certificates/{cert.pk}/").content.decode()
    verify_path, shown = re.search(r'<p class="mono"><a href="([^"]+)">([^<]+)</a></p>', html).groups()
    assert shown == ORIGIN + verify_path
    modules = re.findall(r' d="([^"]+)"', html.split('class="qr"', 1)[1].split("</svg>", 1)[0])[-1]
    assert modules == re.findall(r' d="([^"]+)"', str(qr_svg(shown)))[-1]
    assert modules != re.findall(r' d="([^"]+)"', str(qr_svg("http://127.0.0.1:8000" + verify_path)))[-1]

    # The e-certificate.
    credential = json.loads(client.get(f"/certificates/{cert.pk}/credential.json").content)
    did = f"did:web:127.0.0.1%3A8303:bodies:{body_slug(cert.body.approval_no)}"
    assert _path(credential["id"]).startswith(f"/certificates/{cert.pk}/")
    assert credential["issuer"]["id"] == did and did_web_host(did) == HOST
    assert credential["proof"]["verificationMethod"].split("#")[0] == did
    subject = credential["credentialSubject"]
    assert _path(subject["id"]) == f"/certificates/{cert.pk}"
    assert _path(subject["verificationPage"]) == verify_path
    assert client.get(_path(subject["verificationPage"])).status_code == 200

    # The DID document, where our verifier reads a loopback did:web (over http).
    assert resolution_url(did).startswith(ORIGIN + "/")
    document = _json(client, resolution_url(did))
    assert document["id"] == did
    assert {vm["controller"] for vm in document["verificationMethod"]} == {did}
    assert all(vm["id"].startswith(did + "#") for vm in document["verificationMethod"])

    # The status lists: http, as the server is.
    for entry in credential["credentialStatus"]:
        url = entry["statusListCredential"]
        assert entry["id"].startswith(url + "#")
        status_list = _json(client, url)
        assert status_list["id"] == url and status_list["issuer"] == did
        assert status_list["credentialSubject"]["id"].startswith(url)
        assert status_list["proof"]["verificationMethod"].split("#")[0] == did

    # The log's signed checkpoint names the address, and the log verifies clean.
    response = client.get("/log/checkpoint")
    assert response.status_code == 200
    assert response.content.decode().splitlines()[0] == f"{HOST}/log"
    report = io.StringIO()
    try:
        call_command("log", "verify", stdout=report)
    except CommandError as exc:
        raise AssertionError(report.getvalue()) from exc

    # The verification bundle checks offline.
    bundle = tmp_path / "certificate.bundle.json"
    bundle.write_bytes(client.get(f"/certificates/{cert.pk}/credential.bundle.json").content)
    code, out, _ = run(str(bundle))
    assert code == 0, out


def test_a_demo_built_for_one_address_is_not_served_under_another(demo_at_8303, tmp_path):
    with pytest.raises(CommandError) as refused:
        _demo("--port", "8304")
    message = str(refused.value)
    assert "built for http://127.0.0.1:8303" in message and "--port 8303" in message
    assert "--reset --port 8304" in message and "make demo PORT=8304 RESET=1" in message
    assert (tmp_path / "public-url").read_text().strip() == ORIGIN
    # Without --port, the demo keeps the address it was built for.
    demo_at_8303.CERTINEL_PUBLIC_URL = "http://127.0.0.1:8000"
    assert f"public address: {ORIGIN}" in _demo()
    assert demo_at_8303.CERTINEL_PUBLIC_URL == ORIGIN


@pytest.mark.parametrize("url, expected", [
    ("https://cert.example.gov.cn", []),
    ("http://127.0.0.1:8303", []),
    ("cert.example.gov.cn", ["certinel.E101"]),
    ("ftp://cert.example.gov.cn", ["certinel.E101"]),
    ("https://cert.example.gov.cn/certinel", ["certinel.W101"]),
])
def test_the_public_address_is_checked_at_start(settings, url, expected):
    from certinel.credentials.checks import public_address

    settings.CERTINEL_PUBLIC_URL = url
    assert [m.id for m in public_address()] == expected


@pytest.mark.parametrize("command", [("log", "status"), ("export", "--output", "unused.csv"), ("stats", "check")])
def test_commands_people_run_often_check_the_settings_but_not_the_whole_project(settings, monkeypatch, command):
    """`certinel log`, `import`, `export` … run only the project's checks of its settings at
    their start (`core.checks.SETTINGS_CHECKS`): a wrong public address still stops them."""
    from django.core import checks
    from django.core.management.base import SystemCheckError

    asked = []
    run_checks = checks.run_checks
    monkeypatch.setattr(checks, "run_checks", lambda **kwargs: asked.append(kwargs.get("tags")) or run_checks(**kwargs))
    settings.CERTINEL_PUBLIC_URL = "cert.example.gov.cn"
    with pytest.raises(SystemCheckError, match=r"certinel\.E101"):
        call_command(*command, skip_checks=False, stdout=io.StringIO())
    assert asked == [["certinel_settings"]]
