"""Benchmark: items through produce_consume against a plain loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from .benchmarking import REPEAT, compare, fastest, overhead
from .producer_consumer import produce_consume


def direct(items: int, consume: Callable[[int, int], Awaitable[object]]) -> float:
    async def one_by_one() -> None:
        for item in range(items):
            await consume(1, item)

    return fastest(one_by_one)


def through_buffer(
    items: int,
    consume: Callable[[int, int], Awaitable[object]],
    *,
    consumers: int,
    buffer: int,
) -> float:
    return fastest(
        lambda: produce_consume(
            range(items), consume, consumers=consumers, buffer=buffer
        )
    )


def main() -> None:
    print(f"producer-consumer on python-asyncio: fastest of {REPEAT} runs per figure")

    async def io_5ms(_consumer: int, _item: int) -> None:
        await asyncio.sleep(0.005)

    compare(
        "200 items of 5 ms I/O, 8 consumers",
        ("one loop", direct(200, io_5ms)),
        ("buffer 2", through_buffer(200, io_5ms, consumers=8, buffer=2)),
    )

    async def no_work(_consumer: int, _item: int) -> None:
        pass

    baseline = direct(20_000, no_work)
    for buffer in (1, 16, 256):
        overhead(
            f"20000 items, no work, buffer {buffer}",
            20_000,
            baseline,
            through_buffer(20_000, no_work, consumers=4, buffer=buffer),
        )


if __name__ == "__main__":
    main()
