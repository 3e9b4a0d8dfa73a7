"""Fan-out: start every job at once, each in a process of its own, and wait for all."""

from __future__ import annotations

from collections.abc import Sequence

from .runtime import (
    JobEvents,
    JobFunction,
    StopRequest,
    Workers,
    record,
    require_at_least_one,
)

MAX_PROCESSES = 64
"""The most processes a fan-out runs at once.

A process costs milliseconds to start and megabytes of memory: past this
many jobs, a job waits for the process of a finished one."""


def fan_out(
    run: JobFunction,
    jobs: Sequence[int],
    *,
    events: JobEvents,
    stop: StopRequest,
    max_processes: int = MAX_PROCESSES,
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
