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
from collections.abc import Callable
from typing import Any


def no_op(job: int) -> int:
    return job * 2


class Tally:
    """Counts the events a multiprocessing component reports."""

    def __init__(self) -> None:
        self.finished = 0
        self.failed = 0

    def start(self, job: int, worker: int | None = None) -> None:
        pass

    def done(self, job: int, result: int) -> None:
        self.finished += 1

    def fail(self, job: int, error: BaseException) -> None:
        self.failed += 1


def runner(
    package: str, target: str, pattern: str, jobs: int, workers: int
) -> Callable[[], object]:
    if (target, pattern) == ("python-asyncio", "worker-pool"):
        run_pool = importlib.import_module(f"{package}.worker_pool").run_pool

        async def handle(_worker: int, job: int) -> int:
            return job * 2

        return lambda: asyncio.run(run_pool(handle, range(jobs), workers=workers))
    if (target, pattern) == ("python-asyncio", "fan-out"):
        fan_out = importlib.import_module(f"{package}.fan_out").fan_out

        async def call(job: int) -> int:
            return job * 2

        return lambda: asyncio.run(fan_out(call(job) for job in range(jobs)))
    if (target, pattern) == ("python-threading", "worker-pool"):
        run_pool = importlib.import_module(f"{package}.pool").run_pool
        return lambda: run_pool(
            lambda job, _worker: job * 2, range(jobs), workers=workers
        )
    if (target, pattern) == ("python-threading", "fan-out"):
        fan_out = importlib.import_module(f"{package}.fan_out").fan_out
        return lambda: fan_out(no_op, list(range(jobs)))
    if (target, pattern) == ("python-multiprocessing", "worker-pool"):
        run_worker_pool = importlib.import_module(
            f"{package}.worker_pool"
        ).run_worker_pool
        stop_request = importlib.import_module(f"{package}.runtime").StopRequest

        def run() -> None:
            events = Tally()
            with stop_request() as stop:
                if not run_worker_pool(
                    no_op, range(jobs), workers=workers, events=events, stop=stop
                ):
                    raise RuntimeError("the pool stopped early")
            if events.finished != jobs:
                raise RuntimeError(f"{events.finished} of {jobs} jobs done")

        return run
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
