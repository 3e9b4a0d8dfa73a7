"""Graceful-stop benchmark: throughput against a loop, and how fast it stops.

Run it as ``python -m <package>.bench``. The ``__main__`` guard below is what
keeps each child process, which imports this module, from running it again.
"""

from __future__ import annotations

import itertools
import threading

from . import graceful_stop
from .benchmarking import CORES, cpu_job, every, row, sequential_ms, time_ms
from .harness import CpuWork
from .harness.program import SimulatedJob
from .processes import Stop

JOBS = 8
WORK_MS = 250
STOP_AFTER_S = 0.5


def service_ms(job: SimulatedJob, jobs: int | None, drain: float) -> float:
    """Serve ``jobs`` jobs, or an endless source stopped after STOP_AFTER_S."""

    def run() -> None:
        stop = Stop()
        ids = itertools.count(1) if jobs is None else range(1, jobs + 1)
        # What SIGTERM's handler would do, from a timer thread.
        signal_handler = threading.Timer(STOP_AFTER_S, stop.set)
        if jobs is None:
            signal_handler.start()
        outcomes = graceful_stop.run(ids, job, workers=CORES, stop=stop, drain=drain)
        every(o for o in outcomes if o.ok or jobs is not None)
        if jobs is None:
            signal_handler.join()

    return time_ms(run)


def main() -> None:
    cpu = CpuWork.calibrate()
    job = cpu_job(WORK_MS, cpu)
    print(f"{JOBS} jobs of {WORK_MS} ms of CPU work, {CORES} workers")
    baseline = sequential_ms(job, JOBS)
    row("sequential loop in one process (baseline)", baseline)
    row("service with a finite source", service_ms(job, JOBS, drain=5), baseline)

    ms = STOP_AFTER_S * 1000
    print(f"\nAn endless source, stopped after {ms:.0f} ms (the baseline)")
    long_jobs = SimulatedJob(work_ms=10_000, fail_every=0)
    row("jobs of 10 s, drain deadline 0: killed", service_ms(long_jobs, None, 0), ms)
    short_jobs = SimulatedJob(work_ms=300, fail_every=0)
    row("jobs of 300 ms, drained", service_ms(short_jobs, None, 5), ms)


if __name__ == "__main__":
    main()
