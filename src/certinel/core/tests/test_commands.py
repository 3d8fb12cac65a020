"""Small commands: `certinel secrets` and the production settings' guards."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys

from django.core.management import call_command


def test_secrets_prints_usable_values():
    out = io.StringIO()
    call_command("secrets", stdout=out)
    values = dict(line.removeprefix("export ").split("=", 1) for line in out.getvalue().splitlines())
    assert set(values) == {"CERTINEL_SECRET_KEY", "CERTINEL_PERSONAL_DATA_SALT", "CERTINEL_KEY_ENCRYPTION_KEY"}
    assert len(values["CERTINEL_SECRET_KEY"]) >= 32
    assert len(base64.urlsafe_b64decode(values["CERTINEL_KEY_ENCRYPTION_KEY"])) == 32


def _prod_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CERTINEL_")}
    clean.update(env, DJANGO_SETTINGS_MODULE="certinel.settings.prod")
    code = "import django; django.setup(); print('ok')"
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=False)


def test_production_settings_refuse_to_start_without_secrets():
    result = _prod_settings({})
    assert result.returncode != 0 and "CERTINEL_SECRET_KEY" in result.stderr
    full = {"CERTINEL_SECRET_KEY": "x" * 40, "CERTINEL_ALLOWED_HOSTS": "cert.example.org",
            "CERTINEL_PERSONAL_DATA_SALT": "salt", "CERTINEL_KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(
                b"k" * 32).decode()}
    for missing in ("CERTINEL_ALLOWED_HOSTS", "CERTINEL_PERSONAL_DATA_SALT", "CERTINEL_KEY_ENCRYPTION_KEY"):
        env = {k: v for k, v in full.items() if k != missing}
        result = _prod_settings(env)
        assert result.returncode != 0 and missing in result.stderr, missing
    assert _prod_settings(full).stdout.strip() == "ok"
