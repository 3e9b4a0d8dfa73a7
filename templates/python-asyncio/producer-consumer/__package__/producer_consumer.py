"""Producer-consumer on one event loop: a bounded buffer between two sides.

A producer task moves jobs from the source into an ``asyncio.Queue`` of
``buffer`` slots; ``workers`` consumers take them out, one at a time, as
they are free. A full buffer makes the producer wait (backpressure), an
empty one makes the consumers wait, without using CPU. The consumers are
the worker pool of ``worker_pool.py``, reading from the buffer.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable
from contextlib import aclosing
from typing import Generic, TypeVar

from . import worker_pool
from .outcome import Outcome

J = TypeVar("J")
R = TypeVar("R")


def run(
    jobs: AsyncIterable[J],
    handle: Callable[[J, int], Awaitable[R]],
    *,
    workers: int,
    buffer: int,
) -> AsyncGenerator[Outcome[J, R], None]:
    """Pass ``jobs`` through a buffer of ``buffer`` slots to ``workers`` consumers.

    ``handle(job, consumer)`` runs once per job, on the consumer (1..workers)
    that took it out; the producer reads the next job only once the previous
    one has a slot. Yields one Outcome per job as it ends; a job whose
    handler raises is an Outcome with that error. Once the source ends, the
    consumers empty the buffer and the run ends. If the source raises, the
    jobs taken finish and are handed back, then the error is raised.
    Closing early cancels the producer and the jobs in flight, and waits for
    them. Raises ValueError, at the call, if ``workers`` or ``buffer`` is
    below 1.
    """
    if buffer < 1:
        raise ValueError(f"buffer must be at least 1, got {buffer}")
    slots = _Buffer[J](buffer)
    consumers = worker_pool.run(slots.taken(), handle, workers=workers)
    return _produce_and_consume(jobs, slots, consumers)


async def _produce_and_consume(
    jobs: AsyncIterable[J],
    slots: _Buffer[J],
    consumers: AsyncGenerator[Outcome[J, R], None],
) -> AsyncGenerator[Outcome[J, R], None]:
    async def produce() -> None:
        try:
            async for job in jobs:
                await slots.put(job)  # waits while the buffer is full
        finally:
            # No sentinel among the jobs: the end of input is the buffer's own
            # state, so no job can be taken for it, whoever reads.
            slots.end_of_input()

    producer = asyncio.create_task(produce())
    try:
        async with aclosing(consumers) as outcomes:
            async for outcome in outcomes:
                yield outcome
        await producer  # raises the source's error, if any
    finally:
        producer.cancel()
        await asyncio.gather(producer, return_exceptions=True)


class _Buffer(Generic[J]):
    """A bounded queue that its producer ends, waking the consumer waiting."""

    def __init__(self, size: int) -> None:
        # A job travels in a 1-tuple, so that None can be the end marker
        # of Python 3.11 and 3.12 and a job can still be None itself.
        self._queue: asyncio.Queue[tuple[J] | None] = asyncio.Queue(maxsize=size)
        self._ended = False

    async def put(self, job: J) -> None:
        await self._queue.put((job,))

    async def take(self) -> tuple[J] | None:
        """The next job in a 1-tuple, or None once input ended and all is taken."""
        if sys.version_info >= (3, 13):
            try:
                return await self._queue.get()
            except asyncio.QueueShutDown:
                return None
        else:
            if self._ended and self._queue.empty():
                return None
            return await self._queue.get()

    async def taken(self) -> AsyncGenerator[J, None]:
        """Each job, as the consumers take it out, until input ended."""
        while (job := await self.take()) is not None:
            yield job[0]

    def end_of_input(self) -> None:
        if sys.version_info >= (3, 13):
            self._queue.shutdown()  # wakes the get() waiting on the empty queue
        else:
            self._ended = True
            # Only one task takes (worker_pool.run reads one job at a time):
            # a taker can be waiting only on an empty queue, where a marker
            # fits; otherwise it sees the end once it has taken the rest.
            if self._queue.empty():
                self._queue.put_nowait(None)
