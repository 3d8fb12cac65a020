"""What goes wrong in an import: a row's cell (row number as the user sees it in the file,
the header row being row 1; the column as headed in the file; the reason), or the file as a
whole (unreadable, wrong format or encoding, bad header: nothing of it is imported)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class RowError:
    row: int | None
    column: str   # the header as written in the file (or the template's name for fields not in it)
    field: str    # the CertificateData field (or `body`, `file` …)
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "field": self.field, "code": self.code,
                "message": self.message}


class FileRejected(Exception):
    """The file cannot be imported at all; `errors` names header cells when the header is
    what is wrong."""

    def __init__(self, code: str, message: str, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.errors: list[RowError] = errors or []

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": [e.as_dict() for e in self.errors]}


@dataclass
class FileInfo:
    name: str = ""
    format: str = ""      # csv or xlsx
    encoding: str = ""    # utf-8, utf-8-sig, gb18030 (CSV)
    sheet: str = ""       # XLSX
    size: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "format": self.format, "encoding": self.encoding, "sheet": self.sheet,
                "size": self.size}
