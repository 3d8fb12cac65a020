"""The public endpoints' rate limit: a body's valid API key is not limited, but an
Authorization header that is not a valid key counts like none (junk keys cannot buy unlimited
requests)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from certinel.accounts.models import Role
from certinel.accounts.services import api_key_create, user_create
from certinel.core.actor import Actor
from certinel.core.testing.builders import build_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited(settings):
    settings.CERTINEL_RATE_LIMIT_PER_MINUTE = 3
    cache.clear()
    yield
    cache.clear()


def test_anonymous_and_junk_keys_are_limited_but_a_valid_key_is_not(client, limited):
    body = build_body()
    admin = user_create(actor=Actor.system("test"), username="rl-admin", password=None, role=Role.ADMIN)
    user_create(actor=Actor.for_user(admin), username="rl-cb", password=None, role=Role.CB_OPERATOR, body=body)
    _key, secret = api_key_create(actor=Actor.for_user(admin), body=body, name="erp")
    anonymous = [client.get("/api/v1/ping").status_code for _ in range(5)]
    assert anonymous[:3] == [200, 200, 200] and anonymous[3:] == [429, 429]
    cache.clear()
    junk = [client.get("/api/v1/ping", HTTP_AUTHORIZATION="Bearer ck_nothing_here").status_code for _ in range(5)]
    assert junk[:3] == [401, 401, 401] and junk[3:] == [429, 429]
    valid = [client.get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code for _ in range(6)]
    assert valid == [200] * 6
