"""A deadline for one operation on the event loop, and a real cancellation.

``call_with_deadline`` awaits an operation inside ``asyncio.timeout``.
At the deadline the timeout cancels the task that awaits, so the operation
gets CancelledError at the ``await`` it is blocked in, unwinds (its
``finally`` blocks and ``async with`` exits run), and only then does the
caller see the timeout. When it returns or raises, the operation has
stopped: nothing keeps running, writing or holding a connection after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


class DeadlineExceededError(TimeoutError):
    """The operation ran past its deadline and was cancelled."""


async def call_with_deadline(operation: Awaitable[T], seconds: float) -> T:
    """Await ``operation``, cancelling it if it takes longer than ``seconds``.

    Raises DeadlineExceededError when this deadline cut it short. A
    TimeoutError the operation raises itself (a deadline of its own inside)
    comes through as it is, and so does a cancellation of the caller: "too
    slow" stays apart from "failed" and from "no longer wanted".
    """
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            return await operation
    except TimeoutError as error:
        if deadline.expired():
            raise DeadlineExceededError(
                f"timed out after {seconds * 1000:g} ms"
            ) from error
        raise
