"""Opening an import file: what it is decided by its content, never by its name (an upload
may be named anything), within a size limit; then its rows, streamed one at a time.

  XLSX  a ZIP package with an Excel workbook inside, read with openpyxl in read-only mode
        (the first sheet, or a named one); cells come as text, numbers or dates.
  CSV   text in UTF-8 (with or without a byte-order mark) or GB18030 (what Chinese Excel
        writes), comma or tab separated; cells come as text.
Anything else (a ZIP that is no workbook, an old .xls, an executable, a PDF, UTF-16 text,
text in neither encoding) is refused with a reason.

Row numbers are those the user sees in the file: the header is the first non-blank row (row 1
in the template); blank rows are skipped but counted."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from .errors import FileInfo, FileRejected

# An XLSX may unpack to at most this many times its size (and never beyond MAX_UNPACKED): a
# guard against ZIP bombs.
MAX_RATIO = 200
MAX_UNPACKED = 2 * 1024 ** 3
CSV_FIELD_LIMIT = 1024 * 1024
_BLOCK = 1 << 16
_ASCII = bytes(range(128))
# Enough non-ASCII bytes decoded as UTF-8 to be sure of the encoding.
_EVIDENCE = 4096

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "Windows 可执行程序"), (b"\x7fELF", "Linux 可执行程序"), (b"\xcf\xfa\xed\xfe", "macOS 可执行程序"),
    (b"\xca\xfe\xba\xbe", "macOS 可执行程序"), (b"#!", "脚本"), (b"%PDF", "PDF 文档"), (b"\x1f\x8b", "gzip 压缩包"),
    (b"Rar!", "RAR 压缩包"), (b"7z\xbc\xaf", "7z 压缩包"), (b"\x89PNG", "PNG 图片"), (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"), (b"{\\rtf", "RTF 文档"),
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class Table:
    """An opened file: its header and its rows, streamed."""

    info: FileInfo
    header_row: int
    header: list[Any]
    total_hint: int | None  # about how many data rows (for progress); None when unknown

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _blank(values: list[Any] | tuple[Any, ...]) -> bool:
    for v in values:  # noqa: SIM110 (a loop, not all(): most rows answer at their first cell)
        if v is not None and not (isinstance(v, str) and not v.strip()):
            return False
    return True


def _size(f: IO[bytes]) -> int:
    f.seek(0, io.SEEK_END)
    size = f.tell()
    f.seek(0)
    return size


def open_table(source: str | Path | IO[bytes], *, name: str = "", sheet: str | None = None,
               max_bytes: int | None = None) -> Table:
    """Open a CSV or XLSX file (a path or a binary file object that can seek). Raises
    FileRejected when it is neither, too large, or unreadable."""
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise FileRejected("missing", _("找不到文件 %(name)s。") % {"name": path.name})
        f: IO[bytes] = path.open("rb")
        name = name or path.name
        owned = True
    else:
        f, owned = source, False
    try:
        return _open(f, name=name, sheet=sheet, max_bytes=max_bytes, owned=owned)
    except BaseException:
        if owned:
            f.close()
        raise


def _open(f: IO[bytes], *, name: str, sheet: str | None, max_bytes: int | None, owned: bool) -> Table:
    size = _size(f)
    info = FileInfo(name=name, size=size)
    if size == 0:
        raise FileRejected("empty", _("文件是空的。"))
    if max_bytes is not None and size > max_bytes:
        raise FileRejected("too_large", _("文件有 %(size).1f MB，超过上限 %(limit).0f MB。"
                                          "请拆分后分批导入，或使用命令行导入。")
                           % {"size": size / 1024 ** 2, "limit": max_bytes / 1024 ** 2})
    head = f.read(8)
    f.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return XlsxTable(f, info, sheet=sheet, owned=owned)
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise FileRejected("not_xlsx", _("文件名是 .xlsx，但内容不是 Excel 工作簿。"))
    if head.startswith(_OLE):
        raise FileRejected("xls", _("这是旧版 Excel（.xls）文件或加密的工作簿。"
                                    "请在 Excel 中另存为 .xlsx 或 CSV（UTF-8）后再导入。"))
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise FileRejected("not_a_table", _("文件内容不是 CSV 或 XLSX 表格（看起来是%(what)s）。") % {"what": what})
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected("utf16", _("文件是 UTF-16 编码的文本（Excel 的“Unicode 文本”）。"
                                      "请另存为“CSV UTF-8（逗号分隔）”。"))
    if b"\x00" in f.read(_BLOCK):
        raise FileRejected("not_a_table", _("文件内容不是 CSV 或 XLSX 表格（含有二进制数据）。"))
    f.seek(0)
    return CsvTable(f, info, owned=owned)


# --- CSV --------------------------------------------------------------------------------


def detect_encoding(f: IO[bytes]) -> str:
    """utf-8-sig (with a byte-order mark), utf-8 or gb18030, from the bytes themselves."""
    f.seek(0)
    if f.read(3) == codecs.BOM_UTF8:
        return "utf-8-sig"
    f.seek(0)
    utf8, gb = codecs.getincrementaldecoder("utf-8")(), codecs.getincrementaldecoder("gb18030")()
    utf8_ok = gb_ok = True
    non_ascii = 0
    while True:
        block = f.read(_BLOCK)
        final = not block
        for decoder, ok in ((utf8, utf8_ok), (gb, gb_ok)):
            if ok:
                try:
                    decoder.decode(block, final)
                except UnicodeDecodeError:
                    if decoder is utf8:
                        utf8_ok = False
                    else:
                        gb_ok = False
        non_ascii += len(block.translate(None, _ASCII))
        if final or not (utf8_ok or gb_ok) or (utf8_ok and non_ascii >= _EVIDENCE) or (gb_ok and not utf8_ok):
            break
    f.seek(0)
    if utf8_ok:
        return "utf-8"
    if gb_ok:
        return "gb18030"
    raise FileRejected("unknown_encoding", _("文件既不是 UTF-8 也不是 GB18030（GBK）编码的文本，无法读取。"
                                             "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入。"))


def _count_lines(f: IO[bytes]) -> int:
    f.seek(0)
    lines, last = 0, b""
    while block := f.read(_BLOCK * 16):
        lines += block.count(b"\n")
        last = block
    f.seek(0)
    return lines + (1 if last and not last.endswith(b"\n") else 0)


class CsvTable(Table):
    def __init__(self, f: IO[bytes], info: FileInfo, *, owned: bool) -> None:
        self._raw, self._owned = f, owned
        info.format = "csv"
        info.encoding = detect_encoding(f)
        self.info = info
        lines = _count_lines(f)
        self._text = io.TextIOWrapper(f, encoding=info.encoding, newline="", errors="strict")
        first = self._text.readline()
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        self._text.seek(0)
        csv.field_size_limit(CSV_FIELD_LIMIT)
        self._reader = csv.reader(self._text, delimiter=delimiter)
        self._number = 0
        self.header, self.header_row = self._find_header()
        self.total_hint = max(lines - self.header_row, 0)

    def _records(self) -> Iterator[tuple[int, list[Any]]]:
        while True:
            try:
                record = next(self._reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise FileRejected("decode_error", _("第 %(row)d 行或其后的内容不是有效的 %(encoding)s 编码文本；"
                                                     "文件可能混用了编码或已损坏。") % {
                    "row": self._number + 1, "encoding": self.info.encoding.upper()}) from None
            except csv.Error as exc:
                raise FileRejected("csv_error", _("第 %(row)d 行无法按 CSV 读取：%(reason)s") % {
                    "row": self._number + 1, "reason": exc}) from None
            self._number += 1
            yield self._number, list(record)

    def _find_header(self) -> tuple[list[Any], int]:
        for number, record in self._records():
            if not _blank(record):
                return record, number
        raise FileRejected("no_header", _("文件里没有内容：第一行应为表头。"))

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        for number, record in self._records():
            if not _blank(record):
                yield number, record

    def close(self) -> None:
        with contextlib.suppress(ValueError):
            self._text.detach()
        if self._owned:
            self._raw.close()


# --- XLSX -------------------------------------------------------------------------------


def _check_package(f: IO[bytes], size: int) -> None:
    try:
        with zipfile.ZipFile(f) as package:
            names = set(package.namelist())
            unpacked = sum(i.file_size for i in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRejected("not_xlsx", _("文件是损坏的 ZIP 压缩包，不是可读取的 Excel 工作簿。")) from None
    finally:
        f.seek(0)
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileRejected("not_xlsx", _("这是一个 ZIP 压缩包，但不是 Excel 工作簿（.xlsx）。"))
    if unpacked > min(MAX_UNPACKED, max(size, 1) * MAX_RATIO):
        raise FileRejected("zip_bomb", _("工作簿解压后过大（%(size).0f MB），拒绝读取。")
                           % {"size": unpacked / 1024 ** 2})


class XlsxTable(Table):
    def __init__(self, f: IO[bytes], info: FileInfo, *, sheet: str | None, owned: bool) -> None:
        import openpyxl

        self._raw, self._owned = f, owned
        _check_package(f, info.size)
        info.format = "xlsx"
        try:
            self._book = openpyxl.load_workbook(f, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
            raise FileRejected("not_xlsx", _("无法读取这个 Excel 工作簿：%(reason)s") % {"reason": exc}) from None
        sheets = [ws for ws in self._book.worksheets if hasattr(ws, "iter_rows")]
        if sheet:
            chosen = next((ws for ws in sheets if ws.title == sheet), None)
            if chosen is None:
                self._book.close()
                raise FileRejected("no_sheet", _("工作簿里没有名为“%(sheet)s”的工作表；现有：%(names)s。") % {
                    "sheet": sheet, "names": "、".join(ws.title for ws in sheets)})
        elif sheets:
            chosen = sheets[0]
        else:
            self._book.close()
            raise FileRejected("no_sheet", _("工作簿里没有工作表。"))
        info.sheet = chosen.title
        self.info = info
        declared = chosen.max_row
        # The declared dimension may be wrong; read what is there.
        chosen.reset_dimensions()
        self._rows = enumerate(chosen.iter_rows(values_only=True), start=1)
        self.header, self.header_row = self._find_header()
        self.total_hint = max(declared - self.header_row, 0) if declared else None

    def _records(self) -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, values in self._rows:
                yield number, list(values)
        except FileRejected:
            raise
        except Exception as exc:
            raise FileRejected("not_xlsx", _("读取工作簿时出错：%(reason)s") % {"reason": exc}) from None

    def _find_header(self) -> tuple[list[Any], int]:
        for number, values in self._records():
            if not _blank(values):
                return values, number
        raise FileRejected("no_header", _("工作表“%(sheet)s”里没有内容：第一行应为表头。") % {"sheet": self.info.sheet})

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        for number, values in self._records():
            if not _blank(values):
                yield number, values

    def close(self) -> None:
        self._book.close()
        if self._owned:
            self._raw.close()
