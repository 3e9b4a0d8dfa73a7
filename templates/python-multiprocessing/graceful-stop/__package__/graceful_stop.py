"""Graceful stop: a service that, when told to stop, finishes what it started."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterable

from .outcome import J, Outcome, R
from .processes import Intake, OnStart, ProcessPool


def run(
    jobs: Iterable[J],
    handle: Callable[[J], R],
    *,
    workers: int,
    stop: threading.Event,
    drain: float,
    on_start: OnStart[J] | None = None,
) -> Generator[Outcome[J, R], None, None]:
    """Run ``handle(job)`` on ``workers`` processes for each job; yield each outcome.

    Serves until ``jobs`` is exhausted (it may be endless) or ``stop`` is
    set. Then no further job is taken; the jobs in flight have ``drain``
    seconds to finish, after which their processes are killed and each is
    handed back with a CancelledError. The generator ends once every process
    has ended. ``jobs`` is read one job at a time as workers free up, so
    memory holds the jobs in flight, never the finished ones; it is read in
    a thread of its own, so a source that blocks holds back neither
    outcomes nor the stop. No job is asked for once the stop is set; one
    the source was reading then is served if it comes before the drain
    deadline, and dropped (neither run nor handed back) if later: a source
    that blocks should end on the stop too. ``handle`` must pickle;
    ``on_start(job, worker, started_at)`` runs here as each job starts. A
    job that raises, or whose process dies, is that job's failed outcome. An
    error of ``jobs`` itself is raised after the outcomes of the jobs in
    flight. Raises ValueError at once when ``workers`` is below 1. ``stop``
    is a ``threading.Event``: a ``processes.Stop`` ends a wait at once, even
    when a signal handler sets it; another is checked every 0.1 s.
    """
    pool = ProcessPool(handle, workers, stop=stop, on_start=on_start)
    return _serve(pool, Intake(jobs), drain)


def _serve(
    pool: ProcessPool[J, R], intake: Intake[J], drain: float
) -> Generator[Outcome[J, R], None, None]:
    with pool:
        try:
            yield from pool.feed(intake, serve_read=True)
            while (pool.running or intake.reading) and not pool.stopped:
                yield from pool.receive(intake=intake)
                yield from pool.feed(intake, serve_read=True)
            # The drain deadline counts from here, which is the moment the
            # stop woke up the receive above. A job the source was reading
            # then is waited for like one in flight.
            deadline = time.monotonic() + drain
            while (pool.running or intake.reading) and (
                remaining := deadline - time.monotonic()
            ) > 0:
                yield from pool.receive(remaining, intake=intake)
                yield from pool.feed(intake, serve_read=True)
            yield from pool.cancel_all()
            yield from pool.feed(intake)  # one read at the deadline: cancelled
        finally:
            intake.close()
    intake.raise_error()
