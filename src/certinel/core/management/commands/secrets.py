"""`certinel secrets`: fresh random values for a new deployment's secret settings."""

from __future__ import annotations

import base64
import secrets

from django.core.management.base import BaseCommand

from certinel.core.checks import SETTINGS_ONLY


class Command(BaseCommand):
    help = "Print fresh random values for CERTINEL_SECRET_KEY, CERTINEL_PERSONAL_DATA_SALT and " \
           "CERTINEL_KEY_ENCRYPTION_KEY, as shell exports."
    requires_system_checks = SETTINGS_ONLY  # core/checks.py

    def handle(self, *args, **opts):
        kek = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        self.stdout.write(f"export CERTINEL_SECRET_KEY={secrets.token_urlsafe(48)}")
        self.stdout.write(f"export CERTINEL_PERSONAL_DATA_SALT={secrets.token_urlsafe(32)}")
        self.stdout.write(f"export CERTINEL_KEY_ENCRYPTION_KEY={kek}")
