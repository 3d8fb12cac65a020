"""The bulk path for organizations: writes the rows `organization_create`, `site_add` and
`organization_update` (a rename) would write — the organization, its registered site and other
sites, its former names, its name-index rows — AND the same history records (ChangeRecord rows
with the same action, actor label, region code, before and after as `record_change` writes),
but thousands at a time: PostgreSQL COPY, SQLite executemany in large transactions. Each
history record is written with its transparency log leaf and index, as `record_change` gives
them; the loader stores the tiles they complete (`transparency.services.BulkLog`). Their before
and after are in their leaves (public kinds, a few hundred bytes each, far from an entry's
limit), so none of them needs a `core.PrivateDetail`.

The services are the only writers of the registry; this path exists because creating 20,000
(demo) or 1.5 million (benchmarks) organizations one service call at a time is too slow. It
checks nothing the services check: its input comes from the demo generators, whose output the
demo tests validate with the same validators the services use.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from certinel.core.history import personal_hash
from certinel.core.models import ChangeRecord, Via
from certinel.registry.choices import OrgStatus, SiteKind
from certinel.registry.models import NameGram, Organization, OrganizationName, Site
from certinel.registry.search import index_rows
from certinel.transparency.leaf import stored_record_leaf
from certinel.transparency.merkle import leaf_hash

ACTOR_LABEL = "demo"


@dataclass
class SiteSpec:
    kind: str
    address: str
    region_id: int
    region_code: str
    name: str = ""


@dataclass
class OrgSpec:
    """One organization to write. `former` are earlier names, oldest first, each with the
    last day it was used; the organization was registered under the oldest."""

    uscc: str
    name: str
    region_id: int
    region_code: str
    address: str
    name_en: str = ""
    industry_id: int | None = None
    size_class: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    former: list[tuple[str, dt.date]] = field(default_factory=list)
    sites: list[SiteSpec] = field(default_factory=list)


def snapshot_values(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    """What `core.history.snapshot` gives for an object with these attribute values: every
    concrete field by name, personal fields hashed, `updated_at` and excluded fields left out."""
    personal = set(getattr(model, "HISTORY_PERSONAL", ()))
    exclude = set(getattr(model, "HISTORY_EXCLUDE", ())) | {"updated_at"}
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.attname in exclude or f.name in exclude:
            continue
        value = values.get(f.attname)
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        if f.name in personal and value:
            value = personal_hash(str(value))
        out[f.name] = value
    return out


class Table:
    """A model's table as columns in order, with the conversion each value needs."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.name = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields if f.column]
        self.columns = [str(f.column) for f in self.fields]
        self.pk_column = model._meta.pk.column if not model._meta.pk.is_relation else ""

    def row(self, values: dict[str, Any]) -> tuple:
        return tuple(values[f.attname] if f.attname in values else f.get_default() for f in self.fields)


def _prep_save(field: models.Field) -> Callable[[Any], Any]:
    return lambda value: field.get_db_prep_save(value, connection)


