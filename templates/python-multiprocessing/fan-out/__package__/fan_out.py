"""Fan-out: start every job at once, each in a process, and gather the outcomes."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Generator, Iterable

from .outcome import J, Outcome, R
from .processes import OnStart, ProcessPool

IO_PROCESS_LIMIT = 64
"""The most processes a fan-out of jobs that mostly wait runs at once.

A process costs milliseconds to start and megabytes of memory: past this
many jobs, a job waits for the process of a finished one."""


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity, where there is one.

    The right ``workers`` for CPU-bound jobs: more processes would only take
    turns on the cores, each holding its memory while it waits.
    """
    if hasattr(os, "sched_getaffinity"):  # not on macOS
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run(
    jobs: Iterable[J],
    handle: Callable[[J], R],
    *,
    workers: int = IO_PROCESS_LIMIT,
    stop: threading.Event | None = None,
    on_start: OnStart[J] | None = None,
) -> Generator[Outcome[J, R], None, None]:
    """Start ``handle(job)`` for all jobs at once, each in a process; yield outcomes.

    Every job starts at once, up to ``workers`` processes (``usable_cores()``
    for CPU-bound jobs); past that, a job takes the process of one that has
    ended. ``handle`` must pickle: a top-level function or an instance of a
    top-level class. ``jobs`` is read in a thread of its own, so a source
    that blocks holds back neither outcomes nor a stop; a job it reads once
    the stop is set is handed back unstarted with a CancelledError, or
    dropped if the run has ended by then. Outcomes come in the order jobs
    end; ``on_start(job, process, started_at)`` runs here as each starts.

    A job that raises, or whose process dies, is that job's failed outcome;
    the others go on. Once ``stop`` is set no job is started; the running
    ones are killed and handed back with a CancelledError. An error of
    ``jobs`` itself is raised after the outcomes of the jobs in flight.
    Raises ValueError at once when ``workers`` is below 1. ``stop`` is a
    ``threading.Event``: a ``processes.Stop`` ends a wait at once, even when
    a signal handler sets it; another is checked every 0.1 s.
    """
    return ProcessPool(handle, workers, stop=stop, on_start=on_start).outcomes(jobs)
