"""Graceful stop: a service that drains in-flight work on SIGTERM or Ctrl-C."""

from __future__ import annotations

import contextlib
import itertools

from .graceful import Service
from .harness import InjectedFailureError, parse_config
from .runtime import TARGET, Jobs, run_until_stopped


async def serve(jobs: Jobs, service: Service[int]) -> None:
    """Serve jobs 1, 2, 3... (or 1..N) until the source ends or a signal."""

    async def handle(worker: int, job: int) -> None:
        jobs.recorder.submit(job)  # taken from the source: it counts from here
        # A failed job has its fail event (jobs.run); the worker goes on.
        with contextlib.suppress(InjectedFailureError):
            await jobs.run(job, worker)

    source = itertools.count(1) if jobs.config.jobs == 0 else jobs.ids()
    # TimeoutError: the drain deadline passed. It needs no report of its
    # own: every job it cut short has its cancel event.
    with contextlib.suppress(TimeoutError):
        await service.serve(source, handle)


if __name__ == "__main__":
    config = parse_config(
        pattern="graceful-stop",
        target=TARGET,
        description=__doc__,
        jobs=0,
        work_ms=500,
    )
    jobs = Jobs.start(config)
    service: Service[int] = Service(
        workers=config.workers, drain=config.drain_ms / 1000
    )
    run_until_stopped(jobs, serve(jobs, service), stop=service.stop)
