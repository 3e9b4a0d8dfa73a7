"""Fan-out / fan-in on one event loop: start every job as soon as it arrives,
hand back each outcome as its job finishes.

It is the worker pool of ``worker_pool.py`` with no limit on the jobs at once.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable
from typing import TypeVar

from . import worker_pool
from .outcome import Outcome

J = TypeVar("J")
R = TypeVar("R")


def run(
    jobs: AsyncIterable[J], handle: Callable[[J], Awaitable[R]]
) -> AsyncGenerator[Outcome[J, R], None]:
    """Run ``handle(job)`` on every job at once; yield each Outcome as it ends.

    Every job read starts at once, so memory grows with the jobs in flight:
    a source that never ends needs jobs that finish. A job whose handler
    raises is an Outcome with that error; the others go on. Jobs are read
    only while the caller waits for an outcome. Closing the generator
    early (``aclose()``, ``contextlib.aclosing``) cancels the jobs still
    running and waits for them; see ``worker_pool.run`` for a cancelled
    caller. If ``jobs`` raises, the jobs started finish first, then the
    error is raised.
    """

    async def handle_alone(job: J, _worker: int) -> R:
        return await handle(job)

    return worker_pool.run(jobs, handle_alone, workers=None)
