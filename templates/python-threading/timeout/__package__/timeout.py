"""Timeout: run an operation under a deadline, and really stop it there.

A thread cannot be killed. ``future.result(timeout=...)`` raises
TimeoutError at the deadline, but the operation goes on running, and may
write or send something long after the caller gave up on it. So the
deadline travels into the operation instead, as a ``Deadline`` that it
waits on rather than sleeping and checks between steps of computation, the
way Go passes a context: at the deadline the operation's own waits wake up,
it stops, and only then does the caller see TimeoutError.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

R = TypeVar("R")


class Deadline:
    """Time to stop: at a moment on the monotonic clock, or on ``cancel``.

    Has the ``is_set`` and ``wait`` of ``threading.Event``, so an operation
    written against an Event accepts a Deadline unchanged.
    """

    def __init__(self, seconds: float, cancel: threading.Event) -> None:
        """A deadline ``seconds`` from now, or sooner if ``cancel`` is set."""
        self._at = time.monotonic() + seconds
        self._cancel = cancel

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return time.monotonic() >= self._at

    def is_set(self) -> bool:
        """Whether the operation must stop: deadline passed, or cancelled."""
        return self._cancel.is_set() or self.expired()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until it is time to stop (True) or ``timeout`` passes (False).

        Blocked means asleep: it waits on the cancel event itself, at most
        until the deadline, and never polls.
        """
        until = self._at
        if timeout is not None:
            until = min(until, time.monotonic() + timeout)
        # A timed wait may return a hair early: wait out the rest, or a
        # deadline reached in that hair would go unnoticed.
        while (left := until - time.monotonic()) > 0:
            if self._cancel.wait(left):
                return True
        return self.expired()


def call_with_timeout(
    operation: Callable[[Deadline], R], seconds: float, cancel: threading.Event
) -> R:
    """Run ``operation(deadline)`` and return its result, within ``seconds``.

    The operation must stop soon after ``deadline.is_set()``: wait on
    ``deadline.wait(...)`` rather than sleep, check ``is_set()`` between
    steps of computation. Raises TimeoutError if it ends after the deadline,
    whether it raised or returned: a late result is never used. If ``cancel``
    is set first, the operation's own exception propagates instead.
    """
    deadline = Deadline(seconds, cancel)
    try:
        result = operation(deadline)
    except Exception as error:
        if deadline.expired() and not cancel.is_set():
            raise TimeoutError(f"no result within {seconds} s") from error
        raise
    if deadline.expired() and not cancel.is_set():
        raise TimeoutError(f"no result within {seconds} s")
    return result
