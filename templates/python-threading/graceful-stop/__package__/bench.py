"""Benchmark of the graceful-stop service: throughput, and how fast it stops.

Each figure is measured against a baseline in the same run.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable

from . import graceful_stop
from .benchmark import best_seconds, interpreter, per_item_us

WORKERS = 4


def serve(
    jobs: Iterable[int],
    handle: Callable[[int, threading.Event], object],
    *,
    drain_s: float,
    stop_after_s: float | None = None,
) -> float:
    """Serve ``jobs``, stopped after ``stop_after_s``; seconds until it returned."""
    stop, abort = threading.Event(), threading.Event()
    timer = threading.Timer(stop_after_s or 0, stop.set)
    if stop_after_s is not None:
        timer.start()
    started = time.perf_counter()
    for _ in graceful_stop.run(
        jobs,
        lambda job, _: handle(job, abort),
        workers=WORKERS,
        stop=stop,
        drain=drain_s,
        abort=abort,
    ):
        pass
    if stop_after_s is not None:
        timer.join()
    return time.perf_counter() - started


def main() -> None:
    print(f"graceful-stop service of {WORKERS} threads, {interpreter()}")

    jobs = 5000
    served = best_seconds(lambda: serve(range(jobs), lambda *_: None, drain_s=1.0))
    print(
        f"throughput, {jobs} jobs without work: {per_item_us(served, jobs)} per job"
        " (a hand-over through the queue and back)"
    )

    drain_s = 0.1
    stopped = serve(
        itertools.count(1),
        lambda _, abort: abort.wait(),
        drain_s=drain_s,
        stop_after_s=0.1,
    )
    print(
        f"stop with {WORKERS} stuck jobs and a {drain_s * 1000:.0f} ms drain:"
        f" returned {(stopped - 0.1) * 1000:.1f} ms after the stop, that is"
        f" {(stopped - 0.1 - drain_s) * 1000:.1f} ms past the drain deadline"
    )

    finishing = serve(
        itertools.count(1),
        lambda _, abort: abort.wait(0.2),
        drain_s=5.0,
        stop_after_s=0.1,
    )
    print(
        f"stop with {WORKERS} jobs of 200 ms in flight: returned after"
        f" {finishing * 1000:.0f} ms (baseline: the jobs end at 200 ms; intake"
        " stopped, nothing waited for the 5 s drain)"
    )


if __name__ == "__main__":
    main()
