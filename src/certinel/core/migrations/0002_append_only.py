from django.db import migrations

from certinel.core.db import AppendOnly, CreateAppendOnlyGuard


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [CreateAppendOnlyGuard(), AppendOnly("core_changerecord")]
