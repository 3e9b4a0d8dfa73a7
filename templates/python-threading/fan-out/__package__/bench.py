"""Benchmark of fan-out: waiting tasks overlap, computing tasks do not (GIL).

Each figure is measured against a plain loop in the same run.
"""

from __future__ import annotations

import threading

from . import fan_out
from .benchmark import best_seconds, compare, interpreter, per_item_us
from .harness import CpuWork
from .harness.simulated import SimulatedWork


def fan_out_against_a_loop(work: SimulatedWork, tasks: int) -> tuple[float, float]:
    """Seconds for ``tasks`` runs of ``work``: fanned out, then in a loop."""
    never = threading.Event()

    def in_a_loop() -> None:
        for task in range(tasks):
            work.run(task, never)

    def fanned_out() -> None:
        for _ in fan_out.run(
            range(tasks), lambda task: work.run(task, never), workers=tasks
        ):
            pass

    return best_seconds(fanned_out), best_seconds(in_a_loop)


def main() -> None:
    print(f"fan-out on threads, {interpreter()}")

    tasks, io = 8, SimulatedWork(ms=100, cpu=None)
    together, in_a_loop = fan_out_against_a_loop(io, tasks)
    print(
        f"io, {tasks} tasks of {io.ms} ms:",
        compare("fan-out", together, in_a_loop, "loop"),
    )

    tasks, cpu = 4, SimulatedWork(ms=100, cpu=CpuWork.calibrate())
    together, in_a_loop = fan_out_against_a_loop(cpu, tasks)
    print(
        f"cpu, {tasks} tasks of {cpu.ms} ms:",
        compare("fan-out", together, in_a_loop, "loop"),
    )
    print(
        f"  threads / sequential time: {together / in_a_loop:.2f} (about 1 with"
        f" the GIL; about 1/{tasks} without it, given {tasks} free cores)"
    )

    tasks = 500
    together, _ = fan_out_against_a_loop(SimulatedWork(ms=0, cpu=None), tasks)
    print(
        f"overhead, {tasks} empty tasks: {per_item_us(together, tasks)} per task"
        " (a thread started and joined for each)"
    )


if __name__ == "__main__":
    main()
