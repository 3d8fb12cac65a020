from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from certinel.reference.datafiles import DATA_DIR
from certinel.reference.testing import reference_data  # noqa: F401  (fixture)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the packaged data folder, for tests that add or break files."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("README.md"))
    return target


@pytest.fixture
def empty_reference(db: None) -> None:
    """No reference rows in the database (the suite's set-up loads them once per session; this
    test's transaction removes them and the rollback brings them back)."""
    from certinel.reference import models

    models.CCCProduct.objects.all().delete()
    models.CCCCategory.objects.all().delete()
    models.CCCEdition.objects.all().delete()
    models.Scheme.standards.through.objects.all().delete()
    for model in (models.Scheme, models.Standard, models.Region, models.Industry, models.IAFSector,
                  models.LabField, models.CodeListVersion):
        model.objects.all().delete()
