"""What the benchmarks share: timing, CPU jobs, a table.

Every figure is printed next to a baseline measured in the same run, on the
same machine, so that the ratio means something wherever it runs. Each is
the fastest of RUNS runs: the one least disturbed by other processes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

from .harness import CpuWork
from .harness.program import SimulatedJob
from .outcome import Outcome
from .processes import start_helper_processes

CORES = os.cpu_count() or 1
RUNS = 3


def cpu_job(work_ms: int, cpu: CpuWork) -> SimulatedJob:
    """A job that computes for about ``work_ms`` on one core."""
    return SimulatedJob(work_ms=work_ms, fail_every=0, cpu=cpu)


def every(outcomes: Iterable[Outcome[int, int]]) -> None:
    """Take every outcome, raising the first failure: a benchmark has none."""
    for outcome in outcomes:
        outcome.result()


def time_ms(run: Callable[[], object]) -> float:
    """How long ``run()`` takes, in milliseconds: the fastest of RUNS runs."""
    start_helper_processes(preload=[SimulatedJob.__module__])  # in no figure
    fastest = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        fastest = min(fastest, (time.perf_counter() - started) * 1000)
    return fastest


def sequential_ms(job: SimulatedJob, jobs: int) -> float:
    """The baseline: ``jobs`` jobs one after the other, in this process."""
    return time_ms(lambda: [job(each) for each in range(1, jobs + 1)])


def row(label: str, ms: float, baseline_ms: float | None = None) -> None:
    """Print one line of figures: the time, and its ratio to the baseline."""
    ratio = "" if baseline_ms is None else f"  {baseline_ms / ms:5.2f}x the baseline"
    print(f"  {label:<44} {ms:8.0f} ms{ratio}")
