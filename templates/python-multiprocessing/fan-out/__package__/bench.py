"""Fan-out benchmark: speed-up over a sequential loop, and the cost of a process.

Run it as ``python -m <package>.bench``. The ``__main__`` guard below is what
keeps each child process, which imports this module, from running it again.
"""

from __future__ import annotations

from . import fan_out
from .benchmarking import CORES, cpu_job, every, row, sequential_ms, time_ms
from .harness import CpuWork
from .harness.program import SimulatedJob

WORK_MS = 500
IO_JOBS = 8
EMPTY_JOBS = 20


def fan_out_ms(job: SimulatedJob, jobs: int) -> float:
    return time_ms(lambda: every(fan_out.run(range(1, jobs + 1), job)))


def main() -> None:
    cpu = CpuWork.calibrate()
    print(f"{CORES} jobs of {WORK_MS} ms of CPU work, one per core")
    computing = cpu_job(WORK_MS, cpu)
    baseline = sequential_ms(computing, CORES)
    row("sequential loop in one process (baseline)", baseline)
    row(f"fan-out over {CORES} processes", fan_out_ms(computing, CORES), baseline)

    print(f"\n{IO_JOBS} jobs of {WORK_MS} ms of waiting")
    waiting = SimulatedJob(work_ms=WORK_MS, fail_every=0)
    baseline = sequential_ms(waiting, IO_JOBS)
    row("sequential loop in one process (baseline)", baseline)
    row(f"fan-out over {IO_JOBS} processes", fan_out_ms(waiting, IO_JOBS), baseline)

    print(f"\n{EMPTY_JOBS} jobs with no work: the cost of a process each")
    total = fan_out_ms(SimulatedJob(work_ms=0, fail_every=0), EMPTY_JOBS)
    row(f"{total / EMPTY_JOBS:.1f} ms a process, started and ended", total)


if __name__ == "__main__":
    main()
