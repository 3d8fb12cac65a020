"""Reading and validating the code-list files in `reference/data/`.

Every list has a folder with an `editions.csv` (one row per data file: edition, file, source
and, for some lists, more) and the data files it names. Everything here is pure: files are read,
every row is checked, and the result is plain data; nothing touches the database. A bad file
raises `DataFileError` naming the file, the line and the field."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
YES = {"yes", "true", "1", "y"}
NO = {"no", "false", "0", "n", ""}


class DataFileError(Exception):
    """A data file that cannot be loaded. `line` is 1-based and counts the header as line 1."""

    def __init__(self, file: str, line: int | None, field: str | None, reason: str) -> None:
        self.file, self.line, self.field, self.reason = file, line, field, reason
        where = file + (f", line {line}" if line else "") + (f", field '{field}'" if field else "")
        super().__init__(f"{where}: {reason}")


@dataclass
class Row:
    """One data row with where it came from, for error messages."""

    file: str
    line: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def error(self, name: str | None, reason: str) -> DataFileError:
        return DataFileError(self.file, self.line, name, reason)

    def required(self, name: str, *, max_length: int | None = None) -> str:
        value = self.get(name)
        if not value:
            raise self.error(name, "a value is required")
        return self.optional(name, max_length=max_length)

    def optional(self, name: str, *, max_length: int | None = None) -> str:
        value = self.get(name)
        if max_length is not None and len(value) > max_length:
            raise self.error(name, f"longer than {max_length} characters ({len(value)})")
        return value

    def matching(self, name: str, pattern: str, what: str) -> str:
        value = self.get(name)
        if not re.fullmatch(pattern, value):
            raise self.error(name, f"{value!r} is not {what}")
        return value

    def integer(self, name: str, *, minimum: int = 0, maximum: int = 32767) -> int:
        value = self.get(name)
        if not re.fullmatch(r"\d+", value):
            raise self.error(name, f"{value!r} is not a whole number")
        number = int(value)
        if not minimum <= number <= maximum:
            raise self.error(name, f"{number} is outside {minimum}..{maximum}")
        return number

    def boolean(self, name: str) -> bool:
        value = self.get(name).lower()
        if value in YES:
            return True
        if value in NO:
            return False
        raise self.error(name, f"{self.get(name)!r} is not yes or no")

    def date(self, name: str) -> dt.date:
        try:
            return dt.date.fromisoformat(self.get(name))
        except ValueError:
            raise self.error(name, f"{self.get(name)!r} is not a date (YYYY-MM-DD)") from None

    def choice(self, name: str, choices: list[str]) -> str:
        value = self.get(name)
        if value not in choices:
            raise self.error(name, f"{value!r} is not one of {', '.join(choices)}")
        return value


def read_rows(path: Path, *, base: Path, columns: list[str], optional: tuple[str, ...] = (),
              lenient: bool = False) -> Iterator[Row]:
    """The rows of a UTF-8 CSV file with a header row that has exactly `columns` (in any order;
    the `optional` ones may be missing). Values are stripped."""
    name = rel(path, base)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataFileError(name, None, None, "file not found") from None
    except UnicodeDecodeError as exc:
        raise DataFileError(name, None, None, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader, [])]
    if not header:
        raise DataFileError(name, 1, None, "the file is empty; a header row is required")
    for col in header:
        if col not in columns and not lenient:
            raise DataFileError(name, 1, col, f"unknown column; expected {', '.join(columns)}")
    for col in columns:
        if col not in header and col not in optional:
            raise DataFileError(name, 1, col, "column missing from the header")
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise DataFileError(name, reader.line_num, None,
                                f"{len(values)} values for {len(header)} columns")
        yield Row(name, reader.line_num, {h: v.strip() for h, v in zip(header, values, strict=True)})


def rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Edition:
    """One data file of a list, as its folder's editions.csv names it."""

    list_name: str
    edition: str
    path: Path
    source: str
    checksum: str
    extra: dict[str, Any] = field(default_factory=dict)
    rows: list[Any] = field(default_factory=list)


def read_editions(folder: str, list_name: str, *, base: Path, extra: dict[str, Callable[[Row], Any]]
                  | None = None, lenient: bool = False) -> list[Edition]:
    """The editions a list's folder declares, with each file's checksum. Every data file in the
    folder must be declared, and every declared file must exist. `lenient` ignores columns of
    editions.csv that `extra` does not name (for a quick look at the checksums)."""
    extra = extra or {}
    directory = base / folder
    index = directory / "editions.csv"
    editions: list[Edition] = []
    seen: set[str] = set()
    for row in read_rows(index, base=base, columns=["edition", "file", "source", *extra], lenient=lenient):
        edition = row.required("edition", max_length=64)
        if edition in seen:
            raise row.error("edition", f"edition {edition!r} is listed twice")
        seen.add(edition)
        file = row.matching("file", r"[\w.-]+\.csv", "a CSV file name in this folder")
        path = directory / file
        if not path.is_file():
            raise row.error("file", f"{folder}/{file} does not exist")
        values = {key: parse(row) for key, parse in extra.items()}
        editions.append(Edition(list_name, edition, path, row.required("source"), checksum(path), values))
    declared = {e.path.name for e in editions}
    for path in sorted(directory.glob("*.csv")):
        if path.name != "editions.csv" and path.name not in declared:
            raise DataFileError(rel(path, base), None, None,
                                f"not declared in {folder}/editions.csv; add a row for it")
    if not editions:
        raise DataFileError(rel(index, base), None, None, "no edition is declared")
    return editions
