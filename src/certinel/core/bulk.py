"""Writing many rows fast, for the services that take batches (certificate reporting, bulk
registration): PostgreSQL COPY or SQLite executemany, with primary keys allocated up front so
that related rows can point at them in the same batch.

These functions write the rows the ORM would (each value converted the way the model field
converts it; JSON as JSON text that reads back equal, plain values in canonical form); they
skip only the ORM's per-object machinery. They are called from inside a service's
transaction, never around one.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import operator
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from certinel.transparency.jcs import dumps_plain

Converter = Callable[[Any], Any]


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`'s table. On PostgreSQL they come from the table's
    sequence and are never handed out again. On SQLite they are the next free ones: the caller
    must hold the write lock (an IMMEDIATE transaction, which is how Certinel opens them) and
    insert the rows before anything else writes to that table."""
    if count <= 0:
        return []
    table = model._meta.db_table
    pk_column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, pk_column, count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("{pk_column}"), 0) FROM "{table}"')  # noqa: S608
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(top, row[0] if row else 0) + 1
    return list(range(start, start + count))


def _converter(field: models.Field, conn: Any = None) -> Converter | None:
    """How a value of the field is converted for the database; None when it goes as it is."""
    conn = conn or connection
    ops = conn.ops
    if isinstance(field, models.JSONField):
        # Plain JSON values as their canonical JSON (the fast encoder's); others as the field's
        # encoder writes them. Both read back as the value written.
        encode = (field.encoder or DjangoJSONEncoder)(ensure_ascii=False).encode

        def to_json(value: Any) -> Any:
            if value is None:
                return None
            data = dumps_plain(value)
            return encode(value) if data is None else data.decode()

        return to_json
    if isinstance(field, models.DateTimeField):
        return _repeated(ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.BinaryField):
        # Both drivers take bytes as they are; only other values need the field's conversion.
        return lambda value: value if type(value) is bytes else field.get_db_prep_save(value, conn)
    if isinstance(field, models.DecimalField | models.UUIDField):
        return lambda value: field.get_db_prep_save(value, conn)
    return None


def _repeated(convert: Converter) -> Converter:
    """`convert`, remembering the last value: the rows of a batch mostly carry one moment (the
    time of the write), and adapting an aware datetime costs a time zone conversion."""
    last: list[Any] = [object(), None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


def columns_of(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    """The concrete fields named (by name or attname), in order."""
    fields = {f.name: f for f in model._meta.concrete_fields} | {f.attname: f for f in model._meta.concrete_fields}
    return [fields[n] for n in names]


def _prepare(fields: Sequence[models.Field], rows: Iterable[Sequence[Any]], conn: Any,
             skip: frozenset[str] = frozenset()) -> list[Sequence[Any]]:
    """The rows with each value converted the way its field converts it (only the columns
    that need it are touched; none of those in `skip`)."""
    convert = [(i, c) for i, f in enumerate(fields)
               if f.name not in skip and f.attname not in skip and (c := _converter(f, conn)) is not None]
    width = len(fields)
    prepared: list[Sequence[Any]] = []
    for row in rows:
        if len(row) != width:
            raise ValueError(f"a row has {len(row)} values for {width} columns")
        if convert:
            row = list(row)
            for i, c in convert:
                row[i] = c(row[i])
        prepared.append(row)
    return prepared


def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _is_moment(value: Any) -> bool:
    return isinstance(value, dt.datetime) and value.tzinfo is not None


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# PostgreSQL column types that COPY writes in the binary format: psycopg's name of the type and
# a test of the values its binary writer takes (JSON columns get their JSON text, `_RawJsonb`).
_BINARY: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "bigint": ("int8", _is_whole), "integer": ("int4", _is_whole), "smallint": ("int2", _is_whole),
    "boolean": ("bool", lambda v: isinstance(v, bool)), "text": ("text", lambda v: isinstance(v, str)),
    "varchar": ("varchar", lambda v: isinstance(v, str)), "bytea": ("bytea", lambda v: isinstance(v, bytes)),
    "date": ("date", _is_date), "timestamp with time zone": ("timestamptz", _is_moment),
    "jsonb": ("jsonb", lambda v: isinstance(v, str)), "double precision": ("float8", lambda v: type(v) is float),
    "numeric": ("numeric", lambda v: isinstance(v, decimal.Decimal)),
    "uuid": ("uuid", lambda v: isinstance(v, uuid.UUID)),
}


def _binary_types(fields: Sequence[models.Field], conn: Any, rows: list[Sequence[Any]]) -> list[str] | None:
    """The psycopg type names for a binary COPY of these rows, or None when a column's type or
    one of its values is not one the binary format is used for here (then COPY's text format
    is, which takes anything the driver can write as text)."""
    names: list[str] = []
    tests: list[Callable[[Any], bool]] = []
    for f in fields:
        known = _BINARY.get((f.db_type(conn) or "").split("(")[0].strip().lower())
        if known is None:
            return None
        names.append(known[0])
        tests.append(known[1])
    for i, test in enumerate(tests):
        if not all(test(row[i]) for row in rows if row[i] is not None):
            return None
    return names


@functools.cache
def _raw_jsonb_dumper() -> type:
    from psycopg.types.json import JsonbBinaryDumper

    class RawJsonb(JsonbBinaryDumper):
        """A jsonb value given as its JSON text (what `_prepare` makes of JSON), written as it is."""

        def dump(self, obj: Any) -> bytes:
            return b"\x01" + obj.encode()

    return RawJsonb


def insert_rows(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]], *,
                using: str | None = None, encoded: Sequence[str] = ()) -> int:
    """Insert rows of raw Python values (one per named field, foreign keys as ids) into the
    model's table. Returns the number of rows. Columns named in `encoded` hold values already
    in the database's form (JSON as its text) and are written as they are."""
    conn = connections[using] if using else connection
    fields = columns_of(model, names)
    prepared = _prepare(fields, rows, conn, skip=frozenset(encoded))
    if not prepared:
        return 0
    table = model._meta.db_table
    cols = ", ".join(f'"{f.column}"' for f in fields)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # The raw driver's COPY: its errors are turned into Django's (IntegrityError …). In
            # the binary format when every column allows: about three times faster for the
            # history's rows, whose leaves the text format writes as escaped hexadecimal.
            types = _binary_types(fields, conn, prepared)
            binary = " (FORMAT BINARY)" if types is not None else ""
            if types is not None and "jsonb" in types:
                cursor.cursor.adapters.register_dumper(None, _raw_jsonb_dumper())
            with conn.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN{binary}") as copy:
                if types is not None:
                    copy.set_types(types)
                for row in prepared:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', prepared)  # noqa: S608
    return len(prepared)


