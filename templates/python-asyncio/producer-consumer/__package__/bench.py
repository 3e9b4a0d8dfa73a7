"""Benchmark: jobs through producer_consumer.run against a plain loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from . import producer_consumer
from .benchmarking import REPEAT, compare, drain, fastest, numbers, overhead

Handler = Callable[[int, int], Awaitable[object]]


def direct(jobs: int, handle: Handler) -> float:
    async def one_by_one() -> None:
        for job in range(jobs):
            await handle(job, 1)

    return fastest(one_by_one)


def buffered(jobs: int, handle: Handler, *, workers: int, buffer: int) -> float:
    def run() -> Awaitable[None]:
        return drain(
            producer_consumer.run(numbers(jobs), handle, workers=workers, buffer=buffer)
        )

    return fastest(run)


def main() -> None:
    print(f"producer-consumer on python-asyncio: fastest of {REPEAT} runs per figure")

    async def io_5ms(_job: int, _consumer: int) -> None:
        await asyncio.sleep(0.005)

    compare(
        "200 jobs of 5 ms I/O, 8 consumers",
        ("one loop", direct(200, io_5ms)),
        ("buffer 2", buffered(200, io_5ms, workers=8, buffer=2)),
    )

    async def no_work(_job: int, _consumer: int) -> None:
        pass

    baseline = direct(20_000, no_work)
    for buffer in (1, 16, 256):
        overhead(
            f"20000 jobs, no work, buffer {buffer}",
            20_000,
            baseline,
            buffered(20_000, no_work, workers=4, buffer=buffer),
        )


if __name__ == "__main__":
    main()
