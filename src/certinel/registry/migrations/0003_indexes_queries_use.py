import django.db.models.deletion
from django.db import migrations, models

from certinel.core.db import DropColumnIndexes


def _region():
    return models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+',
                             to='reference.region', verbose_name='行政区划')


class Migration(migrations.Migration):
    """Only the indexes that queries use (docs/performance.md): no query looks bodies, labs,
    organizations or sites up by their region's id (jurisdictions filter by region code), and
    none reads sites by their region code (sites are read by their organization)."""

    dependencies = [
        ('reference', '0003_reference_data'),
        ('registry', '0002_namegram'),
    ]

    operations = [
        # The indexes are dropped in place (see DropColumnIndexes); the state records the fields'
        # db_index=False.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name='certificationbody', name='region', field=_region()),
                migrations.AlterField(model_name='lab', name='region', field=_region()),
                migrations.AlterField(model_name='organization', name='region', field=_region()),
                migrations.AlterField(model_name='site', name='region', field=_region()),
                migrations.AlterField(
                    model_name='site',
                    name='region_code',
                    field=models.CharField(editable=False, max_length=6, verbose_name='区划代码'),
                ),
            ],
            database_operations=[
                DropColumnIndexes('certificationbody', ['region']),
                DropColumnIndexes('lab', ['region']),
                DropColumnIndexes('organization', ['region']),
                DropColumnIndexes('site', ['region', 'region_code']),
            ],
        ),
    ]
