"""Load the code-list files of `reference/data/` into the database.

`sync_all()` validates and writes every changed list inside one transaction: a bad file is
refused with an error naming its file, line and field, and nothing of any list is written.
Rows are updated in place by their natural key (regions by code and valid_from, CCC products
by edition and code, the others by their code), so running it again changes nothing. Each data
file's edition and SHA-256 checksum is recorded in CodeListVersion; a list whose files are all
unchanged is skipped without being parsed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, cast

from django.db import models, transaction
from django.db.models import ProtectedError

from .datafiles import DATA_DIR, DataFileError, Edition, checksum, read_editions
from .models import (
    CCCCategory,
    CCCEdition,
    CCCProduct,
    CodeListVersion,
    IAFSector,
    Industry,
    LabField,
    Region,
    Scheme,
    Standard,
)
from .parsers import (
    parse_ccc,
    parse_iaf,
    parse_industries,
    parse_lab_fields,
    parse_regions,
    parse_schemes,
    parse_standards,
)

LoaderError = DataFileError


class Writer(Protocol):
    def write(self, text: str) -> Any: ...


LIST_FOLDERS = {"regions": "regions", "industries": "industries", "iaf": "iaf", "lab_fields": "lab-fields",
                "standards": "standards", "schemes": "schemes", "ccc": "ccc"}


def _upsert(model: type[models.Model], key: Callable[[Any], Any], rows: Iterable[dict[str, Any]],
            existing: Iterable[models.Model]) -> list[models.Model]:
    """Create or update `rows` (dicts of field values) matched to `existing` objects by `key`;
    only changed objects are written. Returns the objects in the order of `rows`."""
    by_key = {key(obj): obj for obj in existing}
    to_create, to_update, fields, result = [], [], set(), []
    for values in rows:
        obj = by_key.get(key(_Obj(values)))
        if obj is None:
            obj = model(**values)
            to_create.append(obj)
        else:
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            for name in changed:
                setattr(obj, name, values[name])
            if changed:
                to_update.append(obj)
                fields.update(changed)
        result.append(obj)
    model._default_manager.bulk_create(to_create, batch_size=1000)
    if to_update:
        model._default_manager.bulk_update(to_update, sorted(fields), batch_size=1000)
    return result


class _Obj:
    """Attribute access to a dict, so one key function serves objects and row dicts."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _record_versions(name: str, editions: list[Edition], counts: dict[str, int]) -> None:
    CodeListVersion.objects.filter(name=name).exclude(edition__in=[e.edition for e in editions]).delete()
    existing = list(CodeListVersion.objects.filter(name=name))
    rows = [{"name": name, "edition": e.edition, "checksum": e.checksum, "rows": counts[e.edition]}
            for e in editions]
    _upsert(CodeListVersion, lambda o: o.edition, rows, existing)


def _unchanged(name: str, base: Path) -> bool:
    """Whether every file of the list is loaded with the same checksum (cheap: no parsing)."""
    try:
        editions = read_editions(LIST_FOLDERS[name], name, base=base, lenient=True)
    except DataFileError:
        return False
    loaded = set(CodeListVersion.objects.filter(name=name).values_list("edition", "checksum"))
    return loaded == {(e.edition, e.checksum) for e in editions}


def _delete_stale(queryset: models.QuerySet[Any], what: str) -> None:
    try:
        queryset.delete()
    except ProtectedError as exc:
        names = ", ".join(str(o) for o in list(exc.protected_objects)[:5])
        raise DataFileError(what, None, None, "rows no longer in the files are still referenced "
                            f"and cannot be removed: {names}") from None


# --- one writer per list --------------------------------------------------------------------

