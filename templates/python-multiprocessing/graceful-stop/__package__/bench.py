"""Graceful-stop benchmark: throughput against a loop, and how fast it stops.

Run it as ``python -m <package>.bench``. The ``__main__`` guard below is what
keeps each child process, which imports this module, from running it again.
"""

from __future__ import annotations

import itertools
import signal
import threading
from collections.abc import Iterator

from .benchmarking import CORES, cpu_job, quiet_recorder, row, sequential_ms, time_ms
from .graceful_stop import serve
from .harness import CpuWork, Recorder
from .runtime import SimulatedJob, StopRequest

JOBS = 8
WORK_MS = 250
STOP_AFTER_S = 0.5


def submitting(recorder: Recorder, ids: Iterator[int]) -> Iterator[int]:
    for job in ids:
        recorder.submit(job)
        yield job


def service_ms(job: SimulatedJob, jobs: int | None, drain_s: float) -> float:
    """Serve ``jobs`` jobs, or an endless source stopped after STOP_AFTER_S."""

    def run(stop: StopRequest) -> None:
        recorder = quiet_recorder("graceful-stop", 0)
        ids = itertools.count(1) if jobs is None else iter(range(1, jobs + 1))
        # What SIGTERM's handler would do, from a timer thread.
        signal_handler = threading.Timer(STOP_AFTER_S, stop, args=(signal.SIGTERM,))
        if jobs is None:
            signal_handler.start()
        serve(
            job,
            submitting(recorder, ids),
            workers=CORES,
            drain_s=drain_s,
            events=recorder,
            stop=stop,
        )
        if jobs is None:
            signal_handler.join()

    return time_ms(run)


def main() -> None:
    cpu = CpuWork.calibrate()
    job = cpu_job(WORK_MS, cpu)
    print(f"{JOBS} jobs of {WORK_MS} ms of CPU work, {CORES} workers")
    baseline = sequential_ms(job, JOBS)
    row("sequential loop in one process (baseline)", baseline)
    row("service with a finite source", service_ms(job, JOBS, drain_s=5), baseline)

    ms = STOP_AFTER_S * 1000
    print(f"\nAn endless source, stopped after {ms:.0f} ms (the baseline)")
    long_jobs = SimulatedJob(work_ms=10_000, fail_every=0)
    row("jobs of 10 s, drain deadline 0: killed", service_ms(long_jobs, None, 0), ms)
    short_jobs = SimulatedJob(work_ms=300, fail_every=0)
    row("jobs of 300 ms, drained", service_ms(short_jobs, None, 5), ms)


if __name__ == "__main__":
    main()
