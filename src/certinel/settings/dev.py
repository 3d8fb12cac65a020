"""Settings for a developer's machine and the demo (`make demo`)."""

import os

from .base import *  # noqa: F403
from .base import DATA_DIR

DEBUG = True
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]  # noqa: F405
CERTINEL_PERSONAL_DATA_SALT = CERTINEL_PERSONAL_DATA_SALT or "dev-salt"  # noqa: F405
DATA_DIR.mkdir(parents=True, exist_ok=True)
(DATA_DIR / "static").mkdir(exist_ok=True)

# The public address `certinel demo --port N` recorded for this data folder, so that every command
# run on it names the address its data was built for (see certinel/demo/address.py).
if not os.environ.get("CERTINEL_PUBLIC_URL") and (DATA_DIR / "public-url").is_file():
    CERTINEL_PUBLIC_URL = (DATA_DIR / "public-url").read_text(encoding="utf-8").strip() or CERTINEL_PUBLIC_URL  # noqa: F405

# The transparency log's signing key for development and the demo (made by `certinel demo`).
CERTINEL_LOG_SIGNING_KEY_FILE = os.environ.get("CERTINEL_LOG_SIGNING_KEY_FILE", str(DATA_DIR / "log-signing.key"))
