"""`certinel import` and `certinel export`: exit statuses, report files, the acting user; an
import killed half-way (a real process, SIGKILL) leaves nothing and a re-run writes everything
once; exports in four formats with the status on read, escaped against formula injection and
streamed."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from openpyxl import load_workbook

from certinel.accounts.models import Role
from certinel.certificates import trail
from certinel.certificates.io.export import (
    FIELDS,
    ExportFilters,
    csv_chunks,
    effective_status_q,
    export_queryset,
    export_response,
    export_rows,
    write_export,
    write_parquet,
)
from certinel.certificates.lifecycle import effective_status
from certinel.certificates.models import Certificate
from certinel.certificates.reporting import report_certificates
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, build_user, certificate_data
from certinel.reference.generators import make_uscc
from certinel.registry.models import Organization

TODAY = dt.date.today()
SAMPLES = Path(__file__).resolve().parents[4] / "docs" / "samples"
HEADER = ("证书编号,认证制度,统一社会信用代码,获证组织名称,获证组织区划代码,获证组织地址,发证日期,有效期至,"
          "认证范围,范围代码,签发人")


def big_csv(path: Path, rows: int, *, seed: int = 9, bad_row: int | None = None) -> Path:
    rng = random.Random(seed)
    issued = TODAY - dt.timedelta(days=3)
    expires = issued.replace(year=issued.year + 3) - dt.timedelta(days=1)
    lines = [HEADER]
    for n in range(1, rows + 1):
        codes = "99" if n == bad_row else "17;18"
        lines.append(f"BIG{n:06d}Q,QMS,{make_uscc('320102', rng)},南京示例批量{n}有限公司,320102,示例路{n}号,"
                     f"{issued},{expires},机械零部件的设计和生产,{codes},王签发")
    path.write_text("\n".join(lines) + "\n", encoding="gb18030")
    return path


def import_(path: Path, body, **opts):
    out, err = io.StringIO(), io.StringIO()
    opts.setdefault("no_progress", True)
    try:
        call_command("import", str(path), body=body.approval_no, stdout=out, stderr=err, **opts)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


# --- certinel import -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_dry_run_then_a_real_run_then_the_same_again(tmp_path):
    body = body_with_scopes()
    path = big_csv(tmp_path / "ok.csv", 5)
    code, out = import_(path, body, dry_run=True, report=str(tmp_path / "dry.json"))
    assert code == 0 and "Dry run passed: a real import would create 5" in out and not Certificate.objects.exists()
    assert json.loads((tmp_path / "dry.json").read_text(encoding="utf-8"))["created"] == 5
    code, out = import_(path, body, report=str(tmp_path / "real.csv"))
    assert code == 0 and "All data written: 5 created" in out and Certificate.objects.filter(body=body).count() == 5
    lines = list(csv.reader(io.StringIO((tmp_path / "real.csv").read_text(encoding="utf-8-sig"))))
    assert lines[1][:4] == ["2", "BIG000001Q", "created", "issue"]
    events = trail.events(body_id=body.pk)
    assert {(e.via, e.actor_label) for e in events} == {("import", f"import:{body.approval_no}")}
    code, out = import_(path, body, report=str(tmp_path / "again.json"))
    assert code == 0 and json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))["unchanged"] == 5
    # The same file again changes nothing, and says so.
    assert "Nothing changed: all 5 certificates already match the register" in " ".join(out.split())
    assert "written:" not in out.lower() and "All data written" not in out
    code, out = import_(path, body, dry_run=True, report=str(tmp_path / "dry-again.json"))
    assert code == 0 and "Dry run passed: all 5 certificates already match the register; a real import would " \
                         "change nothing." in " ".join(out.split())
    assert len(trail.events(body_id=body.pk)) == 5


@pytest.mark.django_db
def test_invalid_rows_exit_1_and_write_nothing(tmp_path):
    body = body_with_scopes()
    code, out = import_(big_csv(tmp_path / "bad.csv", 4, bad_row=3), body, report=str(tmp_path / "r.json"))
    assert code == 1 and "NOTHING written" in out and "unknown_sector" in out
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert not report["written"] and report["errors"][0]["row"] == 4 and report["errors"][0]["column"] == "范围代码"
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_unreadable_input_and_unknown_names_exit_2(tmp_path):
    body = body_with_scopes()
    exe = tmp_path / "virus.csv"
    exe.write_bytes(b"MZ\x90\x00" + bytes(200))
    code, out = import_(exe, body, report=str(tmp_path / "r.json"))
    assert code == 2 and "File not imported" in out
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["rejected"]["code"] == "not_a_table"
    header_only = tmp_path / "header.csv"
    header_only.write_text("证书编号,签名\n", encoding="utf-8")
    code, out = import_(header_only, body, report=str(tmp_path / "h.csv"))
    assert code == 2 and "unknown_column" in out and "missing_column" in out
    assert "missing_column" in (tmp_path / "h.csv").read_text(encoding="utf-8-sig")
    assert import_(tmp_path / "none.csv", body, report=str(tmp_path / "n.json"))[0] == 2
    ok = big_csv(tmp_path / "ok.csv", 1)
    with pytest.raises(CommandError) as info:
        call_command("import", str(ok), body="CNCA-R-1999-999", no_progress=True)
    assert info.value.returncode == 2
    assert import_(ok, body, as_user="nobody", report=str(tmp_path / "u.json"))[0] == 2
    assert import_(SAMPLES / "certificates-sample.xlsx", body, sheet="数据", report=str(tmp_path / "s.json"))[0] == 2


@pytest.mark.django_db
def test_acting_as_an_operator_of_the_body_and_not_of_another(tmp_path):
    body, other = body_with_scopes(), body_with_scopes()
    operator = build_user(Role.CB_OPERATOR, body=body)
    stranger = build_user(Role.CB_OPERATOR, body=other)
    path = big_csv(tmp_path / "ok.csv", 2)
    assert import_(path, body, as_user=stranger.username, report=str(tmp_path / "x.json"))[0] == 2
    assert not Certificate.objects.exists()
    assert import_(path, body, as_user=operator.username, report=str(tmp_path / "y.json"))[0] == 0
    assert {(e.actor_label, e.via) for e in trail.events()} == {(operator.username, "import")}


@pytest.mark.django_db
def test_the_xlsx_sample_by_sheet_name_with_a_default_report_path(tmp_path, monkeypatch):
    body = body_with_scopes(schemes=("QMS", "EMS"), ccc_products=("0701",))
    monkeypatch.chdir(tmp_path)
    code, out = import_(SAMPLES / "certificates-sample.xlsx", body, sheet="证书")
    assert code == 0 and Certificate.objects.filter(body=body).count() == 6
    reports = list(tmp_path.glob("import-report-certificates-sample-*.json"))
    assert len(reports) == 1 and str(reports[0].name) in out


# --- Killed half-way ---------------------------------------------------------------------------


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "postgres") + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _command(path: Path, body, report: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "certinel.settings.dev", "DATABASE_URL": _database_url(),
           "CERTINEL_DATA_DIR": str(report.parent), "CERTINEL_PERSONAL_DATA_SALT": "test-salt",
           "PYTHONPATH": str(Path(__file__).resolve().parents[3]), "PYTHONUNBUFFERED": "1"}
    env.pop("CERTINEL_TEST_DB", None)
    args = [sys.executable, "-m", "certinel.cli", "import", str(path), "--body", body.approval_no,
            "--chunk-size", "40", "--report", str(report)]
    return args, env


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_half_way_leaves_nothing_and_a_rerun_writes_everything_once(tmp_path):
    """A real process, a real database (the file-backed SQLite database or the PostgreSQL
    database of this test run), SIGKILL in the middle of the transaction."""
    body = body_with_scopes()
    rows = 240
    path = big_csv(tmp_path / "big.csv", rows)
    records = ChangeRecord.objects.count()
    args, env = _command(path, body, tmp_path / "killed.json")
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    seen = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            seen.append(line)
            if line.startswith("progress ") and int(line.split()[1].split("/")[0]) >= 80:
                proc.send_signal(signal.SIGKILL)  # two chunks written, inside the transaction
                break
        proc.wait(timeout=60)
    finally:
        watchdog.cancel()
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    assert not Certificate.objects.filter(body=body).exists()
    assert not trail.events(body_id=body.pk)
    assert not Organization.objects.filter(name__startswith="南京示例批量").exists()
    assert ChangeRecord.objects.count() == records
    assert not (tmp_path / "killed.json").exists()

    args, env = _command(path, body, tmp_path / "rerun.json")
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    certs = Certificate.objects.filter(body=body)
    assert certs.count() == rows
    assert not certs.values("number").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert len(trail.events(body_id=body.pk)) == rows
    assert Organization.objects.filter(name__startswith="南京示例批量").count() == rows
    report = json.loads((tmp_path / "rerun.json").read_text(encoding="utf-8"))
    assert report["written"] and report["created"] == rows

    code, _ = import_(path, body, report=str(tmp_path / "resend.json"))
    assert code == 0 and certs.count() == rows and len(trail.events(body_id=body.pk)) == rows


# --- Export ----------------------------------------------------------------------------------


@pytest.fixture
def register():
    """Certificates in every status on read: valid, suspended (reported), revoked, one past its
    expiry and one with overdue surveillance (both still stored as valid), in two regions."""
    body = body_with_scopes()
    nanjing = build_org(name="=南京示例导出有限公司")
    suzhou = build_org(region_code="320506", name="苏州示例导出有限公司")
    now = [certificate_data(holder=nanjing, number="EXP0000001", scope_codes=["17", "18"]),
           certificate_data(holder=suzhou, number="EXP0000002", scheme="EMS", status="suspended",
                            status_reason="监督审核发现问题", suspended_until=TODAY + dt.timedelta(days=30)),
           certificate_data(holder=suzhou, number="EXP0000003", status="revoked", status_reason="虚假认证")]
    assert report_certificates(actor=SYSTEM, body=body, items=now).ok
    old = TODAY - dt.timedelta(days=3 * 365)
    expired = certificate_data(holder=nanjing, number="EXP0000004", issued_on=old - dt.timedelta(days=30))
    overdue = certificate_data(holder=suzhou, number="EXP0000005", issued_on=TODAY - dt.timedelta(days=500))
    assert report_certificates(actor=SYSTEM, body=body, items=[expired], today=old).ok
    assert report_certificates(actor=SYSTEM, body=body, items=[overdue], today=TODAY - dt.timedelta(days=499)).ok
    return body


def export_file(tmp_path: Path, fmt: str, **filters) -> Path:
    out = tmp_path / f"export.{fmt}"
    call_command("export", format=fmt, output=str(out), no_progress=True, stdout=io.StringIO(), **filters)
    return out


@pytest.mark.django_db
def test_csv_export_is_excel_friendly_escaped_and_shows_the_status_on_read(register, tmp_path):
    data = export_file(tmp_path, "csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == [zh for _k, zh, _t in FIELDS]
    by_number = {r["证书编号"]: r for r in rows}
    assert {n: r["证书状态"] for n, r in by_number.items()} == {
        "EXP0000001": "valid", "EXP0000002": "suspended", "EXP0000003": "revoked", "EXP0000004": "expired",
        "EXP0000005": "suspended"}
    first = by_number["EXP0000001"]
    assert first["获证组织名称"] == "'=南京示例导出有限公司" and first["范围代码"] == "17;18"
    assert first["发证机构批准号"] == register.approval_no and first["所在地区"] == "玄武区"
    assert by_number["EXP0000004"]["状态变更日期"] != "" and by_number["EXP0000005"]["暂停截止日期"] != ""
    english = list(csv.reader(io.StringIO(export_file(tmp_path, "csv", headers="en").read_text("utf-8-sig"))))
    assert english[0][:3] == ["number", "scheme", "scheme_name"]


@pytest.mark.django_db
def test_xlsx_jsonl_and_parquet_exports(register, tmp_path):
    import pyarrow.parquet as pq

    sheet = load_workbook(export_file(tmp_path, "xlsx")).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "证书编号" and len(values) == 6
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert cells["EXP0000001"][4].value == "'=南京示例导出有限公司" and cells["EXP0000001"][4].data_type == "s"
    assert isinstance(cells["EXP0000001"][11].value, dt.datetime)
    lines = export_file(tmp_path, "jsonl").read_text(encoding="utf-8").splitlines()
    first = next(json.loads(line) for line in lines if '"EXP0000001"' in line)
    assert first["scope_codes"] == ["17", "18"] and first["holder_name"] == "=南京示例导出有限公司"
    assert first["issued_on"] == (TODAY - dt.timedelta(days=30)).isoformat()
    table = pq.read_table(export_file(tmp_path, "parquet"))
    assert table.num_rows == 5 and table.column_names == [k for k, _zh, _t in FIELDS]
    assert str(table.schema.field("issued_on").type) == "date32[day]"
    assert sorted(table.column("status").to_pylist()) == ["expired", "revoked", "suspended", "suspended", "valid"]


@pytest.mark.django_db
def test_filters_use_the_status_on_read_region_scheme_and_body(register, tmp_path):
    for status in ("valid", "suspended", "revoked", "cancelled", "expired"):
        found = set(export_queryset(ExportFilters(status=status)).values_list("number", flat=True))
        expected = {c.number for c in Certificate.objects.select_related("scheme")
                    if effective_status(c, c.scheme, TODAY)[0] == status}
        assert found == expected, status
    assert Certificate.objects.filter(effective_status_q("valid", TODAY)).count() == 1

    def numbers(**kw) -> set[str]:
        return {json.loads(x)["number"] for x in export_file(tmp_path, "jsonl", **kw).read_text().splitlines()}

    assert numbers(region="320506") == {"EXP0000002", "EXP0000003", "EXP0000005"}
    assert numbers(region="32", scheme="EMS") == {"EXP0000002"}
    assert numbers(status="suspended", body=register.approval_no) == {"EXP0000002", "EXP0000005"}
    for bad in ({"region": "3"}, {"status": "lost"}):
        with pytest.raises(CommandError):
            export_file(tmp_path, "csv", **bad)
    with pytest.raises(CommandError):
        call_command("export", output=str(tmp_path / "x.txt"), no_progress=True)
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.django_db
def test_export_responses_stream_csv_and_jsonl_and_send_files_for_xlsx_and_parquet(register):
    qs = export_queryset(ExportFilters(scheme="QMS"))
    response = export_response(qs, "csv", filename="qms")
    assert response.streaming and response["Content-Disposition"] == 'attachment; filename="qms.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.count("\n") == 5 and "EXP0000002" not in text
    lines = b"".join(export_response(qs, "jsonl").streaming_content).decode().splitlines()
    assert len(lines) == 4
    xlsx = export_response(qs, "xlsx")
    assert xlsx.streaming and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.max_row == 5
    parquet = export_response(qs, "parquet")
    assert b"".join(parquet.streaming_content)[:4] == b"PAR1"
    assert [r["number"] for r in export_rows(qs)] == ["EXP0000001", "EXP0000003", "EXP0000004", "EXP0000005"]


def _synthetic(count: int, consumed: list[int]):
    base = {k: f"示例{k}" for k, _zh, kind in FIELDS if kind == "str"}
    for n in range(count):
        consumed[0] += 1
        yield {**base, "number": f"SYN{n:08d}", "scope_codes": ["17", "18"], "first_issued_on": TODAY,
               "issued_on": TODAY, "expires_on": TODAY, "status_changed_on": None, "suspended_until": None}


def test_csv_is_written_as_it_is_read():
    consumed = [0]
    chunks = csv_chunks(_synthetic(10_000, consumed), batch=500)
    next(chunks), next(chunks)
    assert consumed[0] == 500  # the header, then the first 500 rows: nothing more was read


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_writers_use_the_same_memory_for_four_times_the_rows(tmp_path, fmt):
    peaks = []
    for count in (3000, 12000):
        tracemalloc.start()
        with (tmp_path / f"big.{fmt}").open("wb") as out:
            if fmt == "parquet":
                assert write_parquet(_synthetic(count, [0]), out, batch=1000) == count
            else:
                assert write_export(_synthetic(count, [0]), fmt, out) == count
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.3 + 256 * 1024, peaks


@pytest.mark.django_db
def test_exported_dates_match_a_renewed_certificate(register):
    cert = Certificate.objects.get(number="EXP0000001")
    data = certificate_data(holder=cert.holder, number=cert.number, scope_codes=["17", "18"])
    renewed = dataclasses.replace(data, issued_on=TODAY, expires_on=TODAY.replace(year=TODAY.year + 3))
    assert report_certificates(actor=SYSTEM, body=register, items=[renewed]).ok
    row = next(r for r in export_rows(Certificate.objects.filter(pk=cert.pk)))
    assert (row["issued_on"], row["expires_on"], row["status"]) == (TODAY, renewed.expires_on, "valid")


def test_imports_change_the_collector_settings_only_while_they_run():
    """Overlapping imports (threads of one server) leave the cycle collector as they found it."""
    import gc

    from certinel.certificates.io import importer

    before = gc.get_threshold()
    with importer._fewer_collections():
        assert gc.get_threshold()[0] >= 50_000 and gc.get_freeze_count() > 0
        with importer._fewer_collections():
            pass
        assert gc.get_threshold()[0] >= 50_000  # the inner one ending does not restore them
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
