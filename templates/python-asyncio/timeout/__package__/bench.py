"""Benchmark: the cost of a deadline, and how close to it the timeout lands."""

from __future__ import annotations

import asyncio
import statistics
import time

from .benchmarking import REPEAT, fastest, overhead
from .timeout import call


async def no_work(_job: int) -> None:
    pass


async def plain(calls: int) -> None:
    for job in range(calls):
        await no_work(job)


async def under_deadline(calls: int) -> None:
    for job in range(calls):
        await call(job, no_work, timeout=60)


async def lateness(operations: int, deadline: float) -> list[float]:
    """How long after its deadline each of ``operations`` concurrent ones ended."""

    async def one(job: int) -> float:
        started = time.perf_counter()
        try:
            await call(job, lambda _job: asyncio.sleep(60), timeout=deadline)
        except TimeoutError:
            return time.perf_counter() - started - deadline
        raise AssertionError("the deadline did not pass")

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(job)) for job in range(operations)]
    return [task.result() for task in tasks]


def main() -> None:
    print(f"timeout on python-asyncio: fastest of {REPEAT} runs per figure")
    overhead(
        "20000 calls with no work",
        20_000,
        fastest(lambda: plain(20_000)),
        fastest(lambda: under_deadline(20_000)),
    )
    for operations in (1, 100):
        late_ms = [s * 1000 for s in asyncio.run(lateness(operations, 0.05))]
        print(
            f"{operations:>4} operations, 50 ms deadline (one run):"
            f" timed out {statistics.median(late_ms):.2f} ms late (median),"
            f" {max(late_ms):.2f} ms at most"
        )


if __name__ == "__main__":
    main()
