from django.db import migrations

from certinel.core.db import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("transparency", "0001_initial")]

    operations = [
        AppendOnly("transparency_logentry"),
        AppendOnly("transparency_logtile"),
        AppendOnly("transparency_checkpoint"),
        AppendOnly("transparency_cosignature"),
    ]
