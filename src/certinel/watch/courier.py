"""Sending notifications in-process (no Celery broker): a thread of this process that makes
the first attempt at each new delivery right after the change that made it is committed, so
that the request (or command) that changed a certificate does not wait for mail servers and
webhooks. Later attempts, and anything this thread did not get to (the process ended), are
the scheduler's `watch deliveries` job (core/scheduler.py), which runs every two seconds in
`certinel serve`; attempts are claimed with a lease (notify._claim), so the two never send the
same delivery twice at once."""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time

logger = logging.getLogger(__name__)

# How long a command that made deliveries waits for them when it ends (the rest are left to
# the server's scheduler).
DRAIN_SECONDS = 10.0


class Courier:
    def __init__(self) -> None:
        self._queue: queue.Queue[int] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._atexit = False

    def send(self, delivery_ids: list[int]) -> None:
        """Attempt these deliveries soon, in this process's courier thread."""
        for pk in delivery_ids:
            self._queue.put(pk)
        if delivery_ids:
            self._ensure_thread()

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="certinel-courier", daemon=True)
            self._thread.start()
            if not self._atexit:
                atexit.register(self.drain, DRAIN_SECONDS)
                self._atexit = True

    def _run(self) -> None:
        from certinel.core.scheduler import guard

        from . import notify

        while True:
            pk = self._queue.get()
            try:
                with guard():
                    notify.deliver(pk)
            except Exception:  # the delivery stays due: the scheduler's job tries it again
                logger.exception("Delivery %s: the attempt failed", pk)
            finally:
                self._queue.task_done()

    def pending(self) -> int:
        return self._queue.unfinished_tasks

    def drain(self, timeout: float = DRAIN_SECONDS) -> bool:
        """Wait until every delivery handed to the thread has been attempted (or `timeout`
        seconds); returns whether all were."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() >= deadline or self._thread is None or not self._thread.is_alive():
                return False
            time.sleep(0.02)
        return True


courier = Courier()
