"""The log protects the register it vouches for: a small demo is built, then each public table is
tampered with by SQL as an insider with database access could (statuses, scopes, holders,
dates, inserted and deleted rows, a certificate event's kind), and the monitor must report
every one, the verification must stop answering "valid", and the history must agree with the
log after every kind of write."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection

from certinel.certificates import selectors
from certinel.certificates.choices import CertificateStatus
from certinel.certificates.models import Certificate
from certinel.certificates.trail import event_records
from certinel.core.models import ChangeRecord
from certinel.demo.builder import ACCOUNTS
from certinel.registry.models import BodyScope, CertificationBody, Lab, LabScopeItem, Organization, OrganizationName
from certinel.transparency.leaf import parse_leaf
from certinel.transparency.monitor import verify_log
from certinel.transparency.privacy import PERSONAL_FIELDS, PUBLIC_KINDS
from certinel.transparency.register import check_register
from certinel.transparency.signers import log_origin, log_verifiers

from .conftest import writable

pytestmark = pytest.mark.django_db

ORGS = 200


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """One small demo for the whole module (committed), removed again afterwards."""
    with django_db_blocker.unblock():
        call_command("demo", "--no-serve", "--organizations", str(ORGS), stdout=io.StringIO())
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(built, db):
    return None


def sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def found(kind: str = "register") -> list[str]:
    report = verify_log(origin=log_origin(), verifiers=log_verifiers())
    return [p.message for p in report.problems if p.kind == kind]


def test_a_fresh_demo_verifies_with_its_register(demo):
    report = verify_log(origin=log_origin(), verifiers=log_verifiers())
    assert report.ok, [str(p) for p in report.problems]
    assert report.rows > ORGS


def _revoked() -> Certificate:
    return Certificate.objects.filter(status=CertificateStatus.REVOKED).order_by("pk").first() or \
        Certificate.objects.exclude(status=CertificateStatus.VALID).order_by("pk").first()


def test_a_revoked_certificate_set_back_to_valid(demo, client):
    cert = _revoked()
    assert cert is not None
    before = client.get("/api/v1/verify", {"number": cert.number, "holder": cert.holder_name}).json()
    assert before["outcome"] == "not_valid"
    # The answer names the log index of the certificate's latest event, whose leaf says so.
    index = before["certificates"][0]["log_index"]
    leaf = parse_leaf(bytes(ChangeRecord.objects.get(log_index=index).leaf))
    assert leaf["object"] == {"type": "certificates.certificate", "id": str(cert.pk)}
    assert index == max(ChangeRecord.objects.filter(object_id=str(cert.pk), action__startswith="certificate_")
                        .values_list("log_index", flat=True))
    sql("UPDATE certificates_certificate SET status = 'valid' WHERE id = %s", [cert.pk])
    # An answer kept from before is still the log's (the change by SQL left the certificate's
    # version and update time as they were); a server that builds the answer again says:
    caches["verification"].clear()
    after = client.get("/api/v1/verify", {"number": cert.number, "holder": cert.holder_name}).json()
    assert after["outcome"] == "inconsistent" and not after["certificates"][0]["valid_today"]
    assert any("status" in p for p in after["certificates"][0]["log_problems"])
    page = client.get(f"/verify/{cert.number}", {"holder": cert.holder_name}).content.decode()
    assert 'data-outcome="inconsistent"' in page and 'data-outcome="valid"' not in page
    problems = found()
    assert any(f"certificates.certificate #{cert.pk}: status" in p for p in problems), problems
    # The verification never answers "valid" for it, and says why.
    verdict = selectors.certificate_for_verification(cert.number, cert.holder_name)
    assert verdict.outcome == selectors.INCONSISTENT
    assert any("status" in p for p in verdict.check.log_problems)


@pytest.mark.parametrize(("table", "column", "value", "model", "object_type"), [
    ("certificates_certificate", "scope_text", "任何产品", Certificate, "certificates.certificate"),
    ("certificates_certificate", "holder_name", "冒名公司", Certificate, "certificates.certificate"),
    ("certificates_certificate", "expires_on", "2099-12-31", Certificate, "certificates.certificate"),
    ("certificates_certificate", "scope_codes", '["01","02","03"]', Certificate, "certificates.certificate"),
    ("registry_certificationbody", "status", "revoked", CertificationBody, "registry.certificationbody"),
    ("registry_bodyscope", "granted_on", "1999-01-01", BodyScope, "registry.bodyscope"),
    ("registry_lab", "cma_valid_until", "2099-01-01", Lab, "registry.lab"),
    ("registry_labscopeitem", "item", "一切项目", LabScopeItem, "registry.labscopeitem"),
    ("registry_organization", "name", "另一家公司", Organization, "registry.organization"),
])
def test_each_public_table_changed_by_sql(demo, table, column, value, model, object_type):
    row = model.objects.order_by("pk").first()
    sql(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, row.pk])
    problems = found()
    assert any(p.startswith(f"{object_type} #{row.pk}: {column}") for p in problems), problems


def test_a_holder_swapped(demo):
    cert = Certificate.objects.order_by("pk").first()
    other = Organization.objects.exclude(pk=cert.holder_id).order_by("pk").first()
    sql("UPDATE certificates_certificate SET holder_id = %s WHERE id = %s", [other.pk, cert.pk])
    assert any(p.startswith(f"certificates.certificate #{cert.pk}: holder") for p in found())


def test_an_inserted_certificate(demo):
    cert = Certificate.objects.order_by("pk").first()
    copy = Certificate.objects.get(pk=cert.pk)
    copy.pk, copy.number = None, cert.number + "X"
    Certificate.objects.bulk_create([copy])  # an INSERT, around the services
    assert any(p.startswith(f"certificates.certificate #{copy.pk}:") and "no leaf" in p for p in found())


def test_a_deleted_row(demo):
    name = OrganizationName.objects.order_by("pk").first()
    scope = BodyScope.objects.filter(body__certificates__isnull=True).order_by("pk").first() or name
    sql("DELETE FROM registry_organizationname WHERE id = %s", [name.pk])
    problems = found()
    assert any(p.startswith(f"registry.organizationname #{name.pk}:") and "gone" in p for p in problems), problems
    assert scope is not None


def test_an_event_kept_beside_its_leaf(demo):
    """A certificate's event is its leaf's: an event put on its record as well (the column
    only records written before leaves carried events may have) is reported."""
    record = event_records().filter(action="certificate_suspended").order_by("pk").first() or \
        event_records().order_by("pk").first()
    with writable("core_changerecord") as cursor:
        cursor.execute("UPDATE core_changerecord SET legacy_event = %s WHERE id = %s",
                       ['{"kind": "surveillance_passed"}', record.pk])
    problems = found()
    assert any(p.startswith(f"certificates.certificate #{record.object_id}:") and "event" in p
               for p in problems), problems


def test_the_register_check_alone_names_nothing_on_a_clean_demo(demo):
    rows, problems = check_register()
    assert rows > ORGS and problems == []


MOBILE = re.compile(rb"(?<!\d)1[3-9]\d{9}(?!\d)")
HASHES = re.compile(rb"(hmac-sha256:)?[0-9a-f]{64}")
EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+")


def test_no_leaf_holds_anything_private(demo):
    """Every leaf of the demo's log, after a buyer's watchlist, an account and an API key were
    added: private kinds only as commitments, personal fields only as salted hashes, and no
    phone number or e-mail address anywhere in clear."""
    from certinel.accounts.models import User
    from certinel.accounts.services import api_key_create, user_create
    from certinel.core.actor import Actor
    from certinel.watch.services import watch_item_add, watchlist_create

    admin = Actor.for_user(User.objects.get(username="demo-admin"))
    buyer = Actor.for_user(User.objects.get(username="demo-org"))
    watchlist = watchlist_create(actor=buyer, name="机密供应商名单", email="buyer@certinel.example")[0]
    watch_item_add(actor=buyer, watchlist=watchlist, uscc=Organization.objects.order_by("pk").first().uscc,
                   label="秘密备注")
    user_create(actor=admin, username="auditor-li", password="a-long-password-2026", role="regulator",
                jurisdiction_code="3201", email="li@certinel.example")
    api_key_create(actor=admin, body=CertificationBody.objects.order_by("pk").first(), name="erp")

    private = 0
    for index, data in ChangeRecord.objects.order_by("log_index").values_list("log_index", "leaf"):
        data = bytes(data)
        leaf = parse_leaf(data)
        # Digests and signatures are not data: their digits could look like a phone number.
        text = HASHES.sub(b"", data.split(b',"sig":')[0])
        assert not MOBILE.search(text), (index, data.decode())
        assert not EMAIL.search(text), (index, data.decode())
        assert "机密".encode() not in data and "秘密".encode() not in data, index
        if leaf["type"] == "private":
            assert set(leaf) == {"v", "type", "time", "commitment"}, index
            private += 1
            continue
        object_type = leaf["object"]["type"]
        assert object_type in PUBLIC_KINDS, (index, object_type)
        for side in ("before", "after"):
            for name in PERSONAL_FIELDS.get(object_type, ()):
                value = (leaf[side] or {}).get(name)
                assert not value or value.startswith("hmac-sha256:"), (index, name, value)
    # The accounts, the watchlist, its item and the key are in the log, as commitments.
    assert private >= len(ACCOUNTS) + 4


def test_inside_a_transaction_the_register_is_checked_here(demo, register_checks_started):
    """A second connection would not see the transaction's rows: no second process (the
    second process itself: test_monitor_parallel.py)."""
    started = register_checks_started
    cert = _revoked()
    sql("UPDATE certificates_certificate SET status = 'valid' WHERE id = %s", [cert.pk])  # rolled back after
    report = verify_log(origin=log_origin(), verifiers=log_verifiers(), parallel=True)
    assert started == []
    assert any(f"certificates.certificate #{cert.pk}: status" in p.message for p in report.problems)
