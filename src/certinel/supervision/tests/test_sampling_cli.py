"""`certinel sampling plan` in process (call_command) and as a real program (the installed
`certinel` script, with the default settings), its JSON, its readable line and its exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

CERTINEL = Path(sys.executable).with_name("certinel")


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("sampling", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def program(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}  # as a user runs it
    return subprocess.run([str(CERTINEL), "sampling", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


def test_json_is_exactly_the_four_keys():
    code, out = run("plan", "--lot-size", "1000", "--level", "II", "--aql", "2.5", "--json")
    assert code == 0
    assert out.strip() == '{"code_letter": "J", "sample_size": 80, "accept": 5, "reject": 6}'


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--lot-size", "1000", "--aql", "2.5", "--severity", "tightened"), ["J", 80, 3, 4]),
        (("--lot-size", "1000", "--aql", "2.5", "--severity", "reduced"), ["J", 32, 3, 4]),
        (("--lot-size", "20", "--level", "I", "--aql", "1.5"), ["D", 8, 0, 1]),
        (("--lot-size", "600000", "--level", "III", "--aql", "0.025", "--severity", "tightened"), ["S", 3150, 1, 2]),
        (("--lot-size", "5", "--aql", "0.65"), ["F", 5, 0, 1]),  # 100 %: the sample is the lot
        (("--lot-size", "1000", "--level", "s-2", "--aql", "2.50"), ["C", 5, 0, 1]),
    ],
)
def test_json_plans(args, expected):
    code, out = run("plan", *args, "--json")
    assert code == 0
    found = json.loads(out)
    assert list(found) == ["code_letter", "sample_size", "accept", "reject"]
    assert list(found.values()) == expected


def test_readable_line():
    code, out = run("plan", "--lot-size", "1000", "--aql", "2.5")
    assert code == 0
    assert out.strip() == ("Lot 1000, level II: code letter J; normal inspection (Table 2-A), AQL 2.5: "
                           "sample 80, accept 5, reject 6.")  # fmt: skip
    code, out = run("plan", "--lot-size", "5", "--aql", "0.65")
    assert "arrow to F" in out and "inspect every item" in out and "sample 5," in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--lot-size", "0", "--aql", "2.5"), "1 or more"),
        (("--lot-size", "-3", "--aql", "2.5"), "whole number"),
        (("--lot-size", "ten", "--aql", "2.5"), "whole number"),
        (("--lot-size", "100", "--aql", "3"), "not in the series"),
        (("--lot-size", "100", "--aql", "2.5", "--level", "IV"), "Unknown inspection level"),
        (("--lot-size", "100", "--aql", "2.5", "--severity", "strict"), "normal, tightened or reduced"),
    ],
)
def test_bad_input_exits_2(args, words):
    code, message = run("plan", *args)
    assert code == 2
    assert words in message


def test_the_program_prints_the_json_the_harness_expects():
    done = program("plan", "--lot-size", "1000", "--level", "II", "--aql", "2.5", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '{"code_letter": "J", "sample_size": 80, "accept": 5, "reject": 6}'


def test_the_program_exits_2_with_the_reason_on_stderr():
    done = program("plan", "--lot-size", "0", "--level", "II", "--aql", "2.5", "--json")
    assert done.returncode == 2 and done.stdout == ""
    assert "Lot size 0 is not a lot" in done.stderr
    done = program("plan", "--lot-size", "1000", "--level", "II", "--aql", "2.4", "--json")
    assert done.returncode == 2 and "AQL '2.4' is not in the series" in done.stderr
    done = program("plan", "--lot-size", "1000")  # --aql missing: argparse's own exit 2
    assert done.returncode == 2 and "--aql" in done.stderr
