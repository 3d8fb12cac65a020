"""Background work when Certinel runs embedded (no Celery broker configured): threads in the
`certinel serve` master process run the periodic jobs that Celery beat and workers run in
production — signing a checkpoint of the transparency log every minute when it has grown, the
certificate lifecycle job (expiry, missed surveillance) every hour, bringing the statistics up
to date every minute, and sending the watchlist notifications that are due (new ones and
retries) every two seconds.

Each job has its own thread, so that a long lifecycle run does not hold up notifications.

The master process forks gunicorn's workers (at start, and again whenever one is replaced).
A fork copies SQLite's in-process lock bookkeeping but not the locks themselves: a worker
forked while a job held a write transaction would answer "database is locked" to every write
for the rest of its life, and one forked with a connection open would read without the locks
that keep the WAL consistent. So jobs run under `guard()`: no fork happens while one runs, and
none leaves a connection open behind it."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections

logger = logging.getLogger(__name__)

# Held by guarded work, and by a thread of this process that forks for the length of the fork.
_fork_lock = threading.RLock()
_local = threading.local()


def _before_fork() -> None:
    _fork_lock.acquire()


def _after_fork_in_parent() -> None:
    _fork_lock.release()


def _after_fork_in_child() -> None:
    global _fork_lock
    _fork_lock = threading.RLock()  # the child has one thread: nothing of the parent's is running


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)


@contextmanager
def guard() -> Iterator[None]:
    """Database work in a background thread of a process that may fork: the process does not
    fork while it runs, and this thread's connections are closed when it ends. Background
    threads only (it closes the thread's connections, transaction or not)."""
    with _fork_lock:
        depth = getattr(_local, "depth", 0)
        _local.depth = depth + 1
        try:
            yield
        finally:
            _local.depth = depth
            if not depth:
                connections.close_all()


def in_background() -> bool:
    """Whether this thread is running a background job (work it starts may wait for the next
    run of the job that does it, rather than be done at once)."""
    return getattr(_local, "depth", 0) > 0


def rest(seconds: float) -> None:
    """A pause between two transactions of a long job (`core.db.WritePacer`). In a guarded job
    that holds no transaction, the thread's connections are closed and the process may fork
    while it rests, so that a long lifecycle run does not keep a worker from being started or
    replaced; anywhere else it only waits."""
    depth = getattr(_local, "depth", 0)
    if not depth or any(c.in_atomic_block for c in connections.all(initialized_only=True)):
        time.sleep(seconds)
        return
    connections.close_all()
    for _ in range(depth):
        _fork_lock.release()
    try:
        time.sleep(seconds)
    finally:
        for _ in range(depth):
            _fork_lock.acquire()


# --- the jobs -----------------------------------------------------------------------------------

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


def credit_expiry() -> str:
    """Remove the serious-violation list's entries whose maximum period has run."""
    from certinel.credit.services import entries_expire

    done = entries_expire()
    return f"{done} removed" if done else ""


def credit_displays() -> str:
    """End the display of published penalties whose maximum period has run."""
    from certinel.credit.services_repair import publications_expire

    done = publications_expire()
    return f"{done} ended" if done else ""


def credit_classes() -> str:
    """Recompute the credit risk classes (facts age out of their scorecards' windows)."""
    from certinel.credit.services_classes import classes_recompute

    done = classes_recompute(around_step=guard)  # a step at a time under the guard
    return f"{done.assigned} assigned, {done.changed} changed" if done.assigned or done.changed else ""


def watch_deliveries() -> str:
    """Send the watchlist notifications that are due (new ones, and retries whose time has
    come); one delivery at a time under the guard, so that a slow receiver does not hold up a
    fork for more than one attempt. Returns what it did ("" when there was nothing to do)."""
    from certinel.watch import notify

    with guard():
        due = notify.due_ids()
    outcomes: dict[str, int] = {}
    for pk in due:
        with guard():
            delivery = notify.deliver(pk)
        if delivery is not None:
            outcomes[delivery.status] = outcomes.get(delivery.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(outcomes.items()))


def case_warnings() -> str:
    """Run the risk-warning rules when the register changed since their last run (an import, a
    decision), and once a day in any case."""
    from certinel.cases.services_warnings import run_if_due, warnings_run

    global _warnings_day
    today = time.strftime("%Y-%m-%d")
    done = warnings_run() if _warnings_day != today else run_if_due()
    _warnings_day = today
    return ", ".join(f"{rule}: {n} new" for rule, n in done.items() if n)


_warnings_day = ""


def assessment_reports() -> str:
    """In the first days of a quarter, the previous quarter's report of each province, once; one
    report a run, so that a run holds the guard for one report only."""
    from certinel.assessment.services import scheduled_generate

    done = scheduled_generate(refresh=True, limit=1)
    made = [f"{d.report.region_code} {d.report.period}" for d in done if d.created]
    return f"{len(made)} generated" if made else ""


def statistics_refresh() -> str:
    """Bring the precomputed statistics up to date (only what changed since the last run)."""
    from certinel.stats.refresh import scheduled_refresh

    return scheduled_refresh()


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds between the starts of two runs
    run: Callable[[], str]
    guarded: bool = True  # False: the job takes the guard itself, piece by piece


JOBS: list[Job] = [
    Job("transparency checkpoint", 60.0, sign_checkpoint_if_grown),
    Job("certificate lifecycle", 3600.0, lifecycle_tick),
    Job("credit list expiry", 3600.0, credit_expiry),
    Job("credit penalty displays", 3600.0, credit_displays),
    Job("credit classes", 86400.0, credit_classes, guarded=False),
    Job("case warnings", 600.0, case_warnings),
    Job("watch deliveries", 2.0, watch_deliveries, guarded=False),
    Job("assessment reports", 600.0, assessment_reports),
    Job("statistics refresh", 60.0, statistics_refresh),
]


def run_job(job: Job) -> str | None:
    """Run a job once under the guard; a failure is logged, not raised (it runs again later)."""
    try:
        if job.guarded:
            with guard():
                outcome = job.run()
        else:
            outcome = job.run()
    except Exception:
        logger.exception("background job %s failed", job.name)
        return None
    if outcome:
        logger.info("%s: %s", job.name, outcome)
    return outcome


def _loop(job: Job, stop: threading.Event) -> None:
    while not stop.is_set():
        started = time.monotonic()
        run_job(job)
        stop.wait(max(0.0, job.every - (time.monotonic() - started)))


class Running:
    """The scheduler's threads; `stop()` ends them."""

    def __init__(self, jobs: list[Job]) -> None:
        self.event = threading.Event()
        self.threads = [threading.Thread(target=_loop, args=(job, self.event), daemon=True,
                                         name=f"certinel-{job.name.replace(' ', '-')}") for job in jobs]
        for thread in self.threads:
            thread.start()

    def set(self) -> None:
        self.event.set()

    def stop(self, timeout: float = 30.0) -> None:
        self.event.set()
        for thread in self.threads:
            thread.join(timeout)


def start(jobs: list[Job] | None = None) -> Running:
    """Start the jobs (default: all of them), each in a daemon thread; `stop()` the returned
    object to end them."""
    return Running(JOBS if jobs is None else jobs)
