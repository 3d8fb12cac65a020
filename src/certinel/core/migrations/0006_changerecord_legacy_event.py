from django.db import migrations, models


class Migration(migrations.Migration):
    """A nullable column: added without touching the existing records (the append-only triggers
    refuse updates, not a new column). Certificates 0009 fills it for the certificate actions
    written before their leaves carried the event."""

    dependencies = [
        ('core', '0005_private_detail'),
    ]

    operations = [
        migrations.AddField(
            model_name='changerecord',
            name='legacy_event',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='原证书事件'),
        ),
    ]
