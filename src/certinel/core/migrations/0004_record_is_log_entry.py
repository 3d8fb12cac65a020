"""A history record is its transparency log entry (docs/decisions/0007): each record takes the
index, leaf bytes and leaf hash of the entry that logs it, and `transparency.LogEntry` goes
(transparency 0004). The leaves, their order, the tiles and the checkpoints stay as they are,
so `certinel log verify` finds the same roots afterwards.

The records' append-only triggers are lifted while the new columns are filled, once, and put
back at the end. An entry that logs no record (the application never wrote one: only raw
appends of a test or a benchmark did) has nowhere to go: the migration refuses rather than
change the log's roots.
"""

from django.db import migrations, models

from certinel.core.db import AppendOnly, LiftAppendOnly

RECORD = "core_changerecord"
ENTRY = "transparency_logentry"


class OrphanLeaves(RuntimeError):
    """Log entries that are the leaf of no history record."""


def copy_entries(apps, schema_editor) -> None:
    """Copy each log entry's index, bytes and leaf hash onto the record it logs."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*), MIN("index") FROM {ENTRY} WHERE change_record_id IS NULL')  # noqa: S608
        orphans, first = cursor.fetchone()
        if orphans:
            raise OrphanLeaves(f"{orphans} log entries (the first at index {first}) are the leaf of no history "
                               "record: only raw appends (tests, benchmarks) write those; this database cannot "
                               "be moved to one record per change without changing the log's roots")
        if connection.vendor == "postgresql":
            cursor.execute(f'UPDATE {RECORD} AS c SET log_index = e."index", leaf = e.data, '  # noqa: S608
                           f"leaf_hash = e.leaf_hash FROM {ENTRY} AS e WHERE e.change_record_id = c.id")
        else:
            cursor.execute(f'UPDATE {RECORD} SET log_index = e."index", leaf = e.data, '  # noqa: S608
                           f"leaf_hash = e.leaf_hash FROM {ENTRY} AS e WHERE e.change_record_id = {RECORD}.id")


def copy_records_back(apps, schema_editor) -> None:
    """The reverse: an entry for each logged record (the entries' table is there again)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO {ENTRY} ("index", leaf_hash, appended_at, change_record_id, data) '  # noqa: S608
                       f"SELECT log_index, leaf_hash, time, id, leaf FROM {RECORD} WHERE log_index IS NOT NULL")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_fewer_indexes'),
        ('transparency', '0003_fewer_indexes'),
    ]

    operations = [
        LiftAppendOnly(RECORD),
        migrations.AddField(
            model_name='changerecord',
            name='log_index',
            field=models.BigIntegerField(blank=True, editable=False, null=True, verbose_name='日志序号'),
        ),
        migrations.AddField(
            model_name='changerecord',
            name='leaf_hash',
            field=models.BinaryField(blank=True, db_index=True, max_length=32, null=True, verbose_name='叶哈希'),
        ),
        migrations.AddField(
            model_name='changerecord',
            name='leaf',
            field=models.BinaryField(blank=True, null=True, verbose_name='日志叶'),
        ),
        migrations.RunPython(copy_entries, copy_records_back),
        migrations.AddConstraint(
            model_name='changerecord',
            constraint=models.UniqueConstraint(condition=models.Q(('log_index__isnull', False)), fields=('log_index',),
                                               name='change_log_index_unique'),
        ),
        AppendOnly(RECORD),
    ]
