"""Backup and restore round-trip on the database under test (SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction

from certinel.core.actor import Actor
from certinel.core.history import record_change
from certinel.core.models import ChangeRecord

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_then_restore_brings_back_the_old_state(tmp_path):
    User = get_user_model()
    kept = User.objects.create(username="kept", role="admin")
    with transaction.atomic():
        record_change(actor=Actor.system(), action="kept_created", obj=kept, before=None, after={"x": 1})
    backup = tmp_path / "backup.db"
    call_command("backup", str(backup))
    assert backup.stat().st_size > 0

    User.objects.create(username="later", role="admin")
    call_command("restore", str(backup), yes=True)

    assert set(User.objects.values_list("username", flat=True)) == {"kept"}
    assert ChangeRecord.objects.filter(action="kept_created").count() == 1


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "bogus.db"
    bogus.write_text("not a backup")
    with pytest.raises(CommandError, match="not a"):
        call_command("restore", str(bogus), yes=True)


def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "missing"), yes=True)
