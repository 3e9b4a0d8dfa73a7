"""Timeout: each job runs under its own deadline, and is killed at it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterable

from .outcome import J, Outcome, R
from .processes import Intake, OnStart, ProcessPool


class DeadlineExceededError(TimeoutError):
    """A job was still running at its deadline; its process was killed."""


def call(job: J, handle: Callable[[J], R], *, timeout: float) -> R:
    """Return ``handle(job)``, run in a process that is killed at ``timeout`` seconds.

    Raises DeadlineExceededError at the deadline, or what the job raised.
    """
    [outcome] = run([job], handle, workers=1, timeout=timeout)
    return outcome.result()


def run(
    jobs: Iterable[J],
    handle: Callable[[J], R],
    *,
    workers: int,
    timeout: float,
    stop: threading.Event | None = None,
    on_start: OnStart[J] | None = None,
) -> Generator[Outcome[J, R], None, None]:
    """Run ``handle(job)`` for every job, ``workers`` at once, each up to ``timeout`` s.

    A job still running ``timeout`` seconds after it started is handed back
    with a DeadlineExceededError once its process is killed: a job in
    another process cannot be interrupted, only stopped with its process.
    Its worker gets a fresh process for its next job. The deadline counts
    from the job's start in its worker, so neither a process start-up nor a
    late reading of the worker's report moves it. ``handle`` must pickle;
    ``on_start(job, worker, started_at)`` runs here as each job starts.
    ``jobs`` is read in a thread of its own, one job as a
    worker frees up, so a source that blocks holds back neither outcomes
    nor a stop; a job it reads once the stop is set is handed back
    unstarted with a CancelledError, or dropped if the run has ended.

    A job that raises is that job's failed outcome. Once ``stop`` is set no
    job is taken; the running ones are killed and handed back with a
    CancelledError. An error of ``jobs`` itself is raised after the outcomes
    of the jobs in flight. Raises ValueError at once when ``workers`` is
    below 1 or ``timeout`` is not above 0. ``stop`` is a
    ``threading.Event``: a ``processes.Stop`` ends a wait at once, even when
    a signal handler sets it; another is checked every 0.1 s.
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be more than 0, not {timeout}")
    pool = ProcessPool(handle, workers, stop=stop, on_start=on_start)
    return _run_with_deadlines(pool, Intake(jobs), timeout)


def _run_with_deadlines(
    pool: ProcessPool[J, R], intake: Intake[J], timeout: float
) -> Generator[Outcome[J, R], None, None]:
    with pool:
        try:
            yield from pool.feed(intake)
            while (pool.running or intake.reading) and not pool.stopped:
                # Sleep until the next report, the job read, or the nearest
                # deadline, whichever comes first: no polling, and a deadline
                # is noticed on time.
                nearest = min(pool.running_since().values(), default=None)
                deadline = None if nearest is None else nearest + timeout
                wait_s = None if deadline is None else deadline - time.monotonic()
                yield from pool.receive(
                    None if wait_s is None else max(0.0, wait_s), intake=intake
                )
                now = time.monotonic()
                for worker, since in pool.running_since().items():
                    # A report waiting was sent before now: a Started read
                    # late may have the job's Finished behind it, read next.
                    if now - since >= timeout and not pool.has_report(worker):
                        job = pool.kill(worker)
                        error = DeadlineExceededError(f"deadline of {timeout} s passed")
                        yield Outcome(job, error=error)
                yield from pool.feed(intake)
            yield from pool.cancel_all()
            yield from pool.feed(intake)
        finally:
            intake.close()
    intake.raise_error()
