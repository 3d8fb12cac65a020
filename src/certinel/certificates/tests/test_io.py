"""Certificate import: reading CSV (UTF-8, GB18030) and XLSX files, sniffing what is not a
table, headers in Chinese or English, every cell error by row, column and reason, chunked
imports that write all or nothing, idempotence, report files, the samples and the template
documentation."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from openpyxl import Workbook, load_workbook

from certinel.certificates import trail
from certinel.certificates.io import FileRejected, import_file, importer, open_table, write_report
from certinel.certificates.io.cells import CellError, read_codes, read_date, read_products, read_sites, read_status
from certinel.certificates.io.columns import COLUMNS
from certinel.certificates.io.importer import RowOutcomes
from certinel.certificates.io.report import write_rejection
from certinel.certificates.models import Certificate
from certinel.certificates.reporting import RowOutcome
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import SYSTEM, body_with_scopes
from certinel.reference.generators import make_uscc
from certinel.registry.models import Organization

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
ISSUED = TODAY - dt.timedelta(days=20)
EXPIRES = ISSUED.replace(year=ISSUED.year + 3) - dt.timedelta(days=1)
DOCS = Path(__file__).resolve().parents[4] / "docs"
SAMPLES = ("certificates-sample.csv", "certificates-sample-gb18030.csv", "certificates-sample.xlsx")
HEADER = ["证书编号", "认证制度", "统一社会信用代码", "获证组织名称", "获证组织区划代码", "获证组织地址", "发证日期",
          "有效期至", "认证范围", "范围代码", "签发人", "证书状态", "状态变更原因", "暂停截止日期"]
_rng = random.Random(4711)


@pytest.fixture
def body():
    return body_with_scopes(schemes=("QMS", "EMS"), ccc_products=("0701",))


def row(n: int, **change) -> list:
    """A valid row for a new certificate of a new holder, in HEADER's order."""
    values = {"证书编号": f"IMP{n:06d}Q", "认证制度": "QMS", "统一社会信用代码": make_uscc("320102", _rng),
              "获证组织名称": f"南京示例导入{n}有限公司", "获证组织区划代码": "320102", "获证组织地址": f"示例路{n}号",
              "发证日期": ISSUED.isoformat(), "有效期至": EXPIRES.isoformat(), "认证范围": "机械零部件的设计和生产",
              "范围代码": "17;18", "签发人": "王签发", "证书状态": "有效", "状态变更原因": "", "暂停截止日期": ""}
    values.update(change)
    return [values[h] for h in HEADER]


def csv_bytes(rows: list[list], header: list | None = None, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], header: list | None = None, title: str = "Sheet", before: int = 0) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for _ in range(before):
        sheet.append([])
    sheet.append(header or HEADER)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(data: bytes, body, *, name: str = "upload.csv", **kw):
    return import_file(io.BytesIO(data), actor=SYSTEM, body=body, name=name, **kw)


def errors_of(result_or_exc) -> set[tuple]:
    return {(e.row, e.column, e.code) for e in result_or_exc.errors}


def outcomes(result) -> list[tuple]:
    return [(o.row, o.number, o.outcome, tuple(o.events)) for o in result.outcomes]


def rejected(data: bytes, body, **kw) -> FileRejected:
    with pytest.raises(FileRejected) as info:
        run(data, body, **kw)
    return info.value


def nothing_written() -> bool:
    return not (Certificate.objects.exists() or trail.events()
                or Organization.objects.filter(name__startswith="南京示例导入").exists())


# --- Encodings and sniffing ------------------------------------------------------------------


def test_utf8_with_or_without_bom_and_gb18030_give_the_same_result(body):
    rows = [row(1), row(2, 证书状态="暂停", 状态变更原因="监督审核发现严重不符合",
                        暂停截止日期=(TODAY + dt.timedelta(days=60)).isoformat())]
    plain, with_bom, gb = csv_bytes(rows), csv_bytes(rows, encoding="utf-8-sig"), csv_bytes(rows, encoding="gb18030")
    assert gb != plain
    results = [run(data, body, dry_run=True) for data in (plain, with_bom, gb)]
    assert [r.file.encoding for r in results] == ["utf-8", "utf-8-sig", "gb18030"]
    assert outcomes(results[0]) == outcomes(results[1]) == outcomes(results[2])
    assert outcomes(results[0])[1][3] == ("issue", "suspend")
    assert run(gb, body).written
    again = run(plain, body)
    assert again.ok and again.counts()["unchanged"] == 2


