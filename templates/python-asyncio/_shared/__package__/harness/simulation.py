"""The program's simulated jobs on the event loop, and their events."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable

from ..outcome import Outcome
from .cli import Config
from .events import Recorder
from .work import CpuWork, burn, job_result


class Simulation:
    """Jobs 1..``--jobs`` (endless for 0) that wait or compute ``--work-ms``."""

    def __init__(self, config: Config) -> None:
        # Calibrated before the recorder starts the run's clock, and before
        # the event loop, which would report so long a step in debug mode.
        self._cpu = CpuWork.calibrate() if config.work == "cpu" else None
        self.config = config
        self.recorder = Recorder(config)

    def submit_all(self) -> None:
        """Submit every job up front, so that one never started gets ``cancel``."""
        for job in range(1, self.config.jobs + 1):
            self.recorder.submit(job)

    async def jobs(
        self, on_read: Callable[[int], None] | None = None
    ) -> AsyncIterator[int]:
        """The job ids, each passed to ``on_read`` as it is read."""
        count = self.config.jobs
        for job in itertools.count(1) if count == 0 else range(1, count + 1):
            if on_read is not None:
                on_read(job)
            yield job

    async def handle(self, job: int, worker: int | None = None) -> int:
        """Write ``start``, do the work, return the result or raise the failure."""
        self.recorder.start(job, worker)
        if self._cpu is None:
            await asyncio.sleep(self.config.work_ms / 1000)
        else:
            for chunk in self._cpu.chunks(self.config.work_ms):
                burn(chunk)
                # A turn for the loop: timers, signals, other jobs, cancellation.
                await asyncio.sleep(0)
        return job_result(job, self.config.fail_every)

    async def consume(self, job: int, consumer: int) -> int:
        """``handle``, for a job a consumer has just taken from the buffer."""
        self.recorder.consume(job, consumer)
        return await self.handle(job)

    def report(self, outcome: Outcome[int, int]) -> None:
        """Write the event that ends the job of ``outcome``."""
        job, error = outcome.job, outcome.error
        if error is None:
            self.recorder.done(job, outcome.result())
        elif isinstance(error, TimeoutError):
            self.recorder.timeout(job)
        elif isinstance(error, asyncio.CancelledError):
            self.recorder.cancel(job)
        else:
            self.recorder.fail(job, error)

    def finish(self, *, interrupted: bool = False) -> int:
        """Write the summary, after ``cancel`` for every open job if
        ``interrupted``; return the exit code."""
        if interrupted:
            self.recorder.cancel_unfinished()
        return self.recorder.finish(interrupted=interrupted)
