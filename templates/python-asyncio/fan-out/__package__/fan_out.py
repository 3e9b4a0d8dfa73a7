"""Fan-out / fan-in on one event loop: start every call at once, gather all.

``fan_out`` runs each awaitable as a task of one ``asyncio.TaskGroup`` and
returns once all of them have ended, with every outcome: a value, or the
exception that call raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """How one call ended: with ``value``, or by raising ``error``."""

    value: T | None = None
    error: Exception | None = None


async def fan_out(calls: Iterable[Awaitable[T]]) -> list[Outcome[T]]:
    """Run every call concurrently and return their outcomes, in input order.

    A call that raises does not disturb the others: its exception comes
    back as its outcome. When ``fan_out`` returns, every call has ended; if
    it is cancelled, every call still running is cancelled and awaited
    before the cancellation goes on.
    """
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(_settle(call)) for call in calls]
    # Leaving the block waited for every task, so each result is ready.
    return [task.result() for task in tasks]


async def _settle(call: Awaitable[T]) -> Outcome[T]:
    # A TaskGroup treats an exception escaping a task as fatal for the group:
    # it cancels the other tasks. Fan-in wants every outcome, so each task
    # catches its own failure. CancelledError is not an Exception and passes.
    try:
        return Outcome(value=await call)
    except Exception as error:
        return Outcome(error=error)
