"""Producer-consumer on one event loop: a bounded queue between two sides.

``produce_consume`` puts items into an ``asyncio.Queue`` of ``buffer``
slots while ``consumers`` tasks take them out and handle them, all inside
one ``asyncio.TaskGroup``. A full queue makes the producer wait
(backpressure); an empty one makes the consumers wait, without using CPU.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

Consumer = Callable[[int, T], Awaitable[object]]
"""Handles one item on the consumer numbered by the first argument (1..n)."""


async def produce_consume(
    items: Iterable[T], consume: Consumer[T], *, consumers: int, buffer: int
) -> list[tuple[T, Exception]]:
    """Pass ``items`` through a queue of ``buffer`` slots to ``consumers``.

    The calling task is the producer: it takes the next item from ``items``
    only once the previous one has found a slot. Every item is handled
    exactly once, by one consumer. Returns the items whose handler raised,
    with the exception, in the order they failed; a failure does not stop
    its consumer. When it returns or is cancelled, every consumer has ended.
    Raises ValueError if ``consumers`` or ``buffer`` is below 1: no consumer
    would ever take an item, and ``asyncio.Queue(maxsize=0)`` is unbounded.
    """
    if consumers < 1:
        raise ValueError(f"consumers must be at least 1, got {consumers}")
    if buffer < 1:
        raise ValueError(f"buffer must be at least 1, got {buffer}")
    queue: asyncio.Queue[T] = asyncio.Queue(maxsize=buffer)
    failures: list[tuple[T, Exception]] = []

    async def consumer(number: int) -> None:
        while True:
            item = await queue.get()
            try:
                await consume(number, item)
            except Exception as error:
                failures.append((item, error))
            finally:
                # In finally, so that every item taken is marked done however
                # it ended: one missing task_done() and join() waits forever.
                queue.task_done()

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(consumer(n)) for n in range(1, consumers + 1)]
        for item in items:
            await queue.put(item)  # waits while the buffer is full
        # The end of input is not an item: no sentinel can be mistaken for
        # data, and none can be one short when there are many consumers.
        # join() returns once every item has been handled; the consumers
        # then all wait on the empty queue, where cancelling loses nothing.
        await queue.join()
        for task in tasks:
            task.cancel()
    return failures
