"""Every command README.md shows works as shown, against the server a deployment runs.

The commands are read from the README itself: its shell blocks, and the commands it quotes in
its text and tables (`curl …`, `certinel …`, `.venv/bin/certinel …`, `make …`, with the
sub-commands a table row lists after one, "`certinel log verify` / `checkpoint`"), and the
demo's addresses it links. Each one must be known to CHECKS below: run as shown (the demo's
address replaced by the test server's, `certinel` on the PATH as after `make demo`), run with
the values its placeholders stand for, or left out for a stated reason (it installs, builds a
whole demo, or needs a machine's services). A command the README gains fails this test until it
is classified, and one that does not work as shown fails it outright.

The server is `certinel serve` (gunicorn, as `certinel demo` runs it) on a loopback port, on
this run's database, with a small register seeded here: the sample body the README's import
names, an organization its search example finds, a valid certificate to download.

The README's tour and commands are those of `make demo`, on SQLite: the SQLite run of the suite
runs them. Its deployment is on PostgreSQL: the PostgreSQL run runs that block. (Each command's
work on both databases is tested by its own tests; running every command twice cost two minutes
a run, mostly in starting the program.)"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from certinel.certificates.reporting import report_certificates
from certinel.core.testing.builders import SYSTEM, build_body, build_org, certificate_data
from certinel.core.testing.served import SRC, Client, database_url, environment, served
from certinel.reference.generators import make_uscc
from certinel.registry import services as registry

ROOT = SRC.parent
README = ROOT / "README.md"
DEMO_URL = "http://127.0.0.1:8000"
SAMPLE_BODY = "CNCA-R-2005-971"
VENV = Path(sys.executable).parent.parent

pytestmark = pytest.mark.django_db(transaction=True)


# --- what the README shows -----------------------------------------------------------------------

COMMAND_STARTS = ("curl ", "certinel ", ".venv/bin/certinel ", "make ", "celery ")
FENCE = re.compile(r"^([ \t]*)```(\w*)\n(.*?)^\1```[ \t]*$", re.S | re.M)
STARTS = "|".join(re.escape(s) for s in COMMAND_STARTS)
SPAN = re.compile(rf"`(?P<command>(?:{STARTS})[^`\n]*)`(?P<more>(?:\s*[/,]\s*`[^`\n]+`)*)")


def shown(text: str) -> tuple[list[str], list[str], list[str]]:
    """The README's shell blocks (dedented), the commands quoted in its prose and tables (a
    row's "`certinel log verify` / `status`" gives `certinel log status` too), and the demo
    addresses it links."""
    blocks = [textwrap.dedent(m.group(3)) for m in FENCE.finditer(text) if m.group(2) in ("sh", "bash", "")]
    prose = FENCE.sub("", text)
    commands: list[str] = []
    for m in SPAN.finditer(prose):
        command = m.group("command").strip()
        commands.append(command)
        words = command.split()
        for other in re.findall(r"`([^`\n]+)`", m.group("more")):
            if other.startswith(COMMAND_STARTS):
                commands.append(other)
            elif other.split()[0] in _top_level():
                commands.append(f"{words[0]} {other}")
            else:  # a sub-command of the same group: `certinel log verify` / `status`
                commands.append(f"{words[0]} {words[1]} {other}")
    links = re.findall(rf"<({re.escape(DEMO_URL)}[^>]*)>", prose)
    return blocks, list(dict.fromkeys(commands)), list(dict.fromkeys(links))


def _top_level() -> set[str]:
    from django.core.management import get_commands

    return set(get_commands())


# --- how each is checked -------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """Run in bash, in a work folder that has the checkout's `.venv` and `docs`. `script`
    replaces the command where it has placeholders; `expect` must appear in its output."""

    script: str | None = None
    expect: str = ""


@dataclass(frozen=True)
class Skip:
    reason: str


SERVED = Skip("the server of this test is `certinel serve --bind 127.0.0.1:PORT`")
MAKE = Skip("a make target: it installs and then runs `certinel demo` or the suite, lint or benchmarks, which "
            "this suite does not run from inside itself")

# A signed answer of the joint punishment check, written and verified offline with the log's key.
SIGNED_ANSWER = ("certinel credit eligible 913201024B3XJ56N9P --purpose tendering --signed answer.txt && "
                 'certinel credit check-answer answer.txt --key "$(curl -s http://127.0.0.1:8000/log/key)"')

# RFC 3797 §6: the selection from a pool of 25 with its example's three sources.
RFC3797_EXAMPLE = "17 7 2 16 25 23 8 24 19 13"

CHECKS: dict[str, Run | Skip] = {
    # The README's own search example: what curl sends must be what the server accepts.
    "curl -G 'http://127.0.0.1:8000/api/v1/organizations' --data-urlencode 'q=科技' -d region=3201":
        Run(expect="南京星河精密科技有限公司"),
    ".venv/bin/certinel verify certificate-….bundle.json": Run(".venv/bin/certinel verify cert.bundle.json", "VALID"),
    ".venv/bin/certinel import docs/samples/certificates-sample.xlsx --body CNCA-R-2005-971 --dry-run": Run(),
    ".venv/bin/certinel log verify": Run(),
    "certinel help": Run(expect="serve"),
    "certinel demo [--port N] [--reset] [--scale national]":
        Skip("builds a province of 20,000 organizations (minutes); demo/tests build small ones with the same code"),
    "certinel serve [--bind HOST:PORT]": SERVED,
    "certinel serve": SERVED,
    "certinel validate uscc 91320000…": Run(f"certinel validate uscc {make_uscc('320000', random.Random(7))}"),
    "certinel reference sync": Run(),
    "certinel reference status": Run(),
    "certinel import FILE --body CNCA-R-…": Run("certinel import docs/samples/certificates-sample.csv --body "
                                                "CNCA-R-2005-971 --dry-run"),
    # The sample body holds a certificate here: the initial load refuses it and names the import.
    "certinel load FILE… --initial --body CNCA-R-…": Run(
        "certinel load docs/samples/certificates-sample.csv --initial --body CNCA-R-2005-971 --no-progress 2>&1 "
        "|| test $? -eq 2", "already holds 1 certificate"),
    "certinel export": Run("certinel export --output certificates.csv && test -s certificates.csv"),
    "certinel certificates tick": Run(),
    "certinel verify FILE": Run("certinel verify cert.bundle.json", "VALID"),
    "certinel log verify": Run(),
    "certinel log checkpoint": Run(),
    "certinel log status": Run(),
    "certinel log keygen": Run(expect="verifier key"),
    "certinel log keygen --out FILE": Run("certinel log keygen --out log.key && test -s log.key"),
    ".venv/bin/certinel credit eligible 913201024B3XJ56N9P --purpose procurement --json":
        Run(expect='"eligible": true'),
    "certinel credit eligible USCC --purpose P": Skip("the tour's `certinel credit eligible … --json` runs the "
                                                      "same command with a code and a purpose"),
    "certinel credit check-answer FILE --key K": Run(SIGNED_ANSWER, "GENUINE"),
    "certinel credit check-answer": Skip("the table's `certinel credit check-answer FILE --key K` runs it"),
    "certinel credit expire": Run(expect="removed"),
    "certinel credit classify --all": Run(),
    "certinel credit penalties expire": Run(),
    ".venv/bin/certinel draw replay --published inputs.json --expect result.json":
        Skip("needs a drawn plan; supervision/tests/test_draw_cli.py replays a published plan through the installed "
             "command, and supervision/tests/test_api.py the server's downloads"),
    "certinel draw replay --pool FILE --count N --source S --profile rfc3797":
        Run("seq 1 25 > pool.txt && certinel draw replay --pool pool.txt --count 10 --source 9319 "
            "--source '2 5 12 8 10' --source '9 18 26 34 41 45' --profile rfc3797 | paste -sd ' '", RFC3797_EXAMPLE),
    ".venv/bin/certinel sampling plan --lot-size 1000 --level II --aql 2.5 --json":
        Run(expect='{"code_letter": "J", "sample_size": 80, "accept": 5, "reject": 6}'),
    "certinel sampling plan --lot-size N --level II --aql A":
        Run("certinel sampling plan --lot-size 1000 --level II --aql 2.5", "J"),
    ".venv/bin/certinel cases deadline --received 2026-09-30 --kind accept": Run(expect="2026-10-15"),
    "certinel cases deadline --received DATE --kind accept":
        Run("certinel cases deadline --received 2026-12-01 --kind verify", "2026-12-22"),
    "certinel warnings run --rule RULE --json": Run("certinel warnings run --rule hopping --json"),
    ".venv/bin/certinel stats count --scheme EnMS --region 320000 --on 2025-12-31 --json":
        Run(expect='{"valid": 0, "suspended": 0, "withdrawn": 0, "expired": 0}'),
    "certinel stats count --scheme CODE --region CODE --on YYYY-MM-DD --json":
        Run("certinel stats count --scheme QMS --region 320000 --json", '"valid": '),
    "certinel stats refresh": Run(expect="certificates"),
    "certinel stats check": Run(expect="ok"),
    ".venv/bin/certinel targets progress --json": Run(expect='"responsible"'),
    "certinel targets progress --json": Run(expect='"JS-EnMS-1K"'),
    "certinel assessment generate --region CODE --period 2026Q3":
        Run("certinel assessment generate --region 320000 --period 2026Q1", "320000 2026Q1"),
    "certinel assessment verify FILE":
        Skip("needs a report's file from the data directory; assessment/tests/test_reports.py verifies a genuine "
             "and a changed file"),
    "certinel reports import FILE --lab CMA_NO":
        Skip("needs a lab with its scope and signatories; qualification/tests/test_import_command.py runs the "
             "command on good, bad and GB18030 files"),
    "certinel backup FILE": Run("certinel backup certinel.backup && test -s certinel.backup"),
    "certinel restore FILE": Skip("it replaces the database under this test's server; core/tests/test_backup.py "
                                  "backs up and restores on both databases"),
    "certinel secrets": Run(expect="CERTINEL_KEY_ENCRYPTION_KEY="),
    "certinel migrate": Run(),
    "certinel createsuperuser": Run("certinel createsuperuser --noinput --username readme-admin "
                                    "--email readme-admin@example.com"),
    "make demo": MAKE, "make test": MAKE, "make demo PORT=8201": MAKE, "make demo PORT=8201 RESET=1": MAKE,
    "make test-sqlite": MAKE, "make test-postgres": MAKE, "make lint": MAKE, "make bench": MAKE,
    "celery -A certinel worker & celery -A certinel beat": Skip("needs a Celery broker"),
}

# Lines of the README's shell blocks that are not run here, by how they begin.
BLOCK_LINES_LEFT_OUT = {
    "make ": MAKE.reason,
    "python3 -m venv ": "installs the package into /opt",
    "sudo ": "creates a PostgreSQL role and database on the machine; the test's database stands in",
    "certinel serve ": SERVED.reason,
    "celery ": "needs a Celery broker",
    "# ": "a comment",
}


def _block_script(block: str) -> str:
    """A README shell block as this test runs it: lines it cannot run are left out (they are
    listed in BLOCK_LINES_LEFT_OUT), the deployment's paths and services are this test's."""
    lines = re.sub(r"\\\n\s*", " ", block).splitlines()
    kept = [line for line in lines if line.strip() and not line.strip().startswith(tuple(BLOCK_LINES_LEFT_OUT))]
    script = "\n".join(kept)
    for shown_value, used in (("/etc/certinel/", "etc/"), ("postgres://certinel@/certinel", database_url()),
                              ("CERTINEL_ALLOWED_HOSTS=cert.example.gov.cn", "CERTINEL_ALLOWED_HOSTS=127.0.0.1"),
                              ("REDIS_URL=redis://127.0.0.1:6379/0", "REDIS_URL="),
                              ("certinel createsuperuser", "certinel createsuperuser --noinput --username "
                                                           "deployment-admin --email admin@example.com")):
        script = script.replace(shown_value, used)
    return "mkdir -p etc\n" + script


# --- running them --------------------------------------------------------------------------------

def _workspace(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (work / ".venv").symlink_to(VENV)
    (work / "docs").symlink_to(ROOT / "docs")
    return work


def _bash(script: str, work: Path, data_dir: Path, url: str, *, prod: bool = False) -> subprocess.CompletedProcess:
    script = script.replace(DEMO_URL, url)
    env = environment(data_dir, CERTINEL_PUBLIC_URL=url, DJANGO_SUPERUSER_PASSWORD="readme-password-2026")
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    if prod:
        env.update({"CERTINEL_SECRET_KEY": "", "CERTINEL_PERSONAL_DATA_SALT": "", "CERTINEL_KEY_ENCRYPTION_KEY": ""})
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=work, env=env, capture_output=True,
                          text=True, errors="replace", timeout=600, check=False)


def _readable(output: str) -> str:
    """The output, and when it is JSON, the same with its escaped characters written out."""
    try:
        return output + json.dumps(json.loads(output), ensure_ascii=False)
    except ValueError:
        return output


def _seed(data_dir: Path) -> None:
    body = build_body(name="南京示例质量认证中心有限公司", approval_no=SAMPLE_BODY, approval_date=dt.date(2005, 6, 1))
    for scheme in ("QMS", "EMS"):
        for sector in (3, 17, 18):
            registry.body_scope_grant(actor=SYSTEM, body=body, scheme_code=scheme, iaf_sector=sector)
    registry.body_scope_grant(actor=SYSTEM, body=body, scheme_code="CCC", ccc_product_code="0701")
    holder = build_org(name="南京星河精密科技有限公司", region_code="320102")
    build_org(name="苏州示例机械制造有限公司", region_code="320505")
    report_certificates(actor=SYSTEM, body=body, items=[certificate_data(holder=holder, scope_codes=["17"])])
    data_dir.mkdir(parents=True, exist_ok=True)
    call_command("log", "keygen", "--out", str(data_dir / "log-signing.key"), stdout=io.StringIO())


def test_every_command_the_readme_shows_works_as_shown(tmp_path):
    blocks, commands, links = shown(README.read_text(encoding="utf-8"))
    unknown = [c for c in commands if c not in CHECKS]
    assert not unknown, f"README.md shows commands this test does not know; add them to CHECKS: {unknown}"
    data_dir = tmp_path / "data"
    _seed(data_dir)
    work = _workspace(tmp_path)
    failures: list[str] = []
    ran: list[str] = []

    def run(what: str, script: str, expect: str = "", *, prod: bool = False) -> None:
        done = _bash(script, work, data_dir, server.url, prod=prod)
        ran.append(what)
        if done.returncode != 0 or expect not in _readable(done.stdout):
            failures.append(f"{what}\n  ran: {script}\n  exit {done.returncode}\n  stdout: {done.stdout[-1500:]}\n"
                            f"  stderr: {done.stderr[-1500:]}")

    deployment = [b for b in blocks if "DJANGO_SETTINGS_MODULE=certinel.settings.prod" in b]
    on_postgres = connection.vendor == "postgresql"
    if on_postgres:
        assert deployment, "README.md no longer shows a deployment on PostgreSQL"
        blocks, commands, links = deployment, [], []
    with served(data_dir) as server:
        # The blocks first (the tour's downloads the bundle the quoted `certinel verify` reads);
        # the deployment's last: it runs with fresh secrets of its own.
        for block in [b for b in blocks if b not in deployment]:
            if block.lstrip().startswith("make "):
                continue  # `make demo` / `make test`: MAKE
            run(f"block: {block.strip().splitlines()[0][:60]}", _block_script(block),
                "VALID" if "certinel verify" in block else "")
        for command in commands:
            check = CHECKS[command]
            if isinstance(check, Run):
                run(command, check.script or command, check.expect)
        for link in links:
            answer = Client(server.url).request(link.replace(DEMO_URL, server.url))
            if answer.status != 200:
                failures.append(f"{link}: {answer.status}\n{answer.text[:1500]}")
        for block in deployment:
            run("block: a deployment, step by step", _block_script(block), "", prod=True)
        output = server.output()

    assert not failures, "\n\n".join(failures)
    assert "Traceback" not in output, output[-5000:]
    assert len(ran) >= (1 if on_postgres else 20)


def test_the_readme_sends_no_raw_chinese_in_a_request_line():
    """HTTP allows only ASCII in a request line (RFC 9112), and gunicorn refuses anything else
    with "400 Bad Request": every URL the README gives curl is ASCII; the Chinese goes through
    --data-urlencode."""
    blocks, commands, _links = shown(README.read_text(encoding="utf-8"))
    urls = [u for text in [*blocks, *commands] for u in re.findall(r"https?://[^\s'\"`]+", text)]
    assert urls
    assert [u for u in urls if not u.isascii()] == []
