"""Background work when Certinel runs embedded (no Celery broker configured): a thread in the
`certinel serve` master process runs the periodic jobs that Celery beat runs in production —
signing a checkpoint of the transparency log every minute when it has grown, and the
certificate lifecycle job (expiry, missed surveillance) every hour."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections

logger = logging.getLogger(__name__)


def sign_checkpoint_if_grown() -> str:
    from certinel.transparency.errors import SignerNotConfigured
    from certinel.transparency.selectors import checkpoint_latest, log_size
    from certinel.transparency.services import checkpoint_sign
    from certinel.transparency.signers import operator_signer

    latest = checkpoint_latest()
    size = log_size()
    if latest is not None and latest.size == size:
        return "unchanged"
    try:
        signer = operator_signer()
    except SignerNotConfigured:
        return "no signing key"
    checkpoint_sign(signer=signer)
    return f"signed {size}"


def lifecycle_tick() -> str:
    from certinel.certificates.services import certificates_tick

    return str(certificates_tick())


JOBS: list[tuple[str, float, Callable[[], str]]] = [
    ("transparency checkpoint", 60.0, sign_checkpoint_if_grown),
    ("certificate lifecycle", 3600.0, lifecycle_tick),
]


def _loop(stop: threading.Event) -> None:
    due = {name: 0.0 for name, _, _ in JOBS}
    while not stop.is_set():
        now = time.monotonic()
        for name, every, job in JOBS:
            if now >= due[name]:
                due[name] = now + every
                try:
                    logger.info("%s: %s", name, job())
                except Exception:  # a failing job must not stop the others; it runs again later
                    logger.exception("background job %s failed", name)
                finally:
                    close_old_connections()
        stop.wait(5.0)


def start() -> threading.Event:
    """Start the jobs in a daemon thread; set the returned event to stop them."""
    stop = threading.Event()
    threading.Thread(target=_loop, args=(stop,), name="certinel-scheduler", daemon=True).start()
    return stop
