"""Worker pool benchmark: CPU speed-up over a sequential loop, and cost per job.

Run it as ``python -m <package>.bench``. The ``__main__`` guard below is what
keeps each child process, which imports this module, from running it again.
"""

from __future__ import annotations

from . import worker_pool
from .benchmarking import CORES, cpu_job, every, row, sequential_ms, time_ms
from .harness import CpuWork
from .harness.program import SimulatedJob

JOBS = 8
WORK_MS = 250
TINY_JOBS = 1000


def pool_ms(job: SimulatedJob, jobs: int, workers: int) -> float:
    ids = range(1, jobs + 1)
    return time_ms(lambda: every(worker_pool.run(ids, job, workers=workers)))


def main() -> None:
    cpu = CpuWork.calibrate()
    job = cpu_job(WORK_MS, cpu)
    print(f"{JOBS} jobs of {WORK_MS} ms of CPU work, {CORES} cores")
    baseline = sequential_ms(job, JOBS)
    row("sequential loop in one process (baseline)", baseline)
    for workers in sorted({1, 2, CORES, 2 * CORES}):
        row(f"pool, --workers {workers}", pool_ms(job, JOBS, workers), baseline)

    print(f"\n{TINY_JOBS} jobs with no work: the cost of the pool itself")
    tiny = SimulatedJob(work_ms=0, fail_every=0)
    for workers in sorted({1, CORES}):
        total = pool_ms(tiny, TINY_JOBS, workers)
        per_job_us = total * 1000 / TINY_JOBS
        row(f"--workers {workers}: {per_job_us:.0f} us a job, start-up included", total)


if __name__ == "__main__":
    main()
