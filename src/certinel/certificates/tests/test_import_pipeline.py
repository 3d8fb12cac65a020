"""Imports whose next chunks are read in a thread while the database works on the one before:
the same outcomes, errors, order, progress and writes as reading them in turn, on good rows,
bad rows, duplicates and a file that cannot be read to its end; the reading thread stops with
the import; a cancel writes nothing. Then real processes: `certinel import` killed with
SIGKILL in the middle of a chunk leaves no trace (certificates, history, log entries) and the
log still verifies; SIGTERM and Ctrl-C cancel it with exit status 3."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from certinel.certificates import trail
from certinel.certificates.io import Cancel, FileRejected, ImportCancelled, import_file, importer, open_table
from certinel.certificates.io.importer import run_import
from certinel.certificates.io.readers import Table
from certinel.certificates.models import Certificate
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import SYSTEM, body_with_scopes
from certinel.registry.models import Organization
from certinel.transparency.monitor import verify_log
from certinel.transparency.signers import log_origin, log_verifiers

from .test_import_command import _command, big_csv
from .test_io import TODAY, csv_bytes, row

READER = "certinel-import-reader"


@pytest.fixture
def body():
    return body_with_scopes(schemes=("QMS", "EMS"), ccc_products=("0701",))


def readers_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == READER]


def seen(result) -> tuple:
    """Everything an import's result says, but its times."""
    return (result.ok, result.written, result.dry_run, result.counts(),
            [(o.row, o.number, o.outcome, tuple(o.events)) for o in result.outcomes],
            [e.as_dict() for e in result.errors])


def stored(body) -> tuple:
    return (sorted(Certificate.objects.filter(body=body).values_list("number", "status", "version")),
            len(trail.events(body_id=body.pk)), ChangeRecord.objects.count(),
            ChangeRecord.objects.filter(log_index__isnull=False).count())


def both_ways(data: bytes, body, **kw) -> tuple[tuple, tuple]:
    """The import with and without the reading thread, each rolled back after: what each
    returned, reported as progress, and would have written."""
    runs = []
    for prefetch in (False, True):
        calls: list[tuple[int, int | None]] = []
        with transaction.atomic():
            result = import_file(io.BytesIO(data), actor=SYSTEM, body=body, name="upload.csv", prefetch=prefetch,
                                 progress=lambda done, total, calls=calls: calls.append((done, total)), **kw)
            runs.append((seen(result), calls, stored(body)))
            transaction.set_rollback(True)
    assert not readers_alive()
    return runs[0], runs[1]


def a_file() -> list[list]:
    """Good rows, bad cells, rows the engine refuses, and numbers repeated within and across
    chunks."""
    rows = [row(n) for n in range(1, 15)]
    rows[2] = row(3, 范围代码="99")                       # an unknown sector (the engine)
    rows[4] = row(5, 有效期至="soon")                     # a bad cell (the parser)
    rows[6] = row(7, 证书编号="IMP000001Q")               # a repeat of row 2's number
    rows[7] = row(8, 证书编号="IMP000006Q")               # a repeat of row 7's number
    rows[10] = row(11, 证书状态="撤销")                   # a revocation without its reason
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize("chunk_size", [1, 3, 5, 100])
@pytest.mark.parametrize("dry_run", [True, False])
def test_the_reading_thread_gives_the_same_result_on_good_bad_and_repeated_rows(body, chunk_size, dry_run):
    with translation.override("en"):  # messages made in the thread speak the caller's language
        sequential, prefetched = both_ways(csv_bytes(a_file()), body, chunk_size=chunk_size, dry_run=dry_run)
    assert prefetched == sequential
    result, calls, _ = prefetched
    assert not result[0] and result[3]["invalid"] == 5
    assert {e["code"] for e in result[5]} >= {"duplicate_in_batch", "invalid_date", "unknown_sector", "required"}
    repeats = [e["message"] for e in result[5] if e["code"] == "duplicate_in_batch"]
    assert len(repeats) == 2 and not any("重复" in m for m in repeats), repeats
    assert calls[-1] == (14, 14)


@pytest.mark.django_db
@pytest.mark.parametrize("chunk_size", [2, 7])
def test_the_reading_thread_writes_the_same_as_reading_in_turn(body, chunk_size):
    rows = [row(n) for n in range(1, 12)]
    sequential, prefetched = both_ways(csv_bytes(rows), body, chunk_size=chunk_size)
    assert prefetched == sequential and prefetched[0][1] and len(prefetched[2][0]) == 11
    assert import_file(io.BytesIO(csv_bytes(rows)), actor=SYSTEM, body=body, name="a.csv", prefetch=True).written
    rows[2] = row(3, 统一社会信用代码=rows[2][2], 证书状态="暂停", 状态变更原因="监督审核发现严重不符合",
                  暂停截止日期=(TODAY + dt.timedelta(days=30)).isoformat())
    sequential, prefetched = both_ways(csv_bytes(rows), body, chunk_size=chunk_size)
    assert prefetched == sequential and prefetched[0][3] == {"created": 0, "updated": 1, "unchanged": 10,
                                                               "invalid": 0}