def _write_regions(base: Path) -> int:
    editions, spans = parse_regions(base)
    rows = [{"code": s.row.code, "valid_from": s.valid_from, "name": s.row.name, "name_en": s.row.name_en,
             "level": s.row.level, "parent_code": s.row.parent_code, "valid_to": s.valid_to, "source": s.source}
            for s in spans]
    keys = {(r["code"], r["valid_from"]) for r in rows}
    existing = list(Region.objects.all())
    stale = [o.pk for o in existing if (o.code, o.valid_from) not in keys]
    _delete_stale(Region.objects.filter(pk__in=stale), "regions")
    _upsert(Region, lambda o: (o.code, o.valid_from), rows, [o for o in existing if o.pk not in set(stale)])
    _record_versions("regions", editions, {e.edition: len(e.rows) for e in editions})
    return len(rows)


def _write_simple(name: str, editions: list[Edition], model: type[models.Model], key: str,
                  extra: dict[str, Any] | None = None) -> int:
    rows = [{**row, **(extra or {})} for e in editions for row in e.rows]
    _upsert(model, lambda o: getattr(o, key), rows, model._default_manager.all())
    _record_versions(name, editions, {e.edition: len(e.rows) for e in editions})
    return len(rows)


def _write_industries(base: Path) -> int:
    editions = parse_industries(base)
    total = 0
    for edition in editions:
        rows = [{**row, "edition": edition.edition} for row in edition.rows]
        _upsert(Industry, lambda o: o.code, rows, Industry.objects.filter(edition=edition.edition))
        total += len(rows)
    _record_versions("industries", editions, {e.edition: len(e.rows) for e in editions})
    return total


def _write_iaf(base: Path) -> int:
    return _write_simple("iaf", parse_iaf(base), IAFSector, "number")


def _write_lab_fields(base: Path) -> int:
    return _write_simple("lab_fields", parse_lab_fields(base), LabField, "code")


def _write_standards(base: Path) -> int:
    return _write_simple("standards", parse_standards(base), Standard, "code")


def _write_schemes(base: Path) -> int:
    standards = {s.code: s for s in Standard.objects.all()}
    editions = parse_schemes(base, set(standards))
    rows = [{k: v for k, v in row.items() if k != "standards"} for e in editions for row in e.rows]
    in_files = {r["code"] for r in rows}
    Scheme.objects.exclude(code__in=in_files).update(active=False)
    schemes = cast(list[Scheme], _upsert(Scheme, lambda o: o.code, rows, Scheme.objects.all()))
    through = Scheme.standards.through
    scheme_rows = (r for e in editions for r in e.rows)
    wanted = {(scheme.pk, standards[code].pk) for scheme, row in zip(schemes, scheme_rows, strict=True)
              for code in row["standards"]}
    pairs = list(through.objects.filter(scheme__in=schemes).values_list("pk", "scheme_id", "standard_id"))
    through.objects.filter(pk__in=[pk for pk, s, t in pairs if (s, t) not in wanted]).delete()
    have = {(s, t) for _, s, t in pairs}
    through.objects.bulk_create([through(scheme_id=s, standard_id=t) for s, t in sorted(wanted - have)])
    _record_versions("schemes", editions, {e.edition: len(e.rows) for e in editions})
    return len(rows)


def _write_ccc(base: Path) -> int:
    editions = parse_ccc(base)
    total = 0
    for edition in editions:
        ed, _ = CCCEdition.objects.update_or_create(code=edition.edition, defaults={
            "name": edition.extra["name"], "effective_from": edition.extra["effective_from"],
            "source": edition.source[:255]})
        cats = {r["category"]: {"edition": ed, "number": r["category"], "name": r["category_name"],
                                "name_en": r["category_name_en"]} for r in edition.rows}
        _delete_stale(CCCProduct.objects.filter(edition=ed).exclude(
            code__in=[r["code"] for r in edition.rows]), f"ccc/{edition.path.name}")
        _delete_stale(CCCCategory.objects.filter(edition=ed).exclude(number__in=list(cats)),
                      f"ccc/{edition.path.name}")
        categories = _upsert(CCCCategory, lambda o: o.number, cats.values(), ed.categories.all())
        by_number = {cast(CCCCategory, c).number: c for c in categories}
        rows = [{"edition": ed, "category": by_number[r["category"]], "number": r["number"], "code": r["code"],
                 "codes": r["codes"], "name": r["name"], "self_declaration": bool(r["self_declaration_mode"]),
                 "self_declaration_mode": r["self_declaration_mode"]} for r in edition.rows]
        _upsert(CCCProduct, lambda o: o.code, rows, ed.products.all())
        total += len(rows)
    known = [e.edition for e in editions]
    _delete_stale(CCCProduct.objects.exclude(edition__code__in=known), "ccc")
    _delete_stale(CCCCategory.objects.exclude(edition__code__in=known), "ccc")
    _delete_stale(CCCEdition.objects.exclude(code__in=known), "ccc")
    _record_versions("ccc", editions, {e.edition: len(e.rows) for e in editions})
    return total