@pytest.mark.parametrize(("data", "code"), [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "not_a_table"),
    (b"\x7fELF\x02\x01\x01\x00", "not_a_table"),
    (b"%PDF-1.7\n%\xe2\xe3", "not_a_table"),
    (b"\x1f\x8b\x08\x00\x00\x00", "not_a_table"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not_a_table"),
    (b"a,b\nc,\x00d\n", "not_a_table"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "xls"),
    ("证书编号,认证制度\n".encode("utf-16"), "utf16"),
    (b"number,caf\xe9 au lait\n\xff\n", "unknown_encoding"),
    (b"", "empty"),
    (b"PK\x03\x04garbage-not-a-zip", "not_xlsx"),
    (b"\n\n \n", "no_header"),
])
def test_content_that_is_not_a_readable_table_is_refused(body, data, code):
    assert rejected(data, body).code == code
    assert nothing_written()


def test_a_zip_that_is_not_a_workbook_and_a_fake_xlsx_are_refused(body):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("readme.txt", "hello")
    assert rejected(out.getvalue(), body, name="data.xlsx").code == "not_xlsx"
    assert rejected(csv_bytes([row(1)]), body, name="data.xlsx").code == "not_xlsx"


def test_a_zip_bomb_is_refused_before_it_is_unpacked(body):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.xml", "<workbook/>")
        package.writestr("xl/worksheets/sheet1.xml", b"\x00" * (30 * 1024 * 1024))
    assert len(out.getvalue()) < 200 * 1024
    assert rejected(out.getvalue(), body).code == "zip_bomb"


def test_the_size_limit_applies_before_reading(body):
    data = csv_bytes([row(n) for n in range(50)])
    assert rejected(data, body, max_bytes=len(data) - 1).code == "too_large"
    assert run(data, body, max_bytes=len(data), dry_run=True).ok


def test_a_bad_byte_late_in_a_utf8_file_names_the_row_and_writes_nothing(body):
    long_scope = "机械零部件的设计和生产" * 60  # enough non-ASCII text to settle on UTF-8 early
    data = csv_bytes([row(n, 认证范围=long_scope) for n in range(1, 41)])
    assert len(data) > 70_000
    data += b"BAD0001Q,QMS,\xff\xfe,x\n"
    exc = rejected(data, body, chunk_size=10)
    assert exc.code == "decode_error" and "UTF-8" in exc.message
    assert nothing_written()


def test_a_missing_file_is_refused(body, tmp_path):
    with pytest.raises(FileRejected) as info:
        import_file(tmp_path / "missing.csv", actor=SYSTEM, body=body)
    assert info.value.code == "missing"


def test_csv_field_too_large_is_refused(body):
    data = csv_bytes([row(1, 认证范围="x" * (1024 * 1024 + 10))])
    assert rejected(data, body).code == "csv_error"


# --- Headers ---------------------------------------------------------------------------------


def test_english_headers_aliases_marks_and_any_order_are_read(body):
    english = ["number", "scheme", "holder_uscc", "holder_name", "holder_region", "holder_address", "issued_on",
               "expires_on", "scope_text", "scope_codes", "signed_by", "status", "status_reason", "suspended_until"]
    rows = [row(1), row(2)]
    zh = run(csv_bytes(rows), body, dry_run=True)
    en = run(csv_bytes(rows, header=english), body, dry_run=True)
    order = list(reversed(range(len(HEADER))))
    aliased = ["证书号", "认证项目", " USCC ", "获证组织名称*", "区划代码", "注册地址", "本次发证日期", "证书到期日期",
               "覆盖范围", "专业代码", "批准人", "状态", "原因", "暂停期限"]
    shuffled = run(csv_bytes([[r[i] for i in order] for r in rows], header=[aliased[i] for i in order]), body,
                   dry_run=True)
    tabbed = run(csv_bytes(rows, delimiter="\t"), body, dry_run=True)
    assert outcomes(zh) == outcomes(en) == outcomes(shuffled) == outcomes(tabbed)
    assert zh.count("created") == 2


