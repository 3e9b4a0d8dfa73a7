"""The program's simulated jobs, on the event loop."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, Callable

from .cli import Config
from .work import CpuWork, burn, job_result


class SimulatedWork:
    """Job ids, and ``--work-ms`` of waiting or computing for each job."""

    def __init__(self, config: Config) -> None:
        # Outside the event loop: its debug mode would report so long a step.
        self._cpu = CpuWork.calibrate() if config.work == "cpu" else None
        self._config = config

    async def jobs(
        self, on_read: Callable[[int], None] = lambda _job: None
    ) -> AsyncGenerator[int, None]:
        """1..``--jobs`` (graceful-stop: endless for 0), each passed to ``on_read``."""
        count, pattern = self._config.jobs, self._config.pattern
        endless = count == 0 and pattern == "graceful-stop"
        for job in itertools.count(1) if endless else range(1, count + 1):
            on_read(job)
            yield job

    async def run(self, job: int) -> int:
        """Do the job's work; return its result or raise its injected failure."""
        if self._cpu is None:
            await asyncio.sleep(self._config.work_ms / 1000)
        for chunk in self._cpu.chunks(self._config.work_ms) if self._cpu else ():
            burn(chunk)
            await asyncio.sleep(0)  # the loop's turn: timers, signals, cancellation
        return job_result(job, self._config.fail_every)
