"""Database-level guards that hold even for code that goes around the ORM.

`AppendOnly(table)` is a migration operation that installs triggers refusing UPDATE and DELETE
(and TRUNCATE on PostgreSQL) on a table of records that must never change: the history (whose
leaves hold the certificates' events), the transparency log. The only way past them is a row in
`core_history_maintenance`, a table no model maps and nothing in the application writes; the
test suite places one so that it can empty its database between tests.

`WritePacer` paces a background job's long series of write transactions, so that the requests
of other processes get the database's write lock between them.
"""

from __future__ import annotations

import time

from django.db import connections, migrations, models

MAINTENANCE_TABLE = "core_history_maintenance"


def _sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only_upd BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be updated'); END",
        f"CREATE TRIGGER {table}_append_only_del BEFORE DELETE ON {table} "
        f"WHEN NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE}) "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be deleted'); END",
    ]


def _postgres(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION certinel_append_only()",
        f"CREATE TRIGGER {table}_append_only_trunc BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION certinel_append_only()",
    ]


class AppendOnly(migrations.operations.base.Operation):
    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str) -> None:
        self.table = table

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        statements = _postgres(self.table) if vendor == "postgresql" else _sqlite(self.table)
        for sql in statements:
            schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {self.table}_append_only ON {self.table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {self.table}_append_only_trunc ON {self.table}")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {self.table}_append_only_upd")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {self.table}_append_only_del")

    def describe(self) -> str:
        return f"Make {self.table} append-only"


class LiftAppendOnly(AppendOnly):
    """The reverse of `AppendOnly`: removes a table's triggers, for a migration that must fill
    new columns of its existing rows once (it makes the table append-only again after)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        super().database_backwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"Lift the append-only triggers of {self.table}"


def create_guard_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"CREATE TABLE IF NOT EXISTS {MAINTENANCE_TABLE} (id integer PRIMARY KEY)",
            "CREATE OR REPLACE FUNCTION certinel_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            f"IF TG_OP = 'UPDATE' OR NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE}) THEN "
            "RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '42501'; "
            "END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NULL; "
            "END $$",
        ]
    return [f"CREATE TABLE IF NOT EXISTS {MAINTENANCE_TABLE} (id integer PRIMARY KEY)"]


class CreateAppendOnlyGuard(migrations.operations.base.Operation):
    reduces_to_sql = True
    reversible = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for sql in create_guard_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("DROP FUNCTION IF EXISTS certinel_append_only() CASCADE")
        schema_editor.execute(f"DROP TABLE IF EXISTS {MAINTENANCE_TABLE}")

    def describe(self) -> str:
        return "Create the append-only guard"


def drop_column_indexes(schema_editor, model, names) -> None:  # type: ignore[no-untyped-def]
    """Drop the indexes on exactly one of these fields' columns that are not unique (so not
    the constraints that cover them; on PostgreSQL the LIKE pattern index too), found by
    introspection: their names are whatever created them."""
    for name in names:
        column = model._meta.get_field(name).column
        for index in schema_editor._constraint_names(model, [column], index=True, unique=False, primary_key=False):
            schema_editor.execute(schema_editor._delete_index_sql(model, index))


class DropColumnIndexes(migrations.operations.base.Operation):
    """Drop the single-column indexes Django made for some fields (`db_index`, a foreign key)
    and nothing else. Paired with the fields' AlterField in the migration state (through
    SeparateDatabaseAndState): on SQLite, AlterField itself would rebuild the whole table,
    copying every row and dropping its append-only triggers, to remove an index."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str, fields: list[str]) -> None:
        self.model_name = model_name
        self.fields = fields

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        drop_column_indexes(schema_editor, from_state.apps.get_model(app_label, self.model_name), self.fields)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        for name in self.fields:
            for sql in schema_editor._field_indexes_sql(model, model._meta.get_field(name)):
                schema_editor.execute(sql)

    def describe(self) -> str:
        return f"Drop the single-column indexes of {self.model_name}: {', '.join(self.fields)}"


@models.Field.register_lookup
class AnyOf(models.Lookup):
    """`field__any=[…]`: the same rows as `field__in=[…]`. On PostgreSQL the values go as one
    array parameter (`= ANY(%s)`), which Django and the server handle many times faster than
    an IN list of hundreds of parameters (batched reporting looks up thousands of numbers and
    codes at a time); elsewhere it is an IN list."""

    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> list:
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [self.lhs.output_field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs]
        if not values:
            return "1 = 0", list(lhs_params)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


models.ForeignKey.register_lookup(AnyOf)  # `organization_id__any=[ids]` as well


class WritePacer:
    """Paces a job that makes many short write transactions one after another (the lifecycle
    job), so that the requests of other processes get the write lock between them.

    SQLite has one writer at a time, and a writer that finds the lock taken polls for it,
    sleeping longer between polls the longer it has waited (up to a tenth of a second). A job
    that begins its next transaction as soon as it commits leaves the lock free for a few
    microseconds at a time and can miss every poll of a waiting sign-in for as long as it runs,
    until the sign-in's busy timeout fails it. So, called between two transactions, the pacer
    lets the job work for `work` seconds, then rests it `rest` seconds, outside any transaction
    and longer than a poll's sleep. On PostgreSQL writers queue on row locks instead; the rest
    is only long enough to let a waiting fork of the server in (`core.scheduler.rest`)."""

    def __init__(self, *, work: float = 0.5, rest: float = 0.15, using: str = "default") -> None:
        self.work = work
        self.rest = rest
        self.using = using
        self.since = time.monotonic()

    def __call__(self) -> None:
        from certinel.core import scheduler

        connection = connections[self.using]
        if connection.in_atomic_block or time.monotonic() - self.since < self.work:
            return  # inside the caller's transaction a rest would only hold the lock longer
        scheduler.rest(self.rest if connection.vendor == "sqlite" else 0.01)
        self.since = time.monotonic()
