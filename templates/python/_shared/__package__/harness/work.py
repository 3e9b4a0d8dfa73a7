"""A job's result or injected failure, and calibrated CPU work: all picklable,
free of threads, loops and output, so that a child process can run it."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass


class InjectedFailureError(Exception):
    # A default, not a fixed message: unpickling calls InjectedFailureError(*args).
    def __init__(self, message: str = "injected failure") -> None:
        super().__init__(message)


def job_result(job: int, fail_every: int) -> int:
    """``job * 2``, or InjectedFailureError when ``fail_every`` divides ``job``."""
    if fail_every > 0 and job % fail_every == 0:
        raise InjectedFailureError
    return job * 2


def burn(iterations: int) -> int:
    state = 1
    for step in range(iterations):
        state = (state * 1_103_515_245 + step) & 0xFFFF_FFFF
    return state


@dataclass(frozen=True, slots=True)
class CpuWork:
    """Loop iterations per ms of work: a fixed count, never a spin until a clock
    says stop (with the GIL, threads would all "finish on time")."""

    iterations_per_ms: int

    @classmethod
    def calibrate(cls) -> CpuWork:
        """The fastest of five samples of at least 10 ms on this core."""
        iterations = 1_000
        while _cpu_ms(iterations) < 10:
            iterations *= 2
        fastest_ms = min(_cpu_ms(iterations) for _ in range(5))
        return cls(max(1, round(iterations / fastest_ms)))

    def chunks(self, work_ms: int) -> Iterator[int]:
        """One a ms, for ``burn``; between two, check for a stop or yield."""
        return itertools.repeat(self.iterations_per_ms, work_ms)

    def run(self, work_ms: int) -> None:
        for chunk in self.chunks(work_ms):
            burn(chunk)


def _cpu_ms(iterations: int) -> float:  # this thread's CPU time, not the wall's
    started = time.thread_time()
    burn(iterations)
    return (time.thread_time() - started) * 1000
