"""What a job does: its result or injected failure, and calibrated CPU work.

All of it is picklable and free of threads, loops and output, so that a
child process can run it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass


class InjectedFailureError(Exception):
    # A default, not a fixed message: unpickling calls InjectedFailureError(*args).
    def __init__(self, message: str = "injected failure") -> None:
        super().__init__(message)


def job_result(job: int, fail_every: int) -> int:
    """``job * 2``; raises InjectedFailureError when ``fail_every`` divides ``job``."""
    if fail_every > 0 and job % fail_every == 0:
        raise InjectedFailureError
    return job * 2


def burn(iterations: int) -> int:
    """Run ``iterations`` steps of an integer loop; return a checksum."""
    state = 1
    for step in range(iterations):
        state = (state * 1_103_515_245 + step) & 0xFFFF_FFFF
    return state


@dataclass(frozen=True, slots=True)
class CpuWork:
    """A fixed number of loop iterations per millisecond of ``--work-ms``.

    Never a loop that spins until the clock says stop: with the GIL, every
    thread would then "finish on time" however little CPU it got.
    """

    iterations_per_ms: int

    @classmethod
    def calibrate(cls) -> CpuWork:
        """Measure one core (about 100 ms; the fastest of five samples)."""
        iterations = 1_000
        while _cpu_ms(iterations) < 10:
            iterations *= 2
        fastest_ms = min(_cpu_ms(iterations) for _ in range(5))
        return cls(iterations_per_ms=max(1, round(iterations / fastest_ms)))

    def chunks(self, work_ms: int) -> Iterator[int]:
        """``work_ms`` of work in chunks of about 1 ms: between two, a caller
        checks for cancellation or yields."""
        remaining = round(work_ms * self.iterations_per_ms)
        while remaining > 0:
            yield min(self.iterations_per_ms, remaining)
            remaining -= self.iterations_per_ms

    def run(self, work_ms: int) -> None:
        for chunk in self.chunks(work_ms):
            burn(chunk)


def _cpu_ms(iterations: int) -> float:
    # This thread's CPU time: other processes on the core must not count.
    started = time.thread_time()
    burn(iterations)
    return (time.thread_time() - started) * 1000
