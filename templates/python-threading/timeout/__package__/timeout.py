"""Timeout: run a job under a deadline, and really stop it there.

A thread cannot be killed. ``future.result(timeout=...)`` raises
TimeoutError at the deadline, but the job goes on running, and may write
or send something long after the caller gave up on it. So the deadline
travels into the job instead, as a ``Deadline`` that the handler waits on
rather than sleeping and checks between steps of computation, the way Go
passes a context: at the deadline the job's own waits wake up, it stops,
and only then does the caller see TimeoutError.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterable

from .outcome import J, Outcome, R
from .workers import run_workers


class Deadline:
    """Time to stop: at a moment on the monotonic clock, or once ``stop`` is set.

    Has the ``is_set`` and ``wait`` of ``threading.Event``, so a handler
    written against an Event accepts a Deadline unchanged.
    """

    def __init__(self, seconds: float, stop: threading.Event | None = None) -> None:
        self._at = time.monotonic() + seconds
        self._stop = stop or threading.Event()

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return time.monotonic() >= self._at

    def is_set(self) -> bool:
        """Whether the job must stop: deadline passed, or stopped."""
        return self._stop.is_set() or self.expired()

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until it is time to stop (True) or ``timeout`` passes (False)."""
        until = (
            self._at if timeout is None else min(self._at, time.monotonic() + timeout)
        )
        # A timed wait may return a hair early: wait out the rest, or a
        # deadline reached in that hair would go unnoticed.
        while (left := until - time.monotonic()) > 0:
            if self._stop.wait(left):
                return True
        return self.expired()


def call(
    job: J,
    handle: Callable[[J, Deadline], R],
    *,
    timeout: float,
    stop: threading.Event | None = None,
) -> R:
    """Return ``handle(job, deadline)``, with a deadline ``timeout`` seconds away.

    The handler must stop soon after ``deadline.is_set()``: wait with
    ``deadline.wait(...)`` rather than sleep, check ``is_set()`` between
    steps of computation. Raises TimeoutError if it ends after the deadline,
    whether it raised or returned: a late result is never used. Once
    ``stop`` is set, the handler's own exception propagates instead.
    """
    deadline = Deadline(timeout, stop)
    late = f"no result within {timeout} s"
    try:
        result = handle(job, deadline)
    except Exception as error:
        if deadline.expired() and not (stop and stop.is_set()):
            raise TimeoutError(late) from error
        raise
    if deadline.expired() and not (stop and stop.is_set()):
        raise TimeoutError(late)
    return result


def run(
    jobs: Iterable[J],
    handle: Callable[[J, Deadline], R],
    *,
    workers: int,
    timeout: float,
    stop: threading.Event | None = None,
) -> Generator[Outcome[J, R], None, None]:
    """``call`` every job, ``workers`` at once; yield each Outcome as it ends.

    A job past its deadline comes back with a TimeoutError, a job that
    raises with its exception. Once ``stop`` is set no job starts (those
    read come back with a ``NotStartedError``) and the running ones see it
    through their deadline. Raises ValueError at once if ``workers`` < 1 or
    ``timeout`` <= 0.
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be above 0, got {timeout}")
    return run_workers(
        jobs,
        lambda job, _worker: call(job, handle, timeout=timeout, stop=stop),
        workers=workers,
        capacity=workers,
        stop=stop,
    )
