"""Benchmark: fan_out against awaiting the same calls one after another."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from .benchmarking import REPEAT, compare, fastest, overhead
from .fan_out import fan_out
from .harness import CpuWork
from .runtime import compute


def sequential(calls: int, call: Callable[[], Awaitable[object]]) -> float:
    async def one_by_one() -> None:
        for _ in range(calls):
            await call()

    return fastest(one_by_one)


def fanned_out(calls: int, call: Callable[[], Awaitable[object]]) -> float:
    return fastest(lambda: fan_out(call() for _ in range(calls)))


def main() -> None:
    print(f"fan-out on python-asyncio: fastest of {REPEAT} runs per figure")

    def io_20ms() -> Awaitable[None]:
        return asyncio.sleep(0.02)

    compare(
        "50 calls of 20 ms I/O",
        ("sequential", sequential(50, io_20ms)),
        ("fan_out", fanned_out(50, io_20ms)),
    )

    async def no_work() -> None:
        pass

    overhead(
        "10000 calls with no work",
        10_000,
        sequential(10_000, no_work),
        fanned_out(10_000, no_work),
    )

    cpu = CpuWork.calibrate()

    def cpu_50ms() -> Awaitable[None]:
        return compute(cpu, 50)

    # One thread: CPU work takes turns, it does not run in parallel (~1x).
    compare(
        "4 calls of 50 ms CPU",
        ("sequential", sequential(4, cpu_50ms)),
        ("fan_out", fanned_out(4, cpu_50ms)),
    )


if __name__ == "__main__":
    main()
