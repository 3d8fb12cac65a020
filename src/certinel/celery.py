"""Background work. With `CERTINEL_CELERY_BROKER_URL` set (Redis in production), tasks go to
Celery workers (`celery -A certinel worker`, and `celery -A certinel beat` for the schedule);
without it (the embedded default, the demo and the tests) they run in-process, at once.
Workers need DJANGO_SETTINGS_MODULE set like the server's (see README)."""

from __future__ import annotations

from celery import Celery

app = Celery("certinel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
