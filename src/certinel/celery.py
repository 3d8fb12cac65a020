"""Background work. With `CERTINEL_CELERY_BROKER_URL` set (Redis in production), tasks go to
Celery workers (`celery -A certinel worker`, and `celery -A certinel beat` for the schedule);
without it (the embedded default, the demo and the tests) nothing is sent to Celery: the
periodic jobs run in `certinel serve`'s scheduler (core/scheduler.py) and notifications are
sent in-process (watch/notify.py). Workers need DJANGO_SETTINGS_MODULE set like the server's
(see README)."""

from __future__ import annotations

from celery import Celery

app = Celery("certinel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The app of every thread. Celery makes an app current only in the thread that created it;
# `shared_task`s called from any other thread (gunicorn's request threads, the scheduler's)
# would otherwise resolve to Celery's unconfigured fallback app and send their messages to an
# AMQP broker on localhost that does not exist, where they silently vanish.
app.set_default()
