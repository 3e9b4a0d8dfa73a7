"""Benchmark: fan_out.run against awaiting the same calls one after another."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from . import fan_out
from .benchmarking import REPEAT, compare, drain, fastest, numbers, overhead

Handler = Callable[[int], Awaitable[object]]


def sequential(calls: int, handle: Handler) -> float:
    async def one_by_one() -> None:
        for call in range(calls):
            await handle(call)

    return fastest(one_by_one)


def fanned_out(calls: int, handle: Handler) -> float:
    return fastest(lambda: drain(fan_out.run(numbers(calls), handle)))


def main() -> None:
    print(f"fan-out on python-asyncio: fastest of {REPEAT} runs per figure")

    async def io_20ms(_call: int) -> None:
        await asyncio.sleep(0.02)

    compare(
        "50 calls of 20 ms I/O",
        ("sequential", sequential(50, io_20ms)),
        ("fan-out", fanned_out(50, io_20ms)),
    )

    async def no_work(_call: int) -> None:
        pass

    overhead(
        "10000 calls with no work",
        10_000,
        sequential(10_000, no_work),
        fanned_out(10_000, no_work),
    )


if __name__ == "__main__":
    main()
