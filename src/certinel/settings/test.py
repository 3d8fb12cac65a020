"""Settings for the test suite. CERTINEL_TEST_DB chooses the database: `sqlite` (default) or
`postgres`. For PostgreSQL, DATABASE_URL is used when set; otherwise the server on
127.0.0.1:5432 is used, and when none answers there a throwaway one is started from the
installed PostgreSQL binaries."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import database_from_url

DEBUG = False
SECRET_KEY = "test-only-key-not-secret-0123456789abcdef"  # noqa: S105
ALLOWED_HOSTS = ["*"]
CERTINEL_PERSONAL_DATA_SALT = "test-salt"
DATA_DIR = Path(tempfile.mkdtemp(prefix="certinel-test-"))
atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)  # this process's own folder, gone when it ends
MEDIA_ROOT = DATA_DIR / "media"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir()
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CERTINEL_RATE_LIMIT_PER_MINUTE = 100000
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

_engine = os.environ.get("CERTINEL_TEST_DB", "sqlite")
if _engine == "postgres":
    from certinel.core.testing.pgserver import ensure_postgres

    DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL") or ensure_postgres())}
    # One test database per run, so that several runs on one server do not collide.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("CERTINEL_TEST_DB_NAME", f"test_certinel_{os.getpid()}")}
elif _engine == "sqlite":
    # A file, not memory: live-server and browser tests share it across threads.
    DATABASES = {"default": database_from_url(f"sqlite:///{DATA_DIR / 'test.sqlite3'}")}
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    raise RuntimeError(f"CERTINEL_TEST_DB must be 'sqlite' or 'postgres', not {_engine!r}")
