"""Reference data for the tests of every app.

    from certinel.reference.testing import ensure_reference_data

    def test_something(db):
        ensure_reference_data()

or use the `reference_data` fixture (add `from certinel.reference.testing import reference_data`
to a conftest.py, or list this module in `pytest_plugins`)."""

from __future__ import annotations

import pytest

from .loader import LIST_FOLDERS, sync_all
from .models import CodeListVersion


def ensure_reference_data() -> None:
    """Load every code list unless each is already loaded (one query when it is)."""
    loaded = set(CodeListVersion.objects.values_list("name", flat=True).distinct())
    if not set(LIST_FOLDERS) <= loaded:
        sync_all()


@pytest.fixture
def reference_data(db: None) -> None:
    """The reference code lists, loaded in the test's database."""
    ensure_reference_data()
