"""Graceful stop: a service that, when told to stop, finishes what it started."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Protocol

from .runtime import (
    JobEvents,
    JobFunction,
    StopRequest,
    Workers,
    record,
    require_at_least_one,
)


class ServiceEvents(JobEvents, Protocol):
    """Job events, plus the one for a job stopped at the drain deadline."""

    def cancel(self, job: int) -> None: ...


def serve(
    run: JobFunction,
    source: Iterator[int],
    *,
    workers: int,
    drain_s: float,
    events: ServiceEvents,
    stop: StopRequest,
) -> None:
    """Run ``run(job)`` on ``workers`` processes for each job taken from ``source``.

    Runs until ``source`` is exhausted, or until ``stop`` is requested. Then
    no further job is taken; the jobs in flight have ``drain_s`` seconds to
    finish, after which their processes are killed and each is reported with
    ``cancel``. Returns once every process has ended. Raises ValueError
    when ``workers`` is below 1.
    """
    require_at_least_one(workers=workers)
    with Workers(run, workers) as service:
        while not stop.requested:
            for worker in service.idle:
                # Taking a job is the last thing checked before running it: a
                # stop that arrived meanwhile leaves the rest of the source alone.
                job = None if stop.requested else next(source, None)
                if job is None:
                    break
                service.run(worker, job)
            if not service.running:
                return
            for message in service.receive(stop):
                record(message, events)

        # Intake is closed. The drain deadline counts from here, which is the
        # moment the stop signal woke up the receive above.
        deadline = time.monotonic() + drain_s
        while service.running:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            for message in service.receive(stop, timeout=remaining):
                record(message, events)
        for job in service.kill_all():
            events.cancel(job)
