"""Production settings: everything comes from the environment, and nothing insecure is
assumed. See README, "Running it for real"."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
if not SECRET_KEY or len(SECRET_KEY) < 32:  # noqa: F405
    raise ImproperlyConfigured("CERTINEL_SECRET_KEY must be set to a random string of at least 32 characters.")
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured("CERTINEL_ALLOWED_HOSTS must list the host names this deployment answers to.")
if not CERTINEL_KEY_ENCRYPTION_KEY:  # noqa: F405
    raise ImproperlyConfigured("CERTINEL_KEY_ENCRYPTION_KEY must be set: base64url-encoded 32-byte keys, comma-"
                               "separated (generate one with `certinel secrets`).")
if not CERTINEL_PERSONAL_DATA_SALT:  # noqa: F405
    raise ImproperlyConfigured("CERTINEL_PERSONAL_DATA_SALT must be set (a random string, kept secret).")

SESSION_COOKIE_SECURE = os.environ.get("CERTINEL_INSECURE_COOKIES") != "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = os.environ.get("CERTINEL_SSL_REDIRECT") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("CERTINEL_HSTS_SECONDS", "0"))
