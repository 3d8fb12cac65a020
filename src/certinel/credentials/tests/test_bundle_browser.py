"""In headless Chromium, as a buyer would: on a certificate's page served at a public address
with a port, the verification address and the QR code name that address; the e-certificate
and its verification bundle download from the page, and `certinel verify` answers VALID for
them offline and INVALID once a byte of the credential is changed."""

from __future__ import annotations

import json
import re

import pytest

from certinel.certificates import services
from certinel.certificates.views import qr_svg
from certinel.core.testing.browser import CHROMIUM, available
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, certificate_data

from .test_verify import run

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not available(), reason=f"Chromium is not installed at {CHROMIUM}")]



def test_downloads_from_the_certificate_page_check_offline(browser, transactional_db, live_server, settings,
                                                           tmp_path):
    settings.CERTINEL_PUBLIC_URL = live_server.url  # http://localhost:<port>: a plain-http address with a port
    cert = services.certificate_issue(actor=SYSTEM, body=body_with_scopes(), data=certificate_data(
        holder=build_org(name="测试瑞丰精密机械有限公司")))
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/certificates/{cert.pk}/")

    shown = page.locator(".qr-box p.mono a").inner_text()
    assert shown == f"{live_server.url}/verify/{cert.number}"
    svg = page.locator(".qr-box svg").evaluate("e => e.outerHTML")
    assert re.findall(r' d="([^"]+)"', svg)[-1] == re.findall(r' d="([^"]+)"', str(qr_svg(shown)))[-1]

    saved = {}
    for label in ("下载凭证（JSON）", "下载核验包（离线核验）"):
        with page.expect_download() as download:
            page.get_by_role("link", name=label).click()
        name = download.value.suggested_filename
        download.value.save_as(tmp_path / name)
        saved[label] = tmp_path / name
    context.close()
    credential_file, bundle_file = saved.values()
    assert credential_file.name == f"certificate-{cert.pk}-v{cert.version}.json"
    assert bundle_file.name == f"certificate-{cert.pk}-v{cert.version}.bundle.json"

    credential = json.loads(credential_file.read_text(encoding="utf-8"))
    assert credential["issuer"]["id"].startswith("did:web:localhost%3A")
    assert all(e["statusListCredential"].startswith(live_server.url + "/") for e in credential["credentialStatus"])

    code, out, _ = run(str(bundle_file))
    assert code == 0, out
    code, out, _ = run(str(credential_file))  # the bundle lies beside it
    assert code == 0, out
    raw = credential_file.read_bytes()
    at = raw.index(cert.number.encode())
    credential_file.write_bytes(raw[:at] + b"X" + raw[at + 1:])
    code, out, _ = run(str(credential_file))
    assert code == 1 and "INVALID" in out
