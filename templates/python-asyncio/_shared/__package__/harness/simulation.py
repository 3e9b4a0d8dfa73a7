"""The program's simulated jobs on the event loop."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable

from .cli import Config
from .events import Recorder
from .work import CpuWork, burn, job_result


class Simulation:
    """Jobs 1..``--jobs`` (endless for 0) that wait or compute ``--work-ms``."""

    def __init__(self, config: Config) -> None:
        # Calibrated before the run's clock starts, and outside the event
        # loop, whose debug mode would report so long a step.
        self._cpu = CpuWork.calibrate() if config.work == "cpu" else None
        self.config, self.recorder = config, Recorder(config)

    def submit_all(self) -> None:
        """Submit every job up front: one never started still gets ``cancel``."""
        for job in range(1, self.config.jobs + 1):
            self.recorder.submit(job)

    async def jobs(
        self, on_read: Callable[[int], None] = lambda _job: None
    ) -> AsyncIterator[int]:
        count = self.config.jobs
        for job in itertools.count(1) if count == 0 else range(1, count + 1):
            on_read(job)
            yield job

    async def handle(self, job: int, worker: int | None = None) -> int:
        """Write ``start``, do the work, return the result or raise the failure."""
        self.recorder.start(job, worker)
        if self._cpu is None:
            await asyncio.sleep(self.config.work_ms / 1000)
        for chunk in self._cpu.chunks(self.config.work_ms) if self._cpu else ():
            burn(chunk)
            await asyncio.sleep(0)  # the loop's turn: timers, signals, cancellation
        return job_result(job, self.config.fail_every)

    async def consume(self, job: int, consumer: int) -> int:
        self.recorder.consume(job, consumer)
        return await self.handle(job)

    def finish(self, *, interrupted: bool = False) -> int:
        """Write the summary (``cancel`` first for the open jobs if
        ``interrupted``); return the exit code."""
        if interrupted:
            self.recorder.cancel_unfinished()
        return self.recorder.finish(interrupted=interrupted)
