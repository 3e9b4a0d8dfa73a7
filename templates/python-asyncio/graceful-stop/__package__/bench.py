"""Benchmark: the service's cost per job, and how fast a stop takes effect."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time

from .benchmarking import REPEAT, compare, fastest
from .graceful import Service


async def no_work(_worker: int, _job: int) -> None:
    # One turn of the loop: a job that never awaits would let its worker run
    # the whole source before any other worker got a job.
    await asyncio.sleep(0)


async def plain(jobs: int) -> None:
    for job in range(jobs):
        await no_work(1, job)


async def served(jobs: int) -> None:
    await Service[int](workers=4, drain=1).serve(range(jobs), no_work)


async def time_to_stop(job_seconds: float, drain: float) -> float:
    """Seconds from stop() to serve() returning, with 4 workers busy."""
    service = Service[int](workers=4, drain=drain)

    async def job(_worker: int, _job: int) -> None:
        await asyncio.sleep(job_seconds)

    serving = asyncio.create_task(service.serve(itertools.count(), job))
    await asyncio.sleep(0.1)
    stopped_at = time.perf_counter()
    service.stop()
    # TimeoutError: the drain deadline cancelled the jobs, which is part of
    # what is measured.
    with contextlib.suppress(TimeoutError):
        await serving
    return time.perf_counter() - stopped_at


def main() -> None:
    print(f"graceful-stop on python-asyncio: fastest of {REPEAT} runs per figure")
    # One turn of the loop serves all four workers, so the service can beat
    # the plain loop, which spends a turn on every job.
    compare(
        "20000 jobs that only yield",
        ("one loop", fastest(lambda: plain(20_000))),
        ("4 workers", fastest(lambda: served(20_000))),
    )
    drained = asyncio.run(time_to_stop(job_seconds=0.02, drain=5))
    print(
        f"stop with 20 ms jobs in flight (one run): drained in {drained * 1000:.1f} ms"
    )
    cut = asyncio.run(time_to_stop(job_seconds=60, drain=0.05))
    print(
        f"stop with stuck jobs, 50 ms drain (one run): returned in {cut * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
