"""Test set-up shared by the whole suite (see also certinel.core.testing)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.signals import post_migrate

from certinel.core.db import MAINTENANCE_TABLE

# The browser tests' fixtures (`browser`, `shots`), for every app's tests.
pytest_plugins = ["certinel.core.testing.browser_fixtures"]


def _reload_reference(sender, **kwargs) -> None:
    """Transactional tests empty the database when they end (Django's flush), then send
    post_migrate: load the reference code lists again, so that every test finds them."""
    if sender.label == "reference":
        from certinel.reference.testing import ensure_reference_data

        ensure_reference_data()


post_migrate.connect(_reload_reference, dispatch_uid="certinel-tests-reload-reference")


def _keep_reference_tables() -> None:
    """Transactional tests empty every table when they end; the reference code lists are the
    same for every test and no test changes them for good, so their tables are left as they
    are instead of being emptied and loaded again (a second a test on PostgreSQL, half of it
    on SQLite). `_reload_reference` still loads them should a test have emptied them."""
    from django.apps import apps

    kept = {model._meta.db_table for model in apps.get_app_config("reference").get_models(include_auto_created=True)}
    operations = type(connection.ops)
    flush = operations.sql_flush

    def sql_flush(self, style, tables, **kwargs):  # type: ignore[no-untyped-def]
        return flush(self, style, [t for t in tables if t not in kept], **kwargs)

    operations.sql_flush = sql_flush  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database may be emptied between transactional tests: allow it to empty the
    append-only tables (tests of the guard remove this permission inside their transaction)."""
    from certinel.reference.testing import ensure_reference_data

    _keep_reference_tables()
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {MAINTENANCE_TABLE}")
            cursor.execute(f"INSERT INTO {MAINTENANCE_TABLE} (id) VALUES (1)")
        # The reference code lists, loaded once and kept (tests run inside transactions that
        # roll back; tests that empty the database load them again through the same function).
        ensure_reference_data()


@pytest.fixture(autouse=True)
def _forget_verification_answers():
    """Each test starts with no kept verification answers: rolled-back tests can leave rows
    whose fingerprints a later test's rows repeat (same ids, same frozen times)."""
    from django.core.cache import caches

    caches["verification"].clear()
    yield


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis server's URL (the local one, or a throwaway one; see core.testing.redisserver)."""
    from certinel.core.testing.redisserver import redis_url as find

    return find()
