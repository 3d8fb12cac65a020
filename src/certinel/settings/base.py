"""Settings shared by every environment. Deployments configure themselves with environment
variables (see README, "Running it for real")."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
# Where the embedded database, uploads and generated files live unless told otherwise.
DATA_DIR = Path(os.environ.get("CERTINEL_DATA_DIR", PROJECT_DIR / "var"))

SECRET_KEY = os.environ.get("CERTINEL_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("CERTINEL_ALLOWED_HOSTS", "").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CERTINEL_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "certinel.core",
    "certinel.accounts",
    "certinel.reference",
    "certinel.registry",
    "certinel.certificates",
    "certinel.transparency",
    "certinel.credentials",
    "certinel.portal",
    "certinel.demo",
    "certinel.watch",
    "certinel.credit",
    "certinel.supervision",
    "certinel.cases",
    "certinel.qualification",
    "certinel.surveys",
    "certinel.stats",
    "certinel.assessment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "certinel.core.middleware.RequestIdMiddleware",
    "certinel.cases.misses.MissSourceMiddleware",
    "certinel.core.middleware.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "certinel.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "certinel.urls"
WSGI_APPLICATION = "certinel.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "certinel.portal.context.portal",
            ],
        },
    }
]


def database_from_url(url: str) -> dict:
    """One database setting from a URL, with the options Certinel relies on."""
    # Connections are kept between requests (each thread its own): opening one costs more than
    # most requests (on SQLite, its pragmas and an empty page cache every time).
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # WAL lets readers go on while a writer works; IMMEDIATE takes the write lock at
            # the start of a transaction, so two writers queue instead of failing half-way.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
            # The busy timeout, in seconds: how long a write waits for the one before it (an
            # import of some thousand rows holds the write lock for seconds) before it fails.
            "timeout": 30,
        }
    return config


DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'certinel.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Front-end libraries come from the npm registry at install time (package.json), never copied
# into the repository; the ones the portal serves are listed here.
NODE_MODULES = Path(os.environ.get("CERTINEL_NODE_MODULES", PROJECT_DIR / "node_modules"))
STATICFILES_DIRS = [(f"vendor/{name}", NODE_MODULES / package / "dist")
                    for name, package in (("htmx", "htmx.org"), ("echarts", "echarts"))
                    if (NODE_MODULES / package / "dist").is_dir()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"]}}
# Verification answers (certificates/verify_cache.py): shared through Redis when there is one,
# else in each process's memory. Every use is checked against the register first, so either is
# correct; sharing saves each worker building the same answers.
CACHES["verification"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"],
     "KEY_PREFIX": "verification"} if os.environ.get("REDIS_URL") else
    {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "verification",
     "OPTIONS": {"MAX_ENTRIES": 20000, "CULL_FREQUENCY": 4}})

# Security defaults (OWASP ASVS level 2 as the bar).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = os.environ.get("CERTINEL_EMAIL_BACKEND", "certinel.core.mail.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("CERTINEL_FROM_EMAIL", "certinel@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CERTINEL_LOG_LEVEL", "WARNING")},
}

# Background work (see certinel/celery.py): Celery with a broker when one is configured,
# otherwise tasks run in-process at once.
# (Without one, the in-memory transport stands in, so nothing tries to reach a broker.)
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CERTINEL_CELERY_BROKER_URL", "")
CELERY_BROKER_URL = os.environ.get("CERTINEL_CELERY_BROKER_URL", "") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "certificates-tick": {"task": "certinel.certificates.tasks.tick", "schedule": 3600.0},
    "credit-expire": {"task": "certinel.credit.tasks.expire", "schedule": 3600.0},
    "credit-displays-expire": {"task": "certinel.credit.tasks.end_displays", "schedule": 3600.0},
    "credit-classify": {"task": "certinel.credit.tasks.classify", "schedule": 86400.0},
    "cases-warnings-if-due": {"task": "certinel.cases.tasks.warnings_if_due", "schedule": 600.0},
    "cases-warnings-daily": {"task": "certinel.cases.tasks.warnings_daily", "schedule": 86400.0},
    "stats-refresh": {"task": "certinel.stats.tasks.refresh", "schedule": 600.0},
    "transparency-checkpoint": {"task": "certinel.transparency.tasks.checkpoint", "schedule": 60.0},
    # Retries are sent with a countdown; this catches any delivery whose message was lost.
    "watch-deliver-due": {"task": "certinel.watch.tasks.deliver_due", "schedule": 30.0},
}

# Certinel's own settings ---------------------------------------------------------------
# Public endpoints are rate-limited per client address: requests per minute.
CERTINEL_RATE_LIMIT_PER_MINUTE = int(os.environ.get("CERTINEL_RATE_LIMIT_PER_MINUTE", "600"))
# The public address of this deployment (scheme, host and port): every absolute URL and identifier
# it gives out derives from it: QR codes, credential ids, did:web DIDs, status list URLs (http stays
# http), the log's name. `certinel demo --port N` sets it to http://127.0.0.1:N.
CERTINEL_PUBLIC_URL = os.environ.get("CERTINEL_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Demo deployments show a banner saying the data is fictional.
CERTINEL_DEMO = os.environ.get("CERTINEL_DEMO") == "1"
# Certificate reporting: days a body has to report an event (issue, suspension …) after it
# happened; later reports are counted as late. A revoked certificate's holder may not move to
# another body for the same scheme for this many months.
CERTINEL_REPORTING_DEADLINE_DAYS = int(os.environ.get("CERTINEL_REPORTING_DEADLINE_DAYS", "5"))
CERTINEL_HOPPING_WAIT_MONTHS = int(os.environ.get("CERTINEL_HOPPING_WAIT_MONTHS", "12"))
# Largest certificate file a body may upload on the portal.
CERTINEL_IMPORT_MAX_BYTES = int(os.environ.get("CERTINEL_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
# Keys that encrypt the bodies' private signing keys at rest: comma-separated base64url 32-byte
# keys; the first encrypts, all decrypt (so the key can be rotated). Required in production.
CERTINEL_KEY_ENCRYPTION_KEY = os.environ.get("CERTINEL_KEY_ENCRYPTION_KEY", "")
# A TrueType/OpenType font with Chinese glyphs for PDF certificates (default: Noto CJK if installed).
CERTINEL_PDF_CJK_FONT = os.environ.get("CERTINEL_PDF_CJK_FONT", "")
# Salt for the hashes of personal data in the history and the transparency log.
CERTINEL_PERSONAL_DATA_SALT = os.environ.get("CERTINEL_PERSONAL_DATA_SALT", "")
