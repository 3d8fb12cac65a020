"""One parser per code list: reads the list's editions and validates every row, returning plain
records for the loader. See `datafiles` for the file conventions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .choices import IndustryLevel, RegionLevel, SchemeFamily, ScopeKind, SelfDeclarationMode
from .datafiles import DataFileError, Edition, Row, read_editions, read_rows

REGION_COLUMNS = ["code", "name", "name_en", "level", "parent_code"]
INDUSTRY_CODE = {1: r"[A-T]", 2: r"\d{2}", 3: r"\d{3}", 4: r"\d{4}"}


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    name_en: str
    level: int
    parent_code: str


@dataclass
class RegionSpan:
    """A region row as stored: one name of one code over a span of editions."""

    row: RegionRow
    valid_from: dt.date
    valid_to: dt.date | None
    source: str


def parse_regions(base: Path) -> tuple[list[Edition], list[RegionSpan]]:
    editions = read_editions("regions", "regions", base=base, extra={"date": lambda r: r.date("date")})
    editions.sort(key=lambda e: e.extra["date"])
    for edition in editions:
        edition.rows = _region_snapshot(edition, base)
    return editions, merge_region_editions(editions)


def _region_snapshot(edition: Edition, base: Path) -> list[RegionRow]:
    rows: dict[str, tuple[RegionRow, Row]] = {}
    for row in read_rows(edition.path, base=base, columns=REGION_COLUMNS):
        code = row.matching("code", r"\d{6}", "a 6-digit code")
        if code in rows:
            raise row.error("code", f"{code} appears twice")
        level = row.integer("level", minimum=1, maximum=3)
        parent = row.get("parent_code")
        item = RegionRow(code, row.required("name", max_length=64), row.optional("name_en", max_length=128),
                         level, parent)
        _check_region_shape(row, item)
        rows[code] = (item, row)
    for item, row in rows.values():
        if item.parent_code:
            parent_item = rows.get(item.parent_code, (None, None))[0]
            if parent_item is None or parent_item.level != item.level - 1:
                raise row.error("parent_code", f"{item.parent_code} is not a level-{item.level - 1} "
                                "row of this file")
    return [item for item, _ in rows.values()]


def _check_region_shape(row: Row, item: RegionRow) -> None:
    if item.level == RegionLevel.PROVINCE:
        if not item.code.endswith("0000") or item.parent_code:
            raise row.error("level", "a province-level code ends in 0000 and has no parent")
        return
    if not re.fullmatch(r"\d{6}", item.parent_code) or item.parent_code[:2] != item.code[:2]:
        raise row.error("parent_code", f"{item.parent_code!r} is not a code in province {item.code[:2]}")
    if item.level == RegionLevel.CITY and (item.code.endswith("0000") or not item.code.endswith("00")):
        raise row.error("level", "a city-level code ends in 00 (but not 0000)")
    if item.level == RegionLevel.COUNTY and item.code.endswith("00"):
        raise row.error("level", "a county-level code does not end in 00")


def merge_region_editions(editions: list[Edition]) -> list[RegionSpan]:
    """Effective-dated rows from dated snapshots (sorted by date): a code present in successive
    editions with the same name, level and parent is one row; a change or a gap closes the row
    (valid_to = the first edition without it) and opens a new one."""
    open_rows: dict[str, RegionSpan] = {}
    spans: list[RegionSpan] = []
    for edition in editions:
        date = edition.extra["date"]
        current = {r.code: r for r in edition.rows}
        for code, span in list(open_rows.items()):
            if current.get(code) != span.row:
                span.valid_to = date
                del open_rows[code]
        for code, item in current.items():
            if code not in open_rows:
                span = RegionSpan(item, date, None, f"GB/T 2260 {edition.edition}")
                open_rows[code] = span
                spans.append(span)
    return spans


def parse_industries(base: Path) -> list[Edition]:
    editions = read_editions("industries", "industries", base=base)
    for edition in editions:
        if len(edition.edition) > 32:
            raise DataFileError("industries/editions.csv", None, "edition", "longer than 32 characters")
        seen: dict[str, int] = {}
        for row in read_rows(edition.path, base=base, columns=REGION_COLUMNS):
            level = row.integer("level", minimum=1, maximum=4)
            code = row.matching("code", INDUSTRY_CODE[level], f"a level-{level} code ({IndustryLevel(level).label})")
            parent = row.get("parent_code")
            if code in seen:
                raise row.error("code", f"{code} appears twice")
            if level == 1 and parent:
                raise row.error("parent_code", "a section has no parent")
            if level > 1 and seen.get(parent) != level - 1:
                raise row.error("parent_code", f"{parent!r} is not a level-{level - 1} code above this row")
            if level > 2 and not code.startswith(parent):
                raise row.error("parent_code", f"{code} does not start with {parent}")
            seen[code] = level
            edition.rows.append({"code": code, "name": row.required("name", max_length=128),
                                 "name_en": row.optional("name_en", max_length=200), "level": level,
                                 "parent_code": parent})
    return editions


def parse_iaf(base: Path) -> list[Edition]:
    editions = read_editions("iaf", "iaf", base=base)
    for edition in editions:
        seen: set[int] = set()
        for row in read_rows(edition.path, base=base, columns=["number", "name", "name_en", "nace"]):
            number = row.integer("number", minimum=1, maximum=99)
            if number in seen:
                raise row.error("number", f"sector {number} appears twice")
            seen.add(number)
            edition.rows.append({"number": number, "name": row.required("name", max_length=200),
                                 "name_en": row.required("name_en", max_length=200),
                                 "nace": row.optional("nace", max_length=200)})
    return editions


def parse_lab_fields(base: Path) -> list[Edition]:
    editions = read_editions("lab-fields", "lab_fields", base=base)
    for edition in editions:
        seen: set[str] = set()
        for row in read_rows(edition.path, base=base, columns=["code", "name", "name_en"]):
            code = row.matching("code", r"[0-9A-Z.-]{1,16}", "a code of digits, capitals, '.' or '-'")
            if code in seen:
                raise row.error("code", f"{code} appears twice")
            seen.add(code)
            edition.rows.append({"code": code, "name": row.required("name", max_length=128),
                                 "name_en": row.optional("name_en", max_length=200)})
    return editions


def parse_standards(base: Path) -> list[Edition]:
    editions = read_editions("standards", "standards", base=base)
    seen: set[str] = set()
    for edition in editions:
        for row in read_rows(edition.path, base=base, columns=["code", "equivalent", "title", "title_en"]):
            code = row.required("code", max_length=64)
            if code in seen:
                raise row.error("code", f"{code} appears twice")
            seen.add(code)
            edition.rows.append({"code": code, "equivalent": row.optional("equivalent", max_length=64),
                                 "title": row.required("title", max_length=255),
                                 "title_en": row.optional("title_en", max_length=255)})
    return editions


SCHEME_COLUMNS = ["code", "family", "name", "name_en", "scope_kind", "standards", "validity_months",
                  "surveillance_interval_months", "surveillance_grace_days", "max_suspension_months",
                  "number_pattern", "source", "active"]


def parse_schemes(base: Path, standard_codes: set[str]) -> list[Edition]:
    editions = read_editions("schemes", "schemes", base=base)
    seen: set[str] = set()
    for edition in editions:
        for row in read_rows(edition.path, base=base, columns=SCHEME_COLUMNS):
            code = row.matching("code", r"[A-Za-z0-9-]{1,32}", "a code of letters, digits and '-' (≤ 32)")
            if code in seen:
                raise row.error("code", f"{code} appears twice")
            seen.add(code)
            standards = [s.strip() for s in row.get("standards").split(";") if s.strip()]
            for standard in standards:
                if standard not in standard_codes:
                    raise row.error("standards", f"{standard!r} is not in the standards list")
            pattern = row.optional("number_pattern", max_length=200)
            try:
                re.compile(pattern)
            except re.error as exc:
                raise row.error("number_pattern", f"not a regular expression: {exc}") from None
            edition.rows.append({
                "code": code, "family": row.choice("family", list(SchemeFamily.values)),
                "name": row.required("name", max_length=128), "name_en": row.required("name_en", max_length=200),
                "scope_kind": row.choice("scope_kind", list(ScopeKind.values)), "standards": standards,
                "validity_months": row.integer("validity_months", minimum=1, maximum=600),
                "surveillance_interval_months": row.integer("surveillance_interval_months", maximum=120),
                "surveillance_grace_days": row.integer("surveillance_grace_days", maximum=366),
                "max_suspension_months": row.integer("max_suspension_months", maximum=120),
                "number_pattern": pattern, "source": row.optional("source", max_length=255),
                "active": row.boolean("active")})
    return editions


CCC_COLUMNS = ["category_number", "category_name", "category_name_en", "number", "code", "codes", "name",
               "self_declaration", "confirmed"]


def parse_ccc(base: Path) -> list[Edition]:
    editions = read_editions("ccc", "ccc", base=base, extra={
        "name": lambda r: r.required("name", max_length=200),
        "effective_from": lambda r: r.date("effective_from")})
    editions.sort(key=lambda e: e.extra["effective_from"])
    for edition in editions:
        if len(edition.edition) > 16:
            raise DataFileError("ccc/editions.csv", None, "edition", f"{edition.edition!r} is longer than 16")
        _parse_ccc_rows(edition, base)
    return editions


def _parse_ccc_rows(edition: Edition, base: Path) -> None:
    categories: dict[int, tuple[str, str]] = {}
    numbers: set[int] = set()
    codes_seen: set[str] = set()
    for row in read_rows(edition.path, base=base, columns=CCC_COLUMNS, optional=("confirmed",)):
        cat = row.integer("category_number", minimum=1, maximum=99)
        cat_names = (row.required("category_name", max_length=128), row.optional("category_name_en", max_length=200))
        if categories.setdefault(cat, cat_names)[0] != cat_names[0]:
            raise row.error("category_name", f"category {cat} is named {categories[cat][0]!r} above")
        number = row.integer("number", minimum=1, maximum=999)
        if number in numbers:
            raise row.error("number", f"product number {number} appears twice")
        numbers.add(number)
        code = row.matching("code", r"\d{4}", "a 4-digit product code")
        codes = (row.get("codes") or code).split()
        for item in codes:
            if not re.fullmatch(r"\d{4}", item):
                raise row.error("codes", f"{item!r} is not a 4-digit product code")
            if item in codes_seen:
                raise row.error("codes", f"product code {item} appears twice")
            codes_seen.add(item)
        if codes[0] != code:
            raise row.error("codes", f"the first code must be the product code {code}")
        mode = row.choice("self_declaration", ["", *SelfDeclarationMode.values])
        row.boolean("confirmed")
        edition.rows.append({"category": cat, "category_name": cat_names[0], "category_name_en": cat_names[1],
                             "number": number, "code": code, "codes": " ".join(codes),
                             "name": row.required("name", max_length=200), "self_declaration_mode": mode})