class StagingTable:
    """A plain two-column table the name index is loaded into before it is copied, sorted,
    into the real one (SQLite: one sorted insert instead of millions of random ones)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fields: list[models.Field] = []
        self.columns = ["gram", "organization_id"]


class Sink:
    """Writes rows quickly: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self._converters: dict[str, list[tuple[int, Callable[[Any], Any]]]] = {}

    def _sqlite_converters(self, table: Table | StagingTable) -> list[tuple[int, Callable[[Any], Any]]]:
        """(column position, conversion) for the values SQLite cannot take as they are; the
        conversions are Django's own (`get_db_prep_save`)."""
        if table.name not in self._converters:
            self._converters[table.name] = [
                (i, _prep_save(f)) for i, f in enumerate(table.fields)
                if isinstance(f, models.DateTimeField | models.DateField | models.JSONField)]
        return self._converters[table.name]

    def write(self, table: Table | StagingTable, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.vendor == "postgresql":
            self._copy(table, rows)
            return
        conv = self._sqlite_converters(table)
        if conv:
            memo: dict[Any, Any] = {}  # the rows of a chunk share their time stamps

            def convert(fn: Callable[[Any], Any], value: Any) -> Any:
                if isinstance(value, dt.date):
                    if value not in memo:
                        memo[value] = fn(value)
                    return memo[value]
                return fn(value)

            converted = []
            for row in rows:
                values = list(row)
                for i, fn in conv:
                    values[i] = convert(fn, values[i])
                converted.append(tuple(values))
            rows = converted
        marks = ", ".join(["%s"] * len(table.columns))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({marks})", rows)  # noqa: S608

    def _copy(self, table: Table | StagingTable, rows: list[tuple]) -> None:
        from psycopg.types.json import Jsonb

        json_at = [i for i, f in enumerate(table.fields) if isinstance(f, models.JSONField)]
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN") as copy:
                for row in rows:
                    if json_at:
                        row = tuple(Jsonb(v, dumps=_dumps) if i in json_at and v is not None else v
                                    for i, v in enumerate(row))
                    copy.write_row(row)

    def write_pairs(self, table: Table | StagingTable, pairs: list[tuple[int, int]]) -> None:
        """Two-integer rows (the name index), as one text block on PostgreSQL."""
        if self.vendor != "postgresql":
            self.write(table, pairs)
            return
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN") as copy:
            for start in range(0, len(pairs), 200_000):
                copy.write("".join(f"{a}\t{b}\n" for a, b in pairs[start:start + 200_000]))


def _dumps(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)


def next_id(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608
        return int(cursor.fetchone()[0]) + 1


def reset_sequences(tables: Iterable[type[models.Model]]) -> None:
    """After writing explicit ids: PostgreSQL's id sequences continue after the largest id.
    (SQLite's AUTOINCREMENT follows the largest id by itself.)"""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables:
            t = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "  # noqa: S608
                           f"GREATEST((SELECT MAX(id) FROM {t}), 1))")


@dataclass
class Counts:
    organizations: int = 0
    sites: int = 0
    former_names: int = 0
    index_rows: int = 0
    history: int = 0


Rows = dict[type[models.Model], list[tuple]]


class RowMaker:
    """Turns organization specifications into table rows, assigning ids from `ids` onwards.
    Pure computation (no database access), so that it can run in a separate process."""

    def __init__(self, ids: dict[type[models.Model], int], ct_org: int, ct_site: int, ct_name: int,
                 log_index: int = 0) -> None:
        self.tables = {m: Table(m) for m in (Organization, Site, OrganizationName, NameGram, ChangeRecord)}
        self.ids = dict(ids)
        self.ct_org, self.ct_site, self.ct_name = ct_org, ct_site, ct_name
        self.types = {ct_org: "registry.organization", ct_site: "registry.site", ct_name: "registry.organizationname"}
        self.log_index = log_index  # the next record's place in the transparency log

    @classmethod
    def from_database(cls) -> RowMaker:
        from certinel.transparency.services import log_size

        return cls({m: next_id(m) for m in (Organization, Site, OrganizationName, ChangeRecord)},
                   ContentType.objects.get_for_model(Organization).pk, ContentType.objects.get_for_model(Site).pk,
                   ContentType.objects.get_for_model(OrganizationName).pk, log_size())

    def _take(self, model: type[models.Model]) -> int:
        value = self.ids[model]
        self.ids[model] += 1
        return value

    def _history(self, now: dt.datetime, action: str, ct: int, obj_id: int, label: str, region_code: str,
                 before: dict | None, after: dict | None) -> tuple:
        leaf = stored_record_leaf(action=action, time=now, object_type=self.types[ct], object_id=str(obj_id),
                                  actor=ACTOR_LABEL, before=before, after=after)
        self.log_index += 1
        return self.tables[ChangeRecord].row({
            "id": self._take(ChangeRecord), "time": now, "actor_id": None, "actor_label": ACTOR_LABEL,
            "via": Via.SYSTEM, "request_id": "", "action": action, "content_type_id": ct,
            "object_id": str(obj_id), "object_repr": label[:255], "region_code": region_code,
            "reason": "", "log_index": self.log_index - 1,
            "leaf_hash": leaf_hash(leaf), "leaf": leaf})

    def _sites(self, spec: OrgSpec, org_id: int, now: dt.datetime, out: Rows) -> None:
        sites = [SiteSpec(SiteKind.REGISTERED, spec.address, spec.region_id, spec.region_code), *spec.sites]
        for site in sites:
            values: dict[str, Any] = {
                "id": self._take(Site), "created_at": now, "updated_at": now, "region_id": site.region_id,
                "region_code": site.region_code, "organization_id": org_id, "kind": site.kind, "name": site.name,
                "address": site.address, "active": True}
            out[Site].append(self.tables[Site].row(values))
            # Every site has its own leaf, the registered one (written with the registration) too.
            out[ChangeRecord].append(self._history(now, "organization_site_added", self.ct_site, values["id"],
                                                   site.name or site.address, spec.region_code, None,
                                                   snapshot_values(Site, values)))

    def _one(self, spec: OrgSpec, now: dt.datetime, out: Rows) -> None:
        org_id = self._take(Organization)
        names = [n for n, _ in spec.former] + [spec.name]
        values: dict[str, Any] = {"id": org_id, "created_at": now, "updated_at": now, "region_id": spec.region_id,
                  "region_code": spec.region_code, "uscc": spec.uscc, "name": spec.name, "name_en": spec.name_en,
                  "industry_id": spec.industry_id, "size_class": spec.size_class, "address": spec.address,
                  "contact_phone": spec.contact_phone, "contact_email": spec.contact_email,
                  "status": OrgStatus.ACTIVE}
        out[Organization].append(self.tables[Organization].row(values))
        out[ChangeRecord].append(self._history(now, "organization_registered", self.ct_org, org_id, names[0],
                                               spec.region_code, None,
                                               snapshot_values(Organization, values | {"name": names[0]})))
        self._sites(spec, org_id, now, out)
        for (old, used_until), new in zip(spec.former, names[1:], strict=True):
            former = {"id": self._take(OrganizationName), "organization_id": org_id, "name": old,
                      "used_until": used_until}
            out[OrganizationName].append(self.tables[OrganizationName].row(former))
            out[ChangeRecord].append(self._history(now, "organization_renamed", self.ct_org, org_id, new,
                                                   spec.region_code, {"name": old}, {"name": new}))
            out[ChangeRecord].append(self._history(now, "organization_former_name_added", self.ct_name,
                                                   former["id"], old, spec.region_code, None,
                                                   snapshot_values(OrganizationName, former)))
        out[NameGram].extend(index_rows(org_id, [spec.name, spec.name_en, *(n for n, _ in spec.former)],
                                        region_code=spec.region_code))

    def rows(self, specs: Iterable[OrgSpec]) -> Rows:
        now = timezone.now()
        out: Rows = {m: [] for m in self.tables}
        for spec in specs:
            self._one(spec, now, out)
        return out


class OrganizationLoader:
    """Writes organizations a chunk at a time, with their sites, former names, name index and
    history. Ids continue after the largest in each table; the caller runs it alone (the demo
    builder, the benchmark loader)."""

    def __init__(self, sink: Sink | None = None, *, gram_table: StagingTable | None = None,
                 sort_grams: bool = True) -> None:
        from certinel.transparency.services import BulkLog

        self.sink = sink or Sink()
        self.maker = RowMaker.from_database()
        self.tables = self.maker.tables
        self.log = BulkLog()
        columns = self.tables[ChangeRecord].columns
        self._log_at = columns.index("log_index"), columns.index("leaf_hash")
        self.gram_table = gram_table or self.tables[NameGram]
        self.sort_grams = sort_grams
        self.counts = Counts()

    def write(self, specs: Iterable[OrgSpec]) -> Counts:
        """Make and write one chunk (the caller decides the transaction)."""
        return self.write_rows(self.maker.rows(specs))

    def write_rows(self, out: Rows) -> Counts:
        for model in (Organization, Site, OrganizationName, ChangeRecord):
            self.sink.write(self.tables[model], out[model])
        at_index, at_hash = self._log_at
        self.log.add([(row[at_index], row[at_hash]) for row in out[ChangeRecord]])
        grams = out[NameGram]
        if self.sort_grams:
            grams.sort()
        self.sink.write_pairs(self.gram_table, grams)
        c = self.counts
        c.organizations += len(out[Organization])
        c.sites += len(out[Site])
        c.former_names += len(out[OrganizationName])
        c.index_rows += len(grams)
        c.history += len(out[ChangeRecord])
        return c

    def finish(self) -> None:
        reset_sequences([Organization, Site, OrganizationName, ChangeRecord])


def chunks(items: Iterable[OrgSpec], size: int) -> Iterator[list[OrgSpec]]:
    batch: list[OrgSpec] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
