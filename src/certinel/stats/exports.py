"""The open data downloads: a table (a list of flat rows with the same keys) as CSV (UTF-8
with a byte-order mark, so that Excel opens it), JSON, Excel (openpyxl) or Parquet (pyarrow).
Text cells of spreadsheet formats are escaped against formula injection."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from certinel.certificates.io.safety import spreadsheet_safe

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "parquet": "application/vnd.apache.parquet"}


def _flat(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for row in rows:
        names.extend(k for k in row if k not in names)
    return names


def render(rows: list[dict[str, Any]], fmt: str, *, sheet: str = "data") -> bytes:
    names = columns_of(rows)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, default=str).encode()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(names)
        for row in rows:
            writer.writerow([spreadsheet_safe(_flat(row.get(n))) for n in names])
        return ("\ufeff" + out.getvalue()).encode()
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        ws = book.create_sheet(sheet[:31])
        ws.append(names)
        for row in rows:
            ws.append([spreadsheet_safe(_flat(row.get(n))) for n in names])
        buf = io.BytesIO()
        book.save(buf)
        return buf.getvalue()
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([{n: _flat(row.get(n)) for n in names} for row in rows])
        buf = io.BytesIO()
        pq.write_table(table, buf)
        return buf.getvalue()
    raise ValueError(fmt)
