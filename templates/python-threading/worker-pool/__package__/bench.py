"""Benchmark of the worker pool: waiting jobs overlap, computing jobs do not.

Each figure is measured against a plain loop in the same run.
"""

from __future__ import annotations

import threading

from . import worker_pool
from .benchmark import best_seconds, compare, interpreter, per_item_us
from .harness import CpuWork
from .harness.simulated import SimulatedWork

WORKERS = 4


def pool_against_a_loop(work: SimulatedWork, jobs: int) -> tuple[float, float]:
    """Seconds for ``jobs`` runs of ``work``: on the pool, then in a loop."""
    never = threading.Event()

    def in_a_loop() -> None:
        for job in range(jobs):
            work.run(job, never)

    def on_the_pool() -> None:
        for _ in worker_pool.run(
            range(jobs), lambda job, _: work.run(job, never), workers=WORKERS
        ):
            pass

    return best_seconds(on_the_pool), best_seconds(in_a_loop)


def main() -> None:
    print(f"worker pool of {WORKERS} threads, {interpreter()}")

    jobs, io = 16, SimulatedWork(ms=50, cpu=None)
    pooled, in_a_loop = pool_against_a_loop(io, jobs)
    print(f"io, {jobs} jobs of {io.ms} ms:", compare("pool", pooled, in_a_loop, "loop"))

    jobs, cpu = 8, SimulatedWork(ms=50, cpu=CpuWork.calibrate())
    pooled, in_a_loop = pool_against_a_loop(cpu, jobs)
    print(
        f"cpu, {jobs} jobs of {cpu.ms} ms:", compare("pool", pooled, in_a_loop, "loop")
    )
    print(
        f"  threads / sequential time: {pooled / in_a_loop:.2f} (about 1 with the"
        f" GIL; about 1/{WORKERS} without it, given {WORKERS} free cores)"
    )

    jobs, empty = 5000, SimulatedWork(ms=0, cpu=None)
    pooled, _ = pool_against_a_loop(empty, jobs)
    print(
        f"overhead, {jobs} empty jobs: {per_item_us(pooled, jobs)} per job"
        " (a hand-over through the queue and back)"
    )


if __name__ == "__main__":
    main()
