"""`certinel draw replay` as a person (or an outside checker) runs it: the RFC 3797 §6 example,
positions printed one a line, the published plan's replay and comparison, and every bad input
answered with exit status 2 and a message on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from certinel.cli import main
from certinel.supervision.draw import dumps, replay, select

from .test_draw import RFC_POOL, RFC_SELECTED, RFC_SOURCES, plan

CERTINEL = str(Path(sys.executable).with_name("certinel"))
RFC_ARGS = ["--source", "9319", "--source", "2 5 12 8 10", "--source", "9 18 26 34 41 45"]


def certinel(*args: str) -> subprocess.CompletedProcess:
    """The installed command, in a process of its own."""
    return subprocess.run(
        [CERTINEL, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def run(capsys, *args: str) -> tuple[int, str, str]:
    """The same command line, in this process (the same parser, errors and exit statuses)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def pool_file(tmp_path):
    path = tmp_path / "pool.txt"
    path.write_text("\n".join(RFC_POOL) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def published(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan(), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def test_rfc3797_example_through_the_installed_command(pool_file):
    done = certinel("draw", "replay", "--pool", pool_file, "--count", "10", *RFC_ARGS, "--profile", "rfc3797")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "".join(f"{p}\n" for p in RFC_SELECTED[:10])
    assert done.stderr == ""


def test_bad_input_through_the_installed_command(pool_file):
    done = certinel("draw", "replay", "--pool", pool_file, "--count", "26", *RFC_ARGS, "--profile", "rfc3797")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "The count (26) is larger than the pool (25)." in done.stderr


def test_published_plan_through_the_installed_command(published, tmp_path):
    expected = replay(plan())
    result = tmp_path / "result.json"
    result.write_text(json.dumps(expected, indent=2, ensure_ascii=False), encoding="utf-8")
    done = certinel("draw", "replay", "--published", str(published), "--expect", str(result))
    assert done.returncode == 0, done.stderr
    assert done.stdout == dumps(expected) + "\n"
    assert "SAME" in done.stderr


def test_the_default_profile_is_sha256(capsys, pool_file):
    code, out, _ = run(capsys, "draw", "replay", "--pool", pool_file, "--count", "25", *RFC_ARGS)
    assert code == 0
    assert out.split() == [str(p + 1) for p in select(25, 25, RFC_SOURCES)]
    code, out_named, _ = run(
        capsys, "draw", "replay", "--pool", pool_file, "--count", "25", *RFC_ARGS, "--profile", "sha256"
    )
    assert out_named == out


@pytest.mark.parametrize("text", ["a\nb\nc", "a\nb\nc\n", "a\r\nb\r\nc\r\n", "\ufeffa\nb\nc\n"])
def test_pool_files_with_or_without_a_final_newline(capsys, tmp_path, text):
    path = tmp_path / "pool.txt"
    path.write_bytes(text.encode("utf-8"))
    code, out, _ = run(capsys, "draw", "replay", "--pool", str(path), "--count", "3", "--source", "1")
    assert code == 0 and sorted(out.split()) == ["1", "2", "3"]


def test_nothing_to_select_prints_nothing(capsys, pool_file):
    assert run(capsys, "draw", "replay", "--pool", pool_file, "--count", "0", "--source", "1") == (0, "", "")


def test_explain_prints_the_key_and_the_hash_values_to_stderr(capsys, pool_file):
    code, out, err = run(
        capsys, "draw", "replay", "--pool", pool_file, "--count", "2", *RFC_ARGS, "--profile", "rfc3797", "--explain"
    )
    assert code == 0 and out == "17\n7\n"
    assert "key: 9319./2.5.8.10.12./9.18.26.34.41.45./" in err
    assert "990DD0A5692A029A98B5E01AA28F3459       25  17" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pool", "{missing}", "--count", "3", "--source", "1"], "No pool file"),
        (["--pool", "{pool}", "--count", "26", "--source", "1"], "The count (26) is larger than the pool (25)."),
        (["--pool", "{pool}", "--count", "3"], "Give at least one --source"),
        (["--pool", "{pool}", "--count", "3", "--source", "   "], "Source 1 is empty."),
        (["--pool", "{pool}", "--count", "3", "--source", "1", "--profile", "md5"], "Unknown profile 'md5'"),
        (["--pool", "{pool}", "--count", "-1", "--source", "1"], "The count must not be negative (-1)."),
        (["--pool", "{pool}", "--count", "three", "--source", "1"], "--count must be a whole number, not 'three'."),
        (["--pool", "{blank}", "--count", "1", "--source", "1"], "line 2 is blank"),
        (["--pool", "{binary}", "--count", "1", "--source", "1"], "Cannot read the pool file"),
        (["--pool", "{pool}", "--source", "1"], "Give --pool FILE and --count N"),
        (["--count", "3", "--source", "1"], "Give --pool FILE and --count N"),
        (["--pool", "{pool}", "--count", "3", "--source", "1", "--expect", "{plan}"], "--expect goes with --published"),
        (["--published", "{plan}", "--source", "1"], "give no --pool, --count, --source, --profile"),
        (["--published", "{plan}", "--profile", "rfc3797"], "give no --pool, --count, --source, --profile"),
        (["--published", "{missing}"], "No plan file"),
        (["--published", "{pool}"], "is not JSON"),
        (["--published", "{future}"], "Unsupported plan version 2"),
        (["--published", "{plan}", "--expect", "{missing}"], "No result file"),
        (["--pool", "{pool}", "--count", "3", "--source", "1", "--shuffle"], "unrecognized arguments: --shuffle"),
    ],
)
def test_bad_input_exits_2_with_a_message(capsys, tmp_path, pool_file, published, args, message):
    (tmp_path / "blank.txt").write_text("a\n\nb\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00a")
    (tmp_path / "future.json").write_text(json.dumps(plan(version=2)), encoding="utf-8")
    names = {
        "pool": pool_file,
        "missing": str(tmp_path / "missing.txt"),
        "blank": str(tmp_path / "blank.txt"),
        "binary": str(tmp_path / "binary.txt"),
        "plan": str(published),
        "future": str(tmp_path / "future.json"),
    }
    code, out, err = run(capsys, "draw", "replay", *(a.format(**names) for a in args))
    assert code == 2, (out, err)
    assert message in err
    assert out == ""


def test_a_result_that_differs_exits_1_and_says_where(capsys, tmp_path, published):
    expected = replay(plan())
    expected["strata"][1]["positions"][0] += 1
    path = tmp_path / "result.json"
    path.write_text(json.dumps(expected), encoding="utf-8")
    code, out, err = run(capsys, "draw", "replay", "--published", str(published), "--expect", str(path))
    assert code == 1
    assert json.loads(out) == replay(plan())
    assert "DIFFERENT" in err and "strata[1].positions[0]" in err


def test_a_result_with_another_length_says_so(capsys, tmp_path, published):
    expected = replay(plan())
    expected["inspectors"].pop()
    path = tmp_path / "result.json"
    path.write_text(json.dumps(expected), encoding="utf-8")
    code, _out, err = run(capsys, "draw", "replay", "--published", str(published), "--expect", str(path))
    assert code == 1 and "inspectors (length 5 here, 4 published)" in err
