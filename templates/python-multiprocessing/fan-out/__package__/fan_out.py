"""Fan-out: start every job at once, each in a process of its own, and wait for all."""

from __future__ import annotations

import os
from collections.abc import Sequence

from .runtime import (
    JobEvents,
    JobFunction,
    StopRequest,
    Workers,
    record,
    require_at_least_one,
)

IO_PROCESS_LIMIT = 64
"""The most processes a fan-out of io work runs at once.

A process costs milliseconds to start and megabytes of memory: past this
many jobs, a job waits for the process of a finished one."""


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity, where there is one."""
    if hasattr(os, "sched_getaffinity"):  # not on macOS
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def process_limit(work: str) -> int:
    """The most processes a fan-out of ``work`` ("io" or "cpu") runs at once.

    CPU work gets one process per usable core: more would only take turns
    on the cores, each holding its memory while it waits.
    """
    return usable_cores() if work == "cpu" else IO_PROCESS_LIMIT


def fan_out(
    run: JobFunction,
    jobs: Sequence[int],
    *,
    events: JobEvents,
    stop: StopRequest,
    max_processes: int = IO_PROCESS_LIMIT,
) -> bool:
    """Run ``run(job)`` for every job at once, each in a process of its own.

    Each job's start and its result or error go to ``events``; a failing
    job is reported in its place and the others go on. Returns True once
    every job has ended, or False as soon as ``stop`` is requested, after
    killing the jobs still running. Raises ValueError when
    ``max_processes`` is below 1.
    """
    require_at_least_one(max_processes=max_processes)
    pending = iter(jobs)
    # Start the processes first, then hand out the jobs: they begin together
    # instead of one by one behind each process start-up.
    with Workers(run, min(len(jobs), max_processes)) as processes:
        while not stop.requested:
            for process in processes.idle:
                job = next(pending, None)
                if job is None:
                    break
                processes.run(process, job)
            if not processes.running:
                return True
            for message in processes.receive(stop):
                # A process per job: its number would say nothing more.
                record(message, events, show_worker=False)
        return False
