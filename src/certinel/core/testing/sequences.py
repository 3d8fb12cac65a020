"""The id sequences of every table, saved and put back: a run that is rolled back and then
repeated (a test comparing two ways of writing the same rows, a benchmark timing both) gets
the same ids the second time. PostgreSQL's sequences do not roll back; SQLite's ids follow the
rows, so there is nothing to save there."""

from __future__ import annotations

from django.apps import apps
from django.db import connection, models

Sequences = list[tuple[str, int, bool]]


def save_sequences() -> Sequences:
    """PostgreSQL: each table's id sequence and its state; SQLite: nothing."""
    if connection.vendor != "postgresql":
        return []
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            pk = model._meta.pk
            if not isinstance(pk, models.AutoField | models.BigAutoField):
                continue
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, pk.column])
            sequence = cursor.fetchone()[0]
            if sequence:
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 (a name the catalogue gave)
                found.append((sequence, *cursor.fetchone()))
    return found


def restore_sequences(sequences: Sequences) -> None:
    with connection.cursor() as cursor:
        for sequence, value, called in sequences:
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, value, called])
