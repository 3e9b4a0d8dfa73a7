"""A worker pool on one event loop: at most ``workers`` jobs at once, each
outcome handed back as its job finishes.

The other patterns of this project are built on it: fan-out is a pool
without a limit, timeout a pool of timed calls, producer-consumer a pool
behind a bounded buffer, graceful-stop a pool with a stop and a drain.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable
from typing import Any, TypeVar

from .outcome import Outcome

J = TypeVar("J")
R = TypeVar("R")
T = TypeVar("T")


def run(
    jobs: AsyncIterable[J],
    handle: Callable[[J, int], Awaitable[R]],
    *,
    workers: int | None,
    stop: asyncio.Event | None = None,
) -> AsyncGenerator[Outcome[J, R], None]:
    """Run ``handle(job, worker)`` on each job, at most ``workers`` at once.

    ``worker`` (1..workers) names the slot the job runs in; ``workers=None``
    sets no limit: every job starts as soon as it is read. The next job is
    read only when a worker is free, so ``jobs`` may block or never end and
    memory holds only the jobs in flight.

    Yields one Outcome per job as it finishes, and a worker takes its next
    job only once the caller has asked for the next outcome. A job whose
    handler raises is an Outcome with that error (a job cancelled from
    outside: ``CancelledError``); the pool goes on. It ends once ``jobs``
    ends or ``stop`` is set, and the jobs in flight have finished; a job
    read as the stop came is handed back unstarted, with CancelledError. If
    ``jobs`` raises, the jobs in flight finish and are handed back, then
    the error is raised.

    Closing it early (``aclose()``, leaving ``contextlib.aclosing``, or
    cancelling the task that iterates) cancels the jobs in flight and waits
    for them. Raises ValueError, here and not once iterated, if ``workers``
    is below 1.
    """
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return _run(jobs, handle, workers, stop)


async def _run(
    jobs: AsyncIterable[J],
    handle: Callable[[J, int], Awaitable[R]],
    workers: int | None,
    stop: asyncio.Event | None,
) -> AsyncGenerator[Outcome[J, R], None]:
    source = aiter(jobs)
    # Every task this loop starts reports here as it ends: one wait for
    # whichever comes first, however many jobs run.
    ended: asyncio.Queue[asyncio.Future[Any]] = asyncio.Queue()

    def start(work: Awaitable[T]) -> asyncio.Future[T]:
        task = asyncio.ensure_future(work)
        task.add_done_callback(ended.put_nowait)
        return task

    running: dict[asyncio.Future[R], tuple[J, int]] = {}
    free_workers: list[int] = []  # numbers of workers that finished a job
    reading: asyncio.Future[J] | None = None
    intake_open = stop is None or not stop.is_set()
    stopped = start(stop.wait()) if stop and intake_open else None
    source_error: Exception | None = None
    try:
        while True:
            if stop is not None and stop.is_set():
                intake_open = False  # even before ``stopped`` has reported
            has_room = workers is None or len(running) < workers
            if intake_open and reading is None and has_room:
                # Reading is a task of its own: a source that blocks must not
                # hold back the outcomes of jobs that finish meanwhile.
                reading = start(anext(source))
            if not running and reading is None:
                break
            done = await ended.get()
            if done is reading:
                job_or_end, reading = _read(reading), None
                if isinstance(job_or_end, _End):
                    intake_open, source_error = False, job_or_end.error
                elif stop is not None and stop.is_set():
                    # Read as the stop came, before this loop saw it: it
                    # has left the source but must not start.
                    yield Outcome(job_or_end, error=asyncio.CancelledError())
                else:
                    worker = free_workers.pop() if free_workers else len(running) + 1
                    work = _call(handle, job_or_end, worker)
                    running[start(work)] = (job_or_end, worker)
            elif done is stopped:
                # Wakes the read that waits for input.
                intake_open, stopped = False, None
                if reading is not None:
                    reading.cancel()
            elif done in running:
                job, worker = running.pop(done)
                free_workers.append(worker)
                yield _outcome(job, done)
        if source_error is not None:
            raise source_error
    finally:
        # Whatever ended the loop, no task it started outlives it. (Not a
        # TaskGroup: around a yield, its cancellation would land in the
        # caller's code while the generator waits to be resumed.)
        unfinished: list[asyncio.Future[Any]] = [*running]
        unfinished += [w for w in (reading, stopped) if w is not None]
        for waiting in unfinished:
            waiting.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)


async def _call(handle: Callable[[J, int], Awaitable[R]], job: J, worker: int) -> R:
    # Called in the job's task: a plain function that raises before it
    # returns an awaitable fails its job, not the pool.
    return await handle(job, worker)


class _End:
    """The source has nothing more: it ran dry, raised ``error``, or was stopped."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error


def _read(reading: asyncio.Future[J]) -> J | _End:
    if reading.cancelled():
        return _End()
    try:
        return reading.result()
    except StopAsyncIteration:
        return _End()
    except Exception as error:
        return _End(error)


def _outcome(job: J, task: asyncio.Future[R]) -> Outcome[J, R]:
    if task.cancelled():
        return Outcome(job, error=asyncio.CancelledError())
    error = task.exception()
    if error is not None:  # not ``if error``: an exception may be falsy
        return Outcome(job, error=error)
    return Outcome(job, task.result())
