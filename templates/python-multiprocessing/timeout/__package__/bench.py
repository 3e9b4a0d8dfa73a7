"""Timeout benchmark: what a deadline costs, against operations that finish.

A timed-out operation's process is killed and its worker gets a fresh one,
so a timeout costs more than a completion: this measures how much more.
Run it as ``python -m <package>.bench``. The ``__main__`` guard below is what
keeps each child process, which imports this module, from running it again.
"""

from __future__ import annotations

from .benchmarking import CORES, quiet_recorder, row, time_ms
from .runtime import SimulatedJob, StopRequest
from .timeout import run_with_deadlines

OPERATIONS = 20
DEADLINE_MS = 50


def operations_ms(job: SimulatedJob, deadline_ms: int) -> float:
    def run(stop: StopRequest) -> None:
        recorder = quiet_recorder("timeout", OPERATIONS)
        run_with_deadlines(
            job,
            range(1, OPERATIONS + 1),
            workers=CORES,
            timeout_s=deadline_ms / 1000,
            events=recorder,
            stop=stop,
        )

    return time_ms(run)


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
