from django.db import migrations


class Migration(migrations.Migration):
    """The refresh reads what changed from the history records alone: a certificate's events
    are its records (docs/decisions/0007), so the events' watermark goes."""

    dependencies = [
        ('stats', '0003_dashboard_rollups'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='watermark',
            name='event_id',
        ),
    ]
