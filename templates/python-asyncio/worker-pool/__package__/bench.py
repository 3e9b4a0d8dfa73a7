"""Benchmark: worker_pool.run against handling the same jobs one after another."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from . import worker_pool
from .benchmarking import REPEAT, compare, drain, fastest, numbers, overhead

Handler = Callable[[int, int], Awaitable[object]]


def sequential(jobs: int, handle: Handler) -> float:
    async def one_by_one() -> None:
        for job in range(jobs):
            await handle(job, 1)

    return fastest(one_by_one)


def pooled(jobs: int, workers: int, handle: Handler) -> float:
    return fastest(
        lambda: drain(worker_pool.run(numbers(jobs), handle, workers=workers))
    )


def main() -> None:
    print(f"worker-pool on python-asyncio: fastest of {REPEAT} runs per figure")

    async def io_5ms(_job: int, _worker: int) -> None:
        await asyncio.sleep(0.005)

    baseline = sequential(200, io_5ms)
    for workers in (1, 4, 16):
        compare(
            f"200 jobs of 5 ms I/O, {workers} workers",
            ("sequential", baseline),
            ("pool", pooled(200, workers, io_5ms)),
        )

    async def no_work(_job: int, _worker: int) -> None:
        pass

    overhead(
        "20000 jobs with no work, 4 workers",
        20_000,
        sequential(20_000, no_work),
        pooled(20_000, 4, no_work),
    )


if __name__ == "__main__":
    main()
