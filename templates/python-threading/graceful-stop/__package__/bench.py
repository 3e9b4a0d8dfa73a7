"""Benchmark of the graceful-stop service: throughput, and how fast it stops.

Each figure is measured against a baseline in the same run.
"""

from __future__ import annotations

import itertools
import threading
import time

from .benchmark import best_seconds, interpreter, per_item_us
from .service import Service

WORKERS = 4


def stop_after(seconds: float, service: Service[int]) -> threading.Timer:
    timer = threading.Timer(seconds, service.stop)
    timer.start()
    return timer


def main() -> None:
    print(f"graceful-stop service of {WORKERS} threads, {interpreter()}")

    jobs = 5000
    served = best_seconds(
        lambda: Service(
            lambda job, worker, abort: None, range(jobs), workers=WORKERS
        ).serve(drain_seconds=1.0)
    )
    print(
        f"throughput, {jobs} jobs without work: {per_item_us(served, jobs)} per job"
        " (a hand-over from the reader thread's read-ahead, a thread switch)"
    )

    drain_s = 0.1
    stuck = Service(
        lambda job, worker, abort: abort.wait(), itertools.count(1), workers=WORKERS
    )
    timer = stop_after(0.1, stuck)
    started = time.perf_counter()
    stuck.serve(drain_seconds=drain_s)
    stopped_after = time.perf_counter() - started - 0.1
    timer.join()
    print(
        f"stop with {WORKERS} stuck jobs and a {drain_s * 1000:.0f} ms drain:"
        f" served {stopped_after * 1000:.1f} ms after stop(), that is"
        f" {(stopped_after - drain_s) * 1000:.1f} ms past the drain deadline"
    )

    finishing = Service(
        lambda job, worker, abort: abort.wait(0.2),
        itertools.count(1),
        workers=WORKERS,
    )
    timer = stop_after(0.1, finishing)
    started = time.perf_counter()
    finishing.serve(drain_seconds=5.0)
    timer.join()
    print(
        f"stop with {WORKERS} jobs of 200 ms in flight: returned after"
        f" {(time.perf_counter() - started) * 1000:.0f} ms (baseline: the jobs"
        " end at 200 ms; intake stopped, nothing waited for the 5 s drain)"
    )


if __name__ == "__main__":
    main()
