"""What a job does: the result and failure rules, and calibrated CPU work.

Nothing here touches threads, the event loop or output, so a child process
can run any of it: every function and class is importable at module level
and picklable.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

CHUNK_MS = 1.0
"""CPU work runs in chunks of about this long: the gaps where a cooperative
caller checks for cancellation (threading) or yields to the loop (asyncio)."""


class InjectedFailureError(Exception):
    """The error of a job that ``--fail-every`` picks to fail."""

    # A default, not a fixed message in __init__: unpickling (a failure coming
    # back from a child process) calls InjectedFailureError(*args).
    def __init__(self, message: str = "injected failure") -> None:
        super().__init__(message)


def job_result(job: int, fail_every: int) -> int:
    """The result of ``job`` once its work is done: ``job * 2``.

    Raises InjectedFailureError when ``fail_every`` > 0 divides ``job``.
    """
    if fail_every > 0 and job % fail_every == 0:
        raise InjectedFailureError
    return job * 2


def burn(iterations: int) -> int:
    """Run ``iterations`` steps of a deterministic integer loop on this core.

    Returns a checksum, so the work has an observable result.
    """
    state = 1
    for step in range(iterations):
        state = (state * 1_103_515_245 + step) & 0xFFFF_FFFF
    return state


@dataclass(frozen=True, slots=True)
class CpuWork:
    """A fixed amount of computation per millisecond of ``--work-ms``.

    A job's CPU work is a number of loop iterations fixed up front, never a
    loop that spins until a clock says time is up: with the GIL, threads
    would then all "finish on time" however little CPU each one got.
    """

    iterations_per_ms: int

    @classmethod
    def calibrate(cls, *, sample_ms: float = 10.0, samples: int = 5) -> CpuWork:
        """Measure how many iterations one core runs per millisecond.

        Takes about ``sample_ms * samples`` milliseconds; call it once at
        start-up. The fastest sample wins, as the one least disturbed by
        other processes.
        """
        iterations = 1_000
        while _duration_ms(iterations) < sample_ms:
            iterations *= 2
        fastest_ms = min(_duration_ms(iterations) for _ in range(samples))
        return cls(iterations_per_ms=max(1, round(iterations / fastest_ms)))

    def iterations(self, work_ms: int) -> int:
        """The iterations of ``work_ms`` milliseconds of work."""
        return round(work_ms * self.iterations_per_ms)

    def chunks(self, work_ms: int) -> Iterator[int]:
        """Split ``work_ms`` of work into chunks of about CHUNK_MS each.

        Run each with ``burn``; between two chunks is where to check for
        cancellation or yield.
        """
        remaining = self.iterations(work_ms)
        chunk = max(1, round(CHUNK_MS * self.iterations_per_ms))
        while remaining > 0:
            yield min(chunk, remaining)
            remaining -= chunk

    def run(self, work_ms: int) -> None:
        """Do ``work_ms`` of work in one go (in a child process, say)."""
        for chunk in self.chunks(work_ms):
            burn(chunk)


def _duration_ms(iterations: int) -> float:
    # CPU time of this thread, not wall time: other processes competing for
    # the core while calibrating must not make every job shorter.
    started = time.thread_time()
    burn(iterations)
    return (time.thread_time() - started) * 1000
