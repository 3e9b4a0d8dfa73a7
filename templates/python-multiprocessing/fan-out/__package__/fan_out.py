"""Fan-out: start every job at once, each in its own process, and wait for all."""

from __future__ import annotations

from collections.abc import Sequence

from .runtime import JobEvents, JobFunction, StopRequest, Workers, record


def fan_out(
    run: JobFunction, jobs: Sequence[int], *, events: JobEvents, stop: StopRequest
) -> bool:
    """Run ``run(job)`` for every job at once, one process each.

    Each job's start and its result or error go to ``events``; a failing
    job is reported in its place and the others go on. Returns True once
    every job has ended, or False as soon as ``stop`` is requested, after
    killing the jobs still running.
    """
    # Start every process first, then hand out the jobs: they begin together
    # instead of trailing the process start-ups one by one.
    with Workers(run, len(jobs)) as processes:
        for worker, job in zip(processes.idle, jobs, strict=True):
            processes.run(worker, job)
        while processes.running:
            for message in processes.receive(stop):
                # One process per job: the worker number would say nothing.
                record(message, events, show_worker=False)
            if stop.requested:
                return False
    return True
