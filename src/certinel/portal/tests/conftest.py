"""Fixtures of the portal tests: one fictional registry per test module (built through the
services inside a transaction that is rolled back at the end), and signed-in clients."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from .data import PASSWORD, World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client_for(db, world):
    """A test client signed in as one of the world's users: `client_for("regulator")`."""

    def make(name: str) -> Client:
        client = Client()
        assert client.login(username=world.users[name].username, password=PASSWORD)
        return client

    return make
