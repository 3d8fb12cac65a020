"""`certinel reference` and `certinel validate`, through call_command and as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certinel.reference.models import CodeListVersion

CERTINEL = Path(sys.executable).with_name("certinel")
VALID_USCC = "914403001922038216"


def run(*args: str, **kwargs) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command(*args, stdout=out, **kwargs)
    except CommandError as exc:
        return out.getvalue(), exc.returncode
    return out.getvalue(), 0


@pytest.mark.usefixtures("reference_data")
def test_reference_sync_and_status(data_copy):
    out, code = run("reference", "sync")
    assert code == 0 and "regions: unchanged" in out and "reference data in step" in out
    out, code = run("reference", "status")
    assert code == 0 and "every edition is loaded" in out and "2022-03-22" in out
    (data_copy / "iaf" / "iaf-id1.csv").write_text("number,name,name_en,nace\n1,农业,Agriculture,A\n",
                                                   encoding="utf-8")
    out, _ = run("reference", "status", "--data-dir", str(data_copy))
    assert "iaf         IAF ID 1:2014    file changed since loading" in out and "1 edition(s) out of step" in out
    out, code = run("reference", "sync", "--data-dir", str(data_copy))
    assert code == 0 and "iaf: loaded 1 rows" in out
    assert CodeListVersion.objects.get(name="iaf").rows == 1


@pytest.mark.django_db
def test_reference_sync_refuses_a_bad_file(data_copy):
    with (data_copy / "iaf" / "iaf-id1.csv").open("a", encoding="utf-8") as fh:
        fh.write("x,坏,Bad,\n")
    _out, code = run("reference", "sync", "--data-dir", str(data_copy), "--force")
    assert code == 1


def test_reference_sync_error_message(data_copy, db):
    with (data_copy / "iaf" / "iaf-id1.csv").open("a", encoding="utf-8") as fh:
        fh.write("x,坏,Bad,\n")
    with pytest.raises(CommandError, match=r"nothing loaded: iaf/iaf-id1.csv, line 41, field 'number'"):
        call_command("reference", "sync", "--data-dir", str(data_copy), "--force", stdout=StringIO())


def test_validate_prints_one_line_per_value():
    out, code = run("validate", "uscc", VALID_USCC, "914403001922038217")
    assert code == 1
    assert out.splitlines() == [f"{VALID_USCC}: valid",
                                "914403001922038217: invalid: position 18: check character should be 6, is 7"]
    out, code = run("validate", "uscc", "914403001922038217", "--lang", "zh")
    assert out.strip() == "914403001922038217: 无效: 第18位：校验码应为6，实为7"
    out, code = run("validate", "cb-approval", "CNCA-R-2002-001", "CNCA-RF-2002-07")
    assert code == 0 and out.count(": valid") == 2


def test_validate_reads_a_file(tmp_path):
    values = tmp_path / "values.txt"
    values.write_text(f"{VALID_USCC}\n\n  191000110023  \n", encoding="utf-8")
    out, code = run("validate", "cma", "--file", str(values))
    assert code == 1 and out.splitlines()[1] == "191000110023: valid"
    out, code = run("validate", "cma", "--file", str(tmp_path / "missing.txt"))
    assert code == 2
    out, code = run("validate", "cma")
    assert code == 2


@pytest.mark.usefixtures("reference_data")
def test_validate_lookup_uses_the_reference_data():
    out, code = run("validate", "ccc-number", "2013010702607951", "2013019999607951", "--lookup")
    assert code == 1 and "2013019999607951: invalid: position 7: product code 9999 is not in the CCC" in out


def _certinel(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "certinel.settings.test"}
    return subprocess.run([str(CERTINEL), *args], capture_output=True, text=True, env=env, timeout=120, **kwargs)


def test_validate_as_a_process(tmp_path):
    done = _certinel("validate", "uscc", VALID_USCC)
    assert (done.returncode, done.stdout) == (0, f"{VALID_USCC}: valid\n")
    done = _certinel("validate", "ccc-number", "2013010702607951", "201301070260795")
    assert done.returncode == 1
    assert done.stdout.splitlines()[1] == "201301070260795: invalid: position 16: too short: 15 characters, 16 expected"
    done = _certinel("validate", "cma", "--file", str(tmp_path / "nope.txt"))
    assert done.returncode == 2 and "file not found" in done.stderr
    done = _certinel("validate", "passport", "X")
    assert done.returncode == 2 and "invalid choice" in done.stderr


@pytest.mark.usefixtures("reference_data")
def test_admin_lists_are_read_only(admin_client):
    response = admin_client.get("/admin/reference/region/", {"q": "姑苏区"})
    assert response.status_code == 200 and "320508" in response.content.decode()
    assert admin_client.get("/admin/reference/scheme/add/").status_code == 403
