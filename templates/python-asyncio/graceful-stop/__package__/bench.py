"""Benchmark: the service's cost per job, and how fast a stop takes effect."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

from . import graceful_stop
from .benchmarking import REPEAT, compare, drain, fastest, numbers


async def no_work(_job: int, _worker: int) -> None:
    await asyncio.sleep(0)


async def plain(jobs: int) -> None:
    for job in range(jobs):
        await no_work(job, 1)


async def served(jobs: int) -> None:
    never = asyncio.Event()
    await drain(
        graceful_stop.run(numbers(jobs), no_work, workers=4, stop=never, drain=1)
    )


async def endless() -> AsyncIterator[int]:
    for job in itertools.count():
        yield job


async def time_to_stop(job_seconds: float, drain_s: float) -> float:
    """Seconds from the stop to the service's end, with 4 workers busy."""
    stop = asyncio.Event()

    async def job(_job: int, _worker: int) -> None:
        await asyncio.sleep(job_seconds)

    service = graceful_stop.run(endless(), job, workers=4, stop=stop, drain=drain_s)
    serving = asyncio.create_task(drain(service))
    await asyncio.sleep(0.1)
    stopped_at = time.perf_counter()
    stop.set()
    await serving
    return time.perf_counter() - stopped_at


def main() -> None:
    print(f"graceful-stop on python-asyncio: fastest of {REPEAT} runs per figure")
    compare(
        "20000 jobs that only yield",
        ("one loop", fastest(lambda: plain(20_000))),
        ("4 workers", fastest(lambda: served(20_000))),
    )
    drained = asyncio.run(time_to_stop(job_seconds=0.02, drain_s=5))
    print(f"stop with 20 ms jobs in flight (one run): ended in {drained * 1000:.1f} ms")
    cut = asyncio.run(time_to_stop(job_seconds=60, drain_s=0.05))
    print(f"stop with stuck jobs, 50 ms drain (one run): ended in {cut * 1000:.1f} ms")


if __name__ == "__main__":
    main()
