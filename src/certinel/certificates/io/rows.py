"""From a file's header and rows to `CertificateData`: the header is matched to the template's
columns (Chinese or English names), then each row's cells are read; every problem is named by
row, column and reason."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from certinel.certificates.data import CertificateData

from .cells import CellError, read_cell
from .columns import BY_FIELD, FIELD_ALIASES, NOTE_PREFIX, OTHER_FIELDS, REQUIRED, Column, column_for
from .errors import FileRejected, RowError

_DATES = ("issued_on", "expires_on")


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _column_label(position: int) -> str:
    """Excel's name of a column: 1 → A, 27 → AA."""
    label = ""
    while position > 0:
        position, rest = divmod(position - 1, 26)
        label = chr(65 + rest) + label
    return label


class RowParser:
    """Reads rows under one header. Raises FileRejected (every header problem at once) when
    the header has unknown, repeated or missing columns."""

    def __init__(self, header: Sequence[Any], *, header_row: int = 1) -> None:
        self.header_row = header_row
        self.texts = [_header_text(h) for h in header]
        self.columns: list[Column | None] = []
        errors: list[RowError] = []
        seen: dict[str, str] = {}
        for position, text in enumerate(self.texts, start=1):
            column = column_for(text) if text and not text.startswith(NOTE_PREFIX) else None
            self.columns.append(column)
            if column is None and text and not text.startswith(NOTE_PREFIX):
                errors.append(RowError(header_row, text, "", "unknown_column", _(
                    "第 %(col)s 列的表头“%(text)s”不是模板中的列。请对照导入模板修改；"
                    "不需要导入的列可删除，或在表头前加 # 表示备注列。")
                    % {"col": _column_label(position), "text": text}))
            elif column is not None and column.field in seen:
                errors.append(RowError(header_row, text, column.field, "duplicate_column", _(
                    "“%(text)s”与“%(first)s”是同一列，表头重复。") % {"text": text, "first": seen[column.field]}))
            elif column is not None:
                seen[column.field] = text
        for column in REQUIRED:
            if column.field not in seen:
                errors.append(RowError(header_row, column.zh, column.field, "missing_column", _(
                    "缺少必填列“%(zh)s”（%(en)s）。") % {"zh": column.zh, "en": column.field}))
        self.present = seen
        self._layout: bytes | None = None
        self._number_at = next((i for i, c in enumerate(self.columns) if c is not None and c.field == "number"), -1)
        if errors:
            raise FileRejected("bad_header", _("表头有 %(n)d 处问题，文件未导入。") % {"n": len(errors)}, errors)

    def column_name(self, field: str) -> str:
        """The column of a field as headed in this file (or the template's name)."""
        field = FIELD_ALIASES.get(field, field)
        if field in self.present:
            return self.present[field]
        if field in BY_FIELD:
            return BY_FIELD[field].zh
        return str(OTHER_FIELDS.get(field, field))

    def parse(self, number: int, values: Sequence[Any]) -> tuple[CertificateData | None, list[RowError]]:
        """The row as CertificateData, or None with the reasons it cannot be read."""
        data: dict[str, Any] = {}
        errors: list[RowError] = []
        for position, value in enumerate(values):
            column = self.columns[position] if position < len(self.columns) else None
            if column is None:
                if not _is_empty(value) and (position >= len(self.texts) or not self.texts[position]):
                    errors.append(RowError(number, _column_label(position + 1), "", "no_header", _(
                        "第 %(col)s 列有内容，但这一列没有表头。") % {"col": _column_label(position + 1)}))
                continue
            try:
                data[column.field] = read_cell(column, value)
            except CellError as exc:
                errors.append(RowError(number, self.texts[position], column.field, exc.code, exc.message))
        for field in _DATES:
            if data.get(field) is None and not any(e.field == field for e in errors):
                errors.append(RowError(number, self.column_name(field), field, "required", _("必须填写日期。")))
        if errors:
            return None, errors
        for field in ("number", "scheme", "holder_uscc", "holder_name", "scope_text", "signed_by"):
            data.setdefault(field, "")
        return CertificateData(**data, row=number), []

    def fingerprint(self, values: Sequence[Any]) -> bytes:
        """A digest of a row's cells as the file has them, under this file's columns (the same
        cells under other columns give another digest). Trailing empty cells do not count;
        a cell's type does (the number 1 and the text "1" differ)."""
        layout = self._layout
        if layout is None:
            layout = self._layout = "\x1e".join(c.field if c is not None else "" for c in self.columns).encode()
        end = len(values)
        while end and (values[end - 1] is None or values[end - 1] == ""):
            end -= 1
        cells = [v if type(v) is str else f"\x00{type(v).__name__}:{v!r}" for v in values[:end]]
        return hashlib.blake2b(layout + b"\x1d" + "\x1f".join(cells).encode(), digest_size=16).digest()

    def number_in(self, values: Sequence[Any]) -> str | None:
        """The certificate number of a row as the row's reading gives it, or None when that
        cell cannot be read."""
        position = self._number_at
        if position < 0 or position >= len(values):
            return None
        try:
            number = read_cell(self.columns[position], values[position])  # type: ignore[arg-type]
        except CellError:
            return None
        return number or None

    def number_of(self, values: Sequence[Any]) -> str:
        """The certificate number of a row, as far as it can be read (for reports)."""
        for position, column in enumerate(self.columns):
            if column is not None and column.field == "number" and position < len(values):
                return _header_text(values[position])[:64]
        return ""

    def row_error(self, field: str, code: str, message: str, row: int | None) -> RowError:
        return RowError(row, self.column_name(field), field, code, message)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
