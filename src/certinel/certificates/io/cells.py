"""Reading one cell of an import file into the value a `CertificateData` field takes. Cells
come from CSV (always text) or XLSX (text, numbers, dates); each kind of column has one reader,
which returns the value or raises CellError with a reason a person can act on.

Multi-valued cells (documented in docs/import-template.md):
  scope codes   17;18            separated by ; ， , 、 or spaces
  products      名称: 型号1, 型号2; 名称2: 型号3
  sites         名称|地址|活动; 名称2|地址2
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from certinel.certificates.choices import CertificateStatus

from .columns import CODE, CODES, DATE, INT, PRODUCTS, SITES, STATUS, TEXT, Column

# Excel keeps 15 significant digits of a number: longer codes typed as numbers are damaged.
EXCEL_DIGITS = 15
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+\d+$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CODE_SEPARATORS = re.compile(r"[;；,，、\s]+")
_ENTRY_SEPARATORS = re.compile(r"[;；\n]+")
_MODEL_SEPARATORS = re.compile(r"[,，、]")
_SITE_PARTS = re.compile(r"[|｜]")
# Excel's serial day numbers: 1 is 1900-01-01, 2958465 is 9999-12-31.
_EXCEL_SERIALS = (1, 2958466)

_STATUS_NAMES = {
    "有效": CertificateStatus.VALID, "暂停": CertificateStatus.SUSPENDED, "撤销": CertificateStatus.REVOKED,
    "注销": CertificateStatus.CANCELLED, "过期": CertificateStatus.EXPIRED,
    **{s.value: s for s in CertificateStatus},
}


class CellError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def product(name: str, models: list[str]) -> dict[str, Any]:
    """One entry of `CertificateData.products`, the same from every channel."""
    return {"name": name.strip(), "models": [m.strip() for m in models if m.strip()]}


def site(name: str, address: str, scope: str = "") -> dict[str, Any]:
    """One entry of `CertificateData.sites`, the same from every channel."""
    return {"name": name.strip(), "address": address.strip(), "scope": scope.strip()}


def _as_text(value: Any) -> str:
    if type(value) is str:  # every cell of a CSV file: checked first
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def read_text(value: Any) -> str:
    return _as_text(value)


def read_code(value: Any) -> str:
    """Identifiers and codes: full-width characters folded; numbers that Excel has damaged
    (more than 15 digits, or shown in scientific notation) refused."""
    if isinstance(value, float) and abs(value) >= 10 ** EXCEL_DIGITS:
        raise CellError("number_precision", _(
            "该单元格是数字格式，Excel 只保留 15 位有效数字，代码已被改变。"
            "请把这一列设为“文本”格式，重新输入后再导入。"))
    if isinstance(value, int) and len(str(abs(value))) > EXCEL_DIGITS:
        raise CellError("number_precision", _(
            "该单元格是数字格式，Excel 只保留 15 位有效数字，代码可能已被改变。"
            "请把这一列设为“文本”格式，重新输入后再导入。"))
    text = _as_text(value)
    if not text.isascii():  # ASCII is its own NFKC form
        text = unicodedata.normalize("NFKC", text).strip()
    if _SCIENTIFIC.match(text):
        raise CellError("scientific_notation", _(
            "“%(value)s”是科学计数法，原来的代码已经丢失。请在 Excel 中把这一列设为“文本”格式，重新输入后再导出。")
            % {"value": text})
    return text


def read_date(value: Any) -> dt.date | None:
    if type(value) is str and len(value) == 10 and value[4] == "-" == value[7]:
        # The template's form, 2026-03-15, read directly (anything odd takes the full path).
        year, month, day = value[:4], value[5:7], value[8:]
        if year.isdigit() and month.isdigit() and day.isdigit() and value.isascii():
            with contextlib.suppress(ValueError):
                return dt.date(int(year), int(month), int(day))
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _EXCEL_SERIALS[0] <= value < _EXCEL_SERIALS[1]:
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        raise CellError("invalid_date", _("%(value)s 不是日期。") % {"value": value})
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if match is None:
        raise CellError("invalid_date", _("“%(value)s”不是日期：请写成 2026-03-15 这样的格式（也接受 2026/3/15、"
                                          "2026年3月15日、20260315 或 Excel 日期）。") % {"value": text[:40]})
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError("invalid_date", _("“%(value)s”是不存在的日期。") % {"value": text[:40]}) from None


def read_int(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.isdigit():
        return int(text)
    raise CellError("invalid_integer", _("“%(value)s”不是整数。") % {"value": text[:40]})


def read_status(value: Any) -> str:
    text = unicodedata.normalize("NFKC", _as_text(value)).strip()
    if not text:
        return CertificateStatus.VALID.value
    status = _STATUS_NAMES.get(text) or _STATUS_NAMES.get(text.lower())
    if status is None:
        raise CellError("invalid_choice", _("“%(value)s”不是证书状态：请写有效、暂停、撤销、注销或过期。")
                        % {"value": text[:40]})
    return status.value


def read_codes(value: Any) -> list[str]:
    text = unicodedata.normalize("NFKC", _as_text(value))
    return [c for c in _CODE_SEPARATORS.split(text) if c]


def read_products(value: Any) -> list[dict[str, Any]]:
    out = []
    for entry in _ENTRY_SEPARATORS.split(_as_text(value)):
        if not entry.strip():
            continue
        name, colon, models = entry.replace("：", ":").partition(":")
        if not name.strip():
            raise CellError("invalid_products", _("“%(entry)s”缺少产品名称：请写成“产品名称: 型号1, 型号2”。")
                            % {"entry": entry.strip()[:60]})
        out.append(product(name, _MODEL_SEPARATORS.split(models) if colon else []))
    return out


def read_sites(value: Any) -> list[dict[str, Any]]:
    out = []
    for entry in _ENTRY_SEPARATORS.split(_as_text(value)):
        if not entry.strip():
            continue
        parts = _SITE_PARTS.split(entry)
        if len(parts) not in (2, 3) or not parts[0].strip() or not parts[1].strip():
            raise CellError("invalid_sites", _("“%(entry)s”应写成“名称|地址|活动”（活动可省略），多个场所用分号隔开。")
                            % {"entry": entry.strip()[:60]})
        out.append(site(*parts))
    return out


READERS = {TEXT: read_text, CODE: read_code, DATE: read_date, INT: read_int, STATUS: read_status,
           CODES: read_codes, PRODUCTS: read_products, SITES: read_sites}


def read_cell(column: Column, value: Any) -> Any:
    return READERS[column.kind](value)