WRITERS: dict[str, Callable[[Path], int]] = {
    "regions": _write_regions, "industries": _write_industries, "iaf": _write_iaf,
    "lab_fields": _write_lab_fields, "standards": _write_standards, "schemes": _write_schemes,
    "ccc": _write_ccc,
}


def _sync(name: str, *, data_dir: Path | None, force: bool, stdout: Writer | None) -> int:
    base = Path(data_dir) if data_dir else DATA_DIR
    if not force and _unchanged(name, base):
        rows = sum(CodeListVersion.objects.filter(name=name).values_list("rows", flat=True))
        _say(stdout, f"{name}: unchanged ({rows} rows in the files)")
        return _count(name)
    with transaction.atomic():
        count = WRITERS[name](base)
    _say(stdout, f"{name}: loaded {count} rows")
    return count


def _count(name: str) -> int:
    model: type[models.Model] = {"regions": Region, "industries": Industry, "iaf": IAFSector,
                                 "lab_fields": LabField, "standards": Standard, "schemes": Scheme,
                                 "ccc": CCCProduct}[name]
    return model._default_manager.count()


def _say(stdout: Writer | None, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def sync_regions(*, data_dir: Path | None = None, force: bool = False, stdout: Writer | None = None) -> int:
    return _sync("regions", data_dir=data_dir, force=force, stdout=stdout)


def sync_industries(*, data_dir: Path | None = None, force: bool = False, stdout: Writer | None = None) -> int:
    return _sync("industries", data_dir=data_dir, force=force, stdout=stdout)


def sync_iaf(*, data_dir: Path | None = None, force: bool = False, stdout: Writer | None = None) -> int:
    return _sync("iaf", data_dir=data_dir, force=force, stdout=stdout)


def sync_lab_fields(*, data_dir: Path | None = None, force: bool = False, stdout: Writer | None = None) -> int:
    return _sync("lab_fields", data_dir=data_dir, force=force, stdout=stdout)


def sync_standards(*, data_dir: Path | None = None, force: bool = False, stdout: Writer | None = None) -> int:
    return _sync("standards", data_dir=data_dir, force=force, stdout=stdout)


def sync_schemes(*, data_dir: Path | None = None, force: bool = False, stdout: Writer | None = None) -> int:
    """Schemes name standards: sync the standards first (sync_all does)."""
    return _sync("schemes", data_dir=data_dir, force=force, stdout=stdout)


def sync_ccc(*, data_dir: Path | None = None, force: bool = False, stdout: Writer | None = None) -> int:
    return _sync("ccc", data_dir=data_dir, force=force, stdout=stdout)


def sync_all(*, stdout: Writer | None = None, data_dir: Path | None = None, force: bool = False
             ) -> dict[str, int]:
    """Load every list (in dependency order) in one transaction; returns the rows of each list
    in the database afterwards. Raises LoaderError, writing nothing, if any file is bad."""
    with transaction.atomic():
        return {name: _sync(name, data_dir=data_dir, force=force, stdout=stdout) for name in WRITERS}


def data_checksums(data_dir: Path | None = None) -> dict[str, str]:
    """Checksum of every data file, by path relative to the data folder (for status reports)."""
    base = Path(data_dir) if data_dir else DATA_DIR
    return {p.relative_to(base).as_posix(): checksum(p) for p in sorted(base.glob("*/*.csv"))}
