"""The log's entries are the history records themselves now (core 0004 copied each entry onto
its record): the entries' table goes."""

from django.db import migrations

from certinel.core.db import LiftAppendOnly


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_record_is_log_entry'),
        ('transparency', '0003_fewer_indexes'),
    ]

    operations = [
        # Dropping the table drops its triggers; lifting them first puts them back when the
        # migration is reversed.
        LiftAppendOnly("transparency_logentry"),
        migrations.DeleteModel(
            name='LogEntry',
        ),
    ]
