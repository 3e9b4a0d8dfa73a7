"""A worker pool: a fixed number of processes share out the jobs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable

from .outcome import J, Outcome, R
from .processes import OnStart, ProcessPool


def run(
    jobs: Iterable[J],
    handle: Callable[[J], R],
    *,
    workers: int,
    stop: threading.Event | None = None,
    on_start: OnStart[J] | None = None,
) -> Generator[Outcome[J, R], None, None]:
    """Run ``handle(job)`` for every job on ``workers`` processes; yield each outcome.

    ``handle`` runs in a worker process, so it must pickle: a top-level
    function or an instance of a top-level class, not a lambda. Only an idle
    worker gets a job, and ``jobs`` is read one job at a time as workers
    free up: never more than ``workers`` jobs run at once or are read ahead,
    even from an endless source. ``jobs`` is read in a thread of its own,
    so a source that blocks holds back neither outcomes nor a stop; a job
    it reads once the stop is set is handed back unstarted with a
    CancelledError, or dropped if the run has ended by then. Outcomes come
    in the order jobs end;
    ``on_start(job, worker, started_at)`` runs here when worker 1..``workers``
    starts one.

    A job that raises, or whose process dies, is that job's failed outcome;
    the pool goes on. Once ``stop`` is set no job is taken; the running ones
    are killed and handed back with a CancelledError. An error of ``jobs``
    itself is raised after the outcomes of the jobs in flight. Closing the
    generator early kills what still runs. Raises ValueError at once when
    ``workers`` is below 1. ``stop`` is a ``threading.Event``: a
    ``processes.Stop`` ends a wait at once, even when a signal handler sets
    it; another is checked every 0.1 s.
    """
    return ProcessPool(handle, workers, stop=stop, on_start=on_start).outcomes(jobs)
