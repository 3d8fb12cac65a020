"""`certinel reports import FILE --lab CMA_NO [--dry-run]`: every bad row reported, all or
nothing, and re-importing the same file changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from certinel.core.history import history_for
from certinel.qualification.models import TestReport

from .factories import SIGNATORY, lab_with_scope

pytestmark = pytest.mark.django_db
HEADER = "number,issued_on,sample_received_on,client_name,object,parameters,signatory,pdf_sha256,status,status_reason"
GOOD = [f"R-1,2025-06-10,2025-06-02,示例粮油有限公司,大米,铅含量|GB 5009.12-2017;水分|GB 5009.3-2016,{SIGNATORY},"
        f"{'ab' * 32},,",
        f"R-2,2025-06-11,2025-06-03,另一示例公司,大米,铅含量|GB 5009.12-2017,{SIGNATORY},,withdrawn,数据有误"]


def _run(tmp_path, lab, lines, *args, encoding="utf-8"):
    path = tmp_path / "reports.csv"
    path.write_bytes("\n".join(lines).encode(encoding))
    out = io.StringIO()
    code = 0
    try:
        call_command("reports", "import", str(path), "--lab", lab.cma_no, *args, stdout=out)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue()


def test_a_good_file_is_written_and_importing_it_again_changes_nothing(tmp_path):
    lab = lab_with_scope()
    code, out = _run(tmp_path, lab, [HEADER, *GOOD])
    assert code == 0 and "2 new" in out
    one = TestReport.objects.get(lab=lab, number="R-1")
    assert one.parameters[1] == {"parameter": "水分", "standard": "GB 5009.3-2016"} and one.pdf_sha256 == "ab" * 32
    assert TestReport.objects.get(number="R-2").status == "withdrawn"
    code, out = _run(tmp_path, lab, [HEADER, *GOOD])
    assert code == 0 and "2 unchanged" in out and history_for(one).count() == 1


def test_gb18030_is_read(tmp_path):
    lab = lab_with_scope()
    code, _out = _run(tmp_path, lab, [HEADER, GOOD[0]], encoding="gb18030")
    assert code == 0 and TestReport.objects.get(number="R-1").client_name == "示例粮油有限公司"


def test_a_dry_run_writes_nothing(tmp_path):
    lab = lab_with_scope()
    code, out = _run(tmp_path, lab, [HEADER, *GOOD], "--dry-run")
    assert code == 0 and "Would write: 2 new" in out and not TestReport.objects.exists()


def test_every_bad_row_is_reported_and_nothing_written(tmp_path):
    lab = lab_with_scope()
    bad = [
        HEADER,
        GOOD[0],
        f"R-3,2025-13-01,2025-06-02,甲公司,大米,铅含量|GB 5009.12-2017,{SIGNATORY},,,",    # row 3: bad date
        f"R-4,2025-06-10,,甲公司,大米,铅含量|GB 5009.12-2017,{SIGNATORY},,,",              # row 4: no receipt date
        f"R-5,2025-06-10,2025-06-02,甲公司,大米,铅含量,{SIGNATORY},,,",                     # row 5: no standard
        f"R-6,2025-06-10,2025-06-02,,大米,铅含量|GB 5009.12-2017,{SIGNATORY},xyz,,",        # row 6: client, hash
        f"R-1,2025-06-10,2025-06-02,甲公司,大米,铅含量|GB 5009.12-2017,{SIGNATORY},,,",     # row 7: duplicate
        f"R-8,2025-06-10,2025-06-02,甲公司,大米,铅含量|GB 5009.12-2017,{SIGNATORY},,lost,",  # row 8: status
        f"R-9,2025-06-10,2025-06-02,甲公司,大米,铅含量|GB 5009.12-2017,{SIGNATORY},,,,extra",  # row 9: extra cell
    ]
    code, out = _run(tmp_path, lab, bad)
    assert code == 1 and not TestReport.objects.exists()
    for expected in ("row 3: issued_on", "row 4: sample_received_on", "row 5: parameters", "row 6: client_name",
                     "row 6: pdf_sha256", "row 7: number", "row 8: status", "row 9: row"):
        assert expected in out, (expected, out)
    assert "nothing written" in out


def test_a_reused_number_with_another_content_is_refused_by_field(tmp_path):
    lab = lab_with_scope()
    _run(tmp_path, lab, [HEADER, GOOD[0]])
    changed = GOOD[0].replace(",大米,", ",糙米,")
    code, out = _run(tmp_path, lab, [HEADER, changed])
    assert code == 1 and "row 2: object_name" in out and "content_changed" in out
    code, out = _run(tmp_path, lab, [HEADER + ",correction", changed + ",yes"])
    assert code == 0 and "1 updated" in out and TestReport.objects.get(number="R-1").object_name == "糙米"
    code, out = _run(tmp_path, lab, [HEADER + ",correction", changed + ",maybe"])
    assert code == 1 and "row 2: correction" in out


@pytest.mark.parametrize(("content", "message"), [
    (b"number,issued_on\nR-1,2025-06-10\n", "sample_received_on"),
    ((HEADER + ",colour\n").encode(), "colour"),
    (b"\xff\xfe\x00\x00\x81", "UTF-8"),
])
def test_a_file_that_cannot_be_read_is_refused_whole(tmp_path, content, message):
    lab = lab_with_scope()
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("reports", "import", str(path), "--lab", lab.cma_no)


def test_an_unknown_lab_or_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No lab"):
        call_command("reports", "import", str(tmp_path / "x.csv"), "--lab", "000000000000")
    lab = lab_with_scope()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("reports", "import", str(tmp_path / "missing.csv"), "--lab", lab.cma_no)


def test_the_sample_and_results_columns_are_read_and_a_changed_digest_is_refused(tmp_path):
    lab = lab_with_scope()
    header = HEADER + ",sample_no,results_sha256"
    row = GOOD[0] + ",YP2025-001," + "c3" * 32
    code, out = _run(tmp_path, lab, [header, row])
    assert code == 0 and "1 new" in out
    report = TestReport.objects.get(lab=lab, number="R-1")
    assert (report.sample_no, report.results_sha256) == ("YP2025-001", "c3" * 32)
    code, out = _run(tmp_path, lab, [header, row])
    assert code == 0 and "1 unchanged" in out
    code, out = _run(tmp_path, lab, [header, GOOD[0] + ",YP2025-001," + "d4" * 32])
    assert code == 1 and "row 2: results_sha256" in out and "content_changed" in out
    code, out = _run(tmp_path, lab, [header, GOOD[0] + ",YP2025-001,xyz"])
    assert code == 1 and "row 2: results_sha256" in out and "invalid_hash" in out
