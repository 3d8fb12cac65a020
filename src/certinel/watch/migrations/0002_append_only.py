from django.db import migrations

from certinel.core.db import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("watch", "0001_initial"), ("core", "0002_append_only")]

    operations = [AppendOnly("watch_deliveryattempt")]