def test_every_header_problem_is_reported_at_once(body):
    header = ["证书编号", "number", "认证制度", "统一社会信用代码", "获证组织名称", "发证日期", "有效期至", "认证范围",
              "证书类型", "# 内部备注"]
    exc = rejected(csv_bytes([[""] * len(header)], header=header), body)
    assert exc.code == "bad_header"
    assert errors_of(exc) == {(1, "number", "duplicate_column"), (1, "证书类型", "unknown_column"),
                              (1, "签发人", "missing_column")}


def test_the_header_is_the_first_non_blank_row_and_row_numbers_count_blank_rows(body):
    data = b"\n" + csv_bytes([row(1), [""] * len(HEADER), row(2, 发证日期="2026-02-30")])
    result = run(data, body, dry_run=True)
    assert errors_of(result) == {(5, "发证日期", "invalid_date")}
    assert [o.row for o in result.outcomes] == [3, 5]


def test_note_columns_are_ignored_and_headerless_values_are_errors(body):
    header = [*HEADER, "# 备注", ""]
    result = run(csv_bytes([[*row(1), "内部备注", ""], [*row(2), "", "多出来的值"], [*row(3), "x", "", "又多一列"]],
                           header=header), body, dry_run=True)
    assert errors_of(result) == {(3, "P", "no_header"), (4, "Q", "no_header")}
    assert result.count("created") == 1


# --- Cells -----------------------------------------------------------------------------------


def test_every_bad_cell_is_named_by_row_column_and_reason(body):
    rows = [
        row(1),
        row(2, 发证日期="15/03/2026"),
        row(3, 有效期至=""),
        row(4, 证书状态="作废"),
        row(5, 统一社会信用代码="9.13201E+17"),
        row(6, 发证日期="2026-13-01", 证书状态="lost"),
        row(7, 范围代码="45"),  # read fine; the engine refuses it
        row(8, 证书编号="IMP000001Q"),  # same number as row 2 of the file
    ]
    result = run(csv_bytes(rows), body, dry_run=True)
    assert errors_of(result) == {
        (3, "发证日期", "invalid_date"), (4, "有效期至", "required"), (5, "证书状态", "invalid_choice"),
        (6, "统一社会信用代码", "scientific_notation"), (7, "发证日期", "invalid_date"),
        (7, "证书状态", "invalid_choice"), (8, "范围代码", "unknown_sector"), (9, "证书编号", "duplicate_in_batch"),
    }
    assert [o.outcome for o in result.outcomes] == ["created"] + ["invalid"] * 7
    assert result.outcomes[3].number == "IMP000004Q"
    assert all(e.message for e in result.errors)


def test_multi_valued_and_number_cells_in_a_file(body):
    header = [*HEADER, "版本", "产品及型号", "覆盖场所"]
    rows = [[*row(1), "", "电冰箱: BCD-1, BCD-2", "总部|南京市示例路1号|设计; 一厂|南京市示例路8号"],
            [*row(2), "v2", "", ""], [*row(3), "", "：BCD-1", ""], [*row(4), "", "", "只有名称"]]
    result = run(csv_bytes(rows, header=header), body)
    assert errors_of(result) == {(3, "版本", "invalid_integer"), (4, "产品及型号", "invalid_products"),
                                 (5, "覆盖场所", "invalid_sites")}
    assert nothing_written()
    assert run(csv_bytes(rows[:1], header=header), body).written
    stored = Certificate.objects.get(number="IMP000001Q")
    assert stored.products == [{"name": "电冰箱", "models": ["BCD-1", "BCD-2"]}]
    assert [s["name"] for s in stored.sites] == ["总部", "一厂"] and stored.scope_codes == ["17", "18"]


@pytest.mark.parametrize("text", ["2026-03-05", "2026/3/5", "2026.03.05", "2026年3月5日", "20260305",
                                  "2026-03-05 00:00:00", "２０２６－０３－０５", 46086, dt.datetime(2026, 3, 5, 8, 0)])
def test_dates_as_text_excel_serials_or_dates(text):
    assert read_date(text) == dt.date(2026, 3, 5)


