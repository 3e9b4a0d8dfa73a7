"""The program's jobs on threads: simulated work that a stop ends, and its events.

A thread cannot be stopped from outside, so the work is cooperative: it
waits on its ``Stop`` (a ``threading.Event``, or the timeout's Deadline)
instead of sleeping, and checks it between chunks of computation.
"""

from __future__ import annotations

from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import Protocol

from ..outcome import Outcome
from . import Config, CpuWork, InjectedFailureError, Recorder, burn, job_result

TARGET = "python-threading"


class Stop(Protocol):
    """When to stop: the two methods of ``threading.Event`` that work uses."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


@dataclass(frozen=True, slots=True)
class SimulatedWork:
    """``--work-ms`` of waiting (io) or computing (cpu), then the job's result."""

    ms: int
    cpu: CpuWork | None
    fail_every: int = 0

    @classmethod
    def for_config(cls, config: Config) -> SimulatedWork:
        """The work of ``config``; for cpu it calibrates (about 100 ms)."""
        cpu = CpuWork.calibrate() if config.work == "cpu" else None
        return cls(config.work_ms, cpu, config.fail_every)

    def run(self, job: int, stop: Stop) -> int:
        """Do the work, then return ``job``'s result; CancelledError once ``stop``."""
        if self.cpu is None:
            if stop.wait(self.ms / 1000):
                raise CancelledError
        else:
            for chunk in self.cpu.chunks(self.ms):
                if stop.is_set():
                    raise CancelledError
                burn(chunk)
        return job_result(job, self.fail_every)


def report(recorder: Recorder, outcome: Outcome[int, int]) -> None:
    """Write the terminal event of one job from its Outcome.

    Any error but the planned ones is a bug in the program: it is raised.
    """
    job, error = outcome.job, outcome.error
    if error is None:
        recorder.done(job, outcome.result())
    elif isinstance(error, TimeoutError):
        recorder.timeout(job)
    elif isinstance(error, CancelledError):
        recorder.cancel(job)
    elif isinstance(error, InjectedFailureError):
        recorder.fail(job, error)
    else:
        raise error
