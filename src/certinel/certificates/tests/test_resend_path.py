"""The import's resend path: a row sent again as it was, for a certificate that has not changed
since, is "unchanged" without being read and checked again, and the import writes nothing.
Every other row takes the full path: a changed row, a certificate changed since by another
channel, a status whose checks depend on the day, a repeated number, an import read ahead by a
thread. The outcome is always the one the full path gives."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import transaction

from certinel.accounts.models import Role
from certinel.certificates import services
from certinel.certificates.io import import_file
from certinel.certificates.io.rows import RowParser
from certinel.certificates.models import Certificate, ReportedRow
from certinel.core.errors import NotPermitted
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import SYSTEM, actor_for, body_with_scopes, build_user

from .test_io import EXPIRES, HEADER, TODAY, csv_bytes, outcomes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def body():
    return body_with_scopes(schemes=("QMS", "EMS"), ccc_products=("0701",))


@pytest.fixture
def parsed(monkeypatch):
    """The rows the import read and checked (the full path), by certificate number."""
    seen: list[str] = []
    original = RowParser.parse

    def parse(self, number, values):
        data, errors = original(self, number, values)
        seen.append(data.number if data is not None else f"row {number}")
        return data, errors

    monkeypatch.setattr(RowParser, "parse", parse)
    return seen


def send(data: bytes, body, **kw):
    return import_file(io.BytesIO(data), actor=kw.pop("actor", SYSTEM), body=body, name="list.csv", **kw)


def stored(body) -> tuple:
    """What the register holds: certificates, history records and fingerprints."""
    return (sorted(Certificate.objects.filter(body=body).values_list("number", "status", "version")),
            ChangeRecord.objects.count(),
            sorted((bytes(d), v) for d, v in ReportedRow.objects.values_list("digest", "version")))


@pytest.fixture
def rows(body):
    """Three certificates: two valid, one cancelled; reported and fingerprinted."""
    header = [*HEADER, "状态变更日期"]
    lines = [[*row(1), ""], [*row(2), ""], [*row(3, 证书状态="注销", 状态变更原因="企业申请注销"), TODAY.isoformat()]]
    data = csv_bytes(lines, header=header)
    result = send(data, body)
    assert result.written and result.counts()["created"] == 3, [e.as_dict() for e in result.errors]
    return header, lines, data


def test_a_real_import_leaves_each_rows_fingerprint_at_the_certificates_version(body, rows):
    versions = dict(Certificate.objects.filter(body=body).values_list("pk", "version"))
    kept = dict(ReportedRow.objects.values_list("certificate_id", "version"))
    assert kept == versions


def test_a_resend_reads_no_row_again_and_writes_nothing(body, rows, parsed):
    _header, _lines, data = rows
    before = stored(body)
    result = send(data, body)
    assert result.written and result.counts() == {"created": 0, "updated": 0, "unchanged": 3, "invalid": 0}
    assert [(o[0], o[2]) for o in outcomes(result)] == [(2, "unchanged"), (3, "unchanged"), (4, "unchanged")]
    assert parsed == []
    assert stored(body) == before


def test_a_dry_run_writes_no_fingerprint(body):
    result = send(csv_bytes([row(1)]), body, dry_run=True)
    assert result.ok and not result.written
    assert not ReportedRow.objects.exists()


def test_a_changed_row_takes_the_full_path_and_its_new_fingerprint_is_kept(body, rows, parsed):
    header, lines, _data = rows
    changed = [list(line) for line in lines]
    changed[1][HEADER.index("获证组织名称")] = "南京示例导入2号更名有限公司"
    before = dict(ReportedRow.objects.values_list("certificate_id", "digest"))
    result = send(csv_bytes(changed, header=header), body)
    assert [(o[0], o[2]) for o in outcomes(result)] == [(2, "unchanged"), (3, "updated"), (4, "unchanged")]
    assert parsed == [changed[1][0]]
    cert = Certificate.objects.get(number=changed[1][0])
    kept = ReportedRow.objects.get(certificate=cert)
    assert kept.version == cert.version and bytes(kept.digest) != bytes(before[cert.pk])
    # And the changed file sent again is a resend in its turn.
    parsed.clear()
    assert send(csv_bytes(changed, header=header), body).counts()["unchanged"] == 3
    assert parsed == []


def test_a_certificate_changed_since_by_another_channel_takes_the_full_path(body, rows, parsed):
    _header, lines, data = rows
    cert = Certificate.objects.get(number=lines[0][0])
    with transaction.atomic():
        services.certificate_suspend(actor=SYSTEM, certificate=cert, until=TODAY + dt.timedelta(days=60),
                                     reason="监督审核发现问题", signed_by="王签发", occurred_on=TODAY)
    result = send(data, body)
    # The file says valid: the full path reinstates it, as it would have without the resend path.
    assert outcomes(result)[0][::2] == (2, "updated")
    assert outcomes(result)[0][3] == ("reinstate",)
    assert parsed == [lines[0][0]]
    cert.refresh_from_db()
    assert cert.status == "valid"
    assert ReportedRow.objects.get(certificate=cert).version == cert.version


def test_the_same_cells_under_other_columns_take_the_full_path_once(body, rows, parsed):
    header, lines, _data = rows
    order = list(reversed(range(len(header))))
    data = csv_bytes([[line[i] for i in order] for line in lines], header=[header[i] for i in order])
    assert send(data, body).counts()["unchanged"] == 3
    assert len(parsed) == 3
    parsed.clear()
    assert send(data, body).counts()["unchanged"] == 3
    assert parsed == []


def test_a_number_repeated_after_a_recognised_row_is_still_an_error(body, rows, parsed):
    header, lines, _data = rows
    result = send(csv_bytes([lines[0], lines[1], lines[0]], header=header), body)
    assert not result.ok
    assert {(e.row, e.code) for e in result.errors} == {(4, "duplicate_in_batch")}


def test_a_valid_certificate_past_its_expiry_date_takes_the_full_path(body, rows, parsed):
    _header, lines, data = rows
    later = EXPIRES + dt.timedelta(days=3)
    with transaction.atomic():
        result = send(data, body, today=later)
        transaction.set_rollback(True)
    # The hourly job has not expired them yet: the full path refuses "valid" past the date.
    assert {(e.row, e.code) for e in result.errors} == {(2, "expired"), (3, "expired")}
    assert sorted(parsed) == sorted([lines[0][0], lines[1][0]])


def test_a_suspended_certificate_takes_the_short_path_until_its_suspension_ends(body, parsed):
    until = TODAY + dt.timedelta(days=30)
    line = row(7, 证书状态="暂停", 状态变更原因="监督审核不合格", 暂停截止日期=until.isoformat())
    data = csv_bytes([line])
    assert send(data, body).counts()["created"] == 1
    parsed.clear()
    assert send(data, body).counts()["unchanged"] == 1
    assert parsed == []
    # Past the suspension's end, before the hourly job has moved it on: the full path, which
    # checks the end against the day (the row gives no date for the suspension's start).
    with transaction.atomic():
        result = send(data, body, today=until + dt.timedelta(days=1))
        transaction.set_rollback(True)
    assert parsed == [line[0]]
    assert {(e.row, e.code) for e in result.errors} == {(2, "date_order")}


def test_an_import_read_ahead_takes_the_full_path_with_the_same_outcomes(body, rows, parsed):
    _header, _lines, data = rows
    result = send(data, body, prefetch=True)
    assert result.counts()["unchanged"] == 3
    assert len(parsed) == 3


def test_a_resend_by_someone_who_may_not_report_for_the_body_is_refused(body, rows, parsed):
    _header, _lines, data = rows
    other = body_with_scopes(schemes=("QMS",))
    operator = build_user(Role.CB_OPERATOR, body=other)
    before = stored(body)
    with pytest.raises(NotPermitted):
        send(data, body, actor=actor_for(operator))
    assert stored(body) == before