@pytest.mark.django_db
def test_a_file_that_cannot_be_read_to_its_end_is_rejected_alike_and_writes_nothing(body):
    long_scope = "机械零部件的设计和生产" * 60  # enough non-ASCII text to settle on UTF-8 early
    data = csv_bytes([row(n, 认证范围=long_scope) for n in range(1, 41)]) + b"BAD0001Q,QMS,\xff\xfe,x\n"
    before = stored(body)
    raised = []
    for prefetch in (False, True):
        calls: list[int] = []
        with pytest.raises(FileRejected) as info:
            import_file(io.BytesIO(data), actor=SYSTEM, body=body, name="a.csv", chunk_size=10, prefetch=prefetch,
                        progress=lambda done, _total, calls=calls: calls.append(done))
        raised.append((info.value.code, info.value.message, calls))
        assert stored(body) == before
    assert raised[0] == raised[1] and raised[0][0] == "decode_error" and raised[0][2] == [10, 20, 30]
    assert not readers_alive()


class Breaking(Table):
    """A table whose reading fails after `good` rows (a disk or network error)."""

    def __init__(self, inner: Table, good: int) -> None:
        self.inner, self.good, self.read = inner, good, 0
        self.info, self.header, self.header_row = inner.info, inner.header, inner.header_row
        self.total_hint = inner.total_hint

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        for number, values in self.inner.rows():
            if self.read == self.good:
                raise OSError("Input/output error")
            self.read += 1
            yield number, values

    def close(self) -> None:
        self.inner.close()


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_reader_that_fails_midway_raises_on_the_callers_thread_after_the_chunks_before(body, dry_run):
    data = csv_bytes([row(n) for n in range(1, 21)])
    before = stored(body)
    raised = []
    for prefetch in (False, True):
        calls: list[int] = []
        threads: list[str] = []

        def progress(done, _total, calls=calls, threads=threads):
            calls.append(done)
            threads.append(threading.current_thread().name)

        with open_table(io.BytesIO(data), name="a.csv") as table, pytest.raises(OSError) as info:
            run_import(Breaking(table, 13), actor=SYSTEM, body=body, chunk_size=4, dry_run=dry_run,
                       prefetch=prefetch, progress=progress)
        raised.append((str(info.value), calls))
        assert set(threads) == {threading.main_thread().name}
        assert stored(body) == before
    assert raised[0] == raised[1] == ("Input/output error", [4, 8, 12])
    assert not readers_alive()


@pytest.mark.django_db
def test_the_reading_thread_stops_when_the_database_side_fails(body, monkeypatch):
    data = csv_bytes([row(n) for n in range(1, 201)])
    check = importer._Run.check
    reading: list[Table] = []

    def failing(self, items, bad, *, write):
        reading.append(self.table)
        if len(reading) == 2:
            raise RuntimeError("the database went away")
        return check(self, items, bad, write=write)

    monkeypatch.setattr(importer._Run, "check", failing)
    with open_table(io.BytesIO(data), name="a.csv") as table:
        counted = Breaking(table, 10 ** 6)
        with pytest.raises(RuntimeError, match="went away"):
            run_import(counted, actor=SYSTEM, body=body, chunk_size=5, prefetch=True)
        assert not readers_alive()
        # the thread stopped a few chunks ahead: it no longer reads the file
        assert counted.read <= 5 * (2 + importer.PREFETCH + 1)
    assert stored(body)[0] == []


@pytest.mark.django_db
@pytest.mark.parametrize("prefetch", [False, True])
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_cancel_stops_before_the_next_chunk_and_writes_nothing(body, prefetch, dry_run):
    before = stored(body)
    cancel = Cancel()
    calls: list[int] = []

    def progress(done, _total):
        calls.append(done)
        if done >= 6:
            cancel.request()

    with pytest.raises(ImportCancelled):
        import_file(io.BytesIO(csv_bytes([row(n) for n in range(1, 13)])), actor=SYSTEM, body=body, name="a.csv",
                    chunk_size=3, dry_run=dry_run, progress=progress, cancel=cancel, prefetch=prefetch)
    assert calls == [3, 6] and not cancel.committing
    assert stored(body) == before and not readers_alive()


