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
    """Transactional tests empty every table when they end (Django's flush), then send
    post_migrate so that content types and permissions are made again. The reference code lists,
    the content types and the permissions are the same for every test and no test changes them
    for good, so their tables are left as they are instead: the flush leaves them alone and sends
    no post_migrate (making them again cost about a second a test). `_reload_reference` still
    loads the code lists should a test empty the database in another way."""
    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.commands import flush as flush_command

    kept = {model._meta.db_table for model in apps.get_app_config("reference").get_models(include_auto_created=True)}
    kept |= {ContentType._meta.db_table, Permission._meta.db_table}
    operations = type(connection.ops)
    flush = operations.sql_flush

    def sql_flush(self, style, tables, **kwargs):  # type: ignore[no-untyped-def]
        tables = [t for t in tables if t not in kept]
        if self.connection.vendor == "postgresql" and not kwargs.get("reset_sequences"):
            # A test leaves a few rows: deleting them is quick, where TRUNCATE makes every table
            # and index anew on disk (1 to 4 seconds for the whole schema, after every
            # transactional test). The flush runs in one transaction, and the foreign keys
            # Django makes are deferred to its end, so the order of the tables does not matter.
            return [f"DELETE FROM {self.quote_name(t)};" for t in tables]
        return flush(self, style, tables, **kwargs)

    operations.sql_flush = sql_flush  # type: ignore[method-assign]
    handle = flush_command.Command.handle

    def handle_keeping(self, **options):  # type: ignore[no-untyped-def]
        return handle(self, **{**options, "inhibit_post_migrate": True})

    flush_command.Command.handle = handle_keeping  # type: ignore[method-assign]


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


# Fixtures through which a test reaches the database (pytest-django's, and the suite's own
# that depend on them are found through the fixture closure).
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
                     "live_server"}


def _uses_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that cannot reach the database gives the same result whichever database the run
    is on: the SQLite run runs it, the PostgreSQL run leaves it out (pytest-django refuses
    database access to a test that has neither the django_db mark nor a database fixture)."""
    import os

    if os.environ.get("CERTINEL_TEST_DB") != "postgres" or os.environ.get("CERTINEL_TEST_EVERY_TEST"):
        return
    kept = [item for item in items if _uses_database(item)]
    left = [item for item in items if not _uses_database(item)]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
