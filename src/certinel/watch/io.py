"""Reading a list of suppliers' codes from an uploaded file: Excel (.xlsx) or CSV (UTF-8,
with or without BOM, or GB18030 as Chinese Excel saves it). The first column holds the unified
social credit code, an optional second column a note (the supplier's name, say); a header row
is recognised and skipped. Every bad row is reported with its number; nothing is guessed."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from certinel.core.errors import FieldError

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
_HEADER_WORDS = ("代码", "信用", "code", "uscc", "编号")


@dataclass
class CodeRow:
    row: int
    uscc: str
    label: str = ""


@dataclass
class CodeFile:
    rows: list[CodeRow] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


def normalise(value: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split()).upper()


def uscc_problem(code: str) -> str | None:
    """Why `code` is not a valid unified social credit code (in the reader's language), or None."""
    from django.utils.translation import get_language

    from certinel.reference.identifiers import IdentifierError, validate_uscc

    try:
        validate_uscc(code)
    except IdentifierError as exc:
        return _("“%(code)s”不是有效的统一社会信用代码（%(why)s）。") % {
            "code": code, "why": exc.message(get_language() or "zh-hans")}
    return None


def _cells(content: bytes, name: str) -> Iterable[list[object]]:
    if content[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise ValueError(_("无法读取这个 Excel 文件（%(e)s）。请另存为 .xlsx 或 CSV 后重试。")
                             % {"e": type(exc).__name__}) from None
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
        book.close()
        return
    if b"\x00" in content[:4096] or name.lower().endswith((".xls", ".xlsx", ".et")):
        raise ValueError(_("只接受 Excel（.xlsx）或 CSV 文件；旧版 .xls 请另存为 .xlsx。"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ValueError(_("无法识别文件的字符编码；请保存为 UTF-8 的 CSV。"))
    yield from csv.reader(io.StringIO(text))


def read_codes(content: bytes, name: str = "") -> CodeFile:
    """The rows of a codes file, or the reasons it cannot be read (as FieldErrors with row
    numbers). Validity of each code is checked here; duplicates too."""
    out = CodeFile()
    if len(content) > MAX_BYTES:
        out.errors.append(FieldError("file", _("文件超过 2 MB；请分成几个文件上传。"), "too_large"))
        return out
    seen: dict[str, int] = {}
    try:
        for number, cells in enumerate(_cells(content, name), start=1):
            code = normalise(cells[0] if cells else "")
            label = str(cells[1]).strip()[:100] if len(cells) > 1 and cells[1] is not None else ""
            if not code:
                continue
            if number == 1 and any(w in code.lower() for w in _HEADER_WORDS):
                continue
            if len(out.rows) + len(out.errors) >= MAX_ROWS:
                message = _("一个文件最多 %(n)s 行。") % {"n": MAX_ROWS}
                out.errors.append(FieldError("file", message, "too_many", number))
                break
            problem = uscc_problem(code)
            if problem:
                out.errors.append(FieldError("uscc", problem, "invalid_identifier", number))
                continue
            if code in seen:
                out.errors.append(FieldError("uscc", _("与第 %(row)s 行重复。") % {"row": seen[code]}, "duplicate",
                                             number))
                continue
            seen[code] = number
            out.rows.append(CodeRow(number, code, label))
    except ValueError as exc:
        out.errors.append(FieldError("file", str(exc), "unreadable"))
    if not out.rows and not out.errors:
        out.errors.append(FieldError("file", _("文件中没有统一社会信用代码：第一列应为代码。"), "empty"))
    return out
