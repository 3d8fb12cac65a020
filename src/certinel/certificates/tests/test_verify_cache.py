"""Kept verification answers (certificates/verify_cache.py): a repeated question is answered
from memory after one indexed read of its fingerprint, and every change to what the answer says — the certificate, its
body, the body's scopes, the holder, a transfer, a compromised key, the date — is seen by the
very next request. Given / when / then; all names fictional."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from certinel.certificates import services
from certinel.certificates.api import VerdictOut, verdict_out
from certinel.certificates.selectors import certificate_for_verification
from certinel.core.testing.builders import SYSTEM, certificate_data
from certinel.registry import services as registry
from certinel.registry.models import BodyScope

from .test_search import TODAY, World, build_world, issue


@pytest.fixture
def world(db) -> World:
    return build_world()


def ask(client, number: str, **params) -> tuple[dict, int]:
    """The API's answer and how many queries it made through the ORM (a kept answer makes none:
    only the fingerprint, read straight from the driver)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/verify", {"number": number, **params})
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    return response.json(), len(queries)


def first(answer: dict) -> dict:
    return answer["certificates"][0]


def test_a_repeated_question_is_answered_from_memory(world, client):
    answer, built = ask(client, "TQ2401002E", holder="测试华盛电子有限公司", scope="18")
    again, kept = ask(client, "TQ2401002E", holder="测试华盛电子有限公司", scope="18")
    assert again == answer and kept == 0 < built
    # The same question typed differently is the same question.
    assert ask(client, " TQ2401002E ", holder=" 测试华盛电子有限公司", scope="18 ") == (answer, 0)
    # What it keeps is what the verdict says now, field for field.
    fresh = json.loads(json.dumps(VerdictOut.model_validate(verdict_out(certificate_for_verification(
        "TQ2401002E", "测试华盛电子有限公司", "18"))).model_dump(), cls=NinjaJSONEncoder))
    assert again == fresh


def test_a_lifecycle_change_is_seen_at_once(world, client):
    assert ask(client, "WQ2404005Q")[0]["outcome"] == "valid"
    services.certificate_suspend(actor=SYSTEM, certificate=world.certs["sh_qms"], until=TODAY + dt.timedelta(days=30),
                                 reason="暂停测试", signed_by="李主任")
    answer, _queries = ask(client, "WQ2404005Q")
    assert answer["outcome"] == "not_valid" and first(answer)["certificate"]["status"] == "suspended"
    assert [e["kind"] for e in first(answer)["certificate"]["events"]] == ["issued", "suspended"]


def test_the_body_suspended_or_its_scope_withdrawn_is_seen_at_once(world, client):
    assert first(ask(client, "WQ2404005Q")[0])["approval"]["today"] is True
    registry.body_suspend(actor=SYSTEM, body=world.west, reason="监督检查发现严重问题")
    approval = first(ask(client, "WQ2404005Q")[0])["approval"]
    assert approval["body_status"] == "suspended" and approval["today"] is False

    assert first(ask(client, "TQ2401001Q", holder="测试华盛电子有限公司")[0])["approval"]["scheme_today"] is True
    scope = BodyScope.objects.get(body=world.east, scheme__code="QMS")
    registry.body_scope_withdraw(actor=SYSTEM, scope=scope, reason="扩项复评未通过")
    answer = first(ask(client, "TQ2401001Q", holder="测试华盛电子有限公司")[0])
    assert answer["approval"]["scheme_today"] is False
    assert "body_not_approved_today" in [w["code"] for w in answer["warnings"]]


def test_a_renamed_holder_is_seen_at_once(world, client):
    before = ask(client, "TQ2401001Q", holder="测试华盛微电子有限公司")[0]
    assert before["outcome"] == "mismatch"
    registry.organization_update(actor=SYSTEM, organization=world.huasheng, name="测试华盛微电子有限公司",
                                 renamed_on=TODAY)
    after = ask(client, "TQ2401001Q", holder="测试华盛微电子有限公司")[0]
    assert after["outcome"] == "valid" and first(after)["holder_match"]["result"] == "exact"


