"""A worker pool on one event loop: a fixed number of tasks share a queue.

``run_pool`` feeds jobs into a bounded ``asyncio.Queue`` that ``workers``
tasks drain, all inside one ``asyncio.TaskGroup``, and returns every job's
outcome. The queue is bounded, so jobs are taken from the input only as
workers become free: a generator of a million jobs is never in memory at
once. The outcomes are, since they are all returned together; for an
endless source, hand each outcome on as it comes instead of keeping it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

J = TypeVar("J")
R = TypeVar("R")

Handler = Callable[[int, J], Awaitable[R]]
"""Processes one job on the worker numbered by the first argument (1..n)."""


@dataclass(frozen=True, slots=True)
class Outcome(Generic[R]):
    """How one job ended: with ``value``, or by raising ``error``."""

    value: R | None = None
    error: Exception | None = None


async def run_pool(
    handle: Handler[J, R], jobs: Iterable[J], *, workers: int
) -> list[Outcome[R]]:
    """Process ``jobs`` on ``workers`` workers; return outcomes in input order.

    At most ``workers`` jobs run at once. A job whose handler raises gets
    the exception as its outcome and its worker goes on with the next job.
    When ``run_pool`` returns or is cancelled, every worker has ended.
    Raises ValueError if ``workers`` < 1: no worker would ever take a job.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    queue: asyncio.Queue[tuple[int, J]] = asyncio.Queue(maxsize=workers)
    outcomes: dict[int, Outcome[R]] = {}

    async def work(worker: int) -> None:
        while True:
            index, job = await queue.get()
            try:
                outcomes[index] = Outcome(value=await handle(worker, job))
            except Exception as error:
                outcomes[index] = Outcome(error=error)
            finally:
                # In finally, so that every job taken is marked done however
                # it ended: one missing task_done() and join() waits forever.
                queue.task_done()

    async with asyncio.TaskGroup() as group:
        pool = [group.create_task(work(worker)) for worker in range(1, workers + 1)]
        for index, job in enumerate(jobs):
            await queue.put((index, job))  # waits while every worker is busy
        await queue.join()
        # Every job is done and every worker waits on the empty queue: a
        # worker cancelled there has nothing left to lose. One sentinel per
        # worker would do too; a single one would leave the others waiting.
        for worker_task in pool:
            worker_task.cancel()
    return [outcomes[index] for index in range(len(outcomes))]
