"""A worker pool: a fixed number of processes share out the jobs."""

from __future__ import annotations

from collections.abc import Iterable

from .runtime import (
    JobEvents,
    JobFunction,
    StopRequest,
    Workers,
    processes_for,
    record,
    require_at_least_one,
)


def run_worker_pool(
    run: JobFunction,
    jobs: Iterable[int],
    *,
    workers: int,
    events: JobEvents,
    stop: StopRequest,
) -> bool:
    """Run ``run(job)`` for every job on ``workers`` processes.

    Fewer processes start when there are fewer jobs than workers. Raises
    ValueError when ``workers`` is below 1.

    Each job's start (with its worker's number) and result or error go to
    ``events``. Returns True once every job has ended, or False as soon as
    ``stop`` is requested, after killing the jobs still running.
    """
    require_at_least_one(workers=workers)
    pending = iter(jobs)
    with Workers(run, processes_for(jobs, workers)) as pool:
        while not stop.requested:
            # Only an idle worker gets a job: never more jobs at once than
            # workers, and no job waits in a pipe while its worker is busy.
            for worker in pool.idle:
                job = next(pending, None)
                if job is None:
                    break
                pool.run(worker, job)
            if not pool.running:
                return True
            for message in pool.receive(stop):
                record(message, events)
        return False
