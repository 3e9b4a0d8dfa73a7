"""What the benchmarks (``python -m <package>.bench``) share.

Each benchmark times the pattern against a baseline in the same run, on
the same machine, and prints both with their ratio: absolute figures say
little about another machine, ratios say more.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable

REPEAT = 3
"""Each figure is the fastest of this many runs: the least disturbed one."""


def fastest(run: Callable[[], Awaitable[object]]) -> float:
    """The wall time of the fastest of REPEAT runs of ``run()``, in seconds.

    Each run gets a fresh event loop, and only the awaiting is timed.
    """

    async def timed() -> float:
        started = time.perf_counter()
        await run()
        return time.perf_counter() - started

    return min(asyncio.run(timed()) for _ in range(REPEAT))


async def numbers(count: int) -> AsyncIterator[int]:
    """0..count-1, as the async job source every component takes."""
    for number in range(count):
        yield number


async def drain(outcomes: AsyncIterable[object]) -> None:
    """Take every outcome, as a caller must."""
    async for _ in outcomes:
        pass


def compare(case: str, baseline: tuple[str, float], pattern: tuple[str, float]) -> None:
    """Print one case: both timings and how many times faster the pattern is."""
    (baseline_name, baseline_s), (pattern_name, pattern_s) = baseline, pattern
    print(
        f"{case:<34} {baseline_name} {baseline_s * 1000:9.1f} ms"
        f"   {pattern_name} {pattern_s * 1000:9.1f} ms"
        f"   {baseline_s / pattern_s:5.2f}x"
    )


def overhead(case: str, count: int, baseline_s: float, pattern_s: float) -> None:
    """Print what the pattern adds per item over the baseline, in microseconds."""
    extra_us = (pattern_s - baseline_s) / count * 1e6
    print(
        f"{case:<34} baseline {baseline_s / count * 1e6:7.2f} us per item"
        f"   pattern {pattern_s / count * 1e6:7.2f} us   overhead {extra_us:7.2f} us"
    )
