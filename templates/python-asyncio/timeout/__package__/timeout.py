"""A deadline per operation on one event loop, and a real cancellation at it.

``call`` awaits one operation inside ``asyncio.timeout``: at the deadline
the operation gets CancelledError at the ``await`` it waits in, unwinds
(its ``finally`` blocks and ``async with`` exits run), and only then does
the caller see TimeoutError. Nothing keeps running after it. ``run`` is the
worker pool of ``worker_pool.py``, calling ``call`` on each job.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable
from typing import TypeVar

from . import worker_pool
from .outcome import Outcome

J = TypeVar("J")
R = TypeVar("R")


async def call(
    job: J,
    handle: Callable[[J], Awaitable[R]],
    *,
    timeout: float,  # noqa: ASYNC109 (the deadline, which asyncio.timeout enforces)
) -> R:
    """Return ``await handle(job)``, cancelled if it takes over ``timeout`` s.

    Raises TimeoutError once the cancelled operation has unwound. A
    cancellation of the caller passes through as it is.
    """
    async with asyncio.timeout(timeout):
        return await handle(job)


def run(
    jobs: AsyncIterable[J],
    handle: Callable[[J], Awaitable[R]],
    *,
    workers: int,
    timeout: float,  # each job's own deadline, passed to call
) -> AsyncGenerator[Outcome[J, R], None]:
    """``call`` each job under ``timeout`` s, at most ``workers`` at once.

    Yields one Outcome per job as it ends; a job past its deadline has a
    TimeoutError (as has one whose handler raised TimeoutError itself).
    Reading, failures and closing early work as in ``worker_pool.run``.
    Raises ValueError, at the call, if ``workers`` < 1 or ``timeout`` <= 0.
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be above 0 seconds, got {timeout}")

    async def timed(job: J, _worker: int) -> R:
        return await call(job, handle, timeout=timeout)

    return worker_pool.run(jobs, timed, workers=workers)
