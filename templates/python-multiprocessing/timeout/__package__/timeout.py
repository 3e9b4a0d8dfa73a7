"""Timeout: each operation runs under its own deadline and is killed at it."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Protocol

from .runtime import (
    JobEvents,
    JobFunction,
    Started,
    StopRequest,
    Workers,
    processes_for,
    record,
    require_at_least_one,
)


class TimeoutEvents(JobEvents, Protocol):
    """Job events, plus the one for an operation past its deadline."""

    def timeout(self, job: int) -> None: ...


def run_with_deadlines(
    run: JobFunction,
    jobs: Iterable[int],
    *,
    workers: int,
    timeout_s: float,
    events: TimeoutEvents,
    stop: StopRequest,
) -> bool:
    """Run ``run(job)`` for every job, ``workers`` at once, each up to ``timeout_s``.

    An operation still running ``timeout_s`` after it started is reported as
    ``timeout`` once its process has been killed: a job in another process
    cannot be interrupted, only stopped with its process, and the worker's
    number passes to a fresh one. Returns True once every job has ended, or
    False as soon as ``stop`` is requested, after killing the jobs still
    running. Raises ValueError when ``workers`` is below 1 or ``timeout_s``
    is not above 0.
    """
    require_at_least_one(workers=workers)
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be more than 0, not {timeout_s}")
    pending = iter(jobs)
    deadlines: dict[int, float] = {}  # worker -> when its operation's time is up
    with Workers(run, processes_for(jobs, workers)) as operations:
        while not stop.requested:
            for worker in operations.idle:
                job = next(pending, None)
                if job is None:
                    break
                operations.run(worker, job)
            if not operations.running:
                return True
            # Sleep until the next message or the nearest deadline, whichever
            # comes first: no polling, and a deadline is noticed on time.
            nearest = min(deadlines.values(), default=None)
            wait_s = None if nearest is None else max(0.0, nearest - time.monotonic())
            for message in operations.receive(stop, timeout=wait_s):
                if isinstance(message, Started):
                    deadlines[message.worker] = time.monotonic() + timeout_s
                else:
                    # pop: a worker that crashed may never have sent Started.
                    deadlines.pop(message.worker, None)
                record(message, events, show_worker=False)
            now = time.monotonic()
            for worker, deadline in list(deadlines.items()):
                if deadline <= now:
                    del deadlines[worker]
                    events.timeout(operations.kill(worker))
        return False