@pytest.mark.parametrize("text", ["2026-02-30", "March 5", "5.3.2026", -3, 99999999])
def test_bad_dates(text):
    with pytest.raises(CellError):
        read_date(text)


def test_multi_valued_cells():
    assert read_codes("17；18、19 20,21，22\n23") == ["17", "18", "19", "20", "21", "22", "23"]
    assert read_codes(17) == ["17"] and read_codes(None) == []
    assert read_products("电冰箱: BCD-1, BCD-2；冷冻箱：BD-1、BD-2; 制冰机") == [
        {"name": "电冰箱", "models": ["BCD-1", "BCD-2"]}, {"name": "冷冻箱", "models": ["BD-1", "BD-2"]},
        {"name": "制冰机", "models": []}]
    assert read_sites("总部|南京市示例路1号|设计；一厂｜南京市示例路8号") == [
        {"name": "总部", "address": "南京市示例路1号", "scope": "设计"},
        {"name": "一厂", "address": "南京市示例路8号", "scope": ""}]
    assert read_status("暂停") == "suspended" and read_status("Revoked") == "revoked" and read_status("") == "valid"
    for bad, reader in ((": BCD-1", read_products), ("总部", read_sites), ("a|b|c|d", read_sites),
                        ("|地址", read_sites)):
        with pytest.raises(CellError):
            reader(bad)


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_with_excel_dates_numbers_and_a_named_sheet(body):
    first = row(1)
    first[6], first[7] = dt.datetime.combine(ISSUED, dt.time()), EXPIRES  # Excel dates
    first[4] = 320102  # a number cell
    second = row(2, 范围代码=17)
    data = xlsx_bytes([first, second], title="证书", before=2)
    result = run(data, body, name="x.bin", dry_run=True)
    assert result.file.format == "xlsx" and result.file.sheet == "证书"
    assert result.ok and [o.row for o in result.outcomes] == [4, 5]
    assert run(data, body, sheet="证书", dry_run=True).ok
    exc = rejected(data, body, sheet="数据")
    assert exc.code == "no_sheet" and "证书" in exc.message


def test_xlsx_codes_damaged_by_excel_are_refused(body):
    data = xlsx_bytes([row(1, 证书编号=2025010701000123), row(2, 统一社会信用代码=9.13201e17)])
    result = run(data, body, dry_run=True)
    assert errors_of(result) == {(2, "证书编号", "number_precision"), (3, "统一社会信用代码", "number_precision")}


def _replace_in_package(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, content if item.filename == name else source.read(item))
    return out.getvalue()


def test_damaged_workbooks_are_refused(body):
    good = xlsx_bytes([row(1)])
    broken_book = _replace_in_package(good, "xl/workbook.xml", b"<workbook><oops")
    assert rejected(broken_book, body).code == "not_xlsx"
    with zipfile.ZipFile(io.BytesIO(good)) as package:
        sheet = package.read("xl/worksheets/sheet1.xml")
    cut = sheet.index(b'<row r="2"')  # readable up to the header, broken in the first data row
    broken_sheet = _replace_in_package(good, "xl/worksheets/sheet1.xml", sheet[:cut + 30])
    exc = rejected(broken_sheet, body)
    assert exc.code == "not_xlsx" and "读取工作簿时出错" in exc.message and nothing_written()


def test_an_empty_sheet_is_refused(body):
    book = Workbook()
    out = io.BytesIO()
    book.save(out)
    assert rejected(out.getvalue(), body).code == "no_header"


# --- Chunks, all or nothing, idempotence -------------------------------------------------------


def test_a_dry_run_checks_every_chunk_and_writes_nothing(body):
    rows = [row(n) for n in range(1, 10)]
    rows[1] = row(2, 范围代码="99")
    rows[7] = row(8, 有效期至="soon")
    result = run(csv_bytes(rows), body, dry_run=True, chunk_size=3)
    assert errors_of(result) == {(3, "范围代码", "unknown_sector"), (9, "有效期至", "invalid_date")}
    assert result.total == 9 and result.count("created") == 7
    assert nothing_written()


