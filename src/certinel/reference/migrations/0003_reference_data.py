"""Reference data is not loaded by migrations.

The code lists live as dated files in `certinel/reference/data/` and are loaded, validated and
kept in step by `certinel reference sync` (see docs/reference-data.md). This migration marks the
point after which the tables are ready for that command; it writes nothing, so migrating never
depends on the data files and a new edition never needs a migration."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("reference", "0002_ccc_product_codes"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
