"""Microseconds per no-op job through a generated Python component.

bench/claims.mjs copies this file into a generated project and runs it there:
    python overhead.py PACKAGE TARGET PATTERN --jobs N --workers N --samples N
It prints {"samples_us": [...], "cpu_samples_us": [...]} (wall and CPU
microseconds per job) after one warm-up run, each sample one call of the
component, timed the way probe.py times the bare primitive.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from typing import Any


def no_op(job: int) -> int:
    return job * 2


def drain(outcomes: Iterable[Any]) -> None:
    """Reads every outcome of one run, as a caller must."""
    for outcome in outcomes:
        if outcome.error is not None:
            raise outcome.error


async def drain_async(outcomes: AsyncIterable[Any]) -> None:
    async for outcome in outcomes:
        if outcome.error is not None:
            raise outcome.error


async def numbers(count: int) -> AsyncIterator[int]:
    for job in range(count):
        yield job


def runner(
    package: str, target: str, pattern: str, jobs: int, workers: int
) -> Callable[[], object]:
    run = importlib.import_module(f"{package}.{pattern.replace('-', '_')}").run
    if target == "python-asyncio":

        async def handle(job: int, *_worker: int) -> int:
            return job * 2

        options = {"workers": workers} if pattern == "worker-pool" else {}
        return lambda: asyncio.run(drain_async(run(numbers(jobs), handle, **options)))
    if target == "python-threading":
        workers_for = jobs if pattern == "fan-out" else workers
        return lambda: drain(
            run(range(jobs), lambda job, *_: job * 2, workers=workers_for)
        )
    if target == "python-multiprocessing":
        return lambda: drain(run(range(jobs), no_op, workers=workers))
    raise SystemExit(f"no driver for {pattern} on {target}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("package")
    parser.add_argument("target")
    parser.add_argument("pattern")
    parser.add_argument("--jobs", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--samples", type=int, default=3)
    args = parser.parse_args()
    run = runner(args.package, args.target, args.pattern, args.jobs, args.workers)

    def measure() -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        return (time.perf_counter() - wall) * 1e6 / args.jobs, (
            time.process_time() - cpu
        ) * 1e6 / args.jobs

    measure()
    samples = [measure() for _ in range(args.samples)]
    result: dict[str, Any] = {
        "samples_us": [wall for wall, _ in samples],
        "cpu_samples_us": [cpu for _, cpu in samples],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
