"""Producer-consumer benchmark: speed-up with more consumers, and cost per item.

Run it as ``python -m <package>.bench``. The ``__main__`` guard below is what
keeps each child process, which imports this module, from running it again.
"""

from __future__ import annotations

from . import producer_consumer
from .benchmarking import CORES, cpu_job, every, row, sequential_ms, time_ms
from .harness import CpuWork
from .harness.program import SimulatedJob

ITEMS = 8
WORK_MS = 250
TINY_ITEMS = 1000


def pipeline_ms(job: SimulatedJob, items: int, consumers: int, buffer: int) -> float:
    def run() -> None:
        ids = range(1, items + 1)
        every(producer_consumer.run(ids, job, workers=consumers, buffer=buffer))

    return time_ms(run)


def main() -> None:
    cpu = CpuWork.calibrate()
    job = cpu_job(WORK_MS, cpu)
    print(f"{ITEMS} items of {WORK_MS} ms of CPU work, buffer of 2, {CORES} cores")
    baseline = sequential_ms(job, ITEMS)
    row("sequential loop in one process (baseline)", baseline)
    for consumers in sorted({1, CORES, 2 * CORES}):
        ms = pipeline_ms(job, ITEMS, consumers, buffer=2)
        row(f"{consumers} consumer processes", ms, baseline)

    print(f"\n{TINY_ITEMS} items with no work, buffer of 16: the cost per item")
    tiny = SimulatedJob(work_ms=0, fail_every=0)
    for consumers in sorted({1, CORES}):
        total = pipeline_ms(tiny, TINY_ITEMS, consumers, buffer=16)
        per_item_us = total * 1000 / TINY_ITEMS
        row(f"{consumers} consumers: {per_item_us:.0f} us an item", total)


if __name__ == "__main__":
    main()
