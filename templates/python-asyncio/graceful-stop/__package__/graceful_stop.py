"""A service that stops gracefully: stop taking jobs, drain, then cancel.

``run`` is the worker pool of ``worker_pool.py`` with a stop: once ``stop``
is set no job is read any more (a read waiting for input is woken), the
jobs in flight get ``drain`` seconds to finish, and then each one still
running gets CancelledError at the ``await`` it waits in.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable
from contextlib import aclosing
from typing import TypeVar

from . import worker_pool
from .outcome import Outcome

J = TypeVar("J")
R = TypeVar("R")


def run(
    jobs: AsyncIterable[J],
    handle: Callable[[J, int], Awaitable[R]],
    *,
    workers: int,
    stop: asyncio.Event,
    drain: float,
) -> AsyncGenerator[Outcome[J, R], None]:
    """Serve ``jobs`` with ``handle(job, worker)`` until they end or ``stop``.

    Yields one Outcome per job as it ends; a job cut short by the drain
    deadline has a CancelledError. It ends once every job taken has ended.
    Reading, failures and closing early work as in ``worker_pool.run``.
    Raises ValueError, at the call, if ``workers`` < 1 or ``drain`` < 0.
    """
    if drain < 0:
        raise ValueError(f"drain must be at least 0 seconds, got {drain}")
    in_flight: set[asyncio.Task[object]] = set()
    drained = False

    async def handle_in_flight(job: J, worker: int) -> R:
        if drained:  # started past the deadline: cancelled before it begins
            raise asyncio.CancelledError
        # Each job runs as a task of its own (worker_pool.run): this one.
        task = asyncio.current_task()
        assert task is not None
        in_flight.add(task)
        try:
            return await handle(job, worker)
        finally:
            in_flight.discard(task)

    async def cancel_after_drain() -> None:
        nonlocal drained
        await stop.wait()
        await asyncio.sleep(drain)
        drained = True
        for task in in_flight:
            task.cancel()

    async def serve(
        pool: AsyncGenerator[Outcome[J, R], None],
    ) -> AsyncGenerator[Outcome[J, R], None]:
        deadline = asyncio.create_task(cancel_after_drain())
        try:
            async with aclosing(pool) as outcomes:
                async for outcome in outcomes:
                    yield outcome
        finally:
            deadline.cancel()
            await asyncio.gather(deadline, return_exceptions=True)

    # The pool is made here, not in serve: a bad ``workers`` raises now.
    return serve(worker_pool.run(jobs, handle_in_flight, workers=workers, stop=stop))
