"""`certinel log verify|checkpoint|status|keygen`."""

from __future__ import annotations

import io
import json
import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certinel.transparency.models import Checkpoint
from certinel.transparency.note import Cosigner, Ed25519Signer, open_note
from certinel.transparency.services import checkpoint_sign

from .conftest import record

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("log", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_verify_keeps_state_and_catches_a_rewrite(fill, signer, origin, tmp_path, tamper):
    fill(600)
    checkpoint_sign(signer=signer)
    state = tmp_path / "monitor" / "state.json"
    out = run("verify", "--key", signer.vkey, "--state", str(state), "--progress", "always")
    assert "OK: certinel.test/log verified at size 600, checkpoint 600 holds" in out
    assert "entries/s" in out
    saved = json.loads(state.read_text())
    assert saved["size"] == 600 and saved["origin"] == origin and saved["checkpoint"].startswith(origin)
    fill(10, start=600)
    checkpoint_sign(signer=signer)
    run("verify", "--key", signer.vkey, "--state", str(state), "--progress", "never")
    assert json.loads(state.read_text())["size"] == 610
    with tamper("core_changerecord") as cursor:
        cursor.execute("UPDATE core_changerecord SET leaf = %s WHERE log_index = 3", [record(12345)])
    out = io.StringIO()
    with pytest.raises(CommandError, match="failed verification") as caught:
        call_command("log", "verify", "--key", signer.vkey, "--state", str(state), stdout=out)
    assert caught.value.returncode == 1
    assert "[rewritten] entry 3: its bytes were rewritten" in out.getvalue()
    assert json.loads(state.read_text())["size"] == 610  # not moved on a failed run


def test_verify_with_a_checkpoint_file_and_keys_from_the_environment(fill, signer, origin, tmp_path, monkeypatch):
    fill(5)
    cp = checkpoint_sign(signer=signer)
    copy = tmp_path / "checkpoint"
    copy.write_text(cp.note)
    monkeypatch.setenv("CERTINEL_LOG_VERIFIER_KEYS", signer.vkey)
    assert "OK" in run("verify", "--checkpoint", str(copy))
    with pytest.raises(CommandError, match="cannot read checkpoint file"):
        run("verify", "--checkpoint", str(tmp_path / "absent"))
    with pytest.raises(CommandError, match="bad verifier key"):
        run("verify", "--key", "nonsense")
    with pytest.raises(CommandError, match="bad verifier key"):
        run("verify", "--witness", "nonsense")
    monkeypatch.setenv("CERTINEL_LOG_WITNESS_KEYS", Cosigner.generate("w.example").verifier.vkey)
    assert "OK" in run("verify")
    wrong = tmp_path / "state.json"
    wrong.write_text(json.dumps({"origin": "other.example/log"}))
    with pytest.raises(CommandError, match="not for the log"):
        run("verify", "--state", str(wrong))
    wrong.write_text("{not json")
    with pytest.raises(CommandError, match="cannot read the state file"):
        run("verify", "--state", str(wrong))


def test_checkpoint_with_the_operator_key_from_a_file(fill, origin, tmp_path, monkeypatch):
    key = tmp_path / "log.key"
    out = run("keygen", "--out", str(key))
    assert "private key written to" in out and "PRIVATE" not in out
    assert (key.stat().st_mode & 0o777) == 0o600
    vkey = out.split("verifier key: ")[1].strip()
    assert vkey.startswith(origin + "+")
    with pytest.raises(CommandError, match="exists"):
        run("keygen", "--out", str(key))
    monkeypatch.delenv("CERTINEL_LOG_SIGNING_KEY", raising=False)
    with pytest.raises(CommandError, match="no log signing key"):
        run("checkpoint")
    monkeypatch.setenv("CERTINEL_LOG_SIGNING_KEY_FILE", str(key))
    fill(3)
    note = run("checkpoint")
    assert open_note(note, [Ed25519Signer.from_signer_key(key.read_text()).verifier]).text.startswith(origin + "\n3\n")
    assert Checkpoint.objects.count() == 1
    os.chmod(key, 0o644)
    with pytest.raises(CommandError, match="readable by others"):
        run("checkpoint")
    monkeypatch.setenv("CERTINEL_LOG_SIGNING_KEY_FILE", str(tmp_path / "absent.key"))
    with pytest.raises(CommandError, match="cannot read the log signing key file"):
        run("checkpoint")
    monkeypatch.setenv("CERTINEL_LOG_SIGNING_KEY", "PRIVATE+KEY+broken")
    with pytest.raises(CommandError, match="not usable"):
        run("checkpoint")


def test_status_and_keygen_to_stdout(fill, signer, origin, monkeypatch):
    monkeypatch.setenv("CERTINEL_LOG_SIGNING_KEY", signer.signer_key)
    out = run("status")
    assert "entries     0" in out and "none signed yet" in out and signer.vkey in out
    fill(4)
    run("checkpoint")
    fill(2, start=4)
    out = run("status")
    assert "entries     6" in out and "size 4" in out and "2 entries not yet covered" in out
    monkeypatch.delenv("CERTINEL_LOG_SIGNING_KEY")
    assert "none configured" in run("status")
    printed = run("keygen", "witness.example/w9")
    assert "PRIVATE+KEY+witness.example/w9+" in printed and "verifier key: witness.example/w9+" in printed
    with pytest.raises(CommandError):
        run("keygen", "bad name")


def test_the_checkpoint_task_signs_with_the_operator_key(fill, signer, monkeypatch):
    from certinel.transparency.tasks import checkpoint

    monkeypatch.setenv("CERTINEL_LOG_SIGNING_KEY", signer.signer_key)
    fill(2)
    assert checkpoint.apply().get() == "signed 2"
    assert Checkpoint.objects.get().key_name == signer.name
