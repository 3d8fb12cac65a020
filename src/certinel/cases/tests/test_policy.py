"""The time limits as data, counted on the working-day calendar, and `certinel cases deadline`
(in process and as the installed program)."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certinel.cases import policy

CERTINEL = Path(sys.executable).with_name("certinel")
D = dt.date.fromisoformat


@pytest.mark.parametrize(("kind", "start", "due"), [
    # Received on Wednesday 30 September 2026: 1-7 October are the National Day holiday and
    # Saturday 10 October is worked in their place: 8, 9, 10, 12, 13, 14, 15.
    ("accept", "2026-09-30", "2026-10-15"),
    # A plain week: received Monday, the 7th working day is the next Wednesday.
    ("accept", "2026-03-02", "2026-03-11"),
    # Received on a Saturday: counting starts on Monday.
    ("accept", "2026-03-07", "2026-03-17"),
    # Received during the holiday: the first working day counted is 8 October.
    ("accept", "2026-10-03", "2026-10-15"),
    # Accepted Friday 18 September 2026: Sunday 20 September is worked; 25-27 Sep (Mid-Autumn) and
    # 1-7 Oct are not.
    ("verify", "2026-09-18", "2026-10-15"),
    ("mediate", "2026-09-18", "2026-11-26"),
    ("decide", "2026-01-05", "2026-04-05"),
    ("answer", "2026-09-30", "2026-10-20"),
])
def test_due_dates_on_the_calendar(kind, start, due):
    assert policy.deadline(kind, D(start)) == D(due)


def test_the_check_of_a_report_extends_once_by_15_working_days():
    limit = policy.time_limit("verify", on=D("2026-09-18"))
    assert (limit.days, limit.extension_days, limit.extensions) == (15, 15, 1)
    assert limit.due(D("2026-09-18"), extensions=1) == D("2026-11-05")
    with pytest.raises(policy.PolicyError):
        limit.due(D("2026-09-18"), extensions=2)


def test_every_row_names_its_source_and_the_order():
    for kind in ("accept", "mediate", "verify"):
        limit = policy.time_limit(kind, on=D("2026-06-01"))
        assert limit.source and "SAMR Order No. 20" in limit.source


def test_a_bad_rule_file_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "limits.csv"
    bad.write_text("edition,effective_from,region,kind,days,unit,extension_days,extensions,starts,source\n"
                   "x,,,accept,7,weeks,0,0,received,somewhere\n", encoding="utf-8")
    with pytest.raises(policy.PolicyError, match="line 2"):
        policy.time_limit("accept", on=D("2026-01-01"), path=bad)


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("cases", *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def test_cli_prints_the_due_date():
    assert run("deadline", "--received", "2026-09-30", "--kind", "accept") == (0, "2026-10-15\n")
    assert run("deadline", "--received", "2026-09-18", "--kind", "verify", "--extended") == (0, "2026-11-05\n")


@pytest.mark.parametrize("args", [("--received", "2026-13-01", "--kind", "accept"),
                                  ("--received", "20260930", "--kind", "accept"),
                                  ("--received", "2026-09-30", "--kind", "appeal")])
def test_cli_bad_input_exits_2(args):
    code, message = run("deadline", *args)
    assert code == 2 and message


def test_cli_as_the_installed_program():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([str(CERTINEL), "cases", "deadline", "--received", "2026-09-30", "--kind", "accept"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stdout) == (0, "2026-10-15\n"), done.stderr
    bad = subprocess.run([str(CERTINEL), "cases", "deadline", "--received", "yesterday", "--kind", "accept"],
                         env=env, capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "--received" in bad.stderr and bad.stdout == ""
