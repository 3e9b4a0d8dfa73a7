"""Benchmark of the timeout: how late a deadline fires, and what it costs.

Each figure is measured against a baseline in the same run.
"""

from __future__ import annotations

import statistics
import threading
import time

from . import timeout
from .benchmark import best_seconds, interpreter, per_item_us
from .harness.simulated import SimulatedWork

DEADLINE_S = 0.05


def main() -> None:
    print(f"timeout on threads, {interpreter()}")
    never = threading.Event()
    slow = SimulatedWork(ms=10_000, cpu=None)

    timed_out, plain_waits = [], []
    for _ in range(20):
        started = time.perf_counter()
        try:
            timeout.call(1, slow.run, timeout=DEADLINE_S)
        except TimeoutError:
            timed_out.append(time.perf_counter() - started - DEADLINE_S)
        started = time.perf_counter()
        never.wait(DEADLINE_S)
        plain_waits.append(time.perf_counter() - started - DEADLINE_S)
    print(
        f"lateness of a {DEADLINE_S * 1000:.0f} ms deadline over 10 s of io work:"
        f" median {statistics.median(timed_out) * 1000:.2f} ms,"
        f" max {max(timed_out) * 1000:.2f} ms;"
        f" a plain Event.wait({DEADLINE_S}): median"
        f" {statistics.median(plain_waits) * 1000:.2f} ms"
    )

    calls = 20_000

    def nothing(job: int, deadline: object) -> int:
        return job

    def guarded() -> None:
        for job in range(calls):
            timeout.call(job, nothing, timeout=1.0)

    def direct() -> None:
        for job in range(calls):
            nothing(job, never)

    print(
        f"{calls} empty operations: under a deadline"
        f" {per_item_us(best_seconds(guarded), calls)} each, called directly"
        f" {per_item_us(best_seconds(direct), calls)} each"
    )


if __name__ == "__main__":
    main()
