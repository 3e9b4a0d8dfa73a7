"""Timeout: each operation gets a deadline and is really cancelled past it."""

from __future__ import annotations

import asyncio
import contextlib

from .harness import InjectedFailureError, parse_config
from .runtime import TARGET, Jobs, run_until_cancelled
from .timeout import DeadlineExceededError, call_with_deadline


async def main(jobs: Jobs) -> None:
    """Run jobs 1..N, at most --workers at once, each under --timeout-ms."""
    jobs.submit_all()
    seconds = jobs.config.timeout_ms / 1000
    # A slot is taken before an operation starts and given back when it
    # ends, so the semaphore bounds how many run at once.
    slots = asyncio.Semaphore(jobs.config.workers)

    async def operation(job: int) -> None:
        async with slots:
            # A timeout or failure is this operation's outcome, reported by
            # jobs.run as it happens; the other operations go on.
            with contextlib.suppress(DeadlineExceededError, InjectedFailureError):
                await jobs.run(job, work=call_with_deadline(jobs.work(job), seconds))

    async with asyncio.TaskGroup() as group:
        for job in jobs.ids():
            group.create_task(operation(job))


if __name__ == "__main__":
    config = parse_config(
        pattern="timeout",
        target=TARGET,
        description=__doc__,
        jobs=1,
        work_ms=2000,
    )
    jobs = Jobs.start(config)
    run_until_cancelled(jobs, main(jobs))
