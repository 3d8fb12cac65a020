"""The initial load (`certinel load FILE… --initial`): the same file loaded and imported stores
the same rows in every table (apart from times), the same leaves, and a log that verifies; the
indexes dropped for the load are all back afterwards; a bad row anywhere fails the whole load
with every bad row reported; a body that already holds certificates is refused with the
command to use instead; a file that cannot be read is named."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction

from certinel.certificates.io import FileRejected, import_file
from certinel.certificates.io.initial import (
    LoadPart,
    LoadRefused,
    _tables,
    check_empty,
    load_initial,
    secondary_indexes,
)
from certinel.certificates.models import Certificate
from certinel.core.actor import Actor
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import SYSTEM, body_with_scopes
from certinel.core.testing.sequences import restore_sequences, save_sequences
from certinel.transparency.monitor import verify_log
from certinel.transparency.signers import log_origin, log_verifiers

from .test_io import csv_bytes, row

pytestmark = pytest.mark.django_db
_TIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


@pytest.fixture
def body():
    return body_with_scopes(schemes=("QMS", "EMS"), ccc_products=("0701",))


def _system(body) -> Actor:
    return SYSTEM


def _plain(value: Any) -> Any:
    """A stored value with the moments of writing taken out (they differ between two runs)."""
    if isinstance(value, bytes | memoryview):
        value = bytes(value)
        try:
            return _plain(json.loads(value))
        except ValueError:
            return value.hex()
    if isinstance(value, dict):
        # A private record's commitment is a keyed hash of the record with its time.
        return {k: _plain(v) for k, v in value.items() if k not in ("time", "sig", "commitment")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str) and _TIME.match(value):
        return "<time>"
    return value


def everything() -> dict[str, list]:
    """Every row of every table (ordered by primary key), without the times of writing and
    without what is derived from them (leaf hashes, tiles, checkpoints, signatures)."""
    out: dict[str, list] = {}
    derived = {"transparency.LogTile", "transparency.Checkpoint", "sessions.Session"}
    for model in apps.get_models():
        label = model._meta.label
        if label in derived or model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields
                  if not isinstance(f, models.DateTimeField) and f.name != "leaf_hash"]
        rows = model._base_manager.order_by("pk").values_list(*(f.attname for f in fields))
        if label == "core.PrivateDetail":  # JSON as text, with the times of writing in it too
            rows = [tuple(json.loads(v) if isinstance(v, str) else v for v in r) for r in rows]
        out[label] = [tuple(_plain(v) for v in r) for r in rows]
    return out


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        return {name for table in _tables()
                for name in connection.introspection.get_constraints(cursor, table)}


def test_the_same_file_loaded_and_imported_stores_the_same_rows_leaves_and_a_log_that_verifies(body, tmp_path):
    rows = [row(n) for n in range(1, 31)]
    rows[4] = row(5, 证书状态="暂停", 状态变更原因="监督审核发现严重不符合",
                  暂停截止日期=(dt.date.today() + dt.timedelta(days=30)).isoformat())
    rows[9] = row(10, 认证制度="EMS", 范围代码="17")
    path = tmp_path / "body.csv"
    path.write_bytes(csv_bytes(rows))
    sequences = save_sequences()
    indexes = _index_names()
    with transaction.atomic():
        imported = import_file(path, actor=SYSTEM, body=body, chunk_size=7)
        assert imported.written and imported.count("created") == 30
        by_import = everything()
        transaction.set_rollback(True)
    restore_sequences(sequences)
    result = load_initial([LoadPart(path, body)], actor_for=_system, chunk_size=7, sign=False)
    assert result.ok and result.total == 30
    assert [r.counts() for r in result.results] == [imported.counts()]
    assert "certificate_status_expiry_idx" in result.indexes_rebuilt
    assert "certificate_holder_idx" not in result.indexes_rebuilt  # the engine reads it while it loads
    by_load = everything()
    assert by_load.keys() == by_import.keys()
    for label in by_import:
        assert by_load[label] == by_import[label], label
    assert len(by_load["certificates.Certificate"]) == 30 and len(by_load["core.ChangeRecord"]) > 30
    assert _index_names() == indexes
    report = verify_log(origin=log_origin(), verifiers=log_verifiers())
    assert report.ok, [str(p) for p in report.problems]


def test_a_load_into_a_register_that_holds_certificates_keeps_its_indexes(body, tmp_path):
    other = body_with_scopes(schemes=("QMS",))
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(csv_bytes([row(n) for n in range(1, 4)]))
    second.write_bytes(csv_bytes([row(n, 证书编号=f"NEW{n:06d}Q") for n in range(1, 4)]))
    assert load_initial([LoadPart(first, other)], actor_for=_system, sign=False).indexes_rebuilt
    result = load_initial([LoadPart(second, body)], actor_for=_system, sign=False)
    assert result.ok and result.indexes_rebuilt == [] and Certificate.objects.count() == 6


def test_a_bad_row_in_any_file_fails_the_whole_load_with_every_bad_row_reported(body, tmp_path):
    other = body_with_scopes(schemes=("QMS",))
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes([row(n) for n in range(1, 6)]))
    rows = [row(n, 证书编号=f"BAD{n:06d}Q") for n in range(1, 9)]
    rows[1] = row(2, 证书编号="BAD000002Q", 范围代码="99")
    rows[6] = row(7, 证书编号="BAD000007Q", 有效期至="soon")
    bad.write_bytes(csv_bytes(rows))
    records, indexes = ChangeRecord.objects.count(), _index_names()
    result = load_initial([LoadPart(good, body), LoadPart(bad, other)], actor_for=_system, chunk_size=3)
    assert not result.ok and result.results[0].ok
    assert sorted((e.row, e.code) for e in result.results[1].errors) == [(3, "unknown_sector"), (8, "invalid_date")]
    assert not Certificate.objects.exists() and ChangeRecord.objects.count() == records
    assert _index_names() == indexes and result.indexes_rebuilt == [] and result.checkpoint == ""


def test_a_body_that_already_holds_certificates_is_refused_with_the_command_to_use(body, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([row(1)]))
    assert import_file(io.BytesIO(csv_bytes([row(2)])), actor=SYSTEM, body=body, name="x.csv").written
    with pytest.raises(LoadRefused) as info:
        load_initial([LoadPart(path, body)], actor_for=_system)
    assert f"certinel import FILE --body {body.approval_no}" in info.value.message
    assert "1 certificate" in info.value.message
    with pytest.raises(LoadRefused):
        check_empty([body])


def test_a_file_that_cannot_be_read_is_named_and_nothing_is_written(body, tmp_path):
    good, broken = tmp_path / "good.csv", tmp_path / "broken.csv"
    good.write_bytes(csv_bytes([row(n) for n in range(1, 4)]))
    broken.write_bytes(b"\x00\x01\x02 not a table")
    with pytest.raises(FileRejected) as info:
        load_initial([LoadPart(good, body), LoadPart(broken, body)], actor_for=_system)
    assert info.value.message.startswith("broken.csv: ")
    assert not Certificate.objects.exists()


def test_only_secondary_indexes_are_dropped_never_unique_ones():
    names = {name for name, _sql in secondary_indexes(_tables())}
    assert "certificate_number_body_uniq" not in names and "change_log_index_unique" not in names
    assert {"certificate_status_expiry_idx", "change_object_idx"} <= names


def _load(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("load", *args, "--no-progress", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_the_command_loads_by_body_or_manifest_and_refuses_what_it_cannot_do(body, tmp_path):
    other = body_with_scopes(schemes=("QMS",))
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(csv_bytes([row(n) for n in range(1, 4)]))
    b.write_bytes(csv_bytes([row(n, 证书编号=f"MAN{n:06d}Q") for n in range(1, 3)]))
    code, _out, message = _load(str(a), "--body", body.approval_no)
    assert code == 2 and "--initial" in message and "certinel import" in message
    assert _load("--initial", str(a))[0] == 2  # neither --body nor --manifest
    assert _load("--initial", str(a), "--body", "CNCA-R-0000-000")[0] == 2
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"file,body\na.csv,{body.approval_no}\nb.csv,{other.approval_no}\n", encoding="utf-8")
    code, out, _ = _load("--initial", "--manifest", str(manifest), "--report-dir", str(tmp_path / "reports"))
    assert code == 0, out
    assert "Loaded 5 rows from 2 file(s)" in out
    assert len(list((tmp_path / "reports").glob("load-report-*.json"))) == 2
    assert Certificate.objects.filter(body=other).count() == 2
    code, _out, message = _load("--initial", str(a), "--body", body.approval_no)
    assert code == 2 and "already holds 3 certificate(s)" in message
    bad_manifest = tmp_path / "bad.csv"
    bad_manifest.write_text("file,body\n,\n", encoding="utf-8")
    code, _out, message = _load("--initial", "--manifest", str(bad_manifest))
    assert code == 2 and "line 2" in message


def test_the_command_reports_invalid_rows_with_exit_status_one(body, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([row(1), row(2, 范围代码="99")]))
    code, _out, message = _load("--initial", str(path), "--body", body.approval_no,
                               "--report-dir", str(tmp_path))
    assert code == 1 and "nothing was written" in message
    report = json.loads(next(Path(tmp_path).glob("load-report-a-*.json")).read_text(encoding="utf-8"))
    assert report["errors"][0]["code"] == "unknown_sector"
    assert not Certificate.objects.exists()
