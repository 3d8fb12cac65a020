"""A history record's before and after are stored once (docs/decisions/0007, point 3): read
from its leaf, or, for a record whose leaf does not hold them, from its `PrivateDetail`.

The records' `before` and `after` columns go. Before they do, each record whose leaf does not
hold them as they are gets a PrivateDetail row with their canonical JSON (the bytes its full
leaf was made of):
- a record of a private kind: its leaf is a salted commitment;
- a record whose before and after were too large for an entry: its leaf holds their SHA-256;
- a record written before the log took every record: it has no leaf;
- (and any record whose leaf disagrees with its columns, which the monitor reports: its
  columns are kept rather than lost).
A public record whose leaf holds them needs nothing. Nothing is lost either way; the leaves,
the tiles and the checkpoints are not touched, so `certinel log verify` finds the same roots.

Reversible: going back puts the columns back and fills them from the details and the leaves.
"""

import json

import django.db.models.deletion
from django.db import migrations, models

from certinel.core.db import AppendOnly, LiftAppendOnly

RECORD = "core_changerecord"
DETAIL = "core_privatedetail"
BATCH = 5000


def _canonical(value) -> bytes:  # type: ignore[no-untyped-def]
    # The leaf's rule (version 1) for a value as the database gives it back.
    from certinel.transparency.leaf import _stored_member

    return _stored_member(value)


def move_details(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    """A PrivateDetail for every record whose leaf does not hold its before and after."""
    Record = apps.get_model("core", "ChangeRecord")
    Detail = apps.get_model("core", "PrivateDetail")
    using = schema_editor.connection.alias
    rows = (Record.objects.using(using).order_by("pk").values_list("pk", "leaf", "before", "after")
            .iterator(chunk_size=BATCH))
    batch = []
    for pk, leaf, before, after in rows:
        b, a = _canonical(before), _canonical(after)
        # A public leaf's members in canonical (key) order: …"after":A,"before":B,…
        if leaf is not None and b'"after":' + a + b',"before":' + b + b"," in bytes(leaf):
            continue
        batch.append(Detail(record_id=pk, before=None if before is None else b.decode(),
                            after=None if after is None else a.decode()))
        if len(batch) >= BATCH:
            Detail.objects.using(using).bulk_create(batch)
            batch = []
    Detail.objects.using(using).bulk_create(batch)


def restore_columns(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    """The reverse: each record's before and after back in its columns, from its detail or
    else its leaf."""
    Record = apps.get_model("core", "ChangeRecord")
    Detail = apps.get_model("core", "PrivateDetail")
    using = schema_editor.connection.alias
    details = {pk: (b, a) for pk, b, a in Detail.objects.using(using).values_list("record_id", "before", "after")}
    batch = []
    for record in Record.objects.using(using).order_by("pk").only("pk", "leaf").iterator(chunk_size=BATCH):
        if record.pk in details:
            b, a = details[record.pk]
            record.before = None if b is None else json.loads(b)
            record.after = None if a is None else json.loads(a)
        elif record.leaf is not None:
            leaf = json.loads(bytes(record.leaf))
            record.before, record.after = leaf.get("before"), leaf.get("after")
        else:
            continue
        batch.append(record)
        if len(batch) >= BATCH:
            Record.objects.using(using).bulk_update(batch, ["before", "after"])
            batch = []
    Record.objects.using(using).bulk_update(batch, ["before", "after"])


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_record_is_log_entry'),
    ]

    operations = [
        LiftAppendOnly(RECORD),
        migrations.CreateModel(
            name='PrivateDetail',
            fields=[
                ('record', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True,
                                                related_name='detail', serialize=False, to='core.changerecord',
                                                verbose_name='变更记录')),
                ('before', models.TextField(blank=True, null=True, verbose_name='变更前')),
                ('after', models.TextField(blank=True, null=True, verbose_name='变更后')),
            ],
            options={
                'verbose_name': '变更详情',
                'verbose_name_plural': '变更详情',
                'default_permissions': (),
            },
        ),
        migrations.RunPython(move_details, restore_columns),
        migrations.RemoveField(
            model_name='changerecord',
            name='after',
        ),
        migrations.RemoveField(
            model_name='changerecord',
            name='before',
        ),
        AppendOnly(RECORD),
        AppendOnly(DETAIL),
    ]
