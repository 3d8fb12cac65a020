"""The report of an import, as a file: JSON (the whole result: summary, errors, one entry per
row with its outcome and events) or CSV (one line per error, one line per row without error;
UTF-8 with a byte-order mark so that Excel opens it, cells escaped against formula
injection)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import FileRejected
from .importer import ImportResult
from .safety import spreadsheet_safe

CSV_HEADER = ("行号 row", "证书编号 number", "结果 outcome", "事件 events", "列 column", "字段 field",
              "错误代码 code", "说明 message")
FORMATS = ("json", "csv")


def report_format(path: str | Path) -> str:
    return "csv" if str(path).lower().endswith(".csv") else "json"


def write_json(result: ImportResult, out: IO[str]) -> None:
    """The whole result as one JSON object: the summary and the errors first, then "rows", one
    row a line, written as they are read (a national file's report is never held whole)."""
    head = json.dumps({**result.summary(), "errors": [e.as_dict() for e in result.errors]}, ensure_ascii=False,
                      indent=1)
    out.write(head[:-2])  # without the closing "\n}"
    out.write(',\n "rows": [')
    separator = "\n  "
    for row in result.row_dicts():
        out.write(separator)
        out.write(json.dumps(row, ensure_ascii=False))
        separator = ",\n  "
    out.write("\n ]\n}\n" if separator != "\n  " else "]\n}\n")


def csv_lines(result: ImportResult) -> Iterator[list[Any]]:
    by_row: dict[int | None, list[Any]] = {}
    for error in result.errors:
        by_row.setdefault(error.row, []).append(error)
    # Errors before any data row (none today) and header errors come first.
    for error in by_row.pop(None, []):
        yield ["", "", "invalid", "", error.column, error.field, error.code, error.message]
    for outcome in result.outcomes:
        events = " ".join(outcome.events)
        errors = by_row.pop(outcome.row, [])
        if not errors:
            yield [outcome.row, outcome.number, outcome.outcome, events, "", "", "", ""]
        for error in errors:
            yield [outcome.row, outcome.number, outcome.outcome, events, error.column, error.field, error.code,
                   error.message]
    for errors in by_row.values():
        for error in errors:
            yield [error.row, "", "invalid", "", error.column, error.field, error.code, error.message]


def write_csv(result: ImportResult, out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for line in csv_lines(result):
        writer.writerow([spreadsheet_safe(v) for v in line])


def write_report(result: ImportResult, path: str | Path, fmt: str | None = None) -> Path:
    """Write the report to `path` (format from `fmt` or the file's extension)."""
    path = Path(path)
    fmt = fmt or report_format(path)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            write_csv(result, out)
    else:
        with path.open("w", encoding="utf-8") as out:
            write_json(result, out)
    return path


def rejection_dict(exc: FileRejected, *, name: str) -> dict[str, Any]:
    return {"file": {"name": name}, "ok": False, "written": False, "rejected": exc.as_dict()}


def write_rejection(exc: FileRejected, path: str | Path, *, name: str, fmt: str | None = None) -> Path:
    """The report of a file that could not be read at all."""
    path = Path(path)
    if (fmt or report_format(path)) == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_HEADER)
            lines = [[e.row, "", "invalid", "", e.column, e.field, e.code, e.message] for e in exc.errors]
            for line in lines or [["", "", "invalid", "", "", "", exc.code, exc.message]]:
                writer.writerow([spreadsheet_safe(v) for v in line])
    else:
        with path.open("w", encoding="utf-8") as out:
            json.dump(rejection_dict(exc, name=name), out, ensure_ascii=False, indent=1)
            out.write("\n")
    return path
