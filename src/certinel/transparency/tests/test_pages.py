"""The log's page for people and the certificate page's log and e-certificate panels."""

from __future__ import annotations

import pytest

from certinel.certificates import services
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, certificate_data
from certinel.transparency.note import Ed25519Signer
from certinel.transparency.services import checkpoint_sign, log_size

pytestmark = pytest.mark.django_db


@pytest.fixture
def cert():
    body = body_with_scopes()
    return services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=build_org(
        name="测试瑞丰精密机械有限公司")))


def test_the_log_page_shows_size_checkpoint_and_receipts(client, cert):
    page = client.get("/log/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "尚未签名" in page.content.decode()
    size = log_size()
    assert size == ChangeRecord.objects.count()
    assert size > 0
    checkpoint_sign(signer=Ed25519Signer.generate("certinel.test/log"))
    text = client.get("/log/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"覆盖前 {size} 条" in text and "certinel.test/log" in text
    assert f'href="/log/proof/{size - 1}"' in text
    english = client.get("/log/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Transparency log" in english


def test_the_certificate_page_lists_its_log_entries_and_e_certificate(client, cert):
    # The change is appended to the log in the transaction that makes it.
    mine = ChangeRecord.objects.get(object_id=str(cert.pk), action="certificate_issued")
    page = client.get(f"/certificates/{cert.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'href="/log/proof/{mine.log_index}"' in page and "<td>证书颁发</td>" in page
    assert "certificate_issued" not in page  # the event in words, never its identifier
    assert f'href="/certificates/{cert.pk}/certificate.pdf"' in page
    services.certificate_revoke(actor=SYSTEM, certificate=cert, reason="伪造试验报告", signed_by="王签发")
    page = client.get(f"/certificates/{cert.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "certificate.pdf" not in page and "只有今日有效的证书" in page