def test_a_real_run_writes_every_chunk_or_nothing(body):
    rows = [row(n) for n in range(1, 8)]
    rows[6] = row(7, 证书状态="撤销")  # a revocation needs its reason
    records = ChangeRecord.objects.count()
    result = run(csv_bytes(rows), body, chunk_size=2)
    assert not result.written and errors_of(result) == {(8, "状态变更原因", "required")}
    assert nothing_written() and ChangeRecord.objects.count() == records
    rows[6] = row(7, 证书状态="撤销", 状态变更原因="获证组织申请注销前违规使用证书")
    fixed = run(csv_bytes(rows), body, chunk_size=2)
    assert fixed.written and Certificate.objects.filter(body=body).count() == 7
    assert Certificate.objects.get(number="IMP000007Q").status == "revoked"


def _reltuples() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'certificates_certificate'")
        return cursor.fetchone()[0]


def test_a_long_import_refreshes_the_statistics_its_lookups_are_planned_with(body, monkeypatch):
    # PostgreSQL: ANALYZE inside the import's transaction, each time the rows written double.
    monkeypatch.setattr(importer._Statistics, "FIRST", 4)
    analyzed: list[int] = []
    after = importer._Statistics.after

    def counted(self, written):
        before = self.next
        after(self, written)
        if self.next != before:
            analyzed.append(written)

    monkeypatch.setattr(importer._Statistics, "after", counted)
    result = run(csv_bytes([row(n) for n in range(1, 13)]), body, chunk_size=2)
    assert result.written
    if connection.vendor != "postgresql":
        assert analyzed == []
        return
    assert analyzed == [4, 8]
    assert _reltuples() >= 8  # the statistics count the transaction's own rows


def test_an_import_goes_on_when_the_statistics_cannot_be_refreshed(body, monkeypatch):
    monkeypatch.setattr(importer._Statistics, "FIRST", 2)
    monkeypatch.setattr(importer._Statistics, "table", "no_such_table")
    result = run(csv_bytes([row(n) for n in range(1, 7)]), body, chunk_size=2)
    assert result.written and Certificate.objects.filter(body=body).count() == 6


def test_an_error_in_the_first_chunk_stops_writing_but_later_chunks_are_still_checked(body):
    rows = [row(1, 范围代码="77"), row(2), row(3), row(4, 签发人="")]
    result = run(csv_bytes(rows), body, chunk_size=1)
    assert errors_of(result) == {(2, "范围代码", "unknown_sector"), (5, "签发人", "required")}
    assert nothing_written()


def test_numbers_repeated_in_different_chunks_are_errors(body):
    rows = [row(1), row(2), row(3), row(4, 证书编号="IMP000001Q")]
    result = run(csv_bytes(rows), body, chunk_size=2)
    assert errors_of(result) == {(5, "证书编号", "duplicate_in_batch")}
    assert "第 2 行" in result.errors[0].message and nothing_written()


def test_resending_a_file_changes_nothing_and_a_changed_file_derives_events(body):
    rows = [row(n) for n in range(1, 5)]
    assert run(csv_bytes(rows), body, chunk_size=3).written
    counts = (Certificate.objects.count(), len(trail.events()), ChangeRecord.objects.count())
    again = run(csv_bytes(rows), body, chunk_size=3)
    assert again.ok and again.counts() == {"created": 0, "updated": 0, "unchanged": 4, "invalid": 0}
    assert (Certificate.objects.count(), len(trail.events()), ChangeRecord.objects.count()) == counts
    rows[2] = row(3, 统一社会信用代码=rows[2][2], 证书状态="暂停", 状态变更原因="监督审核发现严重不符合",
                  暂停截止日期=(TODAY + dt.timedelta(days=30)).isoformat())
    changed = run(csv_bytes(rows), body, chunk_size=3)
    assert changed.counts()["updated"] == 1 and changed.outcomes[2].events == ["suspend"]
    assert Certificate.objects.get(number="IMP000003Q").status == "suspended"


def test_progress_is_reported_after_every_chunk(body):
    calls: list[tuple[int, int | None]] = []
    run(csv_bytes([row(n) for n in range(1, 8)]), body, dry_run=True, chunk_size=3,
        progress=lambda done, total: calls.append((done, total)))
    assert calls == [(3, 7), (6, 7), (7, 7)]


# --- Reports ---------------------------------------------------------------------------------


