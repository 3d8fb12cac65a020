from django.db import migrations

from certinel.core.db import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("certificates", "0001_initial"), ("core", "0002_append_only")]

    operations = [AppendOnly("certificates_certificateevent")]
