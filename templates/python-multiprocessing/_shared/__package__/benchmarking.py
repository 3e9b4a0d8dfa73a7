"""What the benchmarks share: timing, a recorder that writes nowhere, a table.

Every figure is printed next to a baseline measured in the same run, on the
same machine, so that the ratio means something wherever it runs. Each is
the fastest of RUNS runs: the one least disturbed by other processes.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable

from .harness import Config, CpuWork, Recorder
from .runtime import TARGET, SimulatedJob, StopRequest, start_helper_processes

CORES = os.cpu_count() or 1
RUNS = 3


def cpu_job(work_ms: int, cpu: CpuWork) -> SimulatedJob:
    """A job that computes for about ``work_ms`` on one core."""
    return SimulatedJob(work_ms=work_ms, fail_every=0, cpu=cpu)


def quiet_recorder(pattern: str, jobs: int, *, submit: bool = True) -> Recorder:
    """A Recorder for ``jobs`` jobs (submitted unless ``submit`` is False)."""
    config = Config(
        pattern=pattern,
        target=TARGET,
        jobs=jobs,
        workers=1,
        work_ms=0,
        work="cpu",
        fail_every=0,
        timeout_ms=1000,
        buffer=1,
        drain_ms=0,
        json=True,
    )
    recorder = Recorder(config, out=io.StringIO())
    if submit:
        for job in range(1, jobs + 1):
            recorder.submit(job)
    return recorder


def time_ms(run: Callable[[StopRequest], object]) -> float:
    """How long ``run(stop)`` takes, in milliseconds, with a stop never requested."""
    start_helper_processes()  # once per program, so in no figure
    fastest = float("inf")
    for _ in range(RUNS):
        with StopRequest() as stop:
            started = time.perf_counter()
            run(stop)
            fastest = min(fastest, (time.perf_counter() - started) * 1000)
    return fastest


def sequential_ms(job: SimulatedJob, jobs: int) -> float:
    """The baseline: ``jobs`` jobs one after the other, in this process."""

    def run(stop: StopRequest) -> None:
        for each in range(1, jobs + 1):
            job(each)

    return time_ms(run)


def row(label: str, ms: float, baseline_ms: float | None = None) -> None:
    """Print one line of figures: the time, and its ratio to the baseline."""
    ratio = "" if baseline_ms is None else f"  {baseline_ms / ms:5.2f}x the baseline"
    print(f"  {label:<44} {ms:8.0f} ms{ratio}")
