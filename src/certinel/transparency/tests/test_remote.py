"""Anyone can hold a running server's register against its log from its public data alone:
`certinel log verify --server URL` against a live server over real HTTP, before and after the
register is changed by SQL behind the services' back."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from certinel.certificates.choices import CertificateStatus
from certinel.certificates.models import Certificate
from certinel.registry.models import Organization, Site
from certinel.transparency.remote import RemoteError, verify_remote
from certinel.transparency.signers import log_verifiers

from .conftest import writable

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def served(live_server, settings, tmp_path):
    settings.CERTINEL_LOG_SIGNING_KEY_FILE = str(tmp_path / "log.key")
    settings.CERTINEL_RATE_LIMIT_PER_MINUTE = 0
    call_command("demo", "--no-serve", "--organizations", "80", stdout=io.StringIO())
    return live_server.url


def test_a_server_checked_from_outside_before_and_after_changes_by_sql(served, client):
    """One demo for the whole story (building it is most of the cost): clean, then changed."""
    _state_pages(client)
    report = verify_remote(served, verifiers=log_verifiers())
    assert report.ok, [str(p) for p in report.problems] + report.log_problems
    assert report.size > 0 and report.rows > 80 and report.key_source == "given"
    out = io.StringIO()
    call_command("log", "verify", "--server", served, "--key", log_verifiers()[0].vkey, stdout=out)
    assert "OK:" in out.getvalue()

    revoked = Certificate.objects.exclude(status=CertificateStatus.VALID).order_by("pk").first()
    org = Organization.objects.order_by("pk").first()
    site = Site.objects.order_by("-pk").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE certificates_certificate SET status = 'valid' WHERE id = %s", [revoked.pk])
        cursor.execute("UPDATE registry_organization SET name = '冒名顶替有限公司' WHERE id = %s", [org.pk])
        cursor.execute("DELETE FROM registry_site WHERE id = %s", [site.pk])
    # The key taken from the server itself (trust on first use) still catches what the rows say.
    report = verify_remote(served)
    messages = [str(p) for p in report.problems]
    assert any(m.startswith(f"certificates.certificate #{revoked.pk}: status") for m in messages), messages
    assert any(m.startswith(f"registry.organization #{org.pk}: name") for m in messages), messages
    assert any(m.startswith(f"registry.site #{site.pk}:") and "gone" in m for m in messages), messages
    assert "first use" in report.key_source
    with pytest.raises(CommandError):
        call_command("log", "verify", "--server", served, stdout=io.StringIO())

    # A server whose entries are not those it signed is not believed at all.
    with transaction.atomic(), writable("core_changerecord") as cursor:  # its guard is back afterwards
        cursor.execute("UPDATE core_changerecord SET leaf = %s WHERE log_index = 3",
                       [b'{"v":1,"type":"forged"}'])
    with pytest.raises(RemoteError, match="do not make the tree"):
        verify_remote(served, verifiers=log_verifiers())


def _state_pages(client):
    index = client.get("/log/state/").json()
    kinds = {k["type"] for k in index["kinds"]}
    assert {"certificates.certificate", "registry.organization"} <= kinds and "accounts.user" not in kinds
    assert client.get("/log/state/accounts.user").status_code == 404
    assert client.get("/log/state/watch.watchlist").status_code == 404
    assert client.get("/log/state/registry.organization?limit=0").status_code == 400
    page = client.get("/log/state/registry.organization?limit=50").json()
    assert len(page["rows"]) == 50 and page["next"] == page["rows"][-1]["id"]
    fields = page["rows"][0]["fields"]
    assert not fields["contact_phone"] or fields["contact_phone"].startswith("hmac-sha256:")
    assert client.get("/log/key").content.decode().count("+") >= 2
