"""Timeout benchmark: what a deadline costs, against operations that finish.

A timed-out operation's process is killed and its worker gets a fresh one,
so a timeout costs more than a completion: this measures how much more.
Run it as ``python -m <package>.bench``. The ``__main__`` guard below is what
keeps each child process, which imports this module, from running it again.
"""

from __future__ import annotations

from . import timeout
from .benchmarking import CORES, row, time_ms
from .harness.program import SimulatedJob

OPERATIONS = 20
DEADLINE_MS = 50


def operations_ms(job: SimulatedJob, deadline_ms: int) -> float:
    ids = range(1, OPERATIONS + 1)
    return time_ms(
        lambda: list(timeout.run(ids, job, workers=CORES, timeout=deadline_ms / 1000))
    )


def main() -> None:
    rounds = -(-OPERATIONS // CORES)
    print(f"{OPERATIONS} operations, {CORES} at a time, deadline {DEADLINE_MS} ms")
    finishing = operations_ms(SimulatedJob(work_ms=0, fail_every=0), 1000)
    row("no work: each completes (baseline)", finishing)
    stuck = operations_ms(SimulatedJob(work_ms=10_000, fail_every=0), DEADLINE_MS)
    row("10 s of work: each killed at its deadline", stuck, finishing)
    beyond_ms = (stuck - finishing) / rounds - DEADLINE_MS
    print(f"  a timeout costs about {beyond_ms:.0f} ms beyond its deadline")


if __name__ == "__main__":
    main()