# Per model: every concrete field's constant default (by attname), and the (attname, factory)
# of the fields whose default is made by a call.
_DEFAULTS: dict[type[models.Model], tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]] = {}


def _defaults(model: type[models.Model]) -> tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]:
    spec = _DEFAULTS.get(model)
    if spec is None:
        constants: dict[str, Any] = {}
        factories: list[tuple[str, Callable[[], Any]]] = []
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                constants[f.attname] = None
                factories.append((f.attname, f.default))
            else:
                constants[f.attname] = f.get_default()
        spec = _DEFAULTS[model] = (constants, factories)
    return spec


def new_instance(model: type[models.Model], values: dict[str, Any],
                 related: dict[str, models.Model] | None = None) -> models.Model:
    """An unsaved instance, as `model(**values)` makes it, for batches of tens of thousands:
    `values` by attribute name (foreign keys as `…_id`), every other field its default, and
    `related` objects (by field name) cached on it so that reading them costs no query. It
    skips the per-field work of Model.__init__ (keyword lookups, descriptors, signals), so it
    refuses models that have init signal receivers."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        obj = model(**values)
        for name, rel in (related or {}).items():
            setattr(obj, name, rel)
        return obj
    obj = model.__new__(model)
    attrs = obj.__dict__
    constants, factories = _defaults(model)
    properties: dict[str, Any] = {}
    if not values.keys() <= constants.keys():
        # Properties with a setter are set after the fields, as Model(**kwargs) sets them.
        settable = model._meta._property_names  # type: ignore[attr-defined]
        properties = {k: values[k] for k in values.keys() - constants.keys() if k in settable}
        unknown = ", ".join(sorted(set(values) - set(constants) - set(properties)))
        if unknown:
            raise TypeError(f"{model.__name__} has no field attribute(s) {unknown}")
        values = {k: v for k, v in values.items() if k not in properties}
    # Constant defaults first, then the values given over them (two updates in C, where a
    # loop over the fields would cost a lookup each); defaults made by a call only where no
    # value is given.
    attrs.update(constants)
    attrs.update(values)
    for attname, factory in factories:
        if attname not in values:
            attrs[attname] = factory()
    obj._state = state = ModelState()
    if related:
        for name, rel in related.items():
            attname, cache_name = _relation(model, name)
            attrs[attname] = rel.pk
            state.fields_cache[cache_name] = rel  # what the field's set_cached_value does
    for name, value in properties.items():
        setattr(obj, name, value)
    return obj


@functools.cache
def _relation(model: type[models.Model], name: str) -> tuple[str, str]:
    """A relation's attribute name (…_id) and the name its object is cached under."""
    field = model._meta.get_field(name)
    return field.attname, field.cache_name  # type: ignore[union-attr]


def _values(names: Sequence[str]) -> Callable[[models.Model], tuple[Any, ...]]:
    """A function giving an object's values of these attributes, as a tuple."""
    get = operator.attrgetter(*names)
    return get if len(names) > 1 else lambda obj: (get(obj),)


def create_objects(objs: Sequence[models.Model], *, with_ids: bool = True) -> Sequence[models.Model]:
    """Insert model instances of one model in one go, giving them primary keys first (unless
    `with_ids` is False: they have them already)."""
    if not objs:
        return objs
    model = type(objs[0])
    if with_ids:
        for obj, pk in zip(objs, allocate_ids(model, len(objs)), strict=True):
            obj.pk = pk
    stamped = [f for f in model._meta.concrete_fields
               if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objs:
        for field in stamped:
            field.pre_save(obj, add=True)
        obj._state.adding = False
        obj._state.db = connection.alias
    names = [f.attname for f in model._meta.concrete_fields]
    insert_rows(model, names, map(_values(names), objs))
    return objs


def update_objects(objs: Sequence[models.Model], names: Sequence[str]) -> int:
    """Write these fields of existing rows (one UPDATE per row, sent together)."""
    if not objs:
        return 0
    model = type(objs[0])
    fields = columns_of(model, names)
    table = model._meta.db_table
    assignments = ", ".join(f'"{f.column}" = %s' for f in fields)
    pk = model._meta.pk
    stamped = [f for f in fields if getattr(f, "auto_now", False)]
    for obj in objs:
        for field in stamped:
            field.pre_save(obj, add=False)
    rows = _prepare([*fields, pk], map(_values([*(f.attname for f in fields), pk.attname]), objs), connection)
    with connection.cursor() as cursor:
        cursor.executemany(f'UPDATE "{table}" SET {assignments} WHERE "{pk.column}" = %s', rows)  # noqa: S608
    return len(rows)