@pytest.mark.django_db
def test_a_cancel_after_the_last_chunk_still_stops_before_the_commit(body):
    cancel = Cancel()
    with pytest.raises(ImportCancelled):
        import_file(io.BytesIO(csv_bytes([row(n) for n in range(1, 5)])), actor=SYSTEM, body=body, name="a.csv",
                    chunk_size=2, cancel=cancel, progress=lambda done, total: done == total and cancel.request())
    assert stored(body)[0] == []


@pytest.mark.django_db
@pytest.mark.parametrize("signals", [1, 2])
def test_the_command_cancels_on_ctrl_c_with_status_3(body, tmp_path, monkeypatch, signals):
    """In process: the handler the command installs turns the first Ctrl-C into a cancel at the
    next chunk and a second one into an immediate stop; either way nothing is written."""
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([row(n) for n in range(1, 13)]))
    check = importer._Run.check

    def interrupted(self, items, bad, *, write):
        outcome = check(self, items, bad, write=write)
        if self.done == 6:
            for _ in range(signals):
                signal.raise_signal(signal.SIGINT)
        return outcome

    monkeypatch.setattr(importer._Run, "check", interrupted)
    before = stored(body)
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(CommandError) as info:
        call_command("import", str(path), body=body.approval_no, chunk_size=3, no_progress=True,
                     report=str(tmp_path / "r.json"), stdout=io.StringIO(), stderr=io.StringIO())
    assert info.value.returncode == 3 and str(info.value) == "Import cancelled, nothing written."
    assert stored(body) == before and not (tmp_path / "r.json").exists()
    assert signal.getsignal(signal.SIGINT) is handler and not readers_alive()


# --- Real processes ------------------------------------------------------------------------


def _progress_lines(proc: subprocess.Popen, rows: int) -> list[str]:
    """Progress lines until at least `rows` rows are done (SIGKILL after two minutes)."""
    lines: list[str] = []
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("progress ") and int(line.split()[1].split("/")[0]) >= rows:
                return lines
    finally:
        watchdog.cancel()
    raise AssertionError("".join(lines))


def _nothing_of(body, before: tuple, organizations: int) -> None:
    assert not Certificate.objects.filter(body=body).exists()
    assert not trail.events(body_id=body.pk)
    assert Organization.objects.filter(name__startswith="南京示例批量").count() == organizations
    assert stored(body) == before


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_in_the_middle_of_a_chunk_leaves_no_trace_and_the_log_verifies(tmp_path):
    """SIGKILL once a chunk is written, while the next is being checked and written (and the
    one after read): no certificate, history record or log entry of it; the monitor finds the
    log and the register consistent."""
    body = body_with_scopes()
    path = big_csv(tmp_path / "big.csv", 1000, seed=11)
    before = stored(body)
    args, env = _command(path, body, tmp_path / "killed.json")
    args[args.index("--chunk-size") + 1] = "50"
    args.append("--read-ahead")
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        lines = _progress_lines(proc, 50)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL, "".join(lines)
    done = int(lines[-1].split()[1].split("/")[0])
    assert 50 <= done < 1000  # killed with a chunk written inside the transaction, before the end
    _nothing_of(body, before, 0)
    assert not (tmp_path / "killed.json").exists()
    report = verify_log(origin=log_origin(), verifiers=log_verifiers())
    assert report.ok, [str(p) for p in report.problems]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("signum", "read_ahead"), [(signal.SIGTERM, True), (signal.SIGINT, False)])
def test_sigterm_and_ctrl_c_cancel_a_running_import_with_status_3(tmp_path, signum, read_ahead):
    body = body_with_scopes()
    path = big_csv(tmp_path / "big.csv", 1000, seed=12)
    before = stored(body)
    args, env = _command(path, body, tmp_path / "cancelled.json")
    args[args.index("--chunk-size") + 1] = "50"
    args += ["--read-ahead"] if read_ahead else []
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        lines = _progress_lines(proc, 50)
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 3, "".join(lines) + err
    assert "Import cancelled, nothing written." in err and "cancelling" in err
    progress = [int(line.split()[1].split("/")[0]) for line in (*lines, *err.splitlines())
                if line.startswith("progress ")]
    assert progress[-1] < 1000
    _nothing_of(body, before, 0)
    assert not (tmp_path / "cancelled.json").exists() and "Traceback" not in err
    report = verify_log(origin=log_origin(), verifiers=log_verifiers())
    assert report.ok, [str(p) for p in report.problems]


def test_the_documentation_says_what_a_cancel_does():
    command = importlib.import_module("certinel.certificates.management.commands.import")
    docs = (Path(__file__).resolve().parents[4] / "docs" / "import-template.md").read_text(encoding="utf-8")
    for text in (command.__doc__ or "", docs):
        assert "SIGTERM" in text and "3" in text and "cancel" in text.lower()