def test_a_transfer_is_seen_at_once(world, client):
    assert first(ask(client, "TQ2203004Q")[0])["successor"] is None
    services.certificate_issue(actor=SYSTEM, body=world.west, data=certificate_data(
        holder=world.suzhou, number="WQ2405010Q", transferred_from_body=world.east.approval_no,
        transferred_from_number="TQ2203004Q", issued_on=TODAY - dt.timedelta(days=1)))
    answer = first(ask(client, "TQ2203004Q")[0])
    assert answer["successor"]["number"] == "WQ2405010Q" and answer["certificate"]["status"] == "transfer_pending"
    # The old body confirms (tests/test_transfers.py): the answer follows at once.
    from certinel.certificates.models import CertificateTransfer
    from certinel.certificates.services_transfers import transfer_confirm

    transfer_confirm(actor=SYSTEM, transfer=CertificateTransfer.objects.get(), signed_by="李主任")
    answer = first(ask(client, "TQ2203004Q")[0])
    assert answer["successor"]["number"] == "WQ2405010Q" and answer["certificate"]["status"] == "cancelled"
    # The successor suspended later: the old certificate's answer shows it.
    services.certificate_suspend(actor=SYSTEM, certificate=world.certs["sz_qms"].__class__.objects.get(
        number="WQ2405010Q"), until=TODAY + dt.timedelta(days=10), reason="暂停测试", signed_by="李主任")
    assert first(ask(client, "TQ2203004Q")[0])["successor"]["status"] == "suspended"


def test_a_compromised_key_is_seen_at_once(world, client):
    from certinel.certificates.ecert import certificate_credential
    from certinel.credentials.models import SigningKey
    from certinel.credentials.services import signing_key_revoke_compromised

    cert = world.certs["sh_qms"]
    certificate_credential(certificate=cert)
    codes = [w["code"] for w in first(ask(client, "WQ2404005Q")[0])["warnings"]]
    assert "ecert_key_compromised" not in codes
    key = SigningKey.objects.get(body=cert.body, status="active")
    signing_key_revoke_compromised(actor=SYSTEM, key=key, reason="key file leaked",
                                   compromised_since=timezone.now() - dt.timedelta(days=3))
    codes = [w["code"] for w in first(ask(client, "WQ2404005Q")[0])["warnings"]]
    assert "ecert_key_compromised" in codes


def test_the_next_day_is_worked_out_again(world, client, monkeypatch):
    assert ask(client, "WQ2404005Q")[0]["checked_on"] == TODAY.isoformat()
    later = TODAY + dt.timedelta(days=400)  # past the certificate's expiry
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    answer, queries = ask(client, "WQ2404005Q")
    assert answer["checked_on"] == later.isoformat() and queries > 1
    assert first(answer)["certificate"]["status"] in ("expired", "suspended")


def test_not_found_is_kept_until_the_number_is_reported(world, client):
    answer, _built = ask(client, "TQ2409999Q")
    assert answer["outcome"] == "not_found"
    assert ask(client, "TQ2409999Q") == (answer, 0)
    issue(world.east, world.huasheng, "TQ2409999Q")
    assert ask(client, "TQ2409999Q")[0]["outcome"] == "valid"


def test_not_found_with_a_holder_is_not_kept(world, client):
    answer, _built = ask(client, "TQ2409999Q", holder="测试华盛")
    assert answer["outcome"] == "not_found" and answer["suggestions"]
    again, queries = ask(client, "TQ2409999Q", holder="测试华盛")
    assert again == answer and queries > 1


def test_each_language_has_its_own_answer(world, client):
    chinese = ask(client, "WQ2404005Q")[0]["message"]
    english = client.get("/api/v1/verify", {"number": "WQ2404005Q"}, HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert chinese != english and "valid" in english.lower()
    assert ask(client, "WQ2404005Q")[0]["message"] == chinese


def test_the_page_shows_a_change_at_once(world, client):
    assert "有效" in client.get("/verify/WQ2404005Q").content.decode()
    services.certificate_revoke(actor=SYSTEM, certificate=world.certs["sh_qms"], reason="冒用认证标志",
                                signed_by="李主任")
    page = client.get("/verify/WQ2404005Q").content.decode()
    assert "冒用认证标志" in page


def test_answers_are_shared_through_redis_when_there_is_one(world, client, redis_url):
    """With REDIS_URL set (several workers), the answers live in Redis: what one process built,
    another uses; a change is still seen at once."""
    import uuid

    import redis
    from django.test import override_settings

    prefix = f"certinel-test-{uuid.uuid4().hex}"
    shared = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": prefix}
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
                                   "verification": shared}):
        try:
            answer, _built = ask(client, "WQ2404005Q")
            assert answer["outcome"] == "valid"
            assert ask(client, "WQ2404005Q") == (answer, 0)
            services.certificate_suspend(actor=SYSTEM, certificate=world.certs["sh_qms"], reason="暂停测试",
                                         until=TODAY + dt.timedelta(days=30), signed_by="李主任")
            assert ask(client, "WQ2404005Q")[0]["outcome"] == "not_valid"
        finally:  # only this test's keys: other test runs may share the server
            server = redis.Redis.from_url(redis_url)
            keys = list(server.scan_iter(f"{prefix}:*"))
            assert keys
            server.delete(*keys)
