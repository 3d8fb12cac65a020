"""Spreadsheet formula injection: a cell that starts with = + - @ (or a tab or carriage
return) is run as a formula by Excel and other spreadsheets. Text cells written to CSV or XLSX
get a leading apostrophe, which spreadsheets show as text."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
