import django.db.models.deletion
from django.db import migrations, models
from django.db.models import UniqueConstraint

from certinel.core.db import drop_column_indexes


class MoveIndexes(migrations.operations.base.Operation):
    """Applies `state_operations` that change only a model's indexes and constraints, and moves
    the table's indexes from the old definition to the new one.

    In place where the database allows it: the indexes and constraints that go are dropped,
    those that come are built, the rest are left alone (on PostgreSQL always). On SQLite a
    table's plain UNIQUE constraint is part of the table's own definition and cannot be changed
    in place: when one changes, the table is rebuilt once with every index of the new state (the
    certificate table has no append-only triggers that a rebuild would lose)."""

    reversible = True

    def __init__(self, model_name: str, state_operations: list) -> None:
        self.model_name = model_name
        self.state_operations = state_operations

    def deconstruct(self):
        return self.__class__.__name__, [], {"model_name": self.model_name,
                                             "state_operations": self.state_operations}

    def state_forwards(self, app_label, state):
        for operation in self.state_operations:
            operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._move(schema_editor, from_state.apps.get_model(app_label, self.model_name),
                   to_state.apps.get_model(app_label, self.model_name))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._move(schema_editor, from_state.apps.get_model(app_label, self.model_name),
                   to_state.apps.get_model(app_label, self.model_name))

    @staticmethod
    def _move(schema_editor, old, new) -> None:
        def by_name(items):
            return {item.name: item.deconstruct() for item in items}

        old_constraints, new_constraints = by_name(old._meta.constraints), by_name(new._meta.constraints)
        if schema_editor.connection.vendor == "sqlite" and any(
                isinstance(c, UniqueConstraint) and c.condition is None
                for c in [*old._meta.constraints, *new._meta.constraints]
                if old_constraints.get(c.name) != new_constraints.get(c.name)):
            schema_editor._remake_table(new)
            return
        old_indexes, new_indexes = by_name(old._meta.indexes), by_name(new._meta.indexes)
        for index in old._meta.indexes:
            if new_indexes.get(index.name) != old_indexes[index.name]:
                schema_editor.remove_index(old, index)
        # The new constraints first, so that uniqueness holds at every step.
        for constraint in new._meta.constraints:
            if old_constraints.get(constraint.name) != new_constraints[constraint.name]:
                schema_editor.add_constraint(new, constraint)
        for constraint in old._meta.constraints:
            if new_constraints.get(constraint.name) != old_constraints[constraint.name]:
                schema_editor.remove_constraint(old, constraint)
        drop_column_indexes(schema_editor, old, [
            f.name for f in old._meta.local_concrete_fields
            if f.db_index and not f.unique and not new._meta.get_field(f.name).db_index])
        for field in new._meta.local_concrete_fields:
            if field.db_index and not field.unique and not old._meta.get_field(field.name).db_index:
                for sql in schema_editor._field_indexes_sql(new, field):
                    schema_editor.execute(sql)
        for index in new._meta.indexes:
            if old_indexes.get(index.name) != new_indexes[index.name]:
                schema_editor.add_index(new, index)

    def describe(self) -> str:
        return f"Move the indexes of {self.model_name} to the queries that use them"


class Migration(migrations.Migration):
    """Only the indexes that queries use (docs/performance.md):

    * the unique (body, number) becomes (number, body), which also serves every look-up by
      number, so the index on the number goes (and, on PostgreSQL, its pattern index for LIKE,
      which no query used);
    * the holder's code keeps a plain index, without PostgreSQL's pattern index (no query
      matches the code with LIKE: prefixes are ranges);
    * the index on the certificate a transfer came from holds only the rows that have one."""

    dependencies = [
        ('certificates', '0007_transfer_confirmation'),
        ('reference', '0003_reference_data'),
        ('registry', '0002_namegram'),
    ]

    operations = [
        MoveIndexes('certificate', [
            migrations.AlterField(
                model_name='certificate',
                name='number',
                field=models.CharField(max_length=64, verbose_name='证书编号'),
            ),
            migrations.AlterField(
                model_name='certificate',
                name='holder_uscc',
                field=models.CharField(max_length=18, verbose_name='统一社会信用代码'),
            ),
            migrations.AlterField(
                model_name='certificate',
                name='transferred_from',
                field=models.ForeignKey(blank=True, db_index=False, null=True,
                                        on_delete=django.db.models.deletion.PROTECT, related_name='transferred_to',
                                        to='certificates.certificate', verbose_name='转自证书'),
            ),
            migrations.RemoveConstraint(
                model_name='certificate',
                name='certificate_body_number_uniq',
            ),
            migrations.AddConstraint(
                model_name='certificate',
                constraint=models.UniqueConstraint(fields=('number', 'body'), name='certificate_number_body_uniq'),
            ),
            migrations.AddIndex(
                model_name='certificate',
                index=models.Index(fields=['holder_uscc'], name='certificate_holder_uscc_idx'),
            ),
            migrations.AddIndex(
                model_name='certificate',
                index=models.Index(condition=models.Q(('transferred_from__isnull', False)), fields=['transferred_from'],
                                   name='certificate_transferred_idx'),
            ),
        ]),
    ]
