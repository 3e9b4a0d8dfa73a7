"""A service that stops gracefully: stop taking jobs, drain, then cancel.

``Service.serve`` runs ``workers`` tasks in one ``asyncio.TaskGroup``;
each takes the next job from a shared source and handles it, until the
source runs dry or ``stop()`` is called. After ``stop()`` no worker takes
another job, and the jobs in flight get ``drain`` seconds to finish. The
whole group runs inside ``asyncio.timeout(None)``, a deadline that is not
set until ``stop()`` sets it: when it passes, the timeout cancels the
group, the group cancels every worker, and each job in flight gets
CancelledError at the ``await`` it is waiting in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Generic, TypeVar

J = TypeVar("J")

Handler = Callable[[int, J], Awaitable[None]]
"""Handles one job on the worker numbered by the first argument (1..n).

It reports the job's outcome itself, as a request handler does; an
exception that escapes it is a bug, and stops the whole service."""


class Service(Generic[J]):
    """Workers that take jobs until told to stop, then drain."""

    def __init__(self, *, workers: int, drain: float) -> None:
        """Serve with ``workers`` workers; give jobs ``drain`` seconds to finish.

        Raises ValueError if ``workers`` < 1 or ``drain`` < 0.
        """
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if drain < 0:
            raise ValueError(f"drain must be >= 0 seconds, got {drain}")
        self._workers = workers
        self._drain = drain
        self._stopping = False
        self._deadline: asyncio.Timeout | None = None

    def stop(self) -> None:
        """Stop taking jobs; the ones in flight have ``drain`` seconds left.

        Call it on the event loop's thread (from a signal handler, through
        ``loop.call_soon_threadsafe``). Calling it again changes nothing.
        """
        if self._stopping:
            return
        self._stopping = True
        if self._deadline is not None:
            self._deadline.reschedule(asyncio.get_running_loop().time() + self._drain)

    async def serve(self, jobs: Iterable[J], handle: Handler[J]) -> None:
        """Handle ``jobs`` until they run out, or until stopped and drained.

        Raises TimeoutError when the drain deadline passed and jobs still
        in flight had to be cancelled. Every worker has ended when it
        returns or raises.
        """
        source = iter(jobs)
        self._deadline = asyncio.timeout(None)
        try:
            async with self._deadline, asyncio.TaskGroup() as group:
                for worker in range(1, self._workers + 1):
                    group.create_task(self._take_jobs(worker, source, handle))
        finally:
            self._deadline = None

    async def _take_jobs(
        self, worker: int, source: Iterator[J], handle: Handler[J]
    ) -> None:
        # Checked before taking each job, so that once stop() has been
        # called no worker starts another one.
        while not self._stopping:
            try:
                job = next(source)
            except StopIteration:
                return  # the source ran dry
            await handle(worker, job)