def test_report_files_list_every_row_its_events_and_errors(body, tmp_path):
    rows = [row(1), row(2, 证书编号="=HYPERLINK(\"http://x\")"), row(3, 范围代码="50")]
    result = run(csv_bytes(rows), body, dry_run=True)
    report = json.loads(write_report(result, tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["dry_run"] and not report["ok"] and report["total"] == 3 and report["created"] == 1
    assert report["rows"][0] == {"row": 2, "number": "IMP000001Q", "outcome": "created", "events": ["issue"]}
    assert {(e["row"], e["column"], e["code"]) for e in report["errors"]} == {
        (3, "证书编号", "invalid_number"), (4, "范围代码", "unknown_sector")}
    text = write_report(result, tmp_path / "r.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert lines[1][:4] == ["2", "IMP000001Q", "created", "issue"]
    assert lines[2][1] == "'=HYPERLINK(\"http://x\")" and lines[2][6] == "invalid_number"
    assert lines[3][4:7] == ["范围代码", "scope_codes", "unknown_sector"]


def test_the_json_report_written_row_by_row_is_the_whole_result(body, tmp_path):
    result = run(csv_bytes([row(1), row(2, 范围代码="50"), row(3)]), body, dry_run=True)
    assert json.loads(write_report(result, tmp_path / "r.json").read_text(encoding="utf-8")) == result.as_dict()
    empty = run(csv_bytes([]), body, dry_run=True)
    assert empty.total == 0
    assert json.loads(write_report(empty, tmp_path / "e.json").read_text(encoding="utf-8")) == empty.as_dict()


def test_row_outcomes_are_kept_compactly_and_read_back_as_they_were_given():
    given = [RowOutcome(2, "A1", "created", ["issue", "surveillance_pass"]), RowOutcome(3, "A2", "invalid"),
             RowOutcome(None, "", "invalid"), RowOutcome(5, "A4", "created", ["issue", "surveillance_pass"]),
             RowOutcome(6, "A5", "unchanged")]
    kept = RowOutcomes(given)
    assert list(kept) == given and len(kept) == 5 and kept[-1] == given[-1] and kept[2].row is None
    assert kept.counts() == {"created": 2, "updated": 0, "unchanged": 1, "invalid": 2}
    assert len(kept._event_lists) == 2  # each distinct list of events once
    kept[0].events.append("x")  # what is read is a copy
    assert kept[0] == given[0]


def test_a_rejected_file_has_a_report_too(tmp_path):
    exc = FileRejected("bad_header", "表头有问题", [])
    data = json.loads(write_rejection(exc, tmp_path / "r.json", name="a.csv").read_text(encoding="utf-8"))
    assert data["rejected"]["code"] == "bad_header" and not data["ok"]
    lines = write_rejection(exc, tmp_path / "r.csv", name="a.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].endswith("bad_header,表头有问题")


# --- Samples and the documented template -------------------------------------------------------


def test_the_samples_import_and_all_three_give_the_same_result(body):
    results = [import_file(DOCS / "samples" / name, actor=SYSTEM, body=body, dry_run=True) for name in SAMPLES]
    for result in results:
        assert result.ok, [e.as_dict() for e in result.errors]
        assert result.total == 6
    assert outcomes(results[0]) == outcomes(results[1]) == outcomes(results[2])
    assert [r.file.encoding for r in results] == ["utf-8-sig", "gb18030", ""]
    first = import_file(DOCS / "samples" / SAMPLES[2], actor=SYSTEM, body=body)
    assert first.written and first.count("created") == 6
    for name in SAMPLES:
        assert import_file(DOCS / "samples" / name, actor=SYSTEM, body=body).count("unchanged") == 6


def test_the_template_document_describes_every_column():
    text = (DOCS / "import-template.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column.field}`" in text and column.zh in text, column.field
        assert column.example in text, column.field


def test_the_xlsx_sample_keeps_codes_as_text():
    book = load_workbook(DOCS / "samples" / SAMPLES[2], read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[4][0] == "2025010701000123" and isinstance(rows[1][6], dt.datetime)
    with open_table(DOCS / "samples" / SAMPLES[0]) as table:
        assert table.header_row == 1 and table.total_hint == 6
